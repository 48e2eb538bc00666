"""Result model shared by every image/key verifier."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Problem(BaseModel):
    """One thing wrong with an image or key, with a stable id (e.g. ``esp.sbv2.digest_mismatch``)."""

    model_config = ConfigDict(frozen=True)

    id: str
    message: str
    detail: dict[str, Any] = Field(default_factory=dict)


class ImageReport(BaseModel):
    """What a verifier found in one file: its format, whether it is valid, and why not."""

    format: str
    path: str
    ok: bool
    problems: list[Problem] = Field(default_factory=list)
    info: dict[str, Any] = Field(default_factory=dict)

    def has(self, problem_id: str) -> bool:
        return any(p.id == problem_id for p in self.problems)


class UnusableInput(Exception):
    """The file or key cannot be read at all (missing, not a key, unknown format): exit 2."""


class VerifyOptions(BaseModel):
    """Everything a caller can tell the verifiers beyond the image bytes."""

    keys: list[str] = Field(default_factory=list)  # paths to public/private key files (PEM/DER)
    key_digests: list[str] = Field(default_factory=list)  # hex digests as burned in eFuse
    efuse_summary: str | None = None  # path to an `espefuse summary` output (text or JSON)
    chip: str | None = None  # esp32, esp32s3, ..., t186, t194, t234
    offset: int | None = None  # where the image starts inside a merged flash dump
    measured_boot: bool = False
    max_record_size: int | None = None
    security_counter: bool = False
    header_size: int | None = None
    fuse_hash: str | None = None
    fuse_info: str | None = None  # path to an odmfuseread.sh fuse_info.txt
    mcuboot_port: str | None = None  # "zephyr" | "tfm": picks the port's MAX_BOOT_RECORD_SZ default


@dataclass
class Findings:
    """What checking one file found: problems under ``platform``'s ids, and facts for the report."""

    platform: str
    problems: list[Problem] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def add(self, problem_id: str, message: str, **detail: Any) -> None:
        self.problems.append(Problem(id=f"{self.platform}.{problem_id}", message=message, detail=detail))

    def has(self, problem_id: str) -> bool:
        return any(p.id == f"{self.platform}.{problem_id}" for p in self.problems)

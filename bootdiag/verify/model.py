"""Result model shared by every image/key verifier."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bootdiag import platforms as registry


class Problem(BaseModel):
    """One thing wrong with an image or key, with a stable id from its platform's problem
    catalogue (e.g. ``esp.sbv2.digest_mismatch``): an id no platform declares is an error."""

    model_config = ConfigDict(frozen=True)

    id: str
    message: str
    detail: dict[str, Any] = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _declared(cls, value: str) -> str:
        if value not in registry.problem_catalogue():
            raise ValueError(f"problem id {value!r} is in no platform's problem catalogue")
        return value


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
    """Everything a caller can tell the verifiers beyond the image bytes: the options every
    platform understands, and each platform's own (its ``verify_options`` model).

    Platform fields may be given flat (``VerifyOptions(keys=[...], header_size=0x200)``): each goes
    to the platform whose model has it; :meth:`of` gives one platform's options.
    """

    model_config = ConfigDict(extra="forbid")

    keys: list[str] = Field(default_factory=list)  # paths to public/private key files (PEM/DER)
    chip: str | None = None  # a chip one of the platforms knows (``bootdiag verify --help`` lists them)
    offset: int | None = None  # where the image starts inside a merged flash dump
    platform: dict[str, Any] = Field(default_factory=dict)  # platform name -> its options model

    @model_validator(mode="before")
    @classmethod
    def _route(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        own = dict(data.pop("platform", None) or {})
        for p in registry.platforms():
            if p.verify_options is None:
                continue
            given = {k: data.pop(k) for k in list(data) if k in p.verify_options.model_fields}
            current = own.get(p.name)
            if given or current is None:
                merged = {**(current.model_dump() if isinstance(current, BaseModel) else current or {}), **given}
                own[p.name] = p.verify_options(**merged)
        unknown = sorted(set(data) - set(cls.model_fields))
        if unknown:
            raise ValueError(f"no platform has a verify option {unknown[0]!r}")
        data["platform"] = own
        return data

    @field_validator("chip")
    @classmethod
    def _known_chip(cls, value: str | None) -> str | None:
        if value is None:
            return None
        known = known_chips()
        if value.strip().lower().replace("-", "").replace("_", "") not in known:
            raise ValueError(f"unknown chip {value!r} (one of: {', '.join(sorted(known))})")
        return value

    def of(self, platform_name: str) -> Any:
        """The options of one platform (its model's defaults when none were given)."""
        found = self.platform.get(platform_name)
        if found is None:
            found = registry.platform(platform_name).option_defaults()
        return found


def known_chips() -> set[str]:
    """Every chip name (and alias) some platform accepts, normalised: lower case, no - or _."""
    return {c.lower().replace("-", "").replace("_", "") for p in registry.platforms() for c in p.chips}


@dataclass
class Findings:
    """What checking one file found: problems under ``platform``'s ids, and facts for the report.

    ``base`` is where the image starts in the file: offsets in problem details are file offsets.
    """

    platform: str
    problems: list[Problem] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    base: int = 0

    def add(self, problem_id: str, message: str, **detail: Any) -> None:
        self.problems.append(Problem(id=f"{self.platform}.{problem_id}", message=message, detail=detail))

    def has(self, problem_id: str) -> bool:
        return any(p.id == f"{self.platform}.{problem_id}" for p in self.problems)

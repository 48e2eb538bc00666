"""Result model shared by every image/key verifier."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

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


Verdict = Literal["valid", "invalid", "not_checked"]


class ImageReport(BaseModel):
    """What a verifier found in one file (or one image inside it): its format, the verdict, and why.

    The verdict has three states. ``invalid``: a problem the bootloader would reject the image for
    (``problems``). ``not_checked``: nothing wrong was found, but something the verdict needs is
    missing (``missing``: a trusted key, an eFuse summary, an encryption key), so the image is only
    partly checked (``checked`` says how far). ``valid``: every check was made and passed. ``ok`` is
    ``verdict == "valid"``. A container (a merged flash image, Intel HEX) lists its images in
    ``parts``; its verdict is the worst of theirs and its own.
    """

    format: str
    path: str
    problems: list[Problem] = Field(default_factory=list)
    checked: list[str] = Field(default_factory=list)  # what was checked, against what
    missing: list[str] = Field(default_factory=list)  # what a full verdict still needs
    info: dict[str, Any] = Field(default_factory=dict)
    offset: int | None = None  # where this image starts in the file (a part of a container)
    length: int | None = None  # how many bytes from there it takes (through its signature or TLVs)
    address: int | None = None  # its flash address, when known
    name: str | None = None  # what sits there: "bootloader", "partition table", "app ota_0", ...
    container: str | None = None  # what the file is when it is not the image itself: "intel-hex", "elf"
    parts: list["ImageReport"] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def verdict(self) -> Verdict:
        verdicts = {p.verdict for p in self.parts}
        if self.problems or "invalid" in verdicts:
            return "invalid"
        if self.missing or "not_checked" in verdicts:
            return "not_checked"
        return "valid"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ok(self) -> bool:
        return self.verdict == "valid"

    def has(self, problem_id: str) -> bool:
        return any(p.id == problem_id for p in self.all_problems())

    def all_problems(self) -> list[Problem]:
        """Its own problems and those of every part, in order."""
        found = list(self.problems)
        for part in self.parts:
            found.extend(part.all_problems())
        return found

    def all_missing(self) -> list[str]:
        found = list(self.missing)
        for part in self.parts:
            found.extend(m for m in part.all_missing() if m not in found)
        return found


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
    # The flash address the file's first byte is written to (`esptool write-flash ADDRESS FILE`); an
    # Intel HEX or ELF file brings its own. None: unknown (a raw file's offsets are taken as addresses).
    address: int | None = None
    platform: dict[str, Any] = Field(default_factory=dict)  # platform name -> its options model

    @model_validator(mode="before")
    @classmethod
    def _route(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        own = dict(data.pop("platform", None) or {})
        for p in registry.platforms():
            model = p.options_model()
            if model is None:
                continue
            given = {k: data.pop(k) for k in list(data) if k in model.model_fields}
            current = own.get(p.name)
            if given or current is None:
                merged = {**(current.model_dump() if isinstance(current, BaseModel) else current or {}), **given}
                own[p.name] = model(**merged)
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
        known = registry.known_chips()
        if registry.chip_key(value) not in known:
            raise ValueError(f"unknown chip {value!r} (one of: {', '.join(sorted(known))})")
        return value

    def of(self, platform_name: str) -> Any:
        """The options of one platform (its model's defaults when none were given)."""
        found = self.platform.get(platform_name)
        if found is None:
            found = registry.platform(platform_name).option_defaults()
        return found


@dataclass
class Findings:
    """What checking one file found: problems under ``platform``'s ids, what was checked and what a
    full verdict still needs, and facts for the report.

    ``base`` is where the image starts in the file: offsets in problem details are file offsets.
    """

    platform: str
    problems: list[Problem] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    base: int = 0
    checked: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def add(self, problem_id: str, message: str, **detail: Any) -> None:
        self.problems.append(Problem(id=f"{self.platform}.{problem_id}", message=message, detail=detail))

    def has(self, problem_id: str) -> bool:
        return any(p.id == f"{self.platform}.{problem_id}" for p in self.problems)

    def check(self, what: str) -> None:
        """Record a check that was made (it passed, or a problem says otherwise)."""
        if what not in self.checked:
            self.checked.append(what)

    def lack(self, what: str) -> None:
        """Record something a full verdict needs and does not have."""
        if what not in self.missing:
            self.missing.append(what)

    def report(self, format: str, path: str, **fields: Any) -> ImageReport:
        return ImageReport(
            format=format, path=path, problems=self.problems, checked=self.checked, missing=self.missing,
            info=self.info, **fields,
        )

"""What ``bootdiag check`` learns from a build folder, before anything is flashed.

A platform's ``check`` hook (:attr:`bootdiag.core.platform.Platform.check`) reads a build folder as
its build system left it and returns a :class:`BuildReading`: one :class:`BuildCheck` event for each
comparison it made (passed, failed, or undecided with what would decide it), the verifier's reports
of the images it read, and facts for the report. Prediction rules (``[[prediction]]`` tables in the
rule files) turn failed checks into the causes ``explain`` names after the fact.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from bootdiag import platforms as registry
from bootdiag.core.artifacts import ArtifactEvent
from bootdiag.core.events import Event

Outcome = Literal["pass", "fail", "undecided"]


class BuildCheck(ArtifactEvent):
    """One thing checked in a build folder: what was compared, and what the device will do with it."""

    kind: Literal["BuildCheck"] = "BuildCheck"
    value_sets = {"check": lambda: registry.check_catalogue()}
    check: str  # an id from the platform's check catalogue: "esp.app_fits_partition"
    outcome: Outcome
    subject: str  # the file or setting it is about
    detail: str  # one sentence: what was compared and found
    needs: str = ""  # when undecided: what would decide it

    def is_failure(self) -> bool:
        return self.outcome == "fail"


class BuildChecked(ArtifactEvent):
    """Every check of a build folder ran and none was left undecided: the prediction is complete."""

    kind: Literal["BuildChecked"] = "BuildChecked"
    completion: ClassVar[bool] = True
    platform: str
    checks: int


@dataclass(frozen=True)
class CheckRequest:
    """What a platform's check hook is given: the folder, the verify options (keys, the platform's
    own such as an eFuse summary or fuse information) and a port to read the device from."""

    folder: Path
    options: Any  # bootdiag.verify.VerifyOptions
    port: str | None = None


@dataclass
class BuildReading:
    """What a platform read from a build folder."""

    platform: str
    what: str  # for people: "ESP-IDF build for esp32s3"
    events: list[Event] = field(default_factory=list)
    verification: list[Any] = field(default_factory=list)  # ImageReport per image read
    facts: dict[str, str] = field(default_factory=dict)

    def checked(self, check: str, outcome: Outcome, subject: str, detail: str, needs: str = "") -> BuildCheck:
        if check not in registry.check_catalogue():
            raise ValueError(f"check id {check!r} is in no platform's check catalogue")
        event = BuildCheck(
            line=0, text=f"{subject}: {detail}" + (f" (would decide it: {needs})" if needs else ""),
            check=check, outcome=outcome, subject=subject, detail=detail, needs=needs,
        )
        self.events.append(event)
        return event

    def passed(self, check: str, subject: str, detail: str) -> BuildCheck:
        return self.checked(check, "pass", subject, detail)

    def failed(self, check: str, subject: str, detail: str) -> BuildCheck:
        return self.checked(check, "fail", subject, detail)

    def undecided(self, check: str, subject: str, detail: str, needs: str) -> BuildCheck:
        return self.checked(check, "undecided", subject, detail, needs)

    def checks(self) -> list[BuildCheck]:
        return [e for e in self.events if isinstance(e, BuildCheck)]

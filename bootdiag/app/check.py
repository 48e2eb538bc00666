"""``bootdiag check``: say before flashing whether the device will boot, from the build folder.

The platform whose build the folder is reads it (its ``check`` hook) and returns one event per check;
those events go through the same engine as a capture's, with the prediction rules, so a failure the
build already decides is reported under the id ``explain`` gives it after the boot, with its fix.
The report's checks list every comparison made; undecided ones say what would decide them.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bootdiag import platforms as registry
from bootdiag.core.build import BuildChecked, BuildReading, CheckRequest
from bootdiag.core.errors import InputError
from bootdiag.core.platform import load_function
from bootdiag.core.report import CheckResult, Report
from bootdiag.core.rules import Rule

# Where a project keeps its build when the folder given is the project itself.
BUILD_SUBFOLDERS = ("build",)


@dataclass
class CheckJob:
    folder: str | Path = "."
    options: dict[str, Any] = field(default_factory=dict)  # platform verify options (flat field names)
    keys: Sequence[str] = ()
    port: str | None = None
    rule_files: Sequence[Path] = ()

    def rules(self) -> list[Rule]:
        from bootdiag.core.pipeline import default_predictions

        return list(default_predictions(self.rule_files))


def read_build(job: CheckJob) -> BuildReading:
    """The reading of the first platform that knows the folder (or its build subfolder) as its build."""
    from bootdiag.app.run import _first_error
    from bootdiag.verify import VerifyOptions

    folder = Path(job.folder)
    if not folder.exists():
        raise InputError(f"{folder}: no such build folder")
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder (give the build folder the build system wrote)")
    try:
        options = VerifyOptions(keys=list(job.keys), **job.options)
    except ValueError as exc:
        raise InputError(_first_error(exc)) from None
    hooks = [(p, load_function(p.check)) for p in registry.platforms() if p.check]
    for candidate in (folder, *(folder / name for name in BUILD_SUBFOLDERS)):
        if not candidate.is_dir():
            continue
        for _platform, hook in hooks:
            reading = hook(CheckRequest(candidate, options, job.port))
            if reading is not None:
                return reading
    known = "; ".join(p.title.split(":")[0] for p, _ in hooks)
    raise InputError(f"{folder}: not a build folder bootdiag can read ({known})")


def check_job(job: CheckJob) -> Report:
    """Read the build folder and predict the boot: a report whose findings are failures that will happen."""
    from bootdiag.core.pipeline import Analyzer

    reading = read_build(job)
    checks = reading.checks()
    if not any(c.outcome == "undecided" for c in checks):
        reading.events.append(BuildChecked(line=0, text=f"{reading.what}: {len(checks)} checks, none undecided",
                                           platform=reading.platform, checks=len(checks)))
    analyzer = Analyzer(str(job.folder), job.rules())
    numbered = {}
    # Each event gets a number of its own: a check's is its place in the report's list of checks.
    for number, event in enumerate(reading.events, 1):
        moved = event.moved(number, event.text)
        numbered[id(event)] = number
        analyzer.feed_event(moved)
    report = analyzer.finish()
    report.context = {"build": reading.what, **reading.facts, **report.context}
    report.verification = list(reading.verification)
    report.checks = [
        CheckResult(number=numbered[id(c)], check=c.check, outcome=c.outcome, subject=c.subject, detail=c.detail, needs=c.needs)
        for c in checks
    ]
    report.stats = {"checks": len(checks), "events": report.stats.get("events", 0)}
    return report

"""Join the files beside a log to it: verified images and build configuration become events.

The log says what the device rejected; the image and configuration say why. Rules combine both
(conditions with ``scope = "capture"`` on ImageChecked / ImageProblem / BuildSetting).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from bootdiag import platforms as registry
from bootdiag.core.errors import InputError
from bootdiag.core.artifacts import BuildSetting, ImageChecked, ImageProblem
from bootdiag.core.events import Event
from bootdiag.core.files import TEXT_LIMIT, read_regular_text
from bootdiag.verify.model import ImageReport, UnusableInput, VerifyOptions



@cache
def _relevant_setting(key: tuple[str, ...]) -> re.Pattern[str]:
    """Settings that decide a diagnosis: the names the platforms say matter (Kconfig's ``CONFIG_``
    prefix or not)."""
    names = "|".join(f"(?:{p.settings})" for p in registry.platforms() if p.settings) or "(?!)"
    return re.compile(rf"(CONFIG_)?(?:{names})\w*")
_ASSIGNMENT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)(?::[A-Z]+)?\s*=\s*(.*?)\s*$")


def image_events(report: ImageReport) -> list[Event]:
    """An ImageChecked for the file and for each image inside it (a merged or HEX file's parts), and an
    ImageProblem for every problem found."""
    found: list[Event] = []
    for image, name in _images(report, Path(report.path).name):
        tlvs = [str(t.get("name") or t.get("type")) for t in image.info.get("tlvs", []) if isinstance(t, dict)]
        problems = [p.id for p in image.problems]
        verdict = {"valid": "valid", "not_checked": "not checked"}.get(image.verdict, "problems: " + ", ".join(problems))
        # A format that lists TLVs (or says it has none) shows them: rules read them from the event.
        listing = f"; TLVs: {', '.join(tlvs) if tlvs else 'none'}" if "tlvs" in image.info else ""
        found.append(ImageChecked(
            line=0, text=f"{name} ({image.format}): {verdict}{listing}",
            image=name, format=image.format, ok=image.ok, problems=problems, tlvs=tlvs,
        ))
        for problem in image.problems:
            found.append(ImageProblem(line=0, text=f"{name}: {problem.id}: {problem.message}", image=name,
                                      format=image.format, problem=problem.id, message=problem.message))
    return found


def _images(report: ImageReport, name: str) -> list[tuple[ImageReport, str]]:
    found = [(report, name)]
    for part in report.parts:
        where = f"0x{part.address:x}" if part.address is not None else f"+0x{part.offset or 0:x}"
        found.extend(_images(part, f"{name} {part.name or part.format} at {where}"))
    return found


def verify_images(images: Iterable[str], options: VerifyOptions) -> tuple[list[ImageReport], list[Event]]:
    from bootdiag.verify import verify_file

    reports: list[ImageReport] = []
    events: list[Event] = []
    for image in images:
        try:
            report = verify_file(image, options)
        except UnusableInput as exc:
            raise InputError(str(exc)) from None
        reports.append(report)
        events.extend(image_events(report))
    return reports, events


def config_events(path: str | Path) -> list[Event]:
    """``NAME=value`` / ``NAME:TYPE=value`` lines (sdkconfig, .config, CMakeCache.txt) that matter."""
    p = Path(path)
    text = read_regular_text(p, TEXT_LIMIT, "configuration")
    events: list[Event] = []
    relevant = _relevant_setting(registry.registry_key())
    for raw in text.splitlines():
        m = _ASSIGNMENT.match(raw)
        if not m or not relevant.fullmatch(m.group(1)):
            continue
        name, value = m.group(1), m.group(2).strip('"')
        events.append(BuildSetting(line=0, text=f"{p.name}: {name}={value}", source=p.name, name=name.removeprefix("CONFIG_"), value=value))
    # "# CONFIG_X is not set" is how Kconfig writes a disabled boolean.
    for m in re.finditer(r"^# (CONFIG_\w+) is not set$", text, re.MULTILINE):
        if relevant.fullmatch(m.group(1)):
            events.append(BuildSetting(line=0, text=f"{p.name}: {m.group(1)} is not set", source=p.name, name=m.group(1).removeprefix("CONFIG_"), value="n"))
    return events

"""What each file given beside the log showed, and where it contradicts the log.

An image, a key or a configuration is evidence only if it is what the device ran with. When it is
not (an image built for another chip, one that passes the very check the device failed, a key the
given eFuse trusts where the device said it does not), the report says so instead of letting the
file confirm the diagnosis. Each platform describes its own images (``Platform.file_view``); the
chip an image is built for is compared here, for every platform alike.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Callable

from bootdiag import platforms as registry
from bootdiag.core.platform import load_function
from bootdiag.core.report import CheckedFile, Finding, Report
from bootdiag.verify.model import ImageReport


@dataclass
class FileView:
    """What a platform reads in one of its images: a few lines, and where they disagree with the log."""

    shows: list[str] = field(default_factory=list)
    contradicts: list[str] = field(default_factory=list)


def checked_files(
    report: Report, images: Sequence[ImageReport], keys: Sequence[str], configs: Sequence[str], option_files: dict[str, str],
) -> list[CheckedFile]:
    """One entry per file given, in the order images, keys, configuration, option files."""
    files = [_image(image, report) for image in images]
    files += [CheckedFile(path=str(path), kind="key", shows=_key_lines(path)) for path in keys]
    files += [CheckedFile(path=str(path), kind="config", shows=_config_lines(path)) for path in configs]
    files += [
        CheckedFile(path=path, kind=flag.lstrip("-"), shows=[f"read as {flag}: the images above were checked against it"] if images else [])
        for flag, path in option_files.items()
    ]
    return files


def log_decided(report: Report) -> list[Finding]:
    """Findings the log decided by itself (a deciding line in the capture, not a file)."""
    return [f for f in report.findings if f.deciding_line]


def deciding_text(finding: Finding) -> str:
    """``line N: `text``` of the line that decided ``finding``."""
    text = next((e.text for e in finding.evidence if e.line == finding.deciding_line), "")
    return f"line {finding.deciding_line}: `{text}`" if text else f"line {finding.deciding_line}"


def _image(image: ImageReport, report: Report) -> CheckedFile:
    """One file: its image, or each image of a container (a merged flash image, Intel HEX), named by
    where it sits; then what a full verdict still needs."""
    from bootdiag.render.verify_text import verdict_text

    shows: list[str] = []
    contradicts: list[str] = []
    if image.parts:
        shows.append(f"{image.container or image.format} holding {len(image.parts)} images: {verdict_text(image)}")
        shows += [f"{p.id}: {p.message}" for p in image.problems]
    views = [(part, _platform_view(part, report)) for part in image.parts or [image]]
    # The log does not say which image of a container failed: "passes the check the device failed"
    # stands only when every image the platform reads in the file says so.
    read = [view for _, view in views if view is not None]
    judged = not image.parts or (bool(read) and all(view.contradicts for view in read))
    for part, view in views:
        where = _where(part) if image.parts else ""
        view = view or FileView(shows=_generic_lines(part))
        shows += [where + line for line in view.shows]
        contradicts += [where + line for line in (*_chip_contradiction(part, report), *(view.contradicts if judged else ()))]
    shows += [f"missing: {m}" for m in image.all_missing()]
    return CheckedFile(path=image.path, kind="image", shows=shows, contradicts=contradicts)


def _where(part: ImageReport) -> str:
    place = f"0x{part.address:x}" if part.address is not None else f"offset 0x{part.offset or 0:x}"
    return f"{place} {part.name or part.format}: "


def _platform_view(image: ImageReport, report: Report) -> FileView | None:
    for view in _views(registry.registry_key()):
        found = view(image, report)
        if found is not None:
            return found
    return None


@cache
def _views(key: tuple[str, ...]) -> tuple[Callable[[ImageReport, Report], FileView | None], ...]:
    return tuple(load_function(p.file_view) for p in registry.platforms() if p.file_view)


def _generic_lines(image: ImageReport) -> list[str]:
    from bootdiag.render.verify_text import verdict_text

    return [f"{image.format}: {verdict_text(image)}", *(f"{p.id}: {p.message}" for p in image.problems)]


def _normal_chip(name: Any) -> str:
    return registry.chip_key(str(name or ""))


def _chip_contradiction(image: ImageReport, report: Report) -> list[str]:
    built_for, ran_on = _normal_chip(image.info.get("chip")), _normal_chip(report.context.get("chip"))
    if not built_for or not ran_on or built_for.startswith("unknown") or built_for == ran_on:
        return []
    return [f"built for {built_for}, but the log's chip is {ran_on}: not the image this device ran"]


def _key_lines(path: str) -> list[str]:
    from bootdiag.core.errors import InputError
    from bootdiag.verify.keys import load_key, platform_digests
    from bootdiag.verify.model import UnusableInput

    try:
        key = load_key(path)
    except (UnusableInput, InputError, OSError) as exc:
        return [f"not read as a key: {exc}"]
    return [key.describe(), *(f"{label}: {digest}" for label, digest in platform_digests(key).items())]


def _config_lines(path: str) -> list[str]:
    from bootdiag.core.errors import InputError
    from bootdiag.core.join import config_events

    try:
        settings = config_events(path)
    except InputError as exc:
        return [str(exc)]
    name = Path(path).name + ": "
    return [event.text.removeprefix(name) for event in settings] or ["no setting that bears on booting or signing"]

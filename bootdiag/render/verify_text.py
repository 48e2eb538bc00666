"""Text view of one verifier report.

By default a few lines: the verdict (valid / invalid / partly checked / not checked), what was
checked against what, the problems, and what a full verdict still needs; a container adds one line
per image it holds. ``verbose`` adds every fact the verifier found, nested readably.
"""
from __future__ import annotations

import json
from typing import Any, TextIO

from bootdiag.render.controls import visible
from bootdiag.verify.model import ImageReport

_INDENT = "  "
_VERDICT_STYLE = {"valid": "bold green", "invalid": "bold red", "not_checked": "bold yellow"}


def _shown(text: str) -> str:
    """Text from the input (a file name, a value read from it), safe to print: control characters
    written out as escapes, then rich markup escaped."""
    from rich.markup import escape

    return escape(visible(text))


def verdict_text(report: ImageReport) -> str:
    if report.verdict != "not_checked":
        return report.verdict
    return "partly checked" if report.checked or any(p.checked for p in report.parts) else "not checked"


def render_verify_text(report: ImageReport, out: TextIO, color: bool = False, verbose: bool = False) -> None:
    from rich.console import Console

    console = Console(file=out, force_terminal=color, no_color=not color, highlight=False, soft_wrap=True, emoji=False)
    for line in _summary(report):
        console.print(line)
    if verbose:
        _details(console, report)


def _summary(report: ImageReport) -> list[str]:
    style = _VERDICT_STYLE[report.verdict]
    what = report.format + (f" in {report.container}" if report.container else "")
    chip = report.info.get("chip")
    if isinstance(chip, str):
        what += f" ({chip})"
    lines = [f"{_shown(report.path)}: {_shown(what)}: [{style}]{verdict_text(report)}[/]"]
    if report.checked:
        lines.append(f"{_INDENT}[dim]checked:[/] {_shown('; '.join(report.checked))}")
    lines.extend(_digest_lines(report))
    lines.extend(_problem_lines(report.problems, 1))
    for part in report.parts:
        lines.extend(_part_lines(part))
    missing = report.all_missing()
    for item in missing:
        lines.append(f"{_INDENT}[yellow]missing:[/] {_shown(item)}")
    return lines


def _digest_lines(report: ImageReport) -> list[str]:
    digests = report.info.get("digests")
    if not isinstance(digests, dict) or not digests:
        return []
    width = max(len(label) for label in digests)
    return [f"{_INDENT}{label:<{width}}  {value}" for label, value in digests.items()]


def _problem_lines(problems: list[Any], depth: int) -> list[str]:
    pad = _INDENT * depth
    return [f"{pad}[red]{_shown(p.id)}[/]: {_shown(p.message)}" for p in problems]


def _part_lines(part: ImageReport) -> list[str]:
    where = f"0x{part.address:x}" if part.address is not None else f"+0x{part.offset or 0:x}"
    name = part.name or part.format
    style = _VERDICT_STYLE[part.verdict]
    lines = [f"{_INDENT}{where:<9} {_shown(name)} ({_shown(part.format)}): [{style}]{verdict_text(part)}[/]"]
    lines.extend(_problem_lines(part.problems, 3))
    for sub in part.parts:
        lines.extend(_INDENT * 2 + line for line in _part_lines(sub))
    return lines


def _details(console: Any, report: ImageReport) -> None:
    if report.info:
        console.print()
        for key, value in report.info.items():
            console.print(_shown("\n".join(_lines(key, value, 1))))
    for part in report.parts:
        console.print()
        where = f"0x{part.address:x}" if part.address is not None else f"+0x{part.offset or 0:x}"
        console.print(f"[bold]{_shown(part.name or part.format)}[/] at {where}: {_shown(part.format)}, "
                      f"[{_VERDICT_STYLE[part.verdict]}]{verdict_text(part)}[/]")
        if part.checked:
            console.print(f"{_INDENT}[dim]checked:[/] {_shown('; '.join(part.checked))}")
        for key, value in part.info.items():
            console.print(_shown("\n".join(_lines(key, value, 1))))


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "-"
    return str(value)


def _is_flat(value: Any) -> bool:
    return not isinstance(value, (dict, list)) or (
        isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value)
    )


def _lines(name: str, value: Any, depth: int) -> list[str]:
    pad = _INDENT * depth
    if isinstance(value, dict):
        if all(_is_flat(v) for v in value.values()) and len(json.dumps(value, default=str)) < 100:
            inner = ", ".join(f"{k}={_scalar(v) if not isinstance(v, list) else '/'.join(map(str, v))}" for k, v in value.items())
            return [f"{pad}{name}: {inner}"]
        out = [f"{pad}{name}:"]
        for key, sub in value.items():
            out.extend(_lines(str(key), sub, depth + 1))
        return out
    if isinstance(value, list):
        if not value:
            return [f"{pad}{name}: none"]
        if all(not isinstance(v, (dict, list)) for v in value):
            return [f"{pad}{name}: {', '.join(_scalar(v) for v in value)}"]
        out = [f"{pad}{name}:"]
        for i, item in enumerate(value):
            out.extend(_lines(f"[{i}]", item, depth + 1))
        return out
    return [f"{pad}{name}: {_scalar(value)}"]

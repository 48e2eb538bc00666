"""Text view of one verifier report: verdict, problems, then the facts found, nested readably."""
from __future__ import annotations

import json
from typing import Any, TextIO

from bootdiag.render.controls import visible
from bootdiag.verify.model import ImageReport

_INDENT = "  "


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


def render_verify_text(report: ImageReport, out: TextIO) -> None:
    verdict = "valid" if report.ok else f"{len(report.problems)} problem{'s' if len(report.problems) != 1 else ''}"
    lines = [f"{report.path}: {report.format}, {verdict}"]
    lines += [f"{_INDENT}{problem.id}: {problem.message}" for problem in report.problems]
    if report.info:
        lines.append("")
        for key, value in report.info.items():
            lines.extend(_lines(key, value, 1))
    out.write(visible("\n".join(lines)) + "\n")  # a file name's control characters stay text

"""Renderers: each turns a :class:`~bootdiag.core.report.Report` into text for one audience."""
from __future__ import annotations

from typing import TextIO

from bootdiag.core.report import Report

FORMATS = ("text", "json", "markdown")


def render(report: Report, fmt: str, out: TextIO, color: bool | None = None) -> None:
    if fmt == "json":
        from bootdiag.render.json import render_json

        render_json(report, out)
    elif fmt == "markdown":
        from bootdiag.render.markdown import render_markdown

        render_markdown(report, out)
    else:
        from bootdiag.render.terminal import render_terminal

        render_terminal(report, out, color=color)

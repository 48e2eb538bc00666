"""Renderers: each turns a :class:`~bootdiag.report.Report` into text for one audience."""
from __future__ import annotations

from typing import TextIO

from ..report import Report

FORMATS = ("text", "json", "markdown")


def render(report: Report, fmt: str, out: TextIO, color: bool | None = None) -> None:
    if fmt == "json":
        from .json import render_json

        render_json(report, out)
    elif fmt == "markdown":
        from .markdown import render_markdown

        render_markdown(report, out)
    else:
        from .terminal import render_terminal

        render_terminal(report, out, color=color)

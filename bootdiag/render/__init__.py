"""Renderers: each turns a :class:`~bootdiag.core.report.Report` into text for one audience.

:data:`FORMATS` is the one list of report formats; every command that prints a report offers
these names (a command that prints something else, such as ``verify`` or ``scan``, offers its own
subset and says so in its help).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from bootdiag.core.value import Frozen, set_fields

if TYPE_CHECKING:
    from bootdiag.core.report import Report


class Format(Frozen):
    name: str
    help: str
    _fields = ("name", "help")

    def __init__(self, name: str, help: str) -> None:
        set_fields(self, name=name, help=help)


FORMATS: dict[str, Format] = {
    "text": Format("text", "for people: root cause, evidence lines and the fix"),
    "json": Format("json", "for programs: schema bootdiag.report/1 (python -m bootdiag.core.schema prints it)"),
    "markdown": Format("markdown", "for bug reports and forum posts: GitHub-flavoured Markdown"),
}


def render(report: Report, fmt: str, out: TextIO, color: bool = False, width: int = 100, detail: str = "normal") -> None:
    """Write ``report`` as ``fmt``; ``width`` and ``detail`` (quiet, normal, verbose) shape the text view."""
    if fmt == "json":
        from bootdiag.render.json import render_json

        render_json(report, out)
    elif fmt == "markdown":
        from bootdiag.render.markdown import render_markdown

        render_markdown(report, out)
    else:
        from bootdiag.render.terminal import render_terminal

        render_terminal(report, out, color=color, width=width, detail=detail)  # type: ignore[arg-type]

"""GitHub Actions job summary: append the Markdown report to ``$GITHUB_STEP_SUMMARY``.

GitHub renders that file on the run's summary page, so a job that flashed a board and failed
shows the diagnosis without anyone opening the log. Every command that judges a capture publishes
its final (already redacted, when asked) report once (:func:`bootdiag.app.run.publish`);
the environment says where (:attr:`bootdiag.app.environment.Environment.step_summary`).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from bootdiag.core.report import Report

ENV_VAR = "GITHUB_STEP_SUMMARY"


def append_step_summary(report: Report, target: Path | None, stderr: TextIO | None = None) -> bool:
    """Append the report to ``target`` (nothing without one); True when it was written.

    A summary that cannot be written is a warning on stderr, never a failure: the diagnosis and
    its exit status matter more than the summary page.
    """
    if target is None:
        return False
    from bootdiag.render.markdown import markdown_text

    try:
        with open(target, "a", encoding="utf-8") as out:
            out.write(markdown_text(report) + "\n")
    except OSError as exc:
        print(f"bootdiag: warning: cannot append to {ENV_VAR} ({target}): {exc.strerror or exc}", file=stderr or sys.stderr)
        return False
    return True

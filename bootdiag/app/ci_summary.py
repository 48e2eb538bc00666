"""GitHub Actions job summary: append the Markdown report to ``$GITHUB_STEP_SUMMARY``.

GitHub renders that file on the run's summary page, so a job that flashed a board and failed
shows the diagnosis without anyone opening the log. Every command that judges a capture calls
:func:`append_step_summary` once with its final (already redacted, when asked) report.
``BOOTDIAG_STEP_SUMMARY=0`` turns it off.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bootdiag.core.report import Report

ENV_VAR = "GITHUB_STEP_SUMMARY"
OPT_OUT = "BOOTDIAG_STEP_SUMMARY"


def step_summary_path(environ: Mapping[str, str] | None = None) -> Path | None:
    env = os.environ if environ is None else environ
    target = env.get(ENV_VAR, "").strip()
    if not target or env.get(OPT_OUT, "").strip().lower() in ("0", "false", "no", "off"):
        return None
    return Path(target)


def append_step_summary(report: Report, environ: Mapping[str, str] | None = None) -> bool:
    """Append the report when running under GitHub Actions; True when it was written.

    A summary that cannot be written is a warning on stderr, never a failure: the diagnosis and
    its exit status matter more than the summary page.
    """
    target = step_summary_path(environ)
    if target is None:
        return False
    from bootdiag.render.markdown import markdown_text

    try:
        with open(target, "a", encoding="utf-8") as out:
            out.write(markdown_text(report) + "\n")
    except OSError as exc:
        print(f"bootdiag: warning: cannot append to {ENV_VAR} ({target}): {exc.strerror or exc}", file=sys.stderr)
        return False
    return True

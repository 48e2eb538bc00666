"""The stable machine schema (``bootdiag.report/1``)."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from bootdiag.core.report import Report


def render_json(report: Report, out: TextIO) -> None:
    json.dump(report.to_json_dict(), out, indent=2, ensure_ascii=False)
    out.write("\n")

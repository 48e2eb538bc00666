"""The stable machine schema (``bootdiag.report/1``)."""
from __future__ import annotations

import json
from typing import TextIO

from bootdiag.core.report import Report


def render_json(report: Report, out: TextIO) -> None:
    json.dump(report.to_json_dict(), out, indent=2, ensure_ascii=False)
    out.write("\n")

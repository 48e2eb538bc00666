"""The JSON Schema of ``bootdiag explain --format json`` (``bootdiag.report/1``), from the report model.

``python -m bootdiag.core.schema`` prints it. tests/test_json_schema.py compares it with the committed
copy in tests/data/report-schema.json, so the machine format cannot change by accident.
"""
from __future__ import annotations

import json
from typing import Any

from bootdiag.core.report import SCHEMA, Report


def report_schema() -> dict[str, Any]:
    schema = Report.model_json_schema(by_alias=True, mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA, **schema}


def schema_text() -> str:
    return json.dumps(report_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(schema_text(), end="")

"""`--format json` is a stable, versioned schema: it changes only on purpose.

When a change to the report model is intended, regenerate the committed copy and review the diff:

    python -m bootdiag.core.schema > tests/data/report-schema.json

Adding an optional field keeps ``bootdiag.report/1``. Removing or renaming a field, changing its
type, or making it required breaks consumers: that needs ``bootdiag.report/2`` (report.SCHEMA).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bootdiag.core.report import SCHEMA, Report
from bootdiag.core.schema import report_schema

SNAPSHOT = Path(__file__).parent / "data" / "report-schema.json"
UPDATE = "python -m bootdiag.core.schema > tests/data/report-schema.json"


def without_descriptions(node: Any) -> Any:
    # Docstrings feed "description"; rewording one is not a schema change.
    if isinstance(node, dict):
        return {k: without_descriptions(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [without_descriptions(v) for v in node]
    return node


def test_schema_version() -> None:
    assert SCHEMA == "bootdiag.report/1"
    assert Report(source="x", status="healthy", findings=[]).to_json_dict()["schema"] == SCHEMA


def test_schema_matches_the_committed_snapshot() -> None:
    committed = json.loads(SNAPSHOT.read_text())
    current = report_schema()
    assert committed["$id"] == current["$id"] == SCHEMA
    assert without_descriptions(current) == without_descriptions(committed), (
        f"the JSON report schema changed; if intended, run `{UPDATE}` and bump SCHEMA for breaking changes"
    )


def _fields(schema: dict[str, Any]) -> dict[str, tuple[Any, bool]]:
    """Every property of every object in the schema: its type and whether it is required."""
    found: dict[str, tuple[Any, bool]] = {}
    objects = {"Report": schema, **schema.get("$defs", {})}
    for name, obj in objects.items():
        required = set(obj.get("required", []))
        for prop, spec in obj.get("properties", {}).items():
            shape = {k: v for k, v in spec.items() if k in ("type", "items", "$ref", "anyOf", "enum", "additionalProperties")}
            found[f"{name}.{prop}"] = (shape, prop in required)
    return found


def test_no_field_of_version_1_was_removed_retyped_or_made_required() -> None:
    # Guards the snapshot itself: regenerating it must not silently break version 1 consumers.
    old, new = _fields(json.loads(SNAPSHOT.read_text())), _fields(report_schema())
    for field, (shape, required) in old.items():
        assert field in new, f"{field} was removed: that is bootdiag.report/2"
        assert new[field][0] == shape, f"{field} changed type: that is bootdiag.report/2"
    for field, (_, required) in new.items():
        if required and field in old:
            assert old[field][1], f"{field} became required: that is bootdiag.report/2"


def test_a_real_report_has_exactly_the_schema_fields() -> None:
    from bootdiag.core.pipeline import explain

    report = explain(b"rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\nSig block 0 invalid: Image digest does not match\r\n")
    data = report.to_json_dict()
    assert data["findings"], "the sample capture is diagnosed, so finding fields are checked too"
    schema = report_schema()
    assert set(data) == set(schema["properties"])
    for finding in data["findings"]:
        assert set(finding) == set(schema["$defs"]["Finding"]["properties"])
    assert Report.model_validate(data).to_json_dict() == data, "the JSON reads back into the same report"


def test_a_report_built_without_validation_is_what_validation_makes() -> None:
    from bootdiag.core.pipeline import explain
    from bootdiag.core.report import Report

    for path in sorted((Path(__file__).resolve().parents[1] / "corpus").glob("*/*.log"))[::7]:
        report = explain(path)
        again = Report.model_validate(report.to_json_dict())  # every field valid as it stands
        assert again.to_json_dict() == report.to_json_dict()
        assert [type(f).__name__ for f in report.findings] == ["Finding"] * len(report.findings)

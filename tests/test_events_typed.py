"""Parsers build events without validation (``Event.trusted``): every event they make from real
captures must be exactly what its kind's pydantic model makes of the same values, types included,
and must write the same JSON as that model does."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from pydantic import BaseModel

from bootdiag.core.events import Event
from bootdiag.core.record import json_number
from bootdiag.platforms.esp.events import ChipRevision
from bootdiag.core.parse import parse_text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from generate import capture_bytes  # noqa: E402

SOURCES = sorted((ROOT / "corpus").rglob("*.log")) + sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))
SOURCES += sorted((ROOT.parent / "shared" / "reference").rglob("*.log"))


def _same(a: object, b: object) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))  # type: ignore[arg-type]
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)  # type: ignore[union-attr]
    return a == b


def check(events: list[Event]) -> None:
    for event in events:
        model = type(event).pydantic_model()
        validated = model.model_validate(event.model_dump(), strict=True)
        for name in type(event).model_fields:
            mine, theirs = getattr(event, name), getattr(validated, name)
            assert _same(mine, theirs), f"line {event.line} {event.kind}.{name}: {mine!r} but validation gives {theirs!r}"
        assert event.model_dump_json() == validated.model_dump_json(), f"line {event.line} {event.kind}: JSON differs"
        assert type(event).model_validate(event.model_dump()) == event


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_parsed_events_are_what_validation_makes(path: Path) -> None:
    check(parse_text(path.read_bytes().decode("utf-8", "replace")))


def test_generated_captures_too() -> None:
    for shape in ("healthy", "bootloop"):
        check(parse_text(capture_bytes(shape, 3000).decode()))


def test_trusted_fills_defaults_and_refuses_unknown_fields() -> None:
    event = ChipRevision.trusted(line=3, text="t", level="I", ms=1, tag="boot", msg="m", revision="3")
    assert event == ChipRevision(line=3, text="t", level="I", ms=1, tag="boot", msg="m", revision="3")
    with pytest.raises(TypeError, match="no field 'colour'"):
        ChipRevision.trusted(line=3, text="t", level="I", ms=1, tag="boot", msg="m", revision="3", colour=1)
    with pytest.raises(TypeError, match="required field 'revision'"):
        ChipRevision.trusted(line=3, text="t", level="I", ms=1, tag="boot", msg="m")


def test_the_corpus_includes_the_real_captures() -> None:
    assert any("real" in p.parts for p in SOURCES)


class _Number(BaseModel):
    value: float


@given(st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([1e-5, 1.5e-5, -1e-5, 1e-6, 1e16, 1e-4, 0.0, -0.0]))
def test_floats_are_written_as_pydantic_writes_them(value: float) -> None:
    assert f'{{"value":{json_number(value)}}}' == _Number(value=value).model_dump_json()


def test_an_event_with_a_float_writes_pydantics_json() -> None:
    from bootdiag.platforms.tegra.events import TegraPhase

    fields = {name: 1.5e-5 for name, spec in TegraPhase.model_fields.items() if "float" in str(spec.annotation)}
    assert fields, "a Jetson phase carries a time"
    event = TegraPhase.model_validate({"line": 1, "text": "t", "name": "Sending BCTs", **fields})
    assert event.model_dump_json() == TegraPhase.pydantic_model().model_validate(event.model_dump()).model_dump_json()


def test_events_are_immutable_and_compare_by_value() -> None:
    event = ChipRevision.trusted(line=3, text="t", level="I", ms=1, tag="boot", msg="m", revision="3")
    with pytest.raises(TypeError, match="immutable"):
        event.line = 4  # type: ignore[misc]
    assert event == event.moved(3, "t") and hash(event) == hash(event.moved(3, "t"))
    assert event != event.moved(4, "t")

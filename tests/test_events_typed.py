"""Parsers build events without validation (``Event.trusted``): every event they make from real
captures must be exactly what validation would make of the same values, types included."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bootdiag.core.events import Event
from bootdiag.platforms.esp.events import ChipRevision
from bootdiag.core.parse import parse_text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from generate import capture_bytes  # noqa: E402

SOURCES = sorted((ROOT / "corpus").glob("*/*.log")) + sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))
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
        validated = type(event).model_validate(event.model_dump())
        for name in type(event).model_fields:
            mine, theirs = getattr(event, name), getattr(validated, name)
            assert _same(mine, theirs), f"line {event.line} {event.kind}.{name}: {mine!r} but validation gives {theirs!r}"


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

"""Numbers in captured text are read with their length checked: no grammar site crashes on one.

A number of 4,301 digits used to crash 37 grammar sites (Python's limit on decimal conversions);
a hex number of thousands of digits was read and failed later wherever it was printed.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bootdiag.core.numbers import MAX_DIGITS, NumberTooLong, hex_int, int_auto, int_or_none, parse_int
from bootdiag.core.parse import LineParser
from bootdiag.core.pipeline import explain

ROOT = Path(__file__).resolve().parents[1]
DECIMAL = "9" * 4301
HEX = "f" * 4400
_NUMBER = re.compile(r"[0-9A-Fa-f]*[0-9][0-9A-Fa-f]*")


@lru_cache(maxsize=None)
def one_line_per_event_kind() -> tuple[str, ...]:
    """A corpus line for every kind of event the parsers make (the grammar sites that read numbers)."""
    parser = LineParser(reuse_repeats=False)
    found: dict[str, str] = {}
    for path in sorted([*ROOT.glob("corpus/*/*.log"), *ROOT.glob("corpus/real/*/*.log")]):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if len(line) > 300 or not re.search(r"\d", line) or not parser.prefilter.search(line):
                continue
            for event in parser.parse_line(line, 1):
                found.setdefault(event.kind, line)
    return tuple(found.values())


def test_the_helper_refuses_long_numbers_and_reads_the_rest() -> None:
    assert parse_int("1234") == 1234 and hex_int("ff") == 255 and int_auto("0x10") == 16 and int_auto("10") == 10
    assert parse_int("9" * MAX_DIGITS) == int("9" * MAX_DIGITS)
    for token, base in ((DECIMAL, 10), (HEX, 16), ("0x" + HEX, 0), ("-" + DECIMAL, 10)):
        with pytest.raises(NumberTooLong):
            parse_int(token, base)
    assert int_or_none(DECIMAL) is None and int_or_none("x") is None and int_or_none("12") == 12


def test_every_event_kind_survives_a_number_too_long_in_each_place() -> None:
    lines = one_line_per_event_kind()
    assert len(lines) > 100
    parser = LineParser(reuse_repeats=False)
    for line in lines:
        variants = [line[: m.start()] + DECIMAL + line[m.end() :] for m in _NUMBER.finditer(line)]
        variants.append(_NUMBER.sub(HEX, line))
        for text in variants:
            for event in parser.parse_line(text, 1):  # read as something else, or nothing: never a crash
                event.model_dump_json()


def test_the_reproducer_line_is_a_finding_or_nothing_and_never_exit_4(tmp_path: Path) -> None:
    capture = ("rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
               f"E ({DECIMAL}) esp_image: image at 0x{HEX} has invalid magic byte\n"
               f"flash read err, {DECIMAL}\n").encode()
    report = explain(capture)
    assert report.stats["lines"] == 3
    assert report.to_json_dict()  # and it prints


@settings(max_examples=40, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(index=st.integers(0, 10_000), digits=st.integers(MAX_DIGITS, 6000), hexadecimal=st.booleans(), at=st.integers(0, 10_000))
def test_long_numbers_anywhere_in_a_parsed_line(index: int, digits: int, hexadecimal: bool, at: int) -> None:
    lines = one_line_per_event_kind()
    line = lines[index % len(lines)]
    numbers = list(_NUMBER.finditer(line))
    m = numbers[at % len(numbers)]
    text = line[: m.start()] + ("f" if hexadecimal else "7") * digits + line[m.end() :]
    for event in LineParser(reuse_repeats=False).parse_line(text, 7):
        event.model_dump_json()

"""Patterns that read digits alike, and the engine's answers remembered by a message's shape."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bootdiag.core.engine import Engine
from bootdiag.core.rules.digit_blind import blind_to_digits, digits_alike
from bootdiag.core.rules import Rule, load_rule_file
from bootdiag.platforms.esp import events as ev


@pytest.mark.parametrize(("pattern", "blind"), [
    (r"wrong PSRAM line mode", True),
    (r"^PSRAM ID read error: [0-9a-fA-F]+", True),  # the class holds every digit
    (r"\d+ bytes|\w+ failed", True),
    (r"[^0-9]x{2}", True),
    (r"returned 0x105\b", False),  # names digits 1 and 5
    (r"found 255", False),
    (r"[0-1]", False),  # holds 0 and 1 but not the other digits
    (r"0x[0-9a-f]+", False),  # names 0
    (r"(\d)\1", False),  # equal captures may have been other numbers
    (r"(?<=rev 3)x", False),
    (r"(", False),  # not a pattern: assumed to tell digits apart
])
def test_which_patterns_read_digits_alike(pattern: str, blind: bool) -> None:
    assert blind_to_digits(pattern) is blind


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([r"\d+ ms", r"x[0-9a-f]+", r"^err \w+$", r"[a-z]{3}\d", r"(?i)ERR(?:OR)? \d"]),
       st.text(alphabet="0123456789xabcdefgmrs E", max_size=12), st.text(alphabet="0123456789xabcdefgmrs E", max_size=12))
def test_a_blind_pattern_matches_texts_of_one_shape_alike(pattern: str, one: str, other: str) -> None:
    assert blind_to_digits(pattern)
    if digits_alike(one) == digits_alike(other):
        assert (re.search(pattern, one) is None) == (re.search(pattern, other) is None)


def _rule(tmp_path: Path, pattern: str) -> list[Rule]:
    path = tmp_path / "r.toml"
    path.write_text(f"""
[[rule]]
id = "t.digits"
title = "t"
platform = "esp-idf"
when.all = [ {{ event = "EspLog", where = {{ tag = "app", msg = {{ re = '{pattern}' }} }} }} ]
explain = "x"
fix = ["y"]
""")
    return load_rule_file(path)


def _log(msg: str) -> ev.EspLog:
    return ev.EspLog(line=1, text=f"E (1) app: {msg}", level="E", ms=1, tag="app", msg=msg)


@pytest.mark.parametrize(("pattern", "same"), [(r"retry in \d+ s", True), (r"retry in 5", False)])
def test_the_engine_answers_by_shape_only_when_the_tests_allow_it(tmp_path: Path, pattern: str, same: bool) -> None:
    engine = Engine(_rule(tmp_path, pattern))
    first, second = _log("retry in 512 s"), _log("retry in 734 s")
    assert digits_alike(first.msg) == digits_alike(second.msg)
    assert engine.reads(first)
    assert engine.reads(second) is same  # a pattern naming a digit tests each message

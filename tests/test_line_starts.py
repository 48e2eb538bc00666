"""The glued-line split's regex: a lookahead on the characters a log line can start with is put in
front only when they are known, and it finds the same starts as the plain alternation."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bootdiag import platforms as registry
from bootdiag.core.parse.unwrap import starts_pattern
from bootdiag.core.regex_starts import pattern_first_chars

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"[EWIDV] \((?:\d+)\) ", set("EWIDV")),
        (r"ets [A-Z][a-z]{2}", {"e"}),
        (r"(?<![\w:])[EWID]: (?=[A-Za-z*])", set("EWID")),  # a lookbehind is zero-width
        (r"(?<=\] )Error: ", {"E"}),
        (r"\*\*\* (?:Booting|Using) ", {"*"}),
        (r"(?:Failed|Error)+:", {"F", "E"}),
        (r"[Ss]ecure boot", {"S", "s"}),
        (r"\d+x", None),  # a category: not a small known set
        (r"a?b", {"a", "b"}),  # an optional first item: what follows it may begin the match
        (r"(?:a|)b", {"a", "b"}),
        (r"a*", None),  # may match the empty string
        (r"(?i)abc", None),  # either case
        (r"[^x]", None),
        (r".abc", None),
    ],
)
def test_pattern_first_chars(pattern: str, expected: set[str] | None) -> None:
    assert pattern_first_chars(pattern) == expected


def test_an_unknown_start_drops_the_lookahead() -> None:
    assert starts_pattern(["abc", r"\d+ x"]) == "(?:abc)|(?:\\d+ x)"
    assert starts_pattern(["abc", "[XY]z"]).startswith("(?=[XYa])")


def test_the_lookahead_finds_every_start_the_alternation_finds() -> None:
    starts = registry.line_starts()
    fast = re.compile(starts_pattern(starts))
    assert fast.pattern.startswith("(?=[")  # the shipped platforms' starts are all known
    plain = re.compile("|".join(f"(?:{s})" for s in starts))
    lines = [line for path in sorted(CORPUS.rglob("*.log")) for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    assert len(lines) > 5000
    for line in lines:
        assert [m.span() for m in fast.finditer(line, 1)] == [m.span() for m in plain.finditer(line, 1)], line
        assert bool(fast.match(line)) == bool(plain.match(line)), line

"""The glued-line split's regex: a lookahead on the characters a log line can start with is put in
front only when they are known, and it finds the same starts as the plain alternation."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bootdiag import platforms as registry
from bootdiag.core.parse.unwrap import Unwrapper, starts_pattern
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
    # one group still: what the split puts before it (no letter before a cut) applies to every start
    assert starts_pattern(["abc", r"\d+ x"]) == "(?:(?:abc)|(?:\\d+ x))"
    assert starts_pattern(["abc", "[XY]z"]).startswith("(?=[XYa])")


def test_the_split_knows_the_first_characters_of_every_start_it_uses() -> None:
    # the platforms' starts and the terminal programs' stamps, as the parser builds its unwrapper
    unwrapper = Unwrapper(registry.line_starts(), (), registry.mid_word_starts())
    assert "(?=[" in unwrapper._starts.pattern  # type: ignore[union-attr]


@pytest.mark.parametrize("glued", ["Done.\tclk_drv:0x00,q_drv:0x00", "...)rst:0x1 (POWERON_RESET)"])
def test_a_start_after_a_word_boundary_is_cut(glued: str) -> None:
    unwrapper = Unwrapper(registry.line_starts(), (), registry.mid_word_starts())
    assert len(unwrapper.pieces(glued)) == 2


@pytest.mark.parametrize("inside", ["myconfigsip: 0", "Xclk_drv:0x00", "tearst:0x1 (POWERON_RESET)"])
def test_no_start_is_cut_inside_a_word(inside: str) -> None:
    unwrapper = Unwrapper(registry.line_starts(), (), registry.mid_word_starts())
    assert unwrapper.pieces(inside) == [inside]


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

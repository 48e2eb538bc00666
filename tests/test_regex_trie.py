"""The screen's trie of checks matches exactly where one of the checks it was made from matches."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bootdiag.core.parse.regex_trie import alternation, literal_prefix

_WORDS = st.text(alphabet="ab(.\\ *", min_size=0, max_size=4)
_TAILS = st.sampled_from(["", r"(?=b)", r"\d", r"[^\n]*+\n?", r"(?=a+)"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_WORDS, _WORDS, _TAILS), min_size=1, max_size=8), st.text(alphabet="ab(.\\ *1\n", max_size=12))
def test_the_trie_matches_where_one_of_its_checks_does(checks: list[tuple[str, str, str]], text: str) -> None:
    # each check: plain text forward, a plain text that must end there (lookbehind), then a regex
    checks = [(prefix, prefix[-len(behind):] if behind and prefix else "", tail) for prefix, behind, tail in checks]
    trie = re.compile(alternation(checks))
    one_by_one = [re.compile(re.escape(prefix) + (f"(?<={re.escape(behind)})" if behind else "") + tail)
                  for prefix, behind, tail in checks]
    for pos in range(len(text) + 1):
        assert (trie.match(text, pos) is not None) == any(c.match(text, pos) for c in one_by_one), (checks, text, pos)


def test_shared_starts_are_written_once_and_lookbehinds_of_one_width_together() -> None:
    pattern = alternation([("ey", "key", ""), ("ey", "hey", ""), ("ind", "", ""), ("", "bad!", "")])
    assert pattern == "ey(?:(?<=hey|key))|ind|(?<=bad!)"
    assert re.compile(pattern).match("ey") is None  # neither "key" nor "hey" ends there
    assert re.compile(pattern).match("hey", 1) is not None


def test_an_empty_check_matches_everywhere() -> None:
    assert alternation([("abc", "", ""), ("", "", "")]) == ""


def test_the_plain_start_of_a_regex() -> None:
    assert literal_prefix(r"ait\ for (\d+)") == ("ait for ", r"(\d+)")
    assert literal_prefix(r"ab*c") == ("a", "b*c")  # a quantified character stays in the regex
    assert literal_prefix(r"\(x\)") == ("(x)", "")
    assert literal_prefix(r"\bword") == ("", r"\bword")
    assert literal_prefix("a\nb") == ("a", "\nb")  # a check never takes a newline in its plain part

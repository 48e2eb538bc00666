"""Patterns in rules are data from a file: checked on load so that matching stays fast on any line.

Python's ``re`` backtracks. A pattern such as ``^(a+)+$`` takes time exponential in the length of
a line that almost matches, ``a*a*b`` or ``.*x.*y`` a high power of it; a rules file must not be
able to stall a run that way. A pattern is refused when:

- it is longer than ``MAX_PATTERN`` characters, or not a valid regular expression;
- it refers back to a group (``\\1``, ``(?(1)...)``): matching those has no linear bound;
- a repeat holds another repeat (nested quantifiers) or alternatives that can begin alike
  (``(a|ab)*``): the ways to split a line grow exponentially;
- timed on lines made of its own characters, doubling from 64 characters to ``MAX_SUBJECT``,
  it takes longer than ``TIME_BUDGET`` seconds on one of them (two adjacent repeats of the same
  characters, and the like: polynomial growth).

At match time a field's text is searched in its first ``MAX_SUBJECT`` characters only, so what
was timed on load bounds every match. Possessive repeats and atomic groups (``a++``, ``(?>...)``)
never backtrack into themselves and are accepted where plain ones are not.
"""
from __future__ import annotations

import re
import time
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from bootdiag.core.regex_starts import first_chars_of

MAX_PATTERN = 1000  # characters
MAX_SUBJECT = 1024  # characters of a field a pattern is searched in (log fields are far shorter)
TIME_BUDGET = 0.05  # seconds for a search; quadratic growth stays well under it at MAX_SUBJECT
_START_LENGTH = 64

_BACKTRACKING_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT)
_REPEATS = (*_BACKTRACKING_REPEATS, sre.POSSESSIVE_REPEAT)
_ANY = None  # a first-character set that may be any character


def subject(value: Any) -> str:
    """What a rule pattern is searched in: the field's text, cut to ``MAX_SUBJECT`` characters."""
    text = value if isinstance(value, str) else str(value)
    return text[:MAX_SUBJECT] if len(text) > MAX_SUBJECT else text


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` may not be used in a rule, or ``None`` when it may."""
    if len(pattern) > MAX_PATTERN:
        return f"a pattern of {len(pattern)} characters (at most {MAX_PATTERN})"
    try:
        compiled = re.compile(pattern)
        tree = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"bad regular expression: {exc}"
    problem = _shape_problem(list(tree), inside_repeat=False)
    if problem is not None:
        return problem
    return _timing_problem(compiled, tree)


# ------------------------------------------------------------------ shape
def _shape_problem(items: list[tuple[Any, Any]], inside_repeat: bool) -> str | None:
    for op, av in items:
        if op in (sre.GROUPREF, sre.GROUPREF_EXISTS):
            return "a back-reference to a group (no linear-time bound); match the text itself instead"
        if op in _BACKTRACKING_REPEATS:
            low, high, body = av
            if high > 1 and inside_repeat:
                return "a repeat inside a repeat (nested quantifiers such as (a+)+ take exponential time)"
            problem = _shape_problem(list(body), inside_repeat or high > 1)
            if problem is not None:
                return problem
        elif op is sre.POSSESSIVE_REPEAT or op is sre.ATOMIC_GROUP:
            continue  # never backtracks into itself
        elif op is sre.SUBPATTERN:
            problem = _shape_problem(list(av[-1]), inside_repeat)
            if problem is not None:
                return problem
        elif op is sre.BRANCH:
            branches = [list(b) for b in av[1]]
            if inside_repeat and _alternatives_overlap(branches):
                return "alternatives that can start alike inside a repeat (such as (a|ab)*) take exponential time"
            for branch in branches:
                problem = _shape_problem(branch, inside_repeat)
                if problem is not None:
                    return problem
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            problem = _shape_problem(list(av[1]), inside_repeat)
            if problem is not None:
                return problem
    return None


def _alternatives_overlap(branches: list[list[tuple[Any, Any]]]) -> bool:
    seen: set[int] = set()
    for branch in branches:
        first = first_chars_of(branch)
        if first is _ANY or not first:  # any character, or a branch that can match nothing
            return True
        if seen & first:
            return True
        seen |= first
    return False


# ------------------------------------------------------------------ timing
def _subjects(tree: Any, length: int) -> list[str]:
    """Lines that make a backtracking pattern work hard: runs of its own characters."""
    literals: list[str] = []
    _collect_literals(list(tree), literals)
    singles = dict.fromkeys([*literals, "a", "0", " ", "x"])
    runs = [ch * length for ch in list(singles)[:24]]
    run = "".join(dict.fromkeys(literals))[:16]
    if run:
        runs.append((run * (length // len(run) + 1))[:length])
    return runs


def _collect_literals(items: list[tuple[Any, Any]], out: list[str]) -> None:
    for op, av in items:
        if op is sre.LITERAL:
            out.append(chr(av))
        elif op is sre.IN:
            out.extend(chr(av) for o, av in av if o is sre.LITERAL)
            out.extend(chr(av[0]) for o, av in av if o is sre.RANGE)
        elif op in _REPEATS:
            _collect_literals(list(av[2]), out)
        elif op is sre.SUBPATTERN:
            _collect_literals(list(av[-1]), out)
        elif op is sre.ATOMIC_GROUP:
            _collect_literals(list(av), out)
        elif op is sre.BRANCH:
            for branch in av[1]:
                _collect_literals(list(branch), out)
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            _collect_literals(list(av[1]), out)


def _timing_problem(compiled: re.Pattern[str], tree: Any) -> str | None:
    length = _START_LENGTH
    while True:
        for line in _subjects(tree, length):
            spent = _search_time(compiled, line)
            if spent > TIME_BUDGET:
                spent = min(spent, _search_time(compiled, line))  # not a pause of a busy machine
            if spent > TIME_BUDGET:
                return (
                    f"matching takes {spent * 1000:.0f} ms on a line of {length} characters; it grows faster than "
                    "the line (adjacent repeats of the same characters?): anchor it, or make a repeat possessive (a++)"
                )
        if length >= MAX_SUBJECT:
            return None
        length = min(length * 2, MAX_SUBJECT)


def _search_time(compiled: re.Pattern[str], line: str) -> float:
    start = time.perf_counter()
    compiled.search(line)
    compiled.search(line + "\n")  # "$" before a final newline
    return time.perf_counter() - start

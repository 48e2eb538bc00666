"""What a regular expression's match can begin with, read from re's own parse of it.

The rule-pattern checker asks it whether the alternatives inside a repeat start alike; the
glued-line split puts a lookahead on the known first characters in front of its alternation.
"""
from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_ANY = None  # a first-character set that may be any character


def pattern_first_chars(pattern: str) -> set[str] | None:
    """The characters every match of ``pattern`` begins with, or ``None`` when that is not a known
    set: a class such as ``\\d`` or ``.``, a pattern that can match the empty string, either case."""
    try:
        tree = sre_parse.parse(pattern)
    except (re.error, RecursionError):
        return None
    if tree.state.flags & re.IGNORECASE:
        return None
    begins = _begins(list(tree))
    if begins is _ANY or begins[1]:
        return None
    return {chr(c) for c in begins[0]}


def first_chars_of(items: list[tuple[Any, Any]]) -> set[int] | None:
    """Code points a match of ``items`` (re's parsed form) can begin with; ``None``: any character;
    an empty set: the items can match the empty string."""
    begins = _begins(items)
    if begins is _ANY:
        return _ANY
    chars, can_be_empty = begins
    return set() if can_be_empty else chars


def _begins(items: list[tuple[Any, Any]]) -> tuple[set[int], bool] | None:
    """(code points a match can begin with, whether it can be empty); ``None``: any character."""
    found: set[int] = set()
    for op, av in items:
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue  # zero-width
        if op is sre.LITERAL:
            return found | {av}, False
        if op is sre.IN:
            chars = _class_chars(av)
            return _ANY if chars is _ANY else (found | chars, False)
        if op is sre.SUBPATTERN or op is sre.ATOMIC_GROUP:
            inner = _begins(list(av[-1]) if op is sre.SUBPATTERN else list(av))
            if inner is _ANY:
                return _ANY
            found |= inner[0]
            if not inner[1]:
                return found, False
            continue
        if op in _REPEATS:
            low, _, body = av
            inner = _begins(list(body))
            if inner is _ANY:
                return _ANY
            found |= inner[0]
            if low > 0 and not inner[1]:
                return found, False
            continue
        if op is sre.BRANCH:
            can_be_empty = False
            for branch in av[1]:
                inner = _begins(list(branch))
                if inner is _ANY:
                    return _ANY
                found |= inner[0]
                can_be_empty = can_be_empty or inner[1]
            if not can_be_empty:
                return found, False
            continue
        return _ANY  # ANY, NOT_LITERAL, categories, ...
    return found, True


def _class_chars(items: list[tuple[Any, Any]]) -> set[int] | None:
    chars: set[int] = set()
    for op, av in items:
        if op is sre.LITERAL:
            chars.add(av)
        elif op is sre.RANGE and av[1] - av[0] < 256:
            chars.update(range(av[0], av[1] + 1))
        else:
            return _ANY  # negation, categories (\d, \w), wide ranges
    return chars

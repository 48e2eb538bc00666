"""Whether a pattern tells digits apart: if not, a text and the same text with every digit made 0
match it alike, and a test of one answers for the other (an application prints the same message
with other numbers, line after line)."""
from __future__ import annotations

from functools import cache
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

_DIGITS = frozenset(range(ord("0"), ord("9") + 1))
# Every digit becomes 0: what a pattern blind to digits cannot tell apart. (On the UTF-8 bytes:
# bytes.translate is a table look-up per byte, str.translate a dict look-up per character.)
ZERO_DIGITS = bytes.maketrans(b"123456789", b"000000000")


def digits_alike(text: str) -> bytes:
    """``text`` (as UTF-8) with every digit made 0: equal for texts that a pattern blind to digits
    reads alike."""
    return text.encode("utf-8", "surrogatepass").translate(ZERO_DIGITS)


@cache
def blind_to_digits(pattern: str) -> bool:
    """Whether ``pattern`` matches texts alike when :func:`digits_alike` makes them equal: it names
    no digit alone (a literal, a class or range holding some digits but not all) and refers back to
    no group (equal captures may have been other numbers)."""
    try:
        tree = sre_parse.parse(pattern)
    except Exception:  # noqa: BLE001 - a pattern re cannot parse: assume it tells digits apart
        return False
    return _blind(tree.data)


def _blind(items: list[tuple[object, object]]) -> bool:
    for op, av in items:
        if op in (sre.LITERAL, sre.NOT_LITERAL):
            if av in _DIGITS:
                return False
        elif op is sre.IN:
            if not _class_blind(av):  # type: ignore[arg-type]
                return False
        elif op in (sre.GROUPREF, sre.GROUPREF_EXISTS):
            return False
        elif op is sre.SUBPATTERN:
            if not _blind(av[3].data):  # type: ignore[index]
                return False
        elif op is sre.BRANCH:
            if not all(_blind(alt.data) for alt in av[1]):  # type: ignore[index]
                return False
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            if not _blind(av[2].data):  # type: ignore[index]
                return False
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            if not _blind(av[1].data):  # type: ignore[index]
                return False
        elif op is sre.ATOMIC_GROUP:
            if not _blind(av.data):  # type: ignore[union-attr]
                return False
    return True


def _class_blind(items: list[tuple[object, object]]) -> bool:
    """A class holds all digits or none, as far as its literals and ranges go
    (categories such as ``\\d`` or ``\\w`` treat every digit alike)."""
    held: set[int] = set()
    for op, av in items:
        if op is sre.LITERAL:
            held.update({av} & _DIGITS)  # type: ignore[arg-type]
        elif op is sre.RANGE:
            low, high = av  # type: ignore[misc]
            held.update(d for d in _DIGITS if low <= d <= high)
    return not held or held == _DIGITS

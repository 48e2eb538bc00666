"""Numbers read from captured text, with their length checked first.

Every integer a grammar, a pattern or a file reader takes out of input goes through here. A log
field is at most a 64-bit value (20 decimal digits, 16 hex) and a fuse or key word a few times
that; a token of thousands of digits is not a value any bootloader or tool prints. Left to
``int()`` it costs quadratic time or trips Python's limit on decimal conversions (4,300 digits),
and a huge value from hex would fail later wherever it is printed. Such a token raises
:class:`NumberTooLong`, a ``ValueError``: the line is then not the message it looked like.
"""
from __future__ import annotations

MAX_DIGITS = 80  # generous: a 256-bit hash in hex is 64 digits


class NumberTooLong(ValueError):
    """A numeric token longer than any real value: the text is not what it seemed."""


def parse_int(token: object, base: int = 10) -> int:
    """``int(token, base)`` for a token (a string, or a Lark token) of at most ``MAX_DIGITS`` digits."""
    text = str(token)
    if len(text) > MAX_DIGITS + 3 and len(text.strip().lstrip("+-").removeprefix("0x").removeprefix("0X")) > MAX_DIGITS:
        raise NumberTooLong(f"number of {len(text)} characters")
    return int(text, base)


def int_auto(token: object) -> int:
    """``0x1f`` or ``31``; bare hex digits (IDF ``%08x`` fields) are parsed as hex by the caller."""
    text = str(token)
    return parse_int(text, 0) if text.lower().startswith("0x") else parse_int(text)


def hex_int(token: object) -> int:
    return parse_int(token, 16)


def int_or_none(token: object, base: int = 10) -> int | None:
    """The number, or ``None`` when the token is not one (or too long to be one)."""
    try:
        return parse_int(token, base)
    except ValueError:
        return None

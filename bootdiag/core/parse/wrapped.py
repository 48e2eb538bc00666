"""Lines a terminal hard-wrapped at its width (a copy from a narrow window, a console that breaks long
lines): found again and read as the one line the device printed.

A block was wrapped at width ``w`` when no line of it is longer than ``w`` and several different
lines are exactly ``w`` long: the pieces a wrap cut off. A line that long, followed by one that does
not begin a log line of its own, goes on there. Device captures do not look like that: their longest
lines differ in length, or are one line repeated (a boot loop).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

MIN_WIDTH = 60  # narrower than this, a terminal is not wrapping log lines
_MIN_CUT = 3  # different lines exactly the width long
_DIGITS = re.compile(r"\d+")
_SAME_START = 5  # a line that begins as the one before it does is the next line of the same log


@lru_cache(maxsize=64)
def _exactly(width: int) -> re.Pattern[str]:
    return re.compile(rf"(?m)^[^\r\n]{{{width}}}(?=\r?$)")


@lru_cache(maxsize=64)
def _longer(width: int) -> re.Pattern[str]:
    return re.compile(rf"(?m)^[^\r\n]{{{width + 1}}}")


# Columns terminals and consoles are commonly set to (VT100's 80 and 132, the Windows console's 120, ...):
# in a short paste with one wrapped line, that width and a word cut in two at the break tell the wrap.
TERMINAL_WIDTHS = frozenset({80, 100, 120, 128, 132, 150, 160, 180, 200})


class WrapWidth:
    """Whether one block's text was wrapped at a given width (each width looked at once)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._widths: dict[int, tuple[bool, bool]] = {}  # width -> (no line is longer, several cut at it)

    def _look(self, width: int) -> tuple[bool, bool]:
        known = self._widths.get(width)
        if known is None:
            text = self._text
            widest = width >= MIN_WIDTH and _longer(width).search(text) is None
            # different rows, not one message printed again with other numbers in it
            rows = {_DIGITS.sub("0", row) for row in _exactly(width).findall(text)} if widest else ()
            known = self._widths[width] = (widest, len(rows) >= _MIN_CUT)
        return known

    def cut_at(self, width: int, text: str, end: int) -> bool:
        """Whether the line of ``width`` characters that ends at ``end`` of ``text`` was cut there."""
        if text[end - 2 : end] in ("  ", "\\r", "\\n"):
            return False  # a row filled with blanks after a line that ended there, or its line end shown
        widest, several = self._look(width)
        if several:
            return True
        # one long line alone: a terminal's width, with a word cut in two at the break
        return widest and width in TERMINAL_WIDTHS and _cut_inside_text(text, end - 1, text.find("\n", end) + 1)


# Characters a row cut inside a line ends with, and that its next row begins with: words, numbers
# and the marks between them; not the marks that open a line (a bracketed stamp, a quote, markup).
_ENDS_CUT = frozenset(" )]},;:.=-_/'\"%")
_BEGINS_CUT = frozenset(" ()},;:.=-_/%")


def _cut_inside_text(text: str, last: int, first: int) -> bool:
    """The break between ``text[last]`` and ``text[first]`` may fall inside one line: a word or a
    value cut in two, or the space between two words; not after a sentence's end before a capital."""
    if not (0 <= last < len(text) and 0 <= first < len(text)):
        return False
    a, b = text[last], text[first]
    if not (a.isalnum() or a in _ENDS_CUT) or not (b.isalnum() or b in _BEGINS_CUT):
        return False
    return not (a.isspace() and b.isspace()) and not (a in ".!?" and b.isupper())


def _width(text: str, start: int, end: int) -> int:
    """Characters of the line ``start:end`` (its CR aside)."""
    return end - start - (1 if end > start and text[end - 1] == "\r" else 0)


def wrapped_span(
    text: str, start: int, end: int, floor: int, widths: WrapWidth, opens_line: Callable[[str, int], bool]
) -> tuple[int, int]:
    """The span of the line the device printed around the line ``start:end`` of ``text``: with the
    wrapped pieces before it (from ``floor`` on) and after it; ``(start, end)`` when it was not
    wrapped. ``opens_line(text, at)``: whether a log line of its own begins at ``at`` (a line in the
    device's colours always does)."""
    size = len(text)
    piece = start
    # forward: this piece is cut at the width and the next line carries on
    while (end < size - 1 and text[end + 1] not in "\r\n\x1b" and not opens_line(text, end + 1)
           and text[end + 1 : end + 1 + _SAME_START] != text[piece : piece + _SAME_START]):
        width = _width(text, piece, end)
        # a line in the device's colours came whole (a terminal copy keeps no colour codes)
        if width < MIN_WIDTH or "\x1b" in text[piece:end] or not widths.cut_at(width, text, piece + width):
            break
        piece = end + 1
        following = text.find("\n", piece)
        end = size if following < 0 else following
    # backward: this line carries on a piece cut at the width
    while start > floor and text[start] != "\x1b" and not opens_line(text, start):
        before = text.rfind("\n", 0, start - 1) + 1
        if before < floor or text[before : before + _SAME_START] == text[start : start + _SAME_START]:
            break
        width = _width(text, before, start - 1)
        if width < MIN_WIDTH or "\x1b" in text[before:start] or not widths.cut_at(width, text, before + width):
            break
        start = before
    return start, end


def joined(text: str) -> str:
    """A span of wrapped pieces as the one line they were."""
    return text.replace("\r\n", "").replace("\n", "") if "\n" in text else text

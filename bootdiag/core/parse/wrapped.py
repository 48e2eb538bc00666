"""Lines a terminal hard-wrapped at its width (a copy from a narrow window, a console that breaks long
lines): read as the one line the device printed.

A row exactly as wide as terminals are set (80, 100, 120, 132, ... columns), in plain ASCII, not
padded with blanks, whose break falls inside a line (a word or a value cut in two, the space between
two words; not a sentence's end) and whose next row begins no log line of its own, goes on in that
row. The decision reads
the row and the next one only; the line splitter never ends a block on a row that wide (see
``core/lines.py``), so it is the same however the capture was cut into reads.
"""
from __future__ import annotations

from collections.abc import Callable

from bootdiag.core.lines import TERMINAL_WIDTHS
from bootdiag.core.rules.digit_blind import digits_alike

_SAME_START = 5  # a line that begins as the one before it does is the next line of the same log
# Characters a row cut inside a line ends with, and that its next row begins with: words, numbers
# and the marks between them; not the marks that open a line (a bracketed stamp, a quote, markup).
_ENDS_CUT = frozenset(" )]},;:.=-_/'\"%")
_BEGINS_CUT = frozenset(" ()},;:.=-_/%")


def _row_at_width() -> str:
    """A regex, matched at a row's start, for a row that may be a longer line a terminal cut: as wide
    as terminals are set, in ASCII without ESC, then its line end and a next row that may carry it on.
    The trigger screen stops at such rows (a trigger may be cut in two there); :func:`_cut_row`
    decides. (The widths nested, shortest first: the row's characters are counted once.)"""
    char = r"[\x00-\t\x0b\x0c\x0e-\x1a\x1c-\x7f]"  # ASCII but the line end and ESC
    widths = sorted(TERMINAL_WIDTHS)
    pattern = ""
    for wider, narrower in zip(reversed(widths), [*reversed(widths[:-1]), 0]):
        count = f"{char}{{{wider - narrower}}}"
        pattern = f"{count}\\r?\\n" if not pattern else f"{count}(?:\\r?\\n|{pattern})"
    return f"{pattern}(?=[\\w ()}},;:.=\\-/%])"


ROW_AT_WIDTH = _row_at_width()


def _cut_row(text: str, start: int, end: int) -> bool:
    """Whether the row ``start:end`` of ``text`` (its CR aside) is a longer line cut at the width."""
    if end > start and text[end - 1] == "\r":
        end -= 1
    if end - start not in TERMINAL_WIDTHS or not text[start:end].isascii() or "\x1b" in text[start:end]:
        return False
    if text[end - 2 : end] in ("  ", "\\r", "\\n"):
        return False  # a row filled with blanks after a line that ended there, or its line end shown
    first = text.find("\n", end) + 1
    if not 0 < first < len(text):
        return False
    a, b = text[end - 1], text[first]
    if not (a.isalnum() or a in _ENDS_CUT) or not (b.isalnum() or b in _BEGINS_CUT):
        return False
    if a in ".!?":
        # a row ending a sentence ended a line; not a number cut after its point ("[15:03:48." + "953] ")
        return a == "." and b.isdigit() and text[end - 2].isdigit()
    return not (a.isspace() and b.isspace())


def _starts_alike(text: str, first: int, second: int) -> bool:
    """Whether the rows at ``first`` and ``second`` begin alike, numbers aside: the next line of the
    same log, not the rest of a line ("[12:59:59] ..." then "[13:00:00] ...", "(72) flash_parts: ..."
    then "(81) boot: ...")."""
    a, b = text[first : first + _SAME_START], text[second : second + _SAME_START]
    return a == b or digits_alike(a) == digits_alike(b)


def wrapped_span(text: str, start: int, end: int, floor: int, opens_line: Callable[[str, int], bool]) -> tuple[int, int]:
    """The span of the line the device printed around the row ``start:end`` of ``text``: with the
    wrapped rows before it (from ``floor`` on) and after it; ``(start, end)`` when it was not
    wrapped. ``opens_line(text, at)``: whether a log line of its own begins at ``at`` (a line in the
    device's colours always does)."""
    size = len(text)
    row = start
    # forward: this row is cut at the width and the next one carries on
    while (end < size - 1 and text[end + 1] not in "\r\n\x1b" and _cut_row(text, row, end)
           and not opens_line(text, end + 1) and not _starts_alike(text, row, end + 1)):
        row = end + 1
        following = text.find("\n", row)
        end = size if following < 0 else following
    # backward: this row carries on one cut at the width
    while start > floor and text[start] != "\x1b" and not opens_line(text, start):
        before = text.rfind("\n", 0, start - 1) + 1
        if before < floor or not _cut_row(text, before, start - 1) or _starts_alike(text, before, start):
            break
        start = before
    return start, end


def joined(text: str) -> str:
    """A span of wrapped rows as the one line they were."""
    return text.replace("\r\n", "").replace("\n", "") if "\n" in text else text

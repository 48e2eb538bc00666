"""Lines a terminal hard-wrapped at its width (a copy from a narrow window, a console that breaks long
lines), and lines a mail program broke at a blank (a log pasted into a mail, as a list archive shows
it): read as the one line the device printed.

A row exactly as wide as terminals are set (80, 100, 120, 132, ... columns), in plain ASCII, not
padded with blanks, whose break falls inside a line (a word or a value cut in two, the space between
two words; not a sentence's end) and whose next row begins no log line of its own, goes on in that
row. A row no wider than a mail's lines (72 to 80 columns), ending with a bare LF as a mail's text
does, goes on in the next row when that row's first word would not have fitted on it, both rows
carry the same quote marks (``> ``; or the next row only the outer ones, a quoted line broken by the
mail that quoted it), and the next row begins no log line of its own, or does only by the look of its
first word while a catalogued message runs on into it; it goes on after a blank. After such a row, a
narrower one goes on the same way when the next row's first word would not have fitted either (the
program broke it early, before a long word); so does a narrower row anywhere, at a line's start too,
before a long path, URL or option, when the row has words of its own and ends no sentence and the next
row is no wider than a mail's or that word alone; before a long word of another kind, the same way when
the line goes on after the word on a row no wider than a mail's, and the word opens no line of its own
(a source location, a rule). The decision reads the rows of the line so far and the
next one only; the line splitter never ends a block on a row this may join to the next one, whatever
that row's first word is, and past the rows it holds back it ends one only between rows
:func:`rows_apart` says are never joined (see ``core/lines.py``), so it is the same however the capture
was cut into reads.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from bootdiag.core.lines import (
    LONG_WORD_CHARS, MAIL_ROWS, MAIL_WIDTHS, MAX_LINE_BYTES, TERMINAL_WIDTHS, quote_marks, short_row_may_go_on,
)
from bootdiag.core.rules.digit_blind import digits_alike

_SAME_START = 5  # a line that begins as the one before it does is the next line of the same log
# A next row's first word that opens a line of its own: a label ending in a colon ("error:", "Warning:",
# tested apart), a line number or a clock before a colon ("12:rst:0x1", "10:00:01"), a list item's mark.
_OWN_LINE = re.compile(r"\d{1,10}:|[-*+\u2022]\Z")
# A row that opens with a shell's prompt is a command someone typed: the next row is what it printed.
_PROMPT = re.compile(r"[\w.-]{1,64}@[\w.-]{1,64}(?::\S{0,256})?\s?[$#] |[$#] |(?:PS )?[A-Za-z]:\\[^\s>]{0,256}>")
# A long option: the command at a prompt goes on in a row that begins with one (what a command prints
# begins no line with it).
_OPTION = re.compile(r"--[A-Za-z]")
# Characters a row cut inside a line ends with, and that its next row begins with: words, numbers
# and the marks between them; not the marks that open a line (a bracketed stamp, a quote, markup).
_ENDS_CUT = frozenset(" )]},;:.=-_/'\"%")
_BEGINS_CUT = frozenset(" ()},;:.=-_/%")
# A quote mark opens a line too, but not one that closes a string the row left open ("--connstring
# "/dev/ttyACM0,baud=115200" cut before its closing mark).
_CLOSES_QUOTE = '"'
# Markup around a pasted line (markdown's bold and code spans, a table's cells): a mail program breaks
# inside a line's words, never where such marks close one line and open the next.
_MARKUP = frozenset("*`|")
# A word a mail program breaks a line before however short the row it leaves (a row narrower than
# MAIL_ROWS, at a line's start too): a path (absolute, home, relative, a drive's, a share's, in quotes
# or brackets), a URL, a long option. Values (numbers, hashes, key=value) are not: a log prints those on
# lines of their own ("configsip: 0, SPIWP:0xee" then "clk_drv:0x00,q_drv:0x00,...", "Calculated:"
# then a digest).
_LONG_WORD = re.compile(r"""["'(\[]?+(?:[~.]{0,2}/|[A-Za-z]:[\\/]|\\\\|[A-Za-z][0-9A-Za-z_+.-]{0,15}+://|--[A-Za-z]|[0-9A-Za-z_.-]{1,64}+[/\\])""")
# A rule drawn with one mark ("=====", "-----"): a line of its own. (Its mark is the pattern's first group.)
_RULE = r"([=*#~_-])\1{3}"
# A long first word that opens a line of its own, of whatever width the row before it is: a source
# location a log line begins with ("init_ram_module@init_ram.c:23", "main.c:42:"), a rule drawn with one
# mark ("=====", "-----").
_OWN_WORD = re.compile(r"(?:\w{1,64}+@)?+[\w-]{1,64}+\.[A-Za-z]{1,8}+:\d|" + _RULE)
GoesOn = Callable[[str, str], bool]
# A row that is a rule drawn with one mark (after a quote's marks): a line of its own, which a log prints
# between sections (ztest's "=====" before its verdict); nothing it is cut from goes on after it.
_DRAWN_ROW = re.compile(r"[>| \t]{0,16}+" + _RULE + r"\1*+[ \t\r]{0,16}+")


def _row_at_width() -> str:
    """A regex, matched at a row's start, for a row that may be a longer line a terminal cut or a mail
    program broke: as wide as terminals are set, or as a mail's rows are, in ASCII without ESC, then
    its line end and a next row that may carry it on. The trigger screen stops at such rows (a trigger
    may be cut in two there); :func:`_cut_row` decides. (The widths nested, shortest first: the row's
    characters are counted once.)"""
    char = r"[\x00-\t\x0b\x0c\x0e-\x1a\x1c-\x7f]"  # ASCII but the line end and ESC
    # a mail's row: a bare LF, and a next row's word (or its quote marks); one bounded repeat, which
    # the regex engine runs as one loop, where a branch per column would cost a step each
    mail = f"{char}{{0,{len(MAIL_ROWS) - 1}}}\\n(?=\\S)"
    widths = sorted(TERMINAL_WIDTHS)
    terminal = ""
    for wider, narrower in zip(reversed(widths), [*reversed(widths[:-1]), MAIL_ROWS.start]):
        count = f"{char}{{{wider - narrower}}}"
        terminal = f"{count}\\r?\\n" if not terminal else f"{count}(?:\\r?\\n|{terminal})"
    # a narrower mail's row: a bare LF, then a word (after quote marks) too long to have fitted on it;
    # the row's first characters, taken once and not given back, lead to either kind
    short = f"\\n(?=(?:> ?){{0,8}}+\\S{{{LONG_WORD_CHARS}}})"
    return f"{char}{{0,{MAIL_ROWS.start - 1}}}+(?:{short}|{char}(?:{mail}|{terminal}(?=[\\w ()}},;:.=\\-/%\\x22])))"


ROW_AT_WIDTH = _row_at_width()


def _mail_cut(text: str, start: int, end: int, first: int, goes_on: GoesOn | None = None, line_start: int = -1,
              limit: int | None = None) -> bool:
    """Whether a mail program broke the row ``start:end`` at a blank, its line going on in the row at
    ``first``: the row is no wider than a mail's lines, and the next row's first word would not have
    fitted on it. Both rows carry the same quote marks, if any (a reply quotes every row it wraps), or
    the next row the outer ones of the row's (a quoted line broken by the mail that quoted it, quoted
    again in a reply: "> > " before the row, "> " before its rest), the row is no command at a shell's
    prompt (unless the next row begins with a long option: the command goes on), and the next row begins no line of its own (a label, a line number, a list item, a
    capitalised word, unless ``goes_on`` finds a catalogued message on the line so far, from
    ``line_start``, running on into it). ``limit``: the width of the rows a mail program broke the line
    before this row at; the row may then be narrower than a mail's rows (the word after it was too
    long to fit). Without it, a row narrower than a mail's goes on before a long path, URL or option,
    or before another long word that more of the line follows on the next row."""
    width = end - start
    if not 0 < width < (MAIL_ROWS.stop if limit is None else MAIL_ROWS.start):
        return False
    if not text[start:end].isascii() or "\x1b" in text[start:end]:
        return False
    marks = quote_marks(text, start, end)
    carried = quote_marks(text, first, min(len(text), first + marks))  # the marks the next row repeats
    word = first + carried
    if (text[first : first + carried] != text[start : start + carried] or (carried < marks and not carried)
            or (_PROMPT.match(text, start + marks, end) and not _OPTION.match(text, word))):
        return False
    if word >= len(text) or text[word] in " \t\r\n" or text[end - 1] in " \t" or text[end - 2 : end] in ("\\r", "\\n"):
        return False  # a row filled with blanks or ending with its line end shown, an indented next row
    blank, stop = word, min(len(text), word + MAIL_WIDTHS[-1])  # a word that long fits on no row
    while blank < stop and text[blank] not in " \t\r\n":
        blank += 1
    if text[end - 1] in _MARKUP or text[word] in _MARKUP:
        return False  # a line a paste's markup closes, or one it opens
    # (the quote marks a reply puts before the rows aside: the mail program that broke them counted
    # only the marks that were there then, which the next row carries)
    if limit is None and width < MAIL_ROWS.start:
        # A row this narrow, at a line's start or after rows no mail broke, was broken before a long word
        # that would not have fitted on the narrowest mail's row; the row has words of its own and ends no
        # sentence, and the next row is one a mail program makes too: no wider than its rows, or (a path,
        # a URL, an option) the word alone.
        if not short_row_may_go_on(text[start:end].encode("ascii")):
            return False
        following = text.find("\n", word)
        row = text[word : len(text) if following < 0 else following].rstrip()
        if _LONG_WORD.match(text, word, blank):
            if len(row) > MAIL_WIDTHS[-1] and (" " in row or "\t" in row):
                return False
        elif len(row) > MAIL_WIDTHS[-1] or not row[blank - word :].strip() or _OWN_WORD.match(text, word, blank):
            # any other long word (a value, a name in a paste's markup) was the next row's whole first
            # word only if more of the line follows it on that row: a value alone on its row is a line
            # of its own ("configsip: 0, SPIWP:0xee" then "clk_drv:0x00,q_drv:0x00,..."), as is a row
            # that opens with a source location or a rule
            return False
        limit = MAIL_WIDTHS[0]
    elif limit is None:
        limit = _mail_width(width - carried)
    if width - carried + 1 + (blank - word) <= limit:
        return False
    if (text[blank - 1] == ":" or _OWN_LINE.match(text, word, blank)
            or (text[word].isupper() and (text[word + 1 : word + 2].islower() or text[end - 1] in ".!?"))):
        # a label, a line number, a capitalised word, or any word in capitals after a sentence's end,
        # opens a line of its own ("error: ...", "Welcome to ...", "Task watchdog ...", "... Wrong
        # --chip argument?" + "SPIFFS Upload failed!"), unless a message that began on the row goes on
        # in it ("... Expected 2 read 0." + "Bootloader for wrong chip?", "(result was" + "01070000:
        # Operation timed out)")
        if goes_on is None:
            return False
        line = joined(text[start if line_start < 0 else line_start : end])  # the line so far, its rows joined
        following = text.find("\n", word)
        return goes_on(line[quote_marks(line, 0, len(line)) :], text[word : len(text) if following < 0 else following])
    return True


def _mail_width(width: int) -> int:
    """The columns a mail program filled to break a row ``width`` wide (its quote marks aside)."""
    return next((w for w in MAIL_WIDTHS if w >= width), MAIL_WIDTHS[-1])


def _mail_limit(text: str, start: int, end: int) -> int | None:
    """For a row a mail program broke (as wide as a mail's rows, ending with a bare LF): the columns it
    filled; else None."""
    if end - start not in MAIL_ROWS or text[end : end + 1] != "\n":
        return None
    return _mail_width(end - start - quote_marks(text, start, end))


def _narrow_mail_cut(text: str, start: int, end: int, limit: int, goes_on: GoesOn | None = None, line_start: int = -1) -> bool:
    """Whether the row ``start:end``, after rows a mail program broke at ``limit`` columns, is one it broke
    early: narrower, because the next row's first word would not have fitted on it either."""
    first = end + 1
    return (text[end:first] == "\n" and first < len(text) and not _DRAWN_ROW.fullmatch(text, start, end)
            and _mail_cut(text, start, end, first, goes_on, line_start, limit))


def _cut_row(text: str, start: int, end: int, goes_on: GoesOn | None = None, line_start: int = -1) -> bool:
    """Whether the row ``start:end`` of ``text`` (its CR aside) is a longer line cut at the width;
    ``line_start``: where the line that the row goes on begins, if on an earlier row."""
    if end > start and text[end - 1] == "\r":
        end -= 1
    if _DRAWN_ROW.fullmatch(text, start, end):
        return False
    if 0 < end - start < MAIL_ROWS.stop:
        # a mail's row ends with a bare LF (a device's console line with CR LF, or a lone CR, is whole)
        first = end + 1
        return text[end : first] == "\n" and first < len(text) and _mail_cut(text, start, end, first, goes_on, line_start)
    if end - start not in TERMINAL_WIDTHS or not text[start:end].isascii() or "\x1b" in text[start:end]:
        return False
    if text[end - 2 : end] in ("  ", "\\r", "\\n"):
        return False  # a row filled with blanks after a line that ended there, or its line end shown
    first = text.find("\n", end) + 1
    if not 0 < first < len(text):
        return False
    a, b = text[end - 1], text[first]
    closes = b == _CLOSES_QUOTE and text.count(_CLOSES_QUOTE, start if line_start < 0 else line_start, end) % 2 == 1
    if not (a.isalnum() or a in _ENDS_CUT) or not (b.isalnum() or b in _BEGINS_CUT or closes):
        return False
    if a in ".!?":
        # a row ending a sentence ended a line; not a number cut after its point ("[15:03:48." + "953] ")
        return a == "." and b.isdigit() and text[end - 2].isdigit()
    return not (a.isspace() and b.isspace())


def rows_apart(before: str, row: str, opens_line: Callable[[str, int], bool]) -> bool:
    """Whether :func:`wrapped_span` never reads ``row`` as going on from the row ``before`` it (each
    without its line end), whatever they say: ``row`` is empty, in the device's colours or opens a log
    line of its own (``opens_line``), or both rows begin alike, numbers aside. The line splitter may end
    a block between such rows (core/lines.py)."""
    return row[:1] in ("", "\r", "\x1b") or opens_line(row, 0) or _starts_alike(f"{before}\n{row}", 0, len(before) + 1)


def _starts_alike(text: str, first: int, second: int) -> bool:
    """Whether the rows at ``first`` and ``second`` begin alike, numbers aside: the next line of the
    same log, not the rest of a line ("[12:59:59] ..." then "[13:00:00] ...", "(72) flash_parts: ..."
    then "(81) boot: ...")."""
    a, b = text[first : first + _SAME_START], text[second : second + _SAME_START]
    return a == b or digits_alike(a) == digits_alike(b)


def wrapped_span(text: str, start: int, end: int, floor: int, opens_line: Callable[[str, int], bool],
                 goes_on: GoesOn | None = None) -> tuple[int, int]:
    """The span of the line the device printed around the row ``start:end`` of ``text``: with the
    wrapped rows before it (from ``floor`` on) and after it; ``(start, end)`` when it was not
    wrapped. ``opens_line(text, at)``: whether a log line of its own begins at ``at`` (a line in the
    device's colours always does); ``goes_on(line, next_row)``: whether a message on the line so far
    goes on with the words of the next row (see :func:`_mail_cut`)."""
    size = len(text)
    row = start
    limit = None  # the columns a mail program broke the rows so far at, once one was
    # forward: this row is cut at the width (or, after rows a mail program broke, its next word did not
    # fit either) and the next one carries on
    # (a line no longer than a device prints one, as the line splitter cuts them: rows beyond that
    # begin a line of their own, and reading a line costs no more than reading a line does)
    while end < size - 1 and text[end + 1] not in "\r\n\x1b" and end - start < MAX_LINE_BYTES:
        if limit is not None and _narrow_mail_cut(text, row, end, limit, goes_on, start):
            pass  # (the rows after it are measured against the same mail's width)
        elif _cut_row(text, row, end, goes_on, start):
            limit = _mail_limit(text, row, end)
        else:
            break
        if opens_line(text, end + 1) or _starts_alike(text, row, end + 1):
            break
        row = end + 1
        following = text.find("\n", row)
        end = size if following < 0 else following
    # backward: this row carries on one cut at the width (or one a mail program broke early, after a row
    # it broke at its width)
    while start > floor and text[start] != "\x1b" and not opens_line(text, start):
        before = text.rfind("\n", 0, start - 1) + 1
        if before < floor or end - before > MAX_LINE_BYTES or _starts_alike(text, before, start):
            break
        if not _cut_row(text, before, start - 1, goes_on):
            earlier = text.rfind("\n", 0, before - 1) + 1 if before > 0 else -1
            limit = _mail_limit(text, earlier, before - 1) if floor <= earlier < before else None
            if (limit is None or not _narrow_mail_cut(text, before, start - 1, limit, goes_on)
                    or not _cut_row(text, earlier, before - 1, goes_on) or opens_line(text, before)):
                break
        start = before
    return start, end


def joined(text: str) -> str:
    """A span of wrapped rows as the one line they were: a row a terminal cut goes on at once, one a
    mail program broke at a blank goes on after a blank, without the quote marks it repeats."""
    if "\n" not in text:
        return text
    rows = [row[:-1] if row.endswith("\r") else row for row in text.split("\n")]
    line = rows[0]
    for before, row in zip(rows, rows[1:]):
        # a row no wider than a mail's is one a mail program broke, at its width or early (a terminal
        # fills its rows)
        line += " " + row[quote_marks(row, 0, len(row)) :] if len(before) < MAIL_ROWS.stop else row
    return line

"""Bytes to numbered, cleaned text lines.

Rules of the road, so that a capture from any terminal, logger or forum paste reads the same:
- CR, CRLF and LF each end a line (a CRLF split across two reads still counts once);
- ANSI escape sequences (ESP-IDF and Zephyr colour codes) and NUL bytes are removed;
- the result never depends on how the bytes were cut into reads (a file, a pipe, a serial port);
- invalid UTF-8 never fails: it becomes U+FFFD;
- a line longer than ``MAX_LINE_BYTES`` keeps its first ``MAX_LINE_BYTES`` bytes and the rest is
  skipped, so a 20 MB line costs linear time and bounded memory.

Cleaning is lazy where it costs most: a block keeps its colour codes and the CR of CRLF endings
(:func:`clean_line` removes them), because stripping them from every line costs more than the
whole screen that decides which few lines are read at all.
"""
import re
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

MAX_LINE_BYTES = 16 * 1024

# CSI sequences (ESC [ ... final byte), two-byte ESC sequences, and stray ESC/NUL bytes.
_ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|[\x1b\x00]")
# The same without NUL, on text: a single literal first character lets the regex engine jump
# from ESC to ESC.
_ANSI_TEXT = re.compile("\x1b(?:\\[[0-?]*[ -/]*[@-~]|[@-Z\\\\-_])?")
_NEWLINE = re.compile(rb"\r\n|\r|\n")
# Columns terminals and consoles are commonly set to (VT100's 80 and 132, the Windows console's 120,
# ...): a row exactly that wide may be a longer line a terminal wrapped (core/parse/wrapped.py).
TERMINAL_WIDTHS = frozenset({80, 100, 120, 128, 132, 150, 160, 180, 200})
# Widths of rows a mail program may have broken at a blank, the line going on in the next row (its
# 72, 76 or 78 columns; core/parse/wrapped.py decides from the next row's first word). Such a row ends
# with a bare LF, as a mail's text does: the CR LF a device's console ends its lines with is never one.
MAIL_ROWS = range(56, 80)
# Columns mail programs fill before they break a line at a blank (Thunderbird's and mutt's 72, the 76
# of quoted-printable bodies, RFC 5322's recommended 78, 80 for the rest): a row at most that wide
# whose next row begins with a word that would not have fitted on it was broken there.
MAIL_WIDTHS = (72, 76, 78, 80)
# A row narrower than MAIL_ROWS may be one a mail program broke before a long word (a path, a URL, an
# option) too (core/parse/wrapped.py), when it has words of its own and ends no sentence (see
# short_row_may_go_on): the word has at least this many characters (the row, a blank and the word are
# wider than the narrowest mail's row).
LONG_WORD_CHARS = MAIL_WIDTHS[0] - (MAIL_ROWS.start - 1)
_NEXT_ROW_READ = 256  # bytes of a next row read for its quote marks and first word (a longer word fits on no row)
_HELD_ROWS = 8  # rows of one wrapped line held back together at a read's end (a line of 600 characters)
_SEPARATOR = re.compile(rb"[\r\n]")
_LONE_CR = re.compile(rb"\r[^\n]")
_LONE_CR_END = re.compile(rb"\r(?!\n)")


def short_row_may_go_on(row: bytes) -> bool:
    """Whether a row narrower than ``MAIL_ROWS`` may be one a mail program broke before a long word:
    after its quote marks and indent it has two words or more, and it ends no sentence. (A single
    word is a line of its own: a function's name before its file, a program's before its output.)"""
    body = row.lstrip(b"> \t")
    return body[-1:] not in _ENDS_LINE and (b" " in body or b"\t" in body)


_ENDS_LINE = (b"", b".", b"!", b"?", b" ", b"\t")
_BLANKS = re.compile(rb"[ \t\r\n]")


def _begins_with_long_word(row: bytes) -> bool:
    """Whether ``row``'s first word, after quote marks, is as long as one a narrower row was broken
    before (core/parse/wrapped.py looks at its kind)."""
    body = row.lstrip(b"> ")
    return len(body) >= LONG_WORD_CHARS and _BLANKS.search(body, 0, LONG_WORD_CHARS) is None


class Line(NamedTuple):
    """One line of a capture: its 1-based number, its cleaned text and an optional arrival time."""

    no: int
    text: str
    t: float | None = None


class TextBlock:
    """A run of whole lines joined by ``\\n``; ``first_no`` numbers the first, ``count`` says how many.

    Lines may still carry ANSI escapes and a trailing CR: read a line through :func:`clean_line`
    (or :meth:`lines`).

    Counting a block's lines is a pass over its text, and its reader already makes one to number the
    lines it reads: so a block may be made knowing only the block before it (``after``), and the
    reader tells it its count (:meth:`counted`). A count nobody told is counted when first asked.
    """

    __slots__ = ("text", "_first_no", "_count", "_after")

    def __init__(self, first_no: int, text: str, count: int = -1, after: "TextBlock | None" = None) -> None:
        self.text = text
        self._first_no = first_no
        self._count = count
        self._after = after  # the block this one follows, while its count is not known

    @property
    def first_no(self) -> int:
        after = self._after
        if after is not None:
            self._first_no = after.first_no + after.count
            self._after = None
        return self._first_no

    @property
    def count(self) -> int:
        if self._count < 0:
            self._count = self.text.count("\n") + 1
        return self._count

    def counted(self, count: int) -> None:
        """The number of lines, as the block's reader found them."""
        self._count = count

    def lines(self) -> Iterator[str]:
        return (clean_line(text) for text in self.text.split("\n"))

    def __repr__(self) -> str:
        return f"TextBlock(first_no={self.first_no}, text={self.text!r}, count={self.count})"


def strip_colour(text: str) -> str:
    """``text`` without its ANSI escape sequences."""
    return _ANSI_TEXT.sub("", text) if "\x1b" in text else text


def clean_line(text: str) -> str:
    """One line of a :class:`TextBlock` without colour codes and line-ending CR."""
    if "\x1b" in text:
        text = _ANSI_TEXT.sub("", text)
    return text[:-1] if text.endswith("\r") else text


def clean(raw: bytes) -> str:
    """Strip ANSI/NUL from one or more LF-separated lines and decode them without failing."""
    if b"\x00" in raw or b"\x1b" in raw:
        raw = _ANSI.sub(b"", raw)
    return raw.decode("utf-8", "replace")


# What a web page or forum escapes in a pasted log (HTML's five, and the no-break space a paste may
# carry): a device prints the characters themselves, so a block that has them is read unescaped.
# Numeric references other than the apostrophe's stay: "&#10;" would move the line numbers.
_HTML_ESCAPES = {"&gt;": ">", "&lt;": "<", "&amp;": "&", "&quot;": '"', "&#39;": "'", "&#x27;": "'", "&apos;": "'",
                 "&nbsp;": " "}
_HTML_ESCAPE = re.compile("|".join(_HTML_ESCAPES))
# What a log copied out of a rendered page, a mail or a chat may carry in place of its blanks: no
# serial console prints these, and a message's words would not be found past them. No-break and
# narrow no-break spaces, the typographic spaces, the ideographic space become a space; zero-width
# spaces and joiners and a byte-order mark inside the text go.
_UNICODE_BLANKS = {**{ord(c): " " for c in "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"},
                   **{ord(c): None for c in "\u200b\u200c\u200d\u2060\ufeff"}}
_UNICODE_BLANK = re.compile("[" + "".join(chr(c) for c in _UNICODE_BLANKS) + "]")
# Inline HTML a forum's rich-text editor or a terminal's "copy as HTML" leaves around a pasted log's
# lines ('<font color="#EF2929">FATAL ERROR: ...</font>', '<span style="...">', "<b>...</b>"): no device
# prints it, and it would stay glued to a message's first or last word. Only the presentational and
# phrase elements of HTML (WHATWG HTML, "Text-level semantics", and the obsolete font, tt, big, strike),
# and only well formed: a closing tag; an opening tag with attributes (name="value"); a bare opening tag
# when its closing tag follows on the same line. What merely looks like a tag stays: Zephyr's log
# levels "<inf>", "<wrn>", "<err>", "<dbg>", a usage's "<file>", an arrow "->", a prompt's ">".
_INLINE_ELEMENTS = ("font", "span", "b", "i", "u", "s", "em", "strong", "code", "tt", "kbd", "samp", "var", "mark",
                    "small", "big", "strike", "del", "ins", "sub", "sup", "a")
_ATTRIBUTE = r"""[ \t]++[A-Za-z][\w:-]{0,30}+(?:[ \t]*+=[ \t]*+(?:"[^"<>\n]{0,300}+"|'[^'<>\n]{0,300}+'|[^\s"'<>=`]{1,300}+))?+"""
_MARKUP = re.compile(
    r"<(/?)(" + "|".join(sorted(_INLINE_ELEMENTS, key=len, reverse=True)) + r")((?:" + _ATTRIBUTE + r"){0,12}+)[ \t]*+(/?)>",
    re.IGNORECASE,
)
# The bytes a tag of _MARKUP begins with: a row without them is read as it is (see _read_as_is).
_MARKUP_START = re.compile(rb"(?i)</?(?:" + "|".join(_INLINE_ELEMENTS).encode() + rb")[\s>/]")


def _without_markup(text: str) -> str:
    """``text`` without the inline HTML tags (``_MARKUP``) around or inside its lines."""
    closes: dict[tuple[int, str], int] = {}  # (a line's start, an element) -> where its last closing tag is

    def drop(m: re.Match[str]) -> str:
        closing, name, attributes, empty = m.group(1), m.group(2).lower(), m.group(3), m.group(4)
        if closing:
            return "" if not attributes and not empty else m.group()
        if attributes or empty:
            return "" if attributes and not empty else m.group()
        start = text.rfind("\n", 0, m.start()) + 1
        last = closes.get((start, name))
        if last is None:
            end = text.find("\n", m.end())
            line = text[start : len(text) if end < 0 else end].lower()
            last = closes[(start, name)] = start + line.rfind(f"</{name}>")
        return "" if last >= m.end() else m.group()

    return _MARKUP.sub(drop, text)


def _decode_block(raw: bytes) -> str:
    """Decode LF-separated lines; NULs go now, since a NUL inside a word would hide it from the
    screen, and so do a web page's escapes (``&gt;``), which would hide the characters a message is
    known by. Colour codes stay for :func:`clean_line` in every block alike, so that what a line
    gives never depends on which other bytes arrived in the same read."""
    if b"\x00" in raw:
        raw = raw.replace(b"\x00", b"")
    text = raw.decode("utf-8", "replace")
    if "&" in text:
        text = _HTML_ESCAPE.sub(lambda m: _HTML_ESCAPES[m.group()], text)
    if not text.isascii() and _UNICODE_BLANK.search(text) is not None:  # (isascii costs nothing on a str)
        text = text.translate(_UNICODE_BLANKS)
    if "<" in text and _MARKUP.search(text) is not None:
        text = _without_markup(text)
    return text


class LineSplitter:
    """Incremental splitter: feed byte chunks, get :class:`TextBlock` runs of complete lines.

    Holds at most one partial line (capped at ``MAX_LINE_BYTES``) between chunks, so memory
    stays flat whatever the capture's length.
    """

    def __init__(self, max_line: int = MAX_LINE_BYTES, apart: Callable[[str, str], bool] | None = None) -> None:
        """``apart(before, row)``: whether the reader of the blocks never joins ``row`` to the row
        ``before`` it (core/parse/wrapped.py ``rows_apart``), so that a block may end between them (see
        :meth:`_last_row_at_width`)."""
        self._max_line = max_line
        self._apart = apart
        self._pending = bytearray()
        self._overflow = False  # inside an over-long line: drop bytes until its end
        self._skip_lf = False  # the previous chunk ended in CR: a leading LF belongs to it
        self._last: TextBlock | None = None  # the last block made (its count may come from its reader)

    @property
    def next_no(self) -> int:
        """The number of the next line."""
        last = self._last
        return 1 if last is None else last.first_no + last.count

    def feed(self, chunk: bytes) -> TextBlock | None:
        if self._skip_lf and chunk[:1] == b"\n":
            chunk = chunk[1:]
        self._skip_lf = False
        if not chunk:
            return None
        last = _last_break(chunk)
        if last < 0:
            self._hold(chunk)
            return None
        self._skip_lf = chunk[last] == 0x0D and last == len(chunk) - 1
        head, tail = chunk[: last + 1], chunk[last + 1 :]
        cut = self._last_row_at_width(head)
        if cut is not None and cut < 0:
            # The rows to hold begin among those an earlier read held: the ones before them go out now.
            held = bytes(self._pending)
            at = len(held) + cut
            if at > 0:
                self._pending.clear()
                block = self._complete(held[:at])
                self._pending += held[at:]
                self._hold(head + tail)
                return block
            cut = 0
        if cut is not None:
            # A row as wide as a terminal, or as a mail program's rows, may go on in the next one
            # (core/parse/wrapped.py): it waits for it, so that the two are always read in one block,
            # however the reads were cut.
            head, tail = head[:cut], head[cut:] + tail
            if not head:
                self._hold(tail)
                return None
        block = self._complete(head)
        self._hold(tail)
        return block

    def _last_row_at_width(self, head: bytes) -> int | None:
        """Where the last line of ``head`` (which ends with a line end) starts, when it is exactly
        as wide as a terminal or as wide as a mail program's rows (ending with a bare LF), with the
        rows as wide right before it (up to ``_HELD_ROWS`` in all: the earlier rows of the same wrapped
        line); else None. A row narrower than a mail's after one as wide is held with it: a mail program
        breaks a row early when the next word is too long for it. Rows held back by earlier reads are
        read with ``head``; where the rows to hold begin among them, the place is before ``head`` (< 0).

        The rows held are every row core/parse/wrapped.py may join to the next one (within ``_HELD_ROWS``),
        and more: the tests here are those of its own that bytes answer cheaply (a row's width, its line
        end, the length of the next row's first word, each as the reader reads the row: :func:`_as_read`),
        and a row passes them whatever that word is, since the reader may join a row to a capitalised word
        or a label when a catalogued message runs on into it. The reader decides, on the rows held and the
        next one, read together in one block. When as many rows as are held at most may all go on, the
        block ends before the earliest of them that the reader never joins to the row before it
        (``apart``), if one is."""
        if self._overflow:
            return None
        # The rows held back from earlier reads and the open line are read with head only when the walk
        # may reach them: it stops within _HELD_ROWS rows of at most a terminal's widest columns.
        offset = len(self._pending) if self._pending and len(head) <= _HELD_ROWS * (max(TERMINAL_WIDTHS) + 2) else 0
        buf = bytes(self._pending) + head if offset else head
        held = None
        body_end = len(buf) - (2 if buf.endswith(b"\r\n") else 1)
        starts: list[int] = []  # of the rows held, the last row first
        for _ in range(_HELD_ROWS):
            start = _last_break(buf, body_end) + 1
            row = buf[start:body_end]
            if start == 0 and not offset and self._pending:  # the row began in the line still open
                row = bytes(self._pending[_last_break(self._pending) + 1 :]) + row
            width = _row_width(row)
            bare_lf = buf[body_end : body_end + 1] == b"\n"  # (a mail's rows end with a bare LF; a device's
            # console ends its lines with CR LF)
            narrow = bare_lf and 0 < width < MAIL_ROWS.start
            if width not in TERMINAL_WIDTHS and (width not in MAIL_ROWS or not bare_lf) and not (
                    narrow and _after_mail_row(buf, start) and (held is None or _next_word_too_long(buf, start, body_end))
            ) and not (
                    # one broken before a long word however narrow (the last row's next word is still to come)
                    narrow and short_row_may_go_on(_as_read(row))
                    and (held is None or _begins_with_long_word(_as_read(buf[body_end + 1 : body_end + _NEXT_ROW_READ])))):
                break
            held = start
            starts.append(start)
            if start == 0:
                break
            body_end = start - (2 if buf[start - 2 : start] == b"\r\n" else 1)
        else:
            # As many rows as are held at most, and the one before may go on in them too: the block
            # ends before the earliest held row the reader never joins to the row before it, rather
            # than between any two held rows.
            held = next((at for at in reversed(starts) if self._apart_at(buf, at, offset)), held)
        return None if held is None else held - offset

    def _apart_at(self, data: bytes, at: int, offset: int) -> bool:
        """Whether the reader never joins the row at ``at`` of ``data`` (not its first) to the row before
        it, each read as the reader reads it; ``offset``: whether ``data`` begins with the rows held
        back and the line still open (else that line's start is in them)."""
        if self._apart is None:
            return False
        body_end = at - (2 if data[at - 2 : at] == b"\r\n" else 1)
        before = _last_break(data, body_end) + 1
        previous = data[before:body_end]
        if before == 0 and not offset and self._pending:  # the row began in the line still open
            previous = bytes(self._pending[_last_break(self._pending) + 1 :]) + previous
        end = data.find(b"\n", at, at + _NEXT_ROW_READ)
        return self._apart(_decode_block(previous), _decode_block(data[at : at + _NEXT_ROW_READ if end < 0 else end]))

    def release(self) -> TextBlock | None:
        """The complete lines held back for a next row that may carry them on (see ``feed``), for a
        live source that went quiet: shown now, not when its next line comes."""
        if self._overflow:
            return None
        data = bytes(self._pending)
        last = _last_break(data)
        if last < 0:
            return None
        self._pending.clear()
        block = self._complete(data[: last + 1])
        self._pending += data[last + 1 :]
        return block

    def flush(self) -> TextBlock | None:
        """End of stream: the unterminated last line, if any."""
        if not self._pending and not self._overflow:
            return None
        data = bytes(self._pending)
        self._pending.clear()
        self._overflow = False
        limit = self._max_line
        parts = [part[:limit] for part in _NEWLINE.split(data)]
        if len(parts) > 1 and not parts[-1]:
            parts.pop()  # a row held back for the next one, which never came
        return self._emit(parts)

    def _hold(self, data: bytes) -> None:
        if self._overflow or not data:
            return
        # Whole rows held back for a next row that may carry them on are kept as they are (each is
        # cut to ``max_line`` with the block it goes out in): the cap is on the line still open.
        last = _last_break(data)
        if last >= 0:
            self._pending += data[: last + 1]
            data = data[last + 1 :]
        pending = self._pending
        room = self._max_line - (len(pending) - _last_break(pending) - 1)
        if len(data) > room:
            pending += data[:room]
            self._overflow = True
        else:
            pending += data

    def _complete(self, head: bytes) -> TextBlock:
        # Whole-chunk byte operations (in C) instead of a list of lines: the common case never
        # looks at a line on its own.
        if self._overflow:
            # The held line already has its ``max_line`` bytes: drop the rest of it.
            head = bytes(self._pending) + head[_SEPARATOR.search(head).start() :]
        elif self._pending:
            head = bytes(self._pending) + head
        self._pending.clear()
        self._overflow = False
        # CRLF stays (a trailing CR is harmless to the screen, and counting is cheaper than
        # rewriting); a lone CR ends a line, so a block that has one is rewritten: each lone CR becomes
        # the CR LF a device's console ends its lines with, which it is. (A bare LF is a mail's or a
        # file's line end, after which core/parse/wrapped.py may join the rows of a line a mail program
        # broke: a block's other lines read the same whether a lone CR came in it or not.)
        if b"\r" in head and (head.endswith(b"\r") or _LONE_CR.search(head)):
            head = _LONE_CR_END.sub(b"\r\n", head)
        if _may_exceed(head, self._max_line):
            limit = self._max_line
            parts = head.split(b"\n")
            parts.pop()  # head ends with a separator: the last piece is empty
            head = b"\n".join(p[:limit] if len(p) > limit else p for p in parts) + b"\n"
        return self._follow(_decode_block(head[:-1]))

    def _emit(self, parts: list[bytes]) -> TextBlock:
        return self._follow(_decode_block(b"\n".join(parts)), len(parts))

    def _follow(self, text: str, count: int = -1) -> TextBlock:
        """A block after the last one. Its number waits for the last one's count (see TextBlock),
        which was known or told by the time its lines were read, so no chain of blocks grows."""
        last = self._last
        if last is None:
            block = TextBlock(1, text, count)
        else:
            last.first_no  # noqa: B018 - settles the link to the block before it
            block = TextBlock(0, text, count, after=last)
        self._last = block
        return block


def _after_mail_row(data: bytes, start: int) -> bool:
    """Whether the row at ``start`` of ``data`` may carry on rows a mail program broke: the row before it
    is as wide as a mail's rows, ends with a bare LF, and this row's first word may not have fitted on it;
    or the row before is narrower, broken early in the same way (the first word after it did not fit
    either) after such rows (core/parse/wrapped.py goes on through them with the mail row's width). This
    narrower row may then be one the program broke early too."""
    for _ in range(_HELD_ROWS):
        if start < 2 or data[start - 1] != 0x0A or data[start - 2] == 0x0D:
            return False
        before = _last_break(data, start - 1) + 1
        width = _row_width(data[before : start - 1])
        if not 0 < width < MAIL_ROWS.stop or not _next_word_too_long(data, before, start - 1):
            return False
        if width >= MAIL_ROWS.start:
            return True
        start = before
    return False


def _read_as_is(row: bytes) -> bool:
    """Whether the reader has ``row`` as it is: ASCII, with no web page's escape, no NUL and no inline
    HTML tag (:func:`_decode_block` changes nothing in it)."""
    return row.isascii() and b"&" not in row and b"\x00" not in row and (b"<" not in row or _MARKUP_START.search(row) is None)


def _as_read(row: bytes) -> bytes:
    """``row`` as the reader has it (:func:`_decode_block`: a web page's escapes, no-break spaces and
    NULs undone), in UTF-8; a row without any of them is itself."""
    return row if _read_as_is(row) else _decode_block(row).encode("utf-8", "surrogatepass")


def _row_width(row: bytes) -> int:
    """The columns of ``row`` as the reader counts them (characters of the row it reads: ``&gt;`` is
    one, a no-break space is a blank, a NUL is none), which the widths of terminals and mails are."""
    return len(row) if _read_as_is(row) else len(_decode_block(row))


def _next_word_too_long(data: bytes, start: int, end: int) -> bool:
    """Whether the first word of the row after the row ``start:end`` (its LF at ``end``) may not have
    fitted on it in a mail's narrowest rows, measured as core/parse/wrapped.py measures it on the rows it
    reads (:func:`_as_read`): the row less the quote marks the next row repeats, a blank and the word up
    to its first blank. Only then may a mail program have broken the row there. What the word is (a
    label, a capitalised word, a stamp) is left to the reader: it joins the rows there all the same when
    a catalogued message on the row runs on into the word, which only its catalogue can tell."""
    following = data.find(b"\n", end + 1, end + _NEXT_ROW_READ)
    row, following = _as_read(data[start:end]), _as_read(data[end + 1 : end + _NEXT_ROW_READ if following < 0 else following])
    marks = quote_marks(row, 0, len(row))
    carried = quote_marks(following, 0, min(len(following), marks))
    blank = _BLANKS.search(following, carried, carried + MAIL_WIDTHS[-1])
    word = (min(len(following), carried + MAIL_WIDTHS[-1]) if blank is None else blank.start()) - carried
    return len(row) - carried + 1 + word > MAIL_WIDTHS[0]


def quote_marks(row: str | bytes, start: int, end: int) -> int:
    """The length of the mail quote marks (``> ``, ``> > ``, ``>> ``) the row ``start:end`` begins with,
    in text as the reader has it (core/parse/wrapped.py) or in bytes as the splitter has it."""
    at = start
    while at < end and row[at : at + 1] in _QUOTE_MARK:
        at += 1
        if at < end and row[at : at + 1] in _QUOTE_BLANK:
            at += 1
    return at - start


_QUOTE_MARK = (">", b">")
_QUOTE_BLANK = (" ", b" ")


def _last_break(data: bytes | bytearray, end: int | None = None) -> int:
    """Where the last line end (LF or CR) before ``end`` is in ``data``; -1 when there is none."""
    if end is None:
        return max(data.rfind(b"\n"), data.rfind(b"\r"))
    return max(data.rfind(b"\n", 0, end), data.rfind(b"\r", 0, end))


def _may_exceed(data: bytes, limit: int) -> bool:
    """Could a line of ``data`` (LF-separated) be longer than ``limit``? Never wrong when it says no.

    A run of more than ``limit`` bytes without LF covers a whole aligned window of ``(limit+1)//2``
    bytes, so it is enough to find an LF in each such window (memchr, a few calls per chunk).
    """
    if len(data) <= limit:
        return False
    window = (limit + 1) // 2
    find = data.find
    for start in range(0, len(data), window):
        if find(b"\n", start, start + window) < 0:
            return True
    return False


def iter_blocks(chunks: Iterable[bytes], max_line: int = MAX_LINE_BYTES,
                apart: Callable[[str, str], bool] | None = None) -> Iterator[TextBlock]:
    """Turn raw chunks into blocks of complete, cleaned lines (``apart``: see :class:`LineSplitter`)."""
    splitter = LineSplitter(max_line, apart)
    for chunk in chunks:
        block = splitter.feed(chunk)
        if block is not None:
            yield block
    block = splitter.flush()
    if block is not None:
        yield block


def iter_lines(chunks: Iterable[bytes], max_line: int = MAX_LINE_BYTES) -> Iterator[Line]:
    """Every line of a capture, numbered from 1."""
    for block in iter_blocks(chunks, max_line):
        for offset, text in enumerate(block.lines()):
            yield Line(block.first_no + offset, text)


def lines_from_text(text: str) -> Iterator[Line]:
    """Lines of an in-memory string, with the same cleaning as a byte stream (read in pieces, so
    a long text is never copied whole)."""
    step = 1 << 16
    return iter_lines(text[start : start + step].encode("utf-8", "surrogatepass") for start in range(0, len(text), step))

"""Replace device and personal identifiers and secrets with placeholders before a report is shared.

One :class:`Redactor` serves one run: the same MAC address becomes the same ``<mac-1>`` in the
capture, the evidence lines, the explanation and the Markdown, so a maintainer can still follow
which device did what. Secrets (passwords, tokens, key material, user names) become a fixed text
that says only what stood there. Line count and line endings never change, so evidence line
numbers keep pointing at the right lines of a redacted capture.

What is replaced is a table (:mod:`bootdiag.core.redactions`, and each platform's ``redactions``);
PEM blocks, which span lines, are the one thing handled here. Kept on purpose: key digests and
image hashes (bare hex), memory addresses such as ``0x3fff0030``, chip names and versions. They
are what a maintainer needs, and they identify a build, not a person or a unit.

Every step is linear in the line: PEM markers are paired in one pass, and ids remembered from a
label are looked up word by word in a dictionary, however many there are.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from bootdiag import platforms as registry
from bootdiag.core.lines import strip_colour
from bootdiag.core.platform import Redaction
from bootdiag.core.redactions import GENERIC

if TYPE_CHECKING:
    from bootdiag.core.report import Report

KEY_MATERIAL = "<redacted key material>"
MAX_PENDING = 1 << 20  # longest line held whole while streaming
# Kinds that are secrets or people: one fixed text, never numbered.
FIXED = {
    "user": "<user>", "password": "<password>", "secret": "<secret>", "key": KEY_MATERIAL,
    "credentials": "<credentials>",
}
MAX_REMEMBERED = 128  # characters: longer labelled values are not ids to look for elsewhere
# Distinct ids numbered per kind, and labelled ids looked for elsewhere: memory stays flat on a
# capture made of ids. Past it an id still goes, as ``<kind>`` without a number.
MAX_NUMBERED = 4096

# Report fields that name rules, events and links, never device data.
_KEEP_KEYS = frozenset({"schema", "id", "event", "platform", "confidence", "status", "docs", "tool", "format"})

_COLOUR = r"\x1b\[[0-?]*[ -/]*[@-~]"
_COLOUR_RE = re.compile(_COLOUR)
_LEADING_COLOUR = re.compile(rf"(?:{_COLOUR})*+")
_PEM_MARKER = re.compile(r"-----(BEGIN|END) ([A-Z0-9 ]{1,64})-----")
_LINE_END = re.compile(r"(\r\n|\r|\n)")
_WORD = re.compile(r"[0-9A-Za-z]+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _lower(text: str) -> str:
    """ASCII lower case: same length as ``text``, so positions in one are positions in the other."""
    return text.translate(_ASCII_LOWER)


class KnownValues:
    """Ids first seen beside a label, found again anywhere: indexed by their first word (run of
    letters and digits) and length, so a line costs one dictionary look-up per word."""

    def __init__(self) -> None:
        self._replacement: dict[str, str] = {}
        self._lengths: dict[str, tuple[int, ...]] = {}  # first word -> lengths of the values it starts, longest first

    def __bool__(self) -> bool:
        return bool(self._replacement)

    def add(self, value: str, replacement: str) -> None:
        key = _lower(value)
        if not 6 <= len(key) <= MAX_REMEMBERED or key in self._replacement or len(self._replacement) >= MAX_NUMBERED:
            return
        head = _WORD.match(key)
        if head is None:  # starts with punctuation: not an id to look for
            return
        self._replacement[key] = replacement
        lengths = self._lengths.get(head.group(0), ())
        if len(key) not in lengths:
            self._lengths[head.group(0)] = tuple(sorted((*lengths, len(key)), reverse=True))

    def replace(self, text: str) -> str:
        low = _lower(text)
        out: list[str] = []
        done = 0  # text before this is in ``out``
        for word in _WORD.finditer(low):
            start = word.start()
            if start < done:
                continue
            head = word.group(0)
            found = self._at(low, start, head)
            prefix = 0
            if found is None and head.startswith("0x") and len(head) > 2:
                prefix = 2  # "0x" + id: the prefix stays
                found = self._at(low, start + 2, head[2:], before=start)
            if found is None:
                continue
            length, replacement = found
            out.append(text[done : start + prefix])
            out.append(replacement)
            done = start + prefix + length
        if not out:
            return text
        out.append(text[done:])
        return "".join(out)

    def _at(self, low: str, start: int, head: str, before: int | None = None) -> tuple[int, str] | None:
        lengths = self._lengths.get(head)
        if lengths is None:
            return None
        edge = start if before is None else before
        if edge and low[edge - 1].isascii() and low[edge - 1].isalnum():
            return None
        for length in lengths:
            end = start + length
            replacement = self._replacement.get(low[start:end])
            if replacement is not None and not (end < len(low) and low[end].isascii() and low[end].isalnum()):
                return length, replacement
        return None


class Redactor:
    """Stable placeholders for one run; feed it lines in order (PEM blocks span lines)."""

    def __init__(self) -> None:
        self._names: dict[str, dict[str, str]] = {}
        self._known = KnownValues()
        self._in_pem: str | None = None  # the label of the PEM block being passed over
        self._table = _table(registry.registry_key())

    @property
    def count(self) -> int:
        """How many distinct identifiers have been given a placeholder."""
        return sum(len(names) for names in self._names.values())

    def placeholder(self, kind: str, key: str) -> str:
        fixed = FIXED.get(kind)
        if fixed is not None:
            return fixed
        names = self._names.setdefault(kind, {})
        name = names.get(key)
        if name is None:
            if len(names) >= MAX_NUMBERED:
                return f"<{kind}>"
            name = names[key] = f"<{kind}-{len(names) + 1}>"
        return name

    # One line (no line ending), in capture order.
    def line(self, text: str) -> str:
        if "\x1b" not in text:
            return self._line(text)
        # Colour at the start and the end of a line (as loggers print it) stays as it is.
        head = _LEADING_COLOUR.match(text).end()
        end = len(text)
        while (escape := text.rfind("\x1b", head, end)) >= 0 and _COLOUR_RE.fullmatch(text, escape, end):
            end = escape  # one sequence at a time from the end: linear, whatever the line
        if "\x1b" not in text[head:end]:
            return text[:head] + self._line(text[head:end]) + text[end:]
        # A colour code inside the line may hide an identifier from the patterns: read the line
        # without colours too, and when that finds more, give the line without its colours.
        before = self._in_pem
        out = self._line(text)
        after, self._in_pem = self._in_pem, before
        plain = self._line(strip_colour(text))
        if strip_colour(out) == plain:
            self._in_pem = after
            return out
        return plain

    def _line(self, text: str) -> str:
        if self._in_pem is not None or "-----" in text:
            text = self._pem(text)
        text = self._patterns(text)
        if self._known:
            text = self._known.replace(text)
        return text

    def _pem(self, text: str) -> str:
        """Key material between PEM BEGIN and END lines, inline or over several lines, in one pass."""
        out: list[str] = []
        done = 0  # text before this is in ``out`` (or passed over as key material)
        ends: dict[str, int] = {}  # label -> position of its next END marker at or after the scan
        if self._in_pem is not None and not _PEM_MARKER.search(text):
            return KEY_MATERIAL if text.strip() else text
        for m in _PEM_MARKER.finditer(text):
            if m.start() < done:
                continue  # inside a block already passed over
            kind, label = m.group(1), m.group(2)
            if self._in_pem is not None:
                if kind == "END" and label == self._in_pem:
                    if text[done : m.start()].strip():
                        out.append(KEY_MATERIAL)
                    done = m.start()
                    self._in_pem = None
                continue
            if kind != "BEGIN":
                continue
            # The END that closes it, found once per label and reused: one pass over the line.
            end = ends.get(label, -1)
            if end < m.end():
                end = text.find(f"-----END {label}-----", m.end())
                ends[label] = end if end >= 0 else len(text) + 1
            if 0 <= end <= len(text):
                out.append(text[done : m.end()])
                out.append(KEY_MATERIAL)
                done = end
            else:  # no END on this line: the block goes on
                out.append(text[done : m.end()])
                done = m.end()
                self._in_pem = label
        if self._in_pem is not None:
            rest = text[done:]
            out.append(KEY_MATERIAL if rest.strip() else rest)
            return "".join(out)
        out.append(text[done:])
        return "".join(out)

    def _patterns(self, text: str) -> str:
        # Each row runs only when its hint shows it can match: captures are long.
        low = text.lower()
        for row, word, hint, on_lower in self._table:
            if word is not None:
                if word not in low:
                    continue
            elif hint.search(low if on_lower else text) is None:
                continue
            changed = row.pattern.sub(lambda m, row=row: self._replace(row, m), text)
            if changed != text:
                text = changed
                low = text.lower()
        return text

    def _replace(self, row: Redaction, m: re.Match[str]) -> str:
        spans = _value_spans(m)
        whole = m.group(0)
        base = m.start()
        out: list[str] = []
        done = 0
        for kind, start, end in spans:
            value = whole[start - base : end - base]
            if not value or value.startswith("<") or (row.keep_if is not None and row.keep_if(value)):
                continue
            kind = kind or row.kind
            bare = value.strip("\"'")
            key = row.normalise(bare) if row.normalise is not None else bare.lower()
            name = value[: row.keep] + self.placeholder(kind, key)
            if row.remember and kind not in FIXED:
                self._known.add(bare, name)
                if row.normalise is not None:
                    self._known.add(key, name)
            out.append(whole[done : start - base])
            out.append(name)
            done = end - base
        if not out:
            return whole
        out.append(whole[done:])
        return "".join(out)

    # Whole strings and streams.
    def text(self, text: str) -> str:
        """A string of any number of lines; line endings are kept as they are."""
        if "\n" not in text and "\r" not in text:
            return self.line(text)
        parts = _LINE_END.split(text)
        parts[0::2] = [self.line(p) for p in parts[0::2]]
        return "".join(parts)

    def stream(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """Redact a byte stream line by line; bytes that are not UTF-8 pass through unchanged."""
        lines = self.lines()
        for chunk in chunks:
            if out := lines.feed(chunk):
                yield out
        if out := lines.flush():
            yield out

    def lines(self) -> "LineRedactor":
        """The same, for bytes pushed as they come."""
        return LineRedactor(self)

    def _bytes(self, data: bytes) -> bytes:
        return self.text(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")

    def value(self, value: Any, key: str | None = None) -> Any:
        """Any JSON-like value: every string inside is redacted, rule ids and links are not."""
        if key in _KEEP_KEYS:
            return value
        if isinstance(value, str):
            self._in_pem = None  # each field stands alone
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value

    def report(self, report: Report) -> Report:
        """A redacted copy of a report (evidence, explanation, fix, context, source, verification)."""
        from bootdiag.core.report import Report

        data = report.to_json_dict()
        # First pass names every labelled id, so an id quoted without its label earlier in the
        # report (an explanation before its evidence line) is still replaced.
        self.value(data)
        redacted = Report.model_validate(self.value(data))
        for new, old in zip(redacted.findings, report.findings):
            new.priority = old.priority
        return redacted


def _value_spans(m: re.Match[str]) -> list[tuple[str | None, int, int]]:
    """(kind or None for the row's own, start, end) of what a match replaces, in order."""
    named = m.re.groupindex
    if named:
        spans = [(name, m.start(name), m.end(name)) for name in named if m.start(name) >= 0]
        return sorted(spans, key=lambda span: span[1])
    if m.re.groups >= 2:
        return [(None, m.start(2), m.end(2))] if m.start(2) >= 0 else []
    return [(None, m.start(), m.end())]


class LineRedactor:
    """Bytes in, redacted bytes out, whole lines at a time: an identifier split between two chunks
    is seen whole."""

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor
        self._pending = bytearray()  # the line still waiting for its end

    def feed(self, chunk: bytes) -> bytes:
        cut = max(chunk.rfind(b"\n"), chunk.rfind(b"\r")) + 1
        if cut == 0:
            self._pending += chunk
            if len(self._pending) <= MAX_PENDING:
                return b""
            # A line without end (binary noise): redact it in pieces, memory stays flat.
            return self.flush()
        data = bytes(self._pending) + chunk[:cut]
        self._pending = bytearray(chunk[cut:])
        return self._redactor._bytes(data)

    def flush(self) -> bytes:
        data = bytes(self._pending)
        self._pending.clear()
        return self._redactor._bytes(data) if data else b""


# A row, its hint as one word (a substring test) or as a regex, and whether the regex is searched
# in the lower-cased line (several words become one regex, searched in C).
Row = tuple[Redaction, "str | None", "re.Pattern[str] | None", bool]


@cache
def _table(key: tuple[str, ...]) -> tuple[Row, ...]:
    """The generic rows, then each platform's."""
    rows = (*GENERIC, *(r for p in registry.platforms() for r in p.redactions))
    table: list[Row] = []
    for row in rows:
        if isinstance(row.hint, str):
            table.append((row, row.hint, None, False))
        elif isinstance(row.hint, tuple):
            table.append((row, None, re.compile("|".join(map(re.escape, row.hint))), True))
        else:
            table.append((row, None, row.hint, False))
    return tuple(table)


def redact_report(report: Report, redactor: Redactor | None = None) -> Report:
    return (redactor or Redactor()).report(report)

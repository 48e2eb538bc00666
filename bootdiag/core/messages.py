"""The upstream message catalogues: every error, warning, benign line and milestone a platform's
tools print, as data (``messages/*.toml``, named by each platform), and how a line is known by them.

A catalogue entry keeps the upstream format string (``Image hash failed - image is corrupt``,
``Detected size(%dk) smaller than the size in the binary image header(%dk). Probe failed.``) with
its source and versions, what it means, and whether it is a failure, a warning, benign on a healthy
boot, or a milestone (a stage that completed). A line is matched against the formats by its text
alone, wherever it stands: with its envelope, without it, or quoted in a sentence.

Matching is by index: each entry is filed under its rarest word, so a line is tested only against
the entries whose rarest word it contains.
"""
from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from itertools import chain
from pathlib import Path
from typing import Any, ClassVar, Literal

from bootdiag import platforms as registry
from bootdiag.core.errors import BootdiagError
from bootdiag.core.events import Event
from bootdiag.core.numbers import hex_int
from bootdiag.core.precompiled import ProgramTable, out_of_band
from bootdiag.core.record import Record, field as record_field
from bootdiag.core.value import Value

Severity = Literal["failure", "warning", "benign", "milestone"]
# Milestones that mean the boot or the flash reached its end: the capture shows it completed.
COMPLETIONS = frozenset({
    "app_main_called", "app_started", "bootloader_done", "scheduler_started", "image_validated", "image_loaded",
    "flash_done", "flash_verified", "flash_written", "flash_erased", "chip_reset", "signature_verified", "image_signed",
    "digest_written", "efuse_burned", "fuse_burned", "fuse_done", "fuse_read", "sign_done", "image_built",
    "flash_encryption_done", "secure_boot_enabled",
})

# Words (any case) of nearly every failure message of every platform: the trigger screen hands the
# lines that have one to the catalogue, wherever they stand and whatever wraps them.
FAILURE_WORDS = (
    r"(?i:fail|error|invalid|corrupt|mismatch|unable|cannot|can't|could not|couldn't|timed out|timeout|refus|abort"
    r"|panic|wrong|denied|fatal|brownout|not valid|not bootable|no bootable|not found|unsupported|not supported"
    r"|too large|too big|too small|exceed|overflow|illegal|does not match|doesn't match|no such|not in download"
    r"|no serial data|assert|watchdog|incorrect|not enough|bad image|bad magic|stopped responding"
    # forum software (Discourse) turns the apostrophe into a typographic one: "Can\u2019t find ..."
    r"|can\u2019t|couldn\u2019t|doesn\u2019t match)"
)

# printf conversions as the upstream sources write them
_CONVERSION = re.compile(r"%[-+ #0]*(\d*)(?:\.\d+)?(?:hh|h|ll|l|z|j|t|L|q)?([diouxXcsfeEgGp%])")
# Numbers are whole tokens: possessive, so that no later part of the pattern backtracks into them
# (that made a line of digits cost the square of its length).
_PATTERN_OF = {
    "d": r"(-?\d++)", "i": r"(-?\d++)", "u": r"(\d++)", "o": r"([0-7]++)",
    "x": r"([0-9a-fA-F]++)", "X": r"([0-9a-fA-F]++)", "p": r"((?:0x)?[0-9a-fA-F]++)",
    "c": r"(.)", "f": r"(-?\d++(?:\.\d++)?)", "e": r"(\S+)", "E": r"(\S+)", "g": r"(\S+)", "G": r"(\S+)",
}
# A format that begins with a number is searched from the start of a run of digits only.
_NOT_INSIDE = {"d": r"(?<![\d-])", "i": r"(?<![\d-])", "u": r"(?<!\d)", "o": r"(?<![0-7])", "x": r"(?<![0-9a-fA-F])",
               "X": r"(?<![0-9a-fA-F])", "p": r"(?<![0-9a-fA-Fx])", "f": r"(?<![\d.-])"}
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]{2,}")
# A word that begins right after a digit: a message glued to the number that ended the line before it
# when a paste lost the newline ("0x3fc000rf_cal[0] !=0x05"), which the word before it swallowed.
_WORD_AFTER_DIGIT = re.compile(r"(?<=[0-9])[A-Za-z][A-Za-z_]{2,}")
MIN_LITERAL = 6  # characters of fixed text a format needs to be matched without its envelope
MAX_FIELD = 512  # characters a %s inside a message matches (a name, a path, a reason)


class MessageEntry(Record, extra="forbid", frozen=True):
    """One ``[[message]]`` table of a catalogue file."""

    id: str = record_field(pattern=r"^[a-z0-9_]+\.[a-z0-9_.]+$")
    format: str = record_field(min_length=1)
    fields: list[str] = record_field(default_factory=list)
    level: Literal["error", "warning", "info", "debug"]
    envelope: str
    tag: str | None = None
    severity: Severity
    benign_reason: str | None = None
    milestone: str | None = None
    meaning: str
    source: str
    versions: list[str] = record_field(default_factory=list)
    variant_of: str | None = None


class EnvelopeEntry(Record, extra="allow", frozen=True):
    name: str
    example: str = ""
    layout: str = ""
    source: str = ""


class CatalogueFile(Record, extra="forbid"):
    """A catalogue file: validated by pydantic when the catalogue is built (then cached)."""

    envelope: list[EnvelopeEntry] = record_field(default_factory=list)
    message: list[MessageEntry] = record_field(default_factory=list)


_KNOWN_FIELDS = ("id", "platform", "severity", "level", "envelope", "tag", "milestone", "meaning", "fields", "format",
                 "source", "literal", "upstream", "number")


class Known(Value):
    """A catalogue entry ready for matching."""

    __slots__ = _fields = (*_KNOWN_FIELDS, "_pattern")
    id: str
    platform: str
    severity: Severity
    level: str
    envelope: str
    tag: str | None
    milestone: str | None
    meaning: str
    fields: tuple[str, ...]
    format: str  # as upstream prints it
    source: str  # the regex source
    literal: int  # characters of fixed text: the more, the more specific a match
    upstream: str  # where upstream prints it: repo@version:file:line, or a URL
    number: int  # its place in the catalogue (its program's in Catalogue.programs)
    _pattern: re.Pattern[str] | None

    def __init__(self, id: str, platform: str, severity: Severity, level: str, envelope: str, tag: str | None,
                 milestone: str | None, meaning: str, fields: tuple[str, ...], format: str, source: str, literal: int,
                 upstream: str = "", number: int = -1, _pattern: re.Pattern[str] | None = None) -> None:
        self.id, self.platform, self.severity, self.level, self.envelope = id, platform, severity, level, envelope
        self.tag, self.milestone, self.meaning, self.fields, self.format = tag, milestone, meaning, fields, format
        self.source, self.literal, self.upstream, self.number, self._pattern = source, literal, upstream, number, _pattern

    @property
    def pattern(self) -> re.Pattern[str]:
        """Its compiled regex (a run matching lines gets it from the catalogue's programs instead)."""
        if self._pattern is None:
            self._pattern = re.compile(self.source)
        return self._pattern

    @property
    def completes(self) -> bool:
        return self.severity == "milestone" and self.milestone in COMPLETIONS


class Hit(Value):
    __slots__ = _fields = ("known", "start", "fields", "end")
    known: Known
    start: int  # where the message starts in the text searched
    fields: dict[str, str]
    end: int  # where it ends (-1: not known)

    def __init__(self, known: Known, start: int, fields: dict[str, str], end: int = -1) -> None:
        self.known, self.start, self.fields, self.end = known, start, fields, end


def format_pattern(text: str) -> tuple[str, int]:
    """The regex source of a printf format, and how many characters of it are fixed text.

    Runs of blanks match any run of blanks (pastes reflow them); a ``%s`` matches lazily, except at
    the end, where it takes the rest of the line, and at the start, where it is one word.

    The pattern is searched in lines of any content, so its cost must not grow with the square of
    the line: a leading ``%s`` starts only where a word starts and never gives back what it took,
    one inside the format takes at most ``MAX_FIELD`` characters, blanks and numbers never give back
    what they took (possessive), and blanks after a lazy group start where a run of blanks starts.
    """
    parts: list[str] = []
    literal = 0
    pos = 0
    text = text.lstrip()  # a continuation line's indent: pastes and the unwrapper drop it
    # A backtick that opens or closes a message (imgtool: "`--name-suffix` is only meaningful ...")
    # is taken off with a paste's inline-code wrapping: the message matches with it or without it.
    opening = closing = ""
    if text.startswith("`"):
        text, opening = text[1:], "`?"
    if text.endswith("`"):
        text, closing = text[:-1], "`?"
    # The part before is a lazy %s, or nothing: what follows must not start inside a run of blanks.
    after_lazy = False
    conversions = list(_CONVERSION.finditer(text))
    if not conversions and _LONE_WORD.fullmatch(text.strip()):
        # A message of one plain word ("Timeout") is that word alone on its line: found inside other
        # words it would be another message's ("E> I2C: Timeout while polling for bus clear.").
        return rf"^\s*{re.escape(text.strip())}\s*$", len(text.strip())
    for n, m in enumerate(conversions):
        chunk = text[pos:m.start()]
        kind = m.group(2)
        quoted = kind == "s" and chunk.endswith("'") and text[m.end() : m.end() + 1] == "'"
        if quoted:
            chunk = chunk[:-1]  # the quotes around a name are the value's own (see below)
        parts.append(_literal(chunk, after_lazy or pos == 0))
        literal += len(chunk.strip())
        if chunk:
            after_lazy = False
        leading = n == 0 and not chunk.strip()  # nothing but blanks before it
        if kind == "%":
            parts.append("%")
            after_lazy = False
        elif quoted:
            # A name the tool prints in single quotes ('%s'): a paste that lost or retyped the quotes
            # shows the name as one bare word, and is still this message.
            parts.append(_QUOTED_OR_WORD)
            pos = m.end() + 1
            after_lazy = False
            continue
        elif kind == "s":
            if n == len(conversions) - 1 and not text[m.end():].strip():
                parts.append("(.*)")
            elif leading:
                # A value that opens the message (a function, tag or eFuse name) is one word: it must
                # not reach back over the words of a sentence that quotes the message.
                parts.append(_LEADING_WORD)
            elif (close := text[m.end() : m.end() + 1]) and close in _CLOSING:
                # Up to the character that closes it ('%s', (%s), [%s]): found without backtracking.
                stop = re.escape(close + _OPENER.get(close, ""))  # a bracket opens no second value
                parts.append(f"([^{stop}\\n]{{0,{MAX_FIELD}}}+)")
            else:
                parts.append(f"(.{{0,{MAX_FIELD}}}?)")
            after_lazy = not parts[-1].endswith("+)")
        else:
            if leading:
                parts.append(_NOT_INSIDE.get(kind, ""))
            elif after_lazy and m.group(1):
                parts.append(_AT_BLANKS_START)
            parts.append(_PATTERN_OF[kind].replace("(", r"(\s*+" if m.group(1) else "(", 1))
            after_lazy = False
        pos = m.end()
    tail = text[pos:].rstrip()
    # A full stop that ends the message: people quoting a message in a sentence, or in brackets,
    # often leave it off ("... Probe failed >"). Without it the message must end there (the line's
    # end, or a closing quote or bracket), so that it is not the start of a longer message; and it
    # must be long enough not to be the last words of someone's sentence ("Verification failed.").
    full_stop = (tail.endswith(".") and not tail.endswith("..") and not closing
                 and literal + len(tail.strip()) >= _FULL_STOP_OPTIONAL_FROM)
    parts.append(_literal(tail[:-1] if full_stop else tail, after_lazy or pos == 0))
    if full_stop:
        parts.append(_FULL_STOP_OR_END if tail[:-1] else r"\.")
    literal += len(tail.strip())
    return opening + "".join(parts) + closing, literal


# Characters of fixed text from which a message is found without its closing full stop.
_FULL_STOP_OPTIONAL_FROM = 32
# The message's closing full stop, or, where a quote left it off, the end of the quoted message.
_FULL_STOP_OR_END = "(?:\\.|(?=\\s*+(?:[>\"'`)\\]\u201d\u2019]|$)))"


_LONE_WORD = re.compile(r"[A-Za-z]+")
_WORD_BREAK = "\\s\"'`\u201c\u2018"
# One word, tried only from where a word starts (a blank, a quote or the line start before it), so a
# long run of word characters is tried once, not once per character in it.
_LEADING_WORD = f"(?<![^{_WORD_BREAK}])([^{_WORD_BREAK}]+?)"
_BLANKS_OPTIONAL = r"\s*+"
_CLOSING = "'\")]}>`"  # characters that end a quoted or bracketed value
# '%s': the quoted name up to its closing quote, or (quotes lost) one word from where a word starts.
_QUOTED_OR_WORD = (f"'?((?<=')[^'\\n]{{0,{MAX_FIELD}}}+(?=')"
                   f"|(?<![^{_WORD_BREAK}])(?<!')[^{_WORD_BREAK}]{{1,{MAX_FIELD}}}+)'?")
_OPENER = {")": "(", "]": "[", "}": "{", ">": "<"}
_AT_BLANKS_START = r"(?<!\s)"  # a lazy group may end only where blanks begin, not inside them


def _literal(chunk: str, after_lazy: bool = False) -> str:
    if not chunk.strip():
        if not chunk:
            return ""
        return (_AT_BLANKS_START if after_lazy else "") + _BLANKS_OPTIONAL
    pieces = re.split(r"\s+", chunk)
    source = re.escape(pieces[0])
    for before, piece in zip(pieces, pieces[1:]):
        # A blank beside punctuation is one a paste may lose ("Kernel panic - not syncing:VFS: ...",
        # "panic -not syncing"): there it may be missing; between two words it may not.
        # Before a value the blank may go only where the value itself follows ("syncing:VFS"), so the
        # message does not end at a line's last colon with its value empty.
        loose = (before[-1:] in _LOSES_BLANK_AFTER) or piece[:1] == "-"
        blank = (r"\s*+" if piece else r"(?:\s++|(?=\S))") if loose else r"\s++"
        source += blank + re.escape(piece)
    return (_AT_BLANKS_START if after_lazy and chunk[0].isspace() else "") + source


_LOSES_BLANK_AFTER = frozenset(":-")


def opening_key(fmt: str) -> str | None:
    """The first two words of a format, when both are fixed text: how a line cut short finds it
    (:mod:`bootdiag.core.cut_messages`)."""
    words = fmt.strip().lstrip("`").split(None, 2)
    if len(words) < 2 or "%" in words[0] or "%" in words[1]:
        return None
    return f"{words[0].lower()} {words[1].lower()}"


def _index_words(fmt: str) -> set[str]:
    """The words of a format a line is sure to contain: not those a value is glued to
    (``BLOCK%d`` prints as ``BLOCK3``, one word)."""
    marked = _CONVERSION.sub("\0", fmt)
    return {w.lower() for token in re.split(r"[^\w\0]+", marked) if "\0" not in token for w in _WORD.findall(token)}


class Catalogue:
    """Every registered platform's messages, indexed for matching lines.

    Kept in the build cache with each entry packed apart (:mod:`marshal`): a run unpacks only the
    entries its lines hit or its rules name, a few dozen of thousands, and makes the patterns of
    those its lines are tested against from their programs (microseconds each)."""

    def __init__(self, entries: Iterable[Known]) -> None:
        known = list(entries)
        for number, entry in enumerate(known):
            entry.number = number
        self._known: list[Known | None] = list(known)
        self.programs = ProgramTable([k.source for k in known])
        self._numbers = {k.id: k.number for k in known}
        # What find() tests before it unpacks an entry.
        self._platforms = [k.platform for k in known]
        self._literals = array("L", (k.literal for k in known))
        counts: dict[str, int] = {}
        words_of = []
        for entry in known:
            words = _index_words(entry.format)
            words_of.append(words)
            for w in words:
                counts[w] = counts.get(w, 0) + 1
        index: dict[str, list[int]] = {}
        for entry, words in zip(known, words_of):
            if words and entry.literal >= MIN_LITERAL:
                rarest = min(words, key=lambda w: (counts[w], -len(w), w))
                index.setdefault(rarest, []).append(entry.number)
        self._index = {word: tuple(numbers) for word, numbers in index.items()}
        openings: dict[str, list[int]] = {}
        for entry in known:
            if (key := opening_key(entry.format)) is not None:
                openings.setdefault(key, []).append(entry.number)
        self.openings = {key: tuple(numbers) for key, numbers in openings.items()}  # for lines cut short
        self._packed: bytes | memoryview = b""  # entry i packed: _packed[_bounds[i]:_bounds[i + 1]]
        self._bounds = array("L", [0])
        self._patterns: dict[int, re.Pattern[str]] = {}
        self._folded: dict[int, re.Pattern[str]] = {}  # the same, the case of letters aside (find_retyped)
        self._last_found: tuple[str, str | None, Hit | None] = ("", None, None)  # see find()
        self.by_id = _ById(self)

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        import copyreg

        return copyreg.__newobj__, (type(self),), self._state(protocol)

    def _state(self, protocol: Any) -> dict[str, Any]:
        import marshal

        names = _packed_fields()
        packed = [marshal.dumps(tuple(getattr(self.known(i), f) for f in names)) for i in range(len(self._known))]
        bounds = array("L", [0])
        for entry in packed:
            bounds.append(bounds[-1] + len(entry))
        return {"programs": self.programs, "numbers": self._numbers, "platforms": self._platforms,
                "literals": self._literals, "index": self._index, "openings": self.openings, "bounds": bounds,
                "packed": out_of_band(b"".join(packed), protocol)}  # see ProgramTable

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.programs, self._numbers, self._platforms = state["programs"], state["numbers"], state["platforms"]
        self._literals, self._index, self.openings = state["literals"], state["index"], state["openings"]
        self._bounds, self._packed = state["bounds"], state["packed"]
        self._known = [None] * (len(self._bounds) - 1)
        self._patterns, self._folded = {}, {}
        self._last_found = ("", None, None)
        self.by_id = _ById(self)

    def known(self, number: int) -> Known:
        """Entry ``number``, unpacked on first use."""
        entry = self._known[number]
        if entry is None:
            import marshal

            packed = self._packed[self._bounds[number] : self._bounds[number + 1]]
            entry = self._known[number] = Known(**dict(zip(_packed_fields(), marshal.loads(packed))))
        return entry

    @property
    def entries(self) -> list[Known]:
        return [self.known(i) for i in range(len(self._known))]

    @property
    def index(self) -> dict[str, list[Known]]:
        """Rarest word -> the entries a line holding it is tested against."""
        return {word: [self.known(i) for i in numbers] for word, numbers in self._index.items()}

    def find(self, text: str, platform: str | None = None) -> Hit | None:
        """The most specific catalogue message in ``text`` (searched anywhere in it), of
        ``platform`` when given."""
        # A line is often asked about twice in a row (whether it holds two messages, then what it is).
        last_text, last_platform, last_hit = self._last_found
        if text == last_text and platform == last_platform and text:
            return last_hit
        hit = self._find(text, platform)
        self._last_found = (text, platform, hit)
        return hit

    def find_retyped(self, text: str) -> Hit | None:
        """For a line someone retyped in lower case (or a tool lowered): the most specific catalogue
        message in ``text`` with the case of its letters set aside. The caller says which lines may
        be read so (see ``LineParser``): a whole line in lower case, the message running to its end."""
        return self._find(text, None, folded=True)

    def _find(self, text: str, platform: str | None, folded: bool = False) -> Hit | None:
        best: tuple[int, re.Match[str]] | None = None
        best_literal = -1
        seen: set[str] = set()
        index, literals, platforms = self._index, self._literals, self._platforms
        patterns = self._folded if folded else self._patterns
        for word in chain(_WORD.findall(text), _WORD_AFTER_DIGIT.findall(text)):
            word = word.lower()
            if word in seen:
                continue
            seen.add(word)
            for number in index.get(word, ()):
                if literals[number] <= best_literal or (platform and platforms[number] != platform):
                    continue
                pattern = patterns.get(number)
                if pattern is None:
                    pattern = self.programs.pattern(number)
                    if folded:
                        pattern = re.compile(pattern.pattern, pattern.flags | re.IGNORECASE)
                    patterns[number] = pattern
                m = pattern.search(text)
                if m is not None:
                    best, best_literal = (number, m), literals[number]
        if best is None:
            return None
        known, m = self.known(best[0]), best[1]
        return Hit(known, m.start(), dict(zip(known.fields, (g or "" for g in m.groups()))), m.end())

    def same_text_of_tag(self, known: Known, tag: str) -> str | None:
        """The id of the entry with ``known``'s text and platform that component ``tag`` logs.
        Entries of one text are filed under the same word, so one index bucket holds them all."""
        number = self._numbers[known.id]
        for word in _index_words(known.format):
            numbers = self._index.get(word, ())
            if number in numbers:
                for other in map(self.known, numbers):
                    if other.tag == tag and other.format == known.format and other.platform == known.platform:
                        return other.id
                return None
        return None

    def severity(self, message_id: str) -> str | None:
        known = self.by_id.get(message_id)
        return known.severity if known is not None else None

    def completes(self, message_id: str) -> bool:
        known = self.by_id.get(message_id)
        return known is not None and known.completes


@cache
def _packed_fields() -> tuple[str, ...]:
    """The fields of :class:`Known` an entry is packed with, in the order it is made from them."""
    return _KNOWN_FIELDS


class _ById(Mapping[str, Known]):
    """A catalogue's entries by id, each unpacked when asked for."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue

    def __getitem__(self, message_id: str) -> Known:
        return self._catalogue.known(self._catalogue._numbers[message_id])

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._catalogue._numbers

    def __iter__(self) -> Iterator[str]:
        return iter(self._catalogue._numbers)

    def __len__(self) -> int:
        return len(self._catalogue._numbers)


def load_catalogue_file(path: Path, platform: str) -> list[Known]:
    from pydantic import ValidationError

    from bootdiag.core.files import TEXT_LIMIT, read_regular_text
    from bootdiag.core.structured import load_toml

    text = read_regular_text(path, TEXT_LIMIT, "message catalogue", BootdiagError, errors="strict")
    try:
        table = load_toml(text)
    except ValueError as exc:  # TOML syntax, or nested too deeply
        raise BootdiagError(f"{path}: cannot read message catalogue ({exc})") from None
    try:
        data = CatalogueFile.model_validate(table)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BootdiagError(f"{path}: {where}: {first['msg']} ({len(exc.errors())} mistake(s))") from None
    found = []
    for entry in data.message:
        source, literal = format_pattern(entry.format)
        found.append(Known(
            id=entry.id, platform=platform, severity=entry.severity, level=entry.level, envelope=entry.envelope,
            tag=entry.tag, milestone=entry.milestone, meaning=entry.meaning, fields=tuple(entry.fields),
            format=entry.format, source=source, literal=literal, upstream=entry.source,
        ))
    return found


def catalogue() -> Catalogue:
    """The registered platforms' catalogues, built once (and kept in the build cache)."""
    return _catalogue(registry.registry_key())


def _message_files() -> list[tuple[str, Path]]:
    """(platform name, catalogue file) for every registered platform's catalogue files."""
    return [(p.name, registry.resolve(f, "messages")) for p in registry.platforms() for f in p.message_files]


@cache
def _sources(key: tuple[str, ...]) -> str:
    """The digest of this module and the catalogue files: what the catalogue and the triggers made
    from it are keyed by in the build cache (worked out once for the four of them)."""
    from bootdiag.core.cache import digest

    return digest([Path(__file__), *(path for _name, path in _message_files()), "\0".join(key)])


@cache
def _catalogue(key: tuple[str, ...]) -> Catalogue:
    from bootdiag.core.cache import cached

    files = _message_files()

    def build() -> Catalogue:
        return Catalogue(k for name, path in files for k in load_catalogue_file(path, name))

    return cached("messages", [_sources(key)], build)


def _longest_literal(known: Known) -> str:
    chunks = [c.strip() for c in _CONVERSION.split(known.format) if c and c.strip()]
    return max(chunks, key=len, default="")


def literal_trigger(text: str) -> str:
    """The regex that screens lines for a format's fixed text. Where the format pads (a run of
    blanks, or a tab: "slot: 0,             status: normal"), any run of blanks, as in the format's own
    pattern (:func:`format_pattern`): a paste keeps the padding, narrows it, collapses it to one blank
    or turns it into a tab. A single space stays one: the trigger stays a plain string, which the
    screen finds whole in one step. Blanks stay within the line (the screen searches blocks of lines)."""
    pieces = [re.escape(piece) for piece in _PADDING.split(text)]
    return _ANY_BLANKS.join(piece for piece in pieces if piece) if len(pieces) > 1 else pieces[0]


_PADDING = re.compile(r"(?: [ \t]|\t)[ \t]*+")  # two blanks or more, or a tab among them
_ANY_BLANKS = r"[ \t]++"


@cache
def literal_triggers(message_ids: tuple[str, ...]) -> tuple[str, ...]:
    """Regexes for the lines of these catalogue messages (their longest fixed text): rules that read
    a message with no failure word in it need the screen to hand its lines over."""
    if not message_ids:
        return ()
    from bootdiag.core.cache import cached

    def build() -> tuple[str, ...]:
        by_id = catalogue().by_id
        texts = {_longest_literal(by_id[i]) for i in message_ids if i in by_id}
        return tuple(sorted(literal_trigger(x) for x in texts if len(x) >= MIN_LITERAL))

    return cached("literal-triggers", [_sources(registry.registry_key()), "\0".join(message_ids)], build)


_SPEC = re.compile(r"%([-+ #0]*)(\d*)(?:\.\d+)?(?:hh|h|ll|l|z|j|t|L)?([a-zA-Z%])")
_SAMPLE = {"d": "3", "i": "3", "u": "3", "x": "1f", "X": "1F", "f": "1.5", "c": "a", "p": "0x3ffb0000", "s": "abc"}


def example(fmt: str) -> str:
    """A line of this printf format, each field filled with a plain value of its type."""
    def fill(m: re.Match[str]) -> str:
        flags, width, conv = m.groups()
        if conv == "%":
            return "%"
        value = _SAMPLE.get(conv, "abc")
        if width and "0" in flags and conv in "xXdu":
            value = value.rjust(int(width), "0")
        return value
    return _SPEC.sub(fill, fmt)


def quiet_trigger() -> str:
    """A regex for the catalogued failures and warnings that carry no failure word (``Attempting to
    boot anyway...``, ``No signature found for the given key``): their longest fixed text, so that
    the screen hands their lines to the parser."""
    return _quiet_trigger(registry.registry_key())


@cache
def _quiet_trigger(key: tuple[str, ...]) -> str:
    from bootdiag.core.cache import cached

    def build() -> str:
        # Every such message, whatever envelope its line has lost: the families' triggers key on
        # envelopes, which real pastes strip.
        said = re.compile(FAILURE_WORDS)
        texts = set()
        for known in catalogue().entries:
            if known.severity in ("failure", "warning") and not said.search(known.format):
                if len(longest := _longest_literal(known)) >= MIN_LITERAL:
                    texts.add(literal_trigger(longest))
                elif longest and known.fields and all(
                    m.group(2) in "xX" and m.group(1) == "8" for m in _CONVERSION.finditer(known.format)
                ):
                    # short words, then eight-digit hex words only (a kernel oops's "Code: %08x %08x
                    # ..."): the words with the first of them, which plain text seldom has after them
                    texts.add(re.escape(longest) + r" ?[0-9a-fA-F]{8}\b")
        return "|".join(sorted(texts)) or "(?!)"

    return cached("quiet-trigger", [_sources(key)], build)


# Milestones that are no completion but that the screen must still hand to the parser, though
# they carry no failure word: a hand-over to the next stage, a wait that may never end and a write
# that begins after a whole-flash erase (they decide whether a completion counts), an operating
# system's kernel starting (a boot log's own first line when the bootloader's part was not captured),
# and a flash script's numbered step (a paste of only its progress is a flash under way, not
# something unrecognised).
_SCREENED = ("handoff", "waiting", "kernel_started", "kernel_boot_attempt", "write_begun", "flash_step")


def completion_trigger() -> str:
    """A regex for the catalogued lines that show a boot or flash completed, and for the other
    milestones of ``_SCREENED`` (their longest fixed text): the screen hands them to the parser,
    since they carry no failure word."""
    return _completion_trigger(registry.registry_key())


@cache
def _completion_trigger(key: tuple[str, ...]) -> str:
    from bootdiag.core.cache import cached

    def build() -> str:
        texts = set()
        for known in catalogue().entries:
            if (known.completes or known.milestone in _SCREENED) and len(longest := _longest_literal(known)) >= MIN_LITERAL:
                texts.add(literal_trigger(longest))
        return "|".join(sorted(texts)) or "(?!)"

    return cached("completion-trigger", [_sources(key)], build)


_DIGITS = re.compile(r"\d+")
# What may stand before a message in its line: the function that logged it ("func: "), or a tag in
# brackets (the Espressif port of MCUboot and TF-M platforms print "[boot_comm] ...").
_FUNCTION_PREFIX = re.compile(r"(?<![\w.])[A-Za-z_][\w.]*+: ?|(?<![\w.\[])\[[\w. ]++\] ?")
_WORDS_BEFORE = re.compile(r"[^\W_]")  # a lead of words, not of marks (Zephyr's ">>> " before its fatal error)
_IDENTIFIED: dict[str, str | None] = {}
_IDENTIFIED_SIZE = 4096  # message shapes remembered; then it starts over
_EXACT: dict[str, dict[str, str | None]] = {}  # platform -> message -> id, before the shape is worked out


def identify(message: str, platform: str, tag: str | None = None) -> str | None:
    """The catalogue id of one of ``platform``'s messages that starts ``message`` (a log line
    without its envelope). Remembered by the message's shape, digits aside: formats put numbers
    where messages differ, and boot loops and applications repeat their messages. ``tag``, the
    component the line names, picks among entries of the same text logged by different components
    (the quad and the octal PSRAM drivers print the same ID error)."""
    exact = _EXACT.get(platform)
    if exact is None:
        exact = _EXACT[platform] = {}
    asked = message if tag is None else tag + "\0" + message
    found = exact.get(asked, exact)
    if found is not exact:  # this very line was asked about before (rule conditions ask each event)
        return found  # type: ignore[return-value]
    shape = platform + "\0" + _DIGITS.sub("0", asked)
    found = _IDENTIFIED.get(shape, _IDENTIFIED)
    if found is _IDENTIFIED:
        hit = catalogue().find(message, platform) or catalogue().find(message)  # ports reuse others' code
        # the message opens the text, or follows the function or tag that logged it
        lead = message[: hit.start] if hit is not None else ""
        found = hit.known.id if hit is not None and (not lead or _FUNCTION_PREFIX.fullmatch(lead)) else None
        if found is not None and tag is not None and hit is not None and hit.known.tag not in (None, tag):
            found = catalogue().same_text_of_tag(hit.known, tag) or found
        if len(_IDENTIFIED) >= _IDENTIFIED_SIZE:
            _IDENTIFIED.clear()
        _IDENTIFIED[shape] = found
    if len(exact) >= _IDENTIFIED_SIZE:
        exact.clear()
    exact[asked] = found
    return found  # type: ignore[return-value]


def message_ids() -> frozenset[str]:
    return frozenset(catalogue().by_id)


class Message(Event):
    """Any line the message catalogue knows, whichever family read it: a rule condition
    ``{ event = "Message", where = { message_id = "idf.brownout_v51" } }`` matches the line in any
    envelope, bare or quoted. (Not an event of its own: the kind every such event also has.)"""

    kind: str = "Message"
    value_sets: ClassVar[dict[str, Any]] = {"message_id": message_ids}

    @property
    def message_id(self) -> str | None:
        return None

    @property
    def quoted(self) -> bool:
        return False


class CatalogueMessage(Event):
    """A line known from a platform's message catalogue and read by no more specific grammar:
    ``message`` is its id (``idf.brownout_detected``), ``values`` the values of its format's fields."""

    kind: Literal["CatalogueMessage"] = "CatalogueMessage"
    family = "catalogue"
    platform: str
    message: str
    severity: Severity
    values: dict[str, str] = record_field(default_factory=dict)
    value_sets: ClassVar[dict[str, Any]] = {"message": message_ids, "message_id": message_ids}

    def is_failure(self) -> bool:
        return self.severity == "failure"

    def hands_over(self) -> bool:
        return self.severity == "milestone" and catalogue().by_id[self.message].milestone == "handoff"

    def waits(self) -> bool:
        return self.severity == "milestone" and catalogue().by_id[self.message].milestone == "waiting"

    def opens_write(self) -> bool:
        return self.severity == "milestone" and catalogue().by_id[self.message].milestone == "write_begun"

    @property
    def message_id(self) -> str:
        return self.message

    @property
    def meaning(self) -> str:
        known = catalogue().by_id.get(self.message)
        return known.meaning if known is not None else ""

    def completes(self) -> bool:
        return catalogue().completes(self.message)


class UnreadFailure(Event):
    """A log line that says something failed, in words no grammar and no catalogue entry knows:
    it keeps a capture from passing as healthy, and shows as an unexplained failure."""

    kind: Literal["UnreadFailure"] = "UnreadFailure"
    family = "catalogue"
    failure = True

    def is_weak(self) -> bool:
        return True


class BacktraceFrame(Event):
    """A frame of a crash's backtrace as a decoder printed it: the address, the function it is in and
    where in the source (``0x4008d938: _esp_error_check_failed at .../esp_err.c:42``). The crash is the
    panic output's to say; the frame names the function it happened in (``abort``,
    ``vApplicationStackOverflowHook``, ``_esp_error_check_failed``), and says nothing failed by itself
    (``panic_abort at .../panic.c:477`` is a function's name and its file, not a failure)."""

    kind: Literal["BacktraceFrame"] = "BacktraceFrame"
    family = "catalogue"
    echo = True
    address: int | None = None
    function: str
    source: str | None = None

    def is_failure(self) -> bool:
        # a frame through the crash path itself: the program crashed, whether or not the paste kept
        # the panic output that says so
        return self.function in _crash_path(registry.registry_key())


@cache
def _crash_path(key: object) -> frozenset[str]:
    return frozenset().union(*(p.crash_functions for p in registry.platforms()))


# A decoded backtrace's frame, on a line of its own (its indent aside):
# - idf_monitor (esp-idf tools/idf_monitor.py, v4.x) and the Arduino/PlatformIO exception decoders:
#   "0x400d1234: loop() at /path/sketch.ino:12", the exception decoder's "PC: 0x...: ..." first;
# - esp-idf-monitor (espressif/esp-idf-monitor@26cdb18, v1.9.0, esp_idf_monitor/base/logger.py:180-202):
#   "--- 0x4008cfa0: panic_abort at /path/panic.c:477", "--- (inlined by) <function> at <path>:<line>",
#   "--- 0x40000000: <function> in ROM";
# - gdb's backtrace ("bt"): "#0  0x4008cfa0 in panic_abort (details=...) at /path/panic.c:477".
# addr2line prints "??" for an unknown function and "??:?" for an unknown place; a line may end with
# " (discriminator N)".
_DECODED_FRAME = re.compile(
    r"[ \t]{0,16}+(?:--- |PC: )?+"
    r"(?:0x(?P<address>[0-9a-fA-F]{1,16}+)(?::| in) |\(inlined by\) |#\d{1,4}+ {1,4}+0x(?P<gdb>[0-9a-fA-F]{1,16}+) in )"
    r"(?P<function>[A-Za-z_~$?][\w:~<>.$?]{0,255}+)(?: ?\([^\n]{0,512}?\))?"
    r" (?:at (?P<source>[^\s:]{1,1024}+:(?:\d{1,9}+|\?))(?: \(discriminator \d{1,9}+\))?|in ROM)[ \t\r]{0,16}+\Z"
)


def backtrace_frame(text: str, no: int) -> BacktraceFrame | None:
    """The frame a decoder printed on the line ``text``, else None."""
    m = _DECODED_FRAME.match(text)
    if m is None:
        return None
    address = m.group("address") or m.group("gdb")
    return BacktraceFrame.trusted(line=no, text=text, address=None if address is None else hex_int(address),
                                  function=m.group("function"), source=m.group("source"))


# The words a failing line says it with, in any tool's output (checked only on lines the screen
# picked for a failure word and nothing read).
FAILURE_SAID = re.compile(
    r"(?i)(?<![\w-])(?:fail(?:ed|ure|s)?|error(?:s)?|fatal|unable to|cannot|can['\u2019]t|could not|couldn['\u2019]t|corrupt(?:ed)?"
    r"|panic|abort(?:ed)?|timed out|timeout)(?![\w-])"
    # a Python tool that crashed: "FileNotFoundError: [Errno 2] ...", "TypeError: a bytes-like object ..."; also
    # after the source line of the traceback's last frame, which a paste that lost its newlines glues before it
    # ("f.write(private_key) TypeError: ...")
    r"|(?:^|(?<=\) ))[A-Z]\w*(?:Error|Exception): "
)


def describe(event: Event) -> Known | None:
    """The catalogue entry of an event's line: by its message id, else by its text (a grammar's
    event for a message the catalogue also holds)."""
    message_id = getattr(event, "message_id", None)
    if message_id is not None:
        return catalogue().by_id.get(message_id)
    message = getattr(event, "msg", None)
    if message:  # a log line read without its envelope: a message inside the line's own words is not its message
        hit = catalogue().find(message)
        lead = message[: hit.start] if hit is not None else ""
        if _WORDS_BEFORE.search(lead) and not _FUNCTION_PREFIX.fullmatch(lead):
            return None
    else:
        hit = catalogue().find(event.text)
    return hit.known if hit is not None and hit.known.severity in ("failure", "warning") else None


def look_up(query: str) -> list[Known]:
    """Catalogue entries for a message id, or for a line (or part of one) as a log or a paste has it:
    the message the line holds first, then every entry whose format contains the words given."""
    cat = catalogue()
    if query in cat.by_id:
        return [cat.by_id[query]]
    found: list[Known] = []
    hit = cat.find(query)
    if hit is not None:
        found.append(hit.known)
    words = query.lower().split()
    found += [k for k in cat.entries if k not in found and words and all(w in k.format.lower() for w in words)]
    return found

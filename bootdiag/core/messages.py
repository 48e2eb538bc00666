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
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bootdiag import platforms as registry
from bootdiag.core.errors import BootdiagError
from bootdiag.core.events import Event

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
    r"|no serial data|assert|watchdog|incorrect|not enough|bad image|bad magic|stopped responding)"
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
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,}")
MIN_LITERAL = 6  # characters of fixed text a format needs to be matched without its envelope
MAX_FIELD = 512  # characters a %s inside a message matches (a name, a path, a reason)


class MessageEntry(BaseModel):
    """One ``[[message]]`` table of a catalogue file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+\.[a-z0-9_.]+$")
    format: str = Field(min_length=1)
    fields: list[str] = Field(default_factory=list)
    level: Literal["error", "warning", "info", "debug"]
    envelope: str
    tag: str | None = None
    severity: Severity
    benign_reason: str | None = None
    milestone: str | None = None
    meaning: str
    source: str
    versions: list[str] = Field(default_factory=list)
    variant_of: str | None = None


class EnvelopeEntry(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    example: str = ""
    layout: str = ""
    source: str = ""


class CatalogueFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    envelope: list[EnvelopeEntry] = Field(default_factory=list)
    message: list[MessageEntry] = Field(default_factory=list)


@dataclass(slots=True)
class Known:
    """A catalogue entry ready for matching."""

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
    source: str  # the regex source; compiled on first use
    literal: int  # characters of fixed text: the more, the more specific a match
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)

    @property
    def pattern(self) -> re.Pattern[str]:
        if self._pattern is None:
            self._pattern = re.compile(self.source)
        return self._pattern

    @property
    def completes(self) -> bool:
        return self.severity == "milestone" and self.milestone in COMPLETIONS


@dataclass(slots=True)
class Hit:
    known: Known
    start: int  # where the message starts in the text searched
    fields: dict[str, str]


def format_pattern(text: str) -> tuple[str, int]:
    """The regex source of a printf format, and how many characters of it are fixed text.

    Runs of blanks match any run of blanks (pastes reflow them); a ``%s`` matches lazily, except at
    the end, where it takes the rest of the line.

    The pattern is searched in lines of any content, so its cost must not grow with the square of
    the line: a leading ``%s`` is anchored at the start of the line (a lazy group there would be
    tried again from every character of a line that does not match), one inside the format takes
    at most ``MAX_FIELD`` characters, blanks and numbers never give back what they took
    (possessive), and blanks after a lazy group start where a run of blanks starts.
    """
    parts: list[str] = []
    literal = 0
    pos = 0
    # The part before is a lazy %s, or nothing: what follows must not start inside a run of blanks.
    after_lazy = False
    conversions = list(_CONVERSION.finditer(text))
    for n, m in enumerate(conversions):
        chunk = text[pos:m.start()]
        parts.append(_literal(chunk, after_lazy or pos == 0))
        literal += len(chunk.strip())
        if chunk:
            after_lazy = False
        leading = n == 0 and not chunk.strip()  # nothing but blanks before it
        kind = m.group(2)
        if kind == "%":
            parts.append("%")
            after_lazy = False
        elif kind == "s":
            if n == len(conversions) - 1 and not text[m.end():].strip():
                parts.append("(.*)")
            elif leading:
                parts.insert(0, r"\A")  # it starts the line: one attempt, not one per character
                parts.append("(.*?)")
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
    tail = text[pos:]
    parts.append(_literal(tail.rstrip(), after_lazy or pos == 0))
    literal += len(tail.strip())
    return "".join(parts), literal


_BLANKS_OPTIONAL = r"\s*+"
_CLOSING = "'\")]}>`"  # characters that end a quoted or bracketed value
_OPENER = {")": "(", "]": "[", "}": "{", ">": "<"}
_AT_BLANKS_START = r"(?<!\s)"  # a lazy group may end only where blanks begin, not inside them


def _literal(chunk: str, after_lazy: bool = False) -> str:
    if not chunk.strip():
        if not chunk:
            return ""
        return (_AT_BLANKS_START if after_lazy else "") + _BLANKS_OPTIONAL
    source = r"\s++".join(re.escape(piece) for piece in re.split(r"\s+", chunk))
    return (_AT_BLANKS_START if after_lazy and chunk[0].isspace() else "") + source


class Catalogue:
    """Every registered platform's messages, indexed for matching lines."""

    def __init__(self, entries: Iterable[Known]) -> None:
        self.entries = list(entries)
        self.by_id = {k.id: k for k in self.entries}
        counts: dict[str, int] = {}
        words_of = []
        for known in self.entries:
            words = {w.lower() for w in _WORD.findall(_CONVERSION.sub(" ", known.format))}
            words_of.append(words)
            for w in words:
                counts[w] = counts.get(w, 0) + 1
        self.index: dict[str, list[Known]] = {}
        for known, words in zip(self.entries, words_of):
            if words and known.literal >= MIN_LITERAL:
                rarest = min(words, key=lambda w: (counts[w], -len(w), w))
                self.index.setdefault(rarest, []).append(known)

    def find(self, text: str) -> Hit | None:
        """The most specific catalogue message in ``text`` (searched anywhere in it)."""
        best: Hit | None = None
        seen: set[str] = set()
        index = self.index
        for word in _WORD.findall(text):
            word = word.lower()
            if word in seen:
                continue
            seen.add(word)
            for known in index.get(word, ()):
                if best is not None and known.literal <= best.known.literal:
                    continue
                m = known.pattern.search(text)
                if m is not None:
                    best = Hit(known, m.start(), dict(zip(known.fields, (g or "" for g in m.groups()))))
        return best

    def severity(self, message_id: str) -> str | None:
        known = self.by_id.get(message_id)
        return known.severity if known is not None else None

    def completes(self, message_id: str) -> bool:
        known = self.by_id.get(message_id)
        return known is not None and known.completes


def load_catalogue_file(path: Path, platform: str) -> list[Known]:
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
            format=entry.format, source=source, literal=literal,
        ))
    return found


def catalogue() -> Catalogue:
    """The registered platforms' catalogues, built once (and kept in the build cache)."""
    return _catalogue(registry.registry_key())


@cache
def _catalogue(key: tuple[str, ...]) -> Catalogue:
    from bootdiag.core.cache import cached

    files = [(p.name, registry.resolve(f, "messages")) for p in registry.platforms() for f in p.message_files]

    def build() -> Catalogue:
        return Catalogue(k for name, path in files for k in load_catalogue_file(path, name))

    return cached("messages", [Path(__file__), *(path for _name, path in files), "\0".join(key)], build)


def completion_trigger() -> str:
    """A regex for the catalogued lines that show a boot or flash completed (their longest fixed
    text): the screen hands them to the parser, since they carry no failure word."""
    return _completion_trigger(registry.registry_key())


@cache
def _completion_trigger(key: tuple[str, ...]) -> str:
    from bootdiag.core.cache import cached

    files = [registry.resolve(f, "messages") for p in registry.platforms() for f in p.message_files]

    def build() -> str:
        texts = set()
        for known in catalogue().entries:
            if known.completes:
                chunks = [c.strip() for c in _CONVERSION.split(known.format) if c and c.strip()]
                longest = max(chunks, key=len, default="")
                if len(longest) >= MIN_LITERAL:
                    texts.add(re.escape(longest))
        return "|".join(sorted(texts)) or "(?!)"

    return cached("completion-trigger", [Path(__file__), *files, "\0".join(key)], build)


_DIGITS = re.compile(r"\d+")
_IDENTIFIED: dict[str, str | None] = {}
_IDENTIFIED_SIZE = 4096  # message shapes remembered; then it starts over


def identify(message: str) -> str | None:
    """The catalogue id of a message that starts ``message`` (a log line without its envelope).
    Remembered by the message's shape, digits aside: formats put numbers where messages differ,
    and boot loops and applications repeat their messages."""
    shape = _DIGITS.sub("0", message)
    found = _IDENTIFIED.get(shape, _IDENTIFIED)
    if found is _IDENTIFIED:
        hit = catalogue().find(message)
        found = hit.known.id if hit is not None and hit.start == 0 else None
        if len(_IDENTIFIED) >= _IDENTIFIED_SIZE:
            _IDENTIFIED.clear()
        _IDENTIFIED[shape] = found
    return found  # type: ignore[return-value]


def message_ids() -> frozenset[str]:
    return frozenset(catalogue().by_id)


class CatalogueMessage(Event):
    """A line known from a platform's message catalogue and read by no more specific grammar:
    ``message`` is its id (``idf.brownout_detected``), ``values`` the values of its format's fields."""

    kind: Literal["CatalogueMessage"] = "CatalogueMessage"
    family = "catalogue"
    platform: str
    message: str
    severity: Severity
    values: dict[str, str] = Field(default_factory=dict)
    quoted: bool = False  # inside a sentence: what someone says happened, not a line of the log
    value_sets: ClassVar[dict[str, Any]] = {"message": message_ids}

    def is_failure(self) -> bool:
        return self.severity == "failure"

    @property
    def meaning(self) -> str:
        known = catalogue().by_id.get(self.message)
        return known.meaning if known is not None else ""

    def completes(self) -> bool:
        return catalogue().completes(self.message)

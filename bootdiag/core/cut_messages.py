"""A catalogue message whose line was cut short: a paste that stops mid-line (``E (116) esp_image:
image at 0x20000 has in``), a terminal or forum that clipped it.

Such a line matches no format whole. It is read as the message it begins when exactly one way of
finishing it exists among the catalogued formats that open with the same words, and enough of the
message stands before the cut to tell: a line that goes on in other words than the format's is not
cut, it is another message.
"""
from __future__ import annotations

import re
from functools import lru_cache

from bootdiag.core.messages import _CONVERSION, _PATTERN_OF, Catalogue, Hit
from bootdiag.core.value import Frozen, set_fields

MIN_CUT_LITERAL = 12  # characters of the format's fixed text the line must show before the cut
MIN_CUT_WORDS = 3  # words of it
_OPENING_WORDS = 8  # a message is looked for at the first this many words of a line


class Cut(Frozen):
    __slots__ = _fields = ("hit", "rest", "inner")
    hit: Hit  # the message (its fields as far as the line goes)
    rest: str | None  # the format's text after the cut, when no value is missing from it
    # The message the cut fell in, when it is the value that ends ``hit`` (see find_cut): ``rest`` is
    # then that message's rest.
    inner: Hit | None

    def __init__(self, hit: Hit, rest: str | None, inner: Hit | None = None) -> None:
        set_fields(self, hit=hit, rest=rest, inner=inner)


_NUMBER_PROGRAMS = {kind: re.compile(r"\s*" + pattern.replace("++", "+")) for kind, pattern in _PATTERN_OF.items()}


# A format read once into the steps _cut_short walks: a run of its fixed text (no blanks), a run of
# blanks, or a conversion; each with where it starts in the format (what a cut leaves to finish).
_Text = tuple[str, str, int]  # ("text", characters, start)
_Blanks = tuple[str, int]  # ("blanks", start)
# ("value", kind, the word after it for %s, whether a blank follows it)
_Value = tuple[str, str, str | None, bool]


_RUNS = re.compile(r"\s+|\S+")  # a format's runs of blanks and of fixed text


@lru_cache(maxsize=8192)
def _steps(fmt: str) -> tuple[str, tuple[_Text | _Blanks | _Value, ...]]:
    """``fmt`` stripped as the line is, and the steps of it, in order."""
    fmt = fmt.strip().lstrip("`")
    steps: list[_Text | _Blanks | _Value] = []
    fpos = 0
    for m in [*_CONVERSION.finditer(fmt), None]:
        stop = m.start() if m is not None else len(fmt)
        for run in _RUNS.finditer(fmt, fpos, stop):
            if run.group().isspace():
                steps.append(("blanks", run.start()))
            else:
                steps.append(("text", run.group(), run.start()))
        if m is None:
            break
        following = _CONVERSION.split(fmt[m.end() :], 1)[0].split(None, 1)
        steps.append(("value", m.group(2), following[0] if following else None, fmt[m.end() : m.end() + 1].isspace()))
        fpos = m.end()
    return fmt, tuple(steps)


def _cut_short(fmt: str, text: str) -> tuple[int, int, list[str], str | None] | None:
    """``(fixed characters, words, values, rest)`` when ``text`` (stripped, from the message's first
    character) is ``fmt`` cut short; ``rest`` is None when the cut fell in or before a value."""
    fmt, steps = _steps(fmt)
    pos, literal, words = 0, 0, 0
    values: list[str] = []
    end = len(text)
    for step in steps:
        if step[0] == "text":
            chars, at = step[1], step[2]
            if pos == end:
                return _cut_at(fmt, at, literal, words, values)
            size = min(len(chars), end - pos)
            if not text.startswith(chars[:size], pos):
                return None
            pos, literal = pos + size, literal + size
            if size < len(chars):  # the line ends inside this run of the format's text
                return _cut_at(fmt, at + size, literal, words, values)
        elif step[0] == "blanks":
            if pos == end:
                return _cut_at(fmt, step[1], literal, words, values)
            if not text[pos].isspace():
                return None
            while pos < end and text[pos].isspace():
                pos += 1
            words += 1
        else:
            _value, kind, following, blank_after = step
            if pos == end:
                return literal, words, values, None
            if kind == "%":
                if text[pos] != "%":
                    return None
                pos += 1
            elif kind == "s":
                if following is None:
                    return literal, words, values, None
                stop = text.find(following, pos)
                if stop < 0:
                    return literal, words, values, None  # cut inside the value
                value = text[pos:stop].rstrip() if blank_after else text[pos:stop]
                values.append(value)
                pos += len(value)
            else:
                vm = _NUMBER_PROGRAMS[kind].match(text, pos)
                if vm is None:
                    return None
                if vm.end() == end:
                    return literal, words, values, None  # the number itself may be cut
                values.append(vm.group(1))
                pos = vm.end()
    return None  # the whole format: not cut


def _cut_at(fmt: str, at: int, literal: int, words: int, values: list[str]) -> tuple[int, int, list[str], str | None]:
    """The line ended where the format goes on at ``at``: the rest is its text from there, unless a
    value is still missing."""
    rest = fmt[at:]
    return literal, words, values, (None if _CONVERSION.search(rest) else rest)


def find_cut(catalogue: Catalogue, text: str, platform: str | None = None) -> Cut | None:
    """The one catalogued message ``text`` is the cut-short start of, wherever in its first words
    the message begins (after an envelope, a tag, a function name); of ``platform`` when given."""
    text = text.rstrip()
    openings = catalogue.openings
    found: dict[str, Cut] = {}  # by the format's whole text: formats kept under two ids finish alike
    tokens = list(re.finditer(r"\S+", text))[: _OPENING_WORDS + 1]
    for word, following in zip(tokens, tokens[1:]):
        key = f"{word.group().lower()} {following.group().lower()}"
        for number in openings.get(key, ()):
            known = catalogue.known(number)
            if platform is not None and known.platform != platform:
                continue
            got = _cut_short(known.format, text[word.start() :])
            if got is None:
                continue
            literal, words, values, rest = got
            if literal < MIN_CUT_LITERAL or words < MIN_CUT_WORDS - 1:
                continue
            found.setdefault(known.format.strip(), Cut(Hit(known, word.start(), dict(zip(known.fields, values))), rest))
        if found:
            break  # the message begins at the first word where any format fits
    if not found:
        return None
    # Formats that differ only after the cut finish alike as far as the line can tell: the shortest
    # finish, when every other one begins with it (another version added words at the end).
    shortest = min(found.values(), key=lambda cut: len(cut.hit.known.format))
    if all(
        cut.rest is not None and shortest.rest is not None and cut.rest.startswith(shortest.rest)
        for cut in found.values()
    ):
        return _finish_value(catalogue, text, shortest, platform)
    return _finish_value(catalogue, text, shortest, platform) if len(found) == 1 else None


def _finish_value(catalogue: Catalogue, text: str, cut: Cut, platform: str | None) -> Cut:
    """``cut``, finished by the message its last value begins when the cut fell in that value and
    the value is a catalogued message of its own, cut short in turn (esptool's "Failed to connect to
    %s: %s" says its last error there: "...: Timed out waiting for packet heade")."""
    fmt = cut.hit.known.format.rstrip()
    if cut.rest is not None or not fmt.endswith("%s"):
        return cut
    before = _CONVERSION.split(fmt[:-2])[-1].strip()  # the format's words before that value
    if not before:
        return cut
    at = text.find(before, cut.hit.start + len(_CONVERSION.split(fmt, 1)[0].strip()))
    if at < 0:
        return cut
    value = text[at + len(before) :].lstrip()
    inner = find_cut(catalogue, value, platform) if value else None
    if inner is None or inner.hit.start or inner.rest is None or inner.inner is not None:
        return cut
    return Cut(cut.hit, inner.rest, inner.hit)

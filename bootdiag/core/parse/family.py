"""What every log family provides to the line parser."""
from __future__ import annotations

import re
from functools import cached_property
from typing import Protocol

from bootdiag.core.events import Event
from bootdiag.core.numbers import hex_int, int_auto  # noqa: F401 - the families' number readers


class Family(Protocol):
    """A log family: a cheap trigger for the prefilter, and a parser for the lines it claims."""

    name: str
    # A regex (source text) that finds, anywhere in a line, a sign that the line may belong to
    # this family and matter to a rule. All families' triggers are joined into one prefilter.
    trigger: str
    # Optional: a regex for the start of lines of this family that no rule needs, whatever they
    # contain (e.g. an application's informational log lines). The screen passes over them.
    noise: str | None
    # Optional, with ``noise``: a regex that finds, inside a noise line, where another log line
    # begins (a paste that lost a newline glued it on): such a line is screened after all. It is
    # searched over whole runs of noise lines: best when it begins with one plain character.
    noise_glued: str | None

    # Optional, for boot loops: ``repeat(raw) -> (earlier event, detail) | None`` for a line (as a
    # block holds it) whose message this family already read in this capture, found without
    # cleaning or parsing the line; ``repeat_at(earlier, raw, detail, no)`` then makes this line's
    # event (the caller may not need it: a repeat that matters to no rule is only counted). An
    # earlier event of ``None`` means the line must be read again, whoever asks: it moves the
    # family's own state. Optional with them, ``learn(raw, event)``: the long way read the whole
    # of ``raw`` as ``event`` alone (no wrapping taken off, nothing split or quoted), so the family
    # may answer later lines of the same shape from ``repeat`` too.
    # Optional with ``learn``, ``settle()``: the reader did not need the line ``repeat`` last answered
    # from a learned shape (``answered_by_shape`` says whether it did), nor any line that differs from it only in the fields ``shaped_fields``
    # (their digits) and ``free_fields`` (anything): ``repeat`` answers later lines of that shape
    # with ``(earlier event, None)``, only counted, until ``unsettle()`` (the reader may need them again).
    # Optional, for a family made at start (one that reads repeats): ``other_event(event, no)``, told
    # of every event read, its own included, in the order of the capture (a paste that glued lines
    # together keeps that order on one line): what another stage printed in between.
    # Optional with it, ``output_after_handover(no)``: line ``no`` holds, after an event that hands
    # over, output no family reads (a paste that lost the newline after the ROM's "entry 0x...").

    # For repeated boot sessions (a session that repeats an earlier one is counted without reading
    # its lines; a family without these two stops that for the whole capture):
    # ``state(no)``: what the family remembers that changes how it reads later lines, with line
    # numbers as distances back from line ``no`` (see :func:`distance`), comparable with ``==``; a
    # cache that decides which lines count as repeats says how often it was filled or cleared.
    # ``restore(state, no)``: put back a state taken elsewhere, at line ``no``.
    # Optional, ``wants_line(no) -> bool``: the family read a line whose value line ``no`` holds
    # alone (a file's name, then its contents): the parser hands it that line even though no trigger
    # finds it. Asked after every line the screen hands over, so it must be cheap.
    # Optional, ``claim_start``: a regex (as a string) that matches the start of every line the
    # family claims: a family not yet made is not made for a line it does not open.
    # Optional, ``fresh_claims``: a regex (as a string) that finds, anywhere, what every line a family
    # no line has reached yet claims holds (one whose claims go past its trigger only in a state a
    # line put it in): a family not yet made is not made for a line without it.
    # Optional, ``volatile``: a regex (multiline) for a part of this family's lines, as a block
    # holds them (colour codes, CR), that changes between two printings of the same message and
    # that nothing but the event's time depends on (a timestamp: the screen, the family's state and
    # every field a rule reads are the same whatever it holds). Lines that differ only there count
    # as the same line in a repeated session.

    def claims(self, text: str) -> bool: ...

    def parse(self, text: str, no: int) -> Event | None: ...


class Stateless:
    """For a family that remembers nothing from one line to the next."""

    def state(self, no: int) -> None:
        return None

    def restore(self, state: None, no: int) -> None:
        pass


def distance(line: int | None, no: int) -> int | None:
    """A remembered line number as a distance back from line ``no`` (for ``state``)."""
    return None if line is None else no - line


def line_at(distance: int | None, no: int) -> int | None:
    """The line number a :func:`distance` stands for at line ``no`` (for ``restore``)."""
    return None if distance is None else no - distance


class ClaimsByTrigger:
    """For a family whose lines are the ones its trigger finds somewhere in them."""

    trigger: str

    @cached_property
    def _claim(self) -> re.Pattern[str]:
        return re.compile(self.trigger)

    def claims(self, text: str) -> bool:
        return self._claim.search(text) is not None


def compile_trigger(*alternatives: str) -> str:
    return "|".join(f"(?:{a})" for a in alternatives)


def first_match(pattern: re.Pattern[str], text: str) -> str | None:
    m = pattern.search(text)
    return m.group(0) if m else None

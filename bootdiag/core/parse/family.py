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

    # Optional, for boot loops: ``repeat(raw) -> (earlier event, detail) | None`` for a line (as a
    # block holds it) whose message this family already read in this capture, found without
    # cleaning or parsing the line; ``repeat_at(earlier, raw, detail, no)`` then makes this line's
    # event (the caller may not need it: a repeat that matters to no rule is only counted). An
    # earlier event of ``None`` means the line must be read again, whoever asks: it moves the
    # family's own state.

    def claims(self, text: str) -> bool: ...

    def parse(self, text: str, no: int) -> Event | None: ...


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

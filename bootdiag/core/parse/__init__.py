"""Lines -> typed events.

Speed comes from not looking at most lines: every family contributes a trigger regex, and one
combined regex is run over a whole block of text (in C); only the lines it hits are handed to
the families, and only those families' grammars ever run.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path

from bootdiag import platforms as registry
from bootdiag.core.events import Event, Unparsed
from bootdiag.core.lines import Line, TextBlock, clean_line, iter_blocks, lines_from_text
from bootdiag.core.parse.family import Family
from bootdiag.core.parse.screen import TriggerScreen

# Capture tools prefix lines with host time: "[12:00:01.123] ", "12:00:01.123 -> ", "[2026-01-02 10:00:00] ",
# "[22:02:10]" (no fraction), or a bare "14:56:33.435305 " (the ESP32-C6 log in esp-rs/esp-hal #4770).
HOST_PREFIX = re.compile(
    r"\s*(?:\[\d{4}-\d\d-\d\d[ T][\d:.,]+\]\s?|\[\d\d:\d\d:\d\d(?:[.,]\d+)?\]\s?|\d\d:\d\d:\d\d\.\d+(?:\s*->\s?|\s)"
    r"|\[\s*\d+\.\d+(?:\s+\d+\.\d+)?\]\s?)?\s*"
)


def default_families() -> list[Family]:
    """Every registered platform's families, platform by platform (the prose reader's last)."""
    return [family for platform in registry.platforms() for family in platform.families()]


@cache
def trigger_screen(triggers: tuple[str, ...], noise: tuple[str, ...] = ()) -> TriggerScreen:
    """One screen per set of triggers, built once (analysing every trigger takes a while) and kept
    in the build cache between runs."""
    from bootdiag.core.cache import cached
    from bootdiag.core.parse import screen

    def build() -> TriggerScreen:
        return TriggerScreen(list(triggers), noise="|".join(f"(?:{n})" for n in noise) or None)

    return cached("screen", [Path(screen.__file__), "\0".join(triggers), "\0".join(noise)], build)


class LineParser:
    """Stateful parser for one capture (families remember e.g. the chip for boot-mode decoding)."""

    def __init__(self, families: list[Family] | None = None, reuse_repeats: bool = True) -> None:
        self.families = families if families is not None else default_families()
        # Asked, for a line that repeats an earlier event, whether it still matters to the reader
        # (an analysis: it opens a session, or would change this one's rule state); ``None`` keeps
        # every event.
        self.wanted: Callable[[Event], bool] | None = None
        # Families that recognise a line they have already read, before any cleaning (boot loops).
        self._repeating = [(f.repeat, f.repeat_at) for f in self.families if reuse_repeats and hasattr(f, "repeat")]
        noise = tuple(n for f in self.families if (n := getattr(f, "noise", None)))
        self.screen = trigger_screen(tuple(f.trigger for f in self.families), noise)

    @property
    def prefilter(self) -> re.Pattern[str]:
        """All triggers as one regex (per-line use; blocks go through :attr:`screen`)."""
        return self.screen.combined

    def parse_line(self, text: str, no: int) -> Event | None:
        """The event for one line (as a block holds it, see :func:`clean_line`), or ``None`` when no
        family claims it."""
        for repeat, repeat_at in self._repeating:
            known = repeat(text)
            if known is not None:
                # No earlier event: the family must read the line again (its state follows it).
                if self.wanted is not None and known[0] is not None and not self.wanted(known[0]):
                    return None
                return repeat_at(known[0], text, known[1], no)
        return self._parse_new(text, no)

    def _parse_new(self, text: str, no: int) -> Event | None:
        """A line no family has seen the like of: clean it and offer it to each family in turn."""
        text = clean_line(text)
        body = HOST_PREFIX.match(text)
        body_text = text[body.end():] if body else text
        body_text = body_text.rstrip()
        if not body_text:
            return None
        for family in self.families:
            if family.claims(body_text):
                event = family.parse(body_text, no)
                if event is not None:
                    return event
        return None

    def events_in_block(self, block: TextBlock) -> Iterator[Event]:
        text = block.text
        no = block.first_no
        pos = 0  # start of the line whose number is `no`
        count = text.count
        parse_line = self.parse_line
        for start, end in self.screen.line_spans(text):
            no += count("\n", pos, start)
            pos = start
            event = parse_line(text[start:end], no)
            if event is not None:
                yield event

    def events(self, blocks: Iterable[TextBlock]) -> Iterator[Event]:
        for block in blocks:
            yield from self.events_in_block(block)

    def all_lines(self, lines: Iterable[Line]) -> Iterator[Event]:
        """Every line as an event, unclaimed ones as :class:`Unparsed` (for grammar work)."""
        for line in lines:
            event = self.parse_line(line.text, line.no) if self.prefilter.search(line.text) else None
            yield event if event is not None else Unparsed(line=line.no, text=line.text)


def parse_text(text: str) -> list[Event]:
    """All events of an in-memory capture (convenience for the Python API and tests)."""
    parser = LineParser()
    return list(parser.events(iter_blocks([text.encode("utf-8", "surrogatepass")])))


__all__ = ["LineParser", "parse_text", "lines_from_text", "default_families"]

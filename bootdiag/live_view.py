"""The terminal side of ``bootdiag tail``: received lines as they arrive, and the diagnosis as it forms.

Each line is shown with its capture line number (the numbers the report's evidence uses, and that
``bootdiag explain`` gives on the saved capture), coloured by log level; a line that bootdiag read
as an event a rule looks at, or as a failure, is marked with ``>`` and the event's name. A line
still waiting for its newline is shown as far as it has arrived; on a terminal it is redrawn when it
completes, when piped the rest is appended.
"""
from __future__ import annotations

import os
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import TextIO

from rich.console import Console
from rich.text import Text

from .events import Event
from .lines import TextBlock, clean
from .live_findings import FindingChange
from .parse import HOST_PREFIX
from .render.terminal import use_color
from .rules import Condition, Rule, condition_matches
from .session import SessionTracker

_ESP_LEVEL = re.compile(r"([EWIDV]) \(\d+\) ")  # ESP-IDF: "E (296835) tag: msg"
_TAG_LEVEL = re.compile(r"\[(ERR|WRN|INF|DBG)\]|<(err|wrn|inf|dbg)>")  # MCUboot "[ERR]", Zephyr "<err>"
_ERROR_WORDS = re.compile(r"\b(?:ERROR|FATAL|[Ee]rror:|[Ff]ailed|Guru Meditation|abort\(\)|CORRUPT HEAP|panic)")
_WARNING_WORDS = re.compile(r"\b(?:WARN(?:ING)?|[Ww]arning:)")
_LEVEL_OF = {"E": "error", "W": "warning", "I": "info", "D": "debug", "V": "debug",
             "err": "error", "wrn": "warning", "inf": "info", "dbg": "debug"}
_STYLE = {"error": "red", "warning": "yellow", "info": "", "debug": "dim"}
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def line_level(text: str) -> str | None:
    """``error``, ``warning``, ``info`` or ``debug`` from how the line is written, if it says."""
    prefix = HOST_PREFIX.match(text)
    body = text[prefix.end():] if prefix else text
    if m := _ESP_LEVEL.match(body):
        return _LEVEL_OF[m.group(1)]
    if m := _TAG_LEVEL.search(body):
        return _LEVEL_OF[(m.group(1) or m.group(2)).lower()]
    if _ERROR_WORDS.search(body):
        return "error"
    if _WARNING_WORDS.search(body):
        return "warning"
    return None


def printable(text: str) -> str:
    """Control characters (from line noise or a wrong baud) would move the cursor: show them as U+FFFD."""
    return _UNPRINTABLE.sub("\ufffd", text)


class LineMarker:
    """Decides which events are worth marking: those a rule condition matches, and failures."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._conditions: dict[str, list[Condition]] = defaultdict(list)
        for rule in rules:
            for cond in (*rule.when.all, *rule.when.any, *rule.when.none, *rule.when.optional):
                self._conditions[cond.event].append(cond)

    def marks(self, event: Event) -> bool:
        if event.is_failure():
            return True
        return any(condition_matches(c, event) for kind in type(event).kinds for c in self._conditions.get(kind, ()))


class LiveView:
    """Writes the live stream to ``out``; every method leaves the terminal at the start of a line
    except :meth:`partial`, whose line the next call finishes or redraws."""

    def __init__(self, out: TextIO, rules: Iterable[Rule], color: bool | None = None, timestamps: bool = False) -> None:
        colored = use_color(out, color)
        self.out = out
        self.console = Console(file=out, force_terminal=colored, no_color=not colored, highlight=False,
                               markup=False, emoji=False, soft_wrap=True)
        # Redrawing needs a terminal, not colour: NO_COLOR on a terminal still gets clean redraws.
        self.redraw = hasattr(out, "isatty") and out.isatty() and os.environ.get("TERM") != "dumb"
        self.timestamps = timestamps
        self.marker = LineMarker(rules)
        self.sessions = SessionTracker()
        self._partial_shown = ""  # text of the unterminated line currently on screen

    # ---------------------------------------------------------------- lines
    def lines(self, block: TextBlock, events: list[Event], started: float | None = None) -> None:
        """Show complete lines; ``started`` is when the first of them began to arrive."""
        by_line: dict[int, list[Event]] = defaultdict(list)
        for event in events:
            by_line[event.line].append(event)
        first_stamp, stamp = self._stamp(started), self._stamp(None)
        for offset, text in enumerate(block.text.split("\n")):
            no = block.first_no + offset
            here = by_line.get(no, [])
            if any([self.sessions.starts_new(e) for e in here]):  # a list: every event must be counted
                self._finish_partial_for_message()
                self.console.print(Text(f"{'':{len(stamp)}}{'':>6}   --- next boot / tool run ---", style="dim"))
            self._line(no, printable(text), here, first_stamp if offset == 0 else stamp)

    def _line(self, no: int, text: str, events: list[Event], stamp: str) -> None:
        marked = [e for e in events if self.marker.marks(e)]
        failed = any(e.is_failure() for e in events)
        level = "error" if failed else self._event_level(events) or line_level(text)
        gutter = f"{stamp}{no:>6} {'>' if marked else ' '} "
        suffix = "  [" + ", ".join(dict.fromkeys(e.kind for e in marked)) + "]" if marked else ""
        shown = self._partial_shown
        if shown and not self.redraw and text.startswith(shown):
            # Piped: the start of this line is already out; finish it.
            out = Text(text[len(shown):], style=_STYLE.get(level or "", ""))
        else:
            if shown and self.redraw:
                self.out.write("\r\x1b[K")
            elif shown:
                self.out.write("\n")
            out = Text()
            out.append(gutter, style="dim")
            out.append(text, style=_STYLE.get(level or "", "") + (" bold" if marked else ""))
        out.append(suffix, style="cyan")
        self._partial_shown = ""
        self.console.print(out)

    @staticmethod
    def _event_level(events: list[Event]) -> str | None:
        for event in events:
            level = getattr(event, "level", None)
            if isinstance(level, str) and level in _LEVEL_OF:
                return _LEVEL_OF[level]
        return None

    def partial(self, raw: bytes, no: int, started: float | None = None) -> None:
        """Show an unterminated line as far as it has arrived (it stalled: no newline yet)."""
        text = printable(clean(raw))
        shown = self._partial_shown
        if text == shown:
            return
        if shown and not self.redraw and text.startswith(shown):
            self.console.print(Text(text[len(shown):], style="dim"), end="")
        else:
            if shown:
                self.out.write("\r\x1b[K" if self.redraw else "\n")
            prefix = f"{self._stamp(started)}{no:>6}   "
            line = Text()
            line.append(prefix, style="dim")
            room = self.console.width - len(prefix) - 1
            if self.redraw and len(text) > room > 1:
                # A redraw clears one row only: keep the partial line on one row, its newest end.
                line.append("\u2026" + text[-(room - 1):])
            else:
                line.append(text)
            self.console.print(line, end="")
        self._partial_shown = text
        self.out.flush()

    def _finish_partial_for_message(self) -> None:
        """Make room for a message under a shown partial line (it is drawn again in full later)."""
        if self._partial_shown:
            self.out.write("\r\x1b[K" if self.redraw else "\n")
            self._partial_shown = ""

    def _stamp(self, at: float | None) -> str:
        if not self.timestamps:
            return ""
        at = time.time() if at is None else at
        return time.strftime("%H:%M:%S", time.localtime(at)) + f".{int(at % 1 * 1000):03d} "

    # ---------------------------------------------------------------- diagnosis
    def changes(self, changes: list[FindingChange]) -> None:
        for change in changes:
            self._finish_partial_for_message()
            self._change(change)

    def _change(self, change: FindingChange) -> None:
        f = change.finding
        if change.kind == "new":
            state = "final" if change.final else "provisional until this boot ends"
            head = Text()
            head.append(">>> FINDING ", style="bold red")
            head.append(f"{f.title}", style="bold")
            head.append(f"  ({f.id}, {f.confidence} confidence; after line {change.line}, {state})", style="dim")
            self.console.print(head)
            self.console.print(Text(f"    {f.explanation}"))
            numbers = [str(e.line) for e in f.evidence if e.line]  # line 0: from an image or config file
            if numbers:
                self.console.print(Text("    evidence: lines " + ", ".join(numbers), style="dim"))
            for step in f.fix:
                self.console.print(Text(f"    fix > {step}", style="cyan"))
        elif change.kind == "updated":
            self.console.print(Text(f">>> updated {f.id}: {change.detail} (after line {change.line})", style="cyan"))
        elif change.kind == "final":
            self.console.print(Text(f">>> final {f.id}: its boot session ended (after line {change.line})", style="green"))
        else:
            self.console.print(Text(f">>> withdrawn {f.id}: {change.detail} (after line {change.line})", style="yellow"))

    # ---------------------------------------------------------------- everything else
    def notice(self, message: str, style: str = "yellow") -> None:
        """A message from bootdiag itself (port state, baud advice), set apart from device output."""
        self._finish_partial_for_message()
        self.console.print(Text(f"--- {message}", style=style))

    def close(self) -> None:
        """End a shown partial line so what follows starts on its own line."""
        if self._partial_shown:
            self.out.write("\n")
        self._partial_shown = ""
        self.out.flush()

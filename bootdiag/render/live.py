"""The terminal side of ``bootdiag tail``: received lines as they arrive, and the diagnosis as it forms.

Each line is shown with its capture line number (the numbers the report's evidence uses, and that
``bootdiag explain`` gives on the saved capture), coloured by log level; a line that bootdiag read
as an event a rule looks at, or as a failure, is marked with ``>`` and the event's name. A line
still waiting for its newline is shown as far as it has arrived; on a terminal it is redrawn when it
completes, when piped the rest is appended.

The view decides nothing itself: which events matter and where a boot session starts come from the
analysis that reads the stream (:class:`~bootdiag.core.pipeline.Analyzer`), and the level names
each platform's lines use from the registry.
"""
from __future__ import annotations

import re
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Collection
from functools import cache
from typing import TYPE_CHECKING, TextIO

from bootdiag import platforms as registry
from bootdiag.core.events import Event
from bootdiag.core.lines import TextBlock, clean
from bootdiag.core.parse.unwrap import HOST_PREFIX
from bootdiag.core.platform import LevelStyle

if TYPE_CHECKING:
    from bootdiag.core.changes import FindingChange

_ERROR_WORDS = re.compile(r"\b(?:ERROR|FATAL|[Ee]rror:|[Ff]ailed|abort\(\)|panic)")
_WARNING_WORDS = re.compile(r"\b(?:WARN(?:ING)?|[Ww]arning:)")
_LEVELS = frozenset({"error", "warning", "info", "debug"})
_STYLE = {"error": "red", "warning": "yellow", "info": "", "debug": "dim"}
# SGR codes, written directly: a serial console at 921600 baud is thousands of lines a second.
_SGR = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def line_level(text: str) -> str | None:
    """``error``, ``warning``, ``info`` or ``debug`` from how the line is written, if it says."""
    prefix = HOST_PREFIX.match(text)
    body = text[prefix.end():] if prefix else text
    for style in _level_styles(registry.registry_key()):
        if m := style.pattern.search(body):
            return style.level_of(m)
    if _ERROR_WORDS.search(body):
        return "error"
    if _WARNING_WORDS.search(body):
        return "warning"
    return None


@cache
def _level_styles(key: tuple[str, ...]) -> tuple[LevelStyle, ...]:
    return tuple(style for p in registry.platforms() for style in p.levels)


def printable(text: str) -> str:
    """Control characters (from line noise or a wrong baud) would move the cursor: show them as U+FFFD."""
    return _UNPRINTABLE.sub("\ufffd", text)


class LiveView:
    """Writes the live stream to ``out``; every method leaves the terminal at the start of a line
    except :meth:`partial`, whose line the next call finishes or redraws."""

    def __init__(
        self, out: TextIO, marks: Callable[[Event], bool] = lambda event: False, color: bool = False,
        timestamps: bool = False, redraw: bool = False,
    ) -> None:
        """``marks`` says whether an event is one a rule reads (the analysis's own answer);
        ``redraw``: the cursor may go back over a line (a terminal; NO_COLOR still redraws)."""
        self.out = out
        self.colored = color
        self.redraw = redraw
        self.timestamps = timestamps
        self.marks = marks
        self._partial_shown = ""  # text of the unterminated line currently on screen
        self._muted = False

    def mute(self) -> None:
        """Write nothing more (the terminal has gone away)."""
        self._muted = True

    def _paint(self, text: str, style: str) -> str:
        if not self.colored or not style or not text:
            return text
        codes = ";".join(_SGR[word] for word in style.split())
        return f"\x1b[{codes}m{text}\x1b[0m"

    def _write(self, text: str) -> None:
        if self._muted:
            return
        self.out.write(text)
        self.out.flush()

    # ---------------------------------------------------------------- lines
    def lines(
        self, block: TextBlock, events: list[Event], started: float | None = None, session_starts: Collection[int] = (),
    ) -> None:
        """Show complete lines; ``started`` is when the first of them began to arrive, ``session_starts``
        the lines where the analysis opened a new boot or tool session."""
        by_line: dict[int, list[Event]] = defaultdict(list)
        for event in events:
            by_line[event.line].append(event)
        first_stamp, stamp = self._stamp(started), self._stamp(None)
        parts: list[str] = []
        for offset, text in enumerate(block.lines()):
            no = block.first_no + offset
            here = by_line.get(no, [])
            if no in session_starts:
                parts.append(self._clear_partial())
                parts.append(self._paint(f"{'':{len(stamp)}}{'':>6}   --- next boot / tool run ---", "dim") + "\n")
            parts.append(self._line(no, printable(text), here, first_stamp if offset == 0 else stamp))
        self._write("".join(parts))

    def _line(self, no: int, text: str, events: list[Event], stamp: str) -> str:
        marked = [e for e in events if e.is_failure() or self.marks(e)]
        failed = any(e.is_failure() for e in events)
        level = "error" if failed else self._event_level(events) or line_level(text)
        style = _STYLE.get(level or "", "")
        suffix = self._paint("  [" + ", ".join(dict.fromkeys(e.kind for e in marked)) + "]", "cyan") if marked else ""
        shown, self._partial_shown = self._partial_shown, ""
        if shown and not self.redraw and text.startswith(shown):
            # Piped: the start of this line is already out; finish it.
            return self._paint(text[len(shown):], style) + suffix + "\n"
        lead = ("\r\x1b[K" if self.redraw else "\n") if shown else ""
        gutter = self._paint(f"{stamp}{no:>6} {'>' if marked else ' '} ", "dim")
        return lead + gutter + self._paint(text, f"{style} bold" if marked else style) + suffix + "\n"

    @staticmethod
    def _event_level(events: list[Event]) -> str | None:
        for event in events:
            level = event.level_name()
            if level in _LEVELS:
                return level
        return None

    def partial(self, raw: bytes, no: int, started: float | None = None) -> None:
        """Show an unterminated line as far as it has arrived (it stalled: no newline yet)."""
        text = printable(clean(raw))
        shown = self._partial_shown
        if text == shown:
            return
        self._partial_shown = text
        if shown and not self.redraw and text.startswith(shown):
            self._write(text[len(shown):])
            return
        lead = ("\r\x1b[K" if self.redraw else "\n") if shown else ""
        prefix = f"{self._stamp(started)}{no:>6}   "
        room = shutil.get_terminal_size().columns - len(prefix) - 1
        if self.redraw and len(text) > room > 1:
            # A redraw clears one row only: keep the partial line on one row, its newest end.
            text = "\u2026" + text[-(room - 1):]
        self._write(lead + self._paint(prefix, "dim") + text)

    def _clear_partial(self) -> str:
        """What makes room for a message under a shown partial line (drawn again in full later)."""
        if not self._partial_shown:
            return ""
        self._partial_shown = ""
        return "\r\x1b[K" if self.redraw else "\n"

    def _stamp(self, at: float | None) -> str:
        if not self.timestamps:
            return ""
        at = time.time() if at is None else at
        return time.strftime("%H:%M:%S", time.localtime(at)) + f".{int(at % 1 * 1000):03d} "

    # ---------------------------------------------------------------- diagnosis
    def changes(self, changes: list[FindingChange]) -> None:
        self._write("".join(self._clear_partial() + self._change(change) for change in changes))

    def _change(self, change: FindingChange) -> str:
        f = change.finding
        after = f"after line {change.line}"
        if change.kind == "updated":
            return self._paint(f">>> updated {f.id}: {change.detail} ({after})", "cyan") + "\n"
        if change.kind == "final":
            return self._paint(f">>> final {f.id}: its boot session ended ({after})", "green") + "\n"
        if change.kind == "withdrawn":
            return self._paint(f">>> withdrawn {f.id}: {change.detail} ({after})", "yellow") + "\n"
        state = "final" if change.final else "provisional until this boot ends"
        lines = [
            self._paint(">>> FINDING ", "bold red") + self._paint(f.title, "bold")
            + self._paint(f"  ({f.id}, {f.confidence} confidence; {after}, {state})", "dim"),
            f"    {f.explanation}",
        ]
        numbers = [str(e.line) for e in f.evidence if e.line]  # line 0: from an image or config file
        if numbers:
            lines.append(self._paint("    evidence: lines " + ", ".join(numbers), "dim"))
        lines += [self._paint(f"    fix > {step}", "cyan") for step in f.fix]
        return "\n".join(lines) + "\n"

    # ---------------------------------------------------------------- everything else
    def notice(self, message: str, style: str = "yellow") -> None:
        """A message from bootdiag itself (port state, baud advice), set apart from device output."""
        self._write(self._clear_partial() + self._paint(f"--- {message}", style) + "\n")

    def close(self) -> None:
        """End a shown partial line so what follows starts on its own line."""
        self._write("\n" if self._partial_shown else "")
        self._partial_shown = ""

"""The whole flow for one capture: bytes -> lines -> events -> sessions -> findings -> report."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path

from bootdiag import platforms as registry
from bootdiag.core.engine import Engine, SessionResult
from bootdiag.core.events import Event
from bootdiag.core.lines import LineSplitter, TextBlock
from bootdiag.core.parse import LineParser
from bootdiag.core.parse.unwrap import only_last_line_follows, output_follows
from bootdiag.core.repeats import SessionRepeats
from bootdiag.core.report import Report, ReportBuilder
from bootdiag.core.rules import Rule, load_rules
from bootdiag.core.session import SessionTracker
from bootdiag.core.sources import iter_chunks, open_capture


def default_rules(extra: Sequence[str | Path] = ()) -> tuple[Rule, ...]:
    """The registered platforms' rules and those of ``extra`` rule files or folders (``--rules``),
    validated once: later runs load them from the build cache, keyed by the rule files' contents,
    the rule modules and the platforms' events and catalogues."""
    if extra:  # files a user may edit between two calls: checked by content every time
        return _validated_by_content("rules", registry.registry_key(), tuple(extra))
    return _validated("rules", registry.registry_key())


def default_predictions(extra: Sequence[str | Path] = ()) -> tuple[Rule, ...]:
    """The failures a build check foresees (``[[prediction]]`` tables), validated and cached alike."""
    if extra:
        return _validated_by_content("predictions", registry.registry_key(), tuple(extra))
    return _validated("predictions", registry.registry_key())


@cache
def _validated(kind: str, key: tuple[str, ...]) -> tuple[Rule, ...]:
    return _validated_by_content(kind, key, ())


def _validated_by_content(kind: str, key: tuple[str, ...], extra: tuple[str | Path, ...]) -> tuple[Rule, ...]:
    from bootdiag.core import rules as rules_package
    from bootdiag.core.cache import cached
    from bootdiag.core.rules import load_predictions, rule_files

    load = load_rules if kind == "rules" else load_predictions
    core = Path(rules_package.__file__).parent.parent
    # The rule modules, and the file events' modules (their fields are what conditions name).
    modules = [*sorted(Path(rules_package.__file__).parent.glob("*.py")), core / "artifacts.py", core / "build.py",
               core / "record.py"]
    sources = [*rule_files(extra), *modules, *registry.source_files(), "\0".join(key)]
    return cached(kind, sources, lambda: tuple(load(extra)))


class Analyzer:
    """Incremental analysis of one capture: feed bytes as they come, ask for the report any time."""

    def __init__(
        self, source: str = "<capture>", rules: Iterable[Rule] | None = None, context: Iterable[Event] = (),
        every_event: bool = False, repeated_sessions: bool = True, reads_to_end: bool = False,
    ) -> None:
        """``every_event``: parse every line the long way and make every event, even repeats that
        change nothing (a live view marks each line; the report is the same either way).
        ``repeated_sessions``: count a session that repeats an earlier one without reading its
        lines (:mod:`bootdiag.core.repeats`; the report is the same either way).
        ``reads_to_end``: the caller asks for the report only at the end (or through
        :meth:`snapshot`): the lines of a session that may repeat, which a block ends inside, wait
        for the next block, where it is whole."""
        rule_list = list(rules) if rules is not None else list(default_rules())
        self.engine = Engine(rule_list)
        self.parser = LineParser(reuse_repeats=not every_event, messages=self.engine.messages_read)
        self.splitter = LineSplitter(apart=self.parser.rows_apart)
        self.sessions = SessionTracker()
        # A boot loop repeats most lines unchanged: a repeat that opens no session and would change
        # nothing in this one (no rule reads it, or its place is taken) is counted as a line and not
        # made into an event again.
        if not every_event:
            self.parser.reader = self
        self._inert: dict[int, Event] = {}  # earlier events no rule reads at all, by identity
        self.session_starts: list[int] = []  # lines where the last block's events opened a session
        self.builder = ReportBuilder(source)
        # Facts from beside the log (verified images, build settings) are known before its first line.
        for event in context:
            self.engine.feed(event, new_session=False)
        self.repeats = (
            SessionRepeats(self.parser, self.sessions, self.engine, self.builder, self._feed)
            if repeated_sessions and not every_event and self.parser.remembers else None
        )
        self.reads_to_end = reads_to_end
        self._held: TextBlock | None = None  # the end of the last block, not read yet
        self._tail: TextBlock | None = None  # the block of the last event, while what follows it is unknown

    # The parser's questions about repeats (core/parse/reader.py)
    def repeat_wanted(self, earlier: Event) -> bool:
        if self._wanted(earlier):
            return True
        self.builder.events += 1  # a repeat only counted is still an event: stats mean the same in every mode
        return False

    def repeat_settles(self, event: Event, shaped: frozenset[str], free: frozenset[str]) -> bool:
        # Not needed now, it stays so for the session: its conditions' places only fill. A failure
        # is needed again when a new attempt starts, and a session boundary always.
        return not event.is_failure() and event.session_boundary() is None and self.engine.judged_by_shape(event, shaped, free)

    def repeat_epoch(self) -> int:
        return self.engine.resets

    def repeat_counted(self) -> None:
        self.builder.events += 1

    def _wanted(self, earlier: Event) -> bool:
        known = self._inert.get(id(earlier))
        if known is not None and known is earlier:
            return False
        if earlier.session_boundary() is not None:
            return True
        if not self.engine.reads(earlier):  # never (then not needed): remember it, most repeats are such lines
            if len(self._inert) >= 4096:
                self._inert.clear()
            self._inert[id(earlier)] = earlier
            return False
        return self.engine.needs(earlier)

    def feed_bytes(self, chunk: bytes) -> list[Event]:
        block = self.splitter.feed(chunk)
        return self.feed_block(block) if block is not None else []

    def feed_block(self, block: TextBlock, hold: bool = True) -> list[Event]:
        """Read a block; its events (``hold``: may hold back its end, see ``reads_to_end``: the
        events of lines held back come with the next block's)."""
        events = self._read_block(block, hold)
        self._note_output(block)
        return events

    def _note_output(self, block: TextBlock) -> None:
        """Keep track of whether output follows the capture's last event (the next stage's, when
        that event handed over): the first line with something on it after the event decides,
        when the capture ends or a later block shows it."""
        builder = self.builder
        if builder._last_line >= block.first_no:  # an event in this block: judged from its end later
            self._tail = block
            return
        if builder.output_after_last is None:
            if self._tail is not None:
                builder.output_after_last = output_after(self._tail, self.parser.last_line_of(builder._last_line))
                if builder.output_after_last is None:
                    # nothing after the event in the blocks so far: this block is the first that may show
                    # output, judged as the event's own block would be (at the end, a last line cut short)
                    self._tail = block
                    return
            else:
                builder.output_after_last = output_follows(block.text)
        self._tail = None

    def _settle_output(self, builder: ReportBuilder, at_end: bool = False) -> None:
        if self._tail is None or builder.output_after_last is not None:
            return
        text = self._tail.text
        start = start_after(self._tail, self.parser.last_line_of(builder._last_line))
        if start is None:
            return
        builder.output_after_last = output_follows(text, start)
        family = builder.last_family
        if at_end and builder.output_after_last and family is not None:
            builder.output_cut_short = only_last_line_follows(
                text, start, lambda line: self.parser.claimed_by(family, line))

    def _read_block(self, block: TextBlock, hold: bool) -> list[Event]:
        held, self._held = self._held, None
        if held is not None:
            block = TextBlock(held.first_no, f"{held.text}\n{block.text}", held.count + block.count)
        self.session_starts = []
        events: list[Event] = []
        # Each event is fed before the next line is read: whether a repeat still matters depends
        # on the session as it stands at that line.
        repeats = self.repeats
        if repeats is None:
            for event in self.parser.events_in_block(block):
                self.feed_event(event)
                events.append(event)
            self._counted(block)
            self._note_output_on_line()
            return events
        repeats.text = block.text
        first_no = block.first_no
        # (number, start) of the last line numbered: the block's count follows from it
        last: tuple[int, int] = (first_no, 0)
        resume: tuple[int, int] | None = (0, first_no)
        while resume is not None:
            pos, no = resume
            resume = None
            for no, start, end in self.parser.screened(block.text, pos, no):
                last = (no, start)
                # A session this line opened may repeat a known one: counted, reading goes on
                # at the line that opens the next session.
                resume = self._read(no, start, end, events)
                if resume is not None:
                    last = resume[::-1]
                    break
            if repeats.incomplete is not None:
                pos, no = repeats.incomplete
                repeats.incomplete = None
                if hold and self.reads_to_end:
                    self._counted(block, last)
                    self._held = TextBlock(no, block.text[pos:], block.first_no + block.count - no)
                    break
        self._counted(block, last)
        self._note_output_on_line()
        return events

    def _counted(self, block: TextBlock, last: tuple[int, int] | None = None) -> None:
        """Tell ``block`` its count from ``last``, the (number, start) of a line the reading
        numbered (only the lines after it are counted again), and the report its lines."""
        if last is not None:
            no, start = last
            block.counted(no - block.first_no + block.text.count("\n", start) + 1)
        self.builder.lines = block.first_no + block.count - 1

    def _note_output_on_line(self) -> None:
        """Output glued after the last event on its own line (a paste that lost its newlines)
        decides what follows that event."""
        line, shows = self.parser.output_on_line
        builder = self.builder
        if shows is not None and line == builder._last_line and builder.output_after_last is None:
            builder.output_after_last = shows

    def _catch_up(self) -> None:
        """Read the lines held back from the last block."""
        if self._held is not None:
            held, self._held = self._held, None
            self.feed_block(held, hold=False)

    def _read(self, no: int, start: int, end: int, events: list[Event]) -> tuple[int, int] | None:
        """Read one screened line the long way, telling the repeat counter what it opened."""
        repeats = self.repeats
        repeats.before(no)  # type: ignore[union-attr]
        found = self.parser.parse_line(repeats.text[start:end], no)  # type: ignore[union-attr]
        if not found:
            return None  # (what after() would say of a line with no event)
        opened: list[int] = []
        first_closed = None
        for i, event in enumerate(found):
            closed, opens = self._feed(event)
            events.append(event)
            if opens:
                if not opened:
                    first_closed = closed
                opened.append(i)
        return repeats.after(no, start, end, found, opened, first_closed)  # type: ignore[union-attr]

    def feed_event(self, event: Event) -> None:
        self._feed(event)

    def _feed(self, event: Event) -> tuple[SessionResult | None, bool]:
        """Feed one event: the result of the session it closed, and whether it opened one."""
        self.builder.events += 1
        opens = self.sessions.starts_new(event)
        if opens:
            self.session_starts.append(event.line)
        closed = self.engine.feed(event, opens)
        self.builder.add_facts(event, self.engine.session)
        if closed is not None:
            self.builder.add_session(closed)
        return closed, opens

    def marks(self, event: Event) -> bool:
        """Whether a rule reads ``event`` or it is a failure: what a live view marks."""
        return self.engine.reads(event)

    def finish(self) -> Report:
        """End of stream: judge the last session and build the final report."""
        block = self.splitter.flush()
        if block is not None:
            self.feed_block(block, hold=False)
        self._catch_up()
        closed = self.engine.close_session()
        if closed is not None:
            self.builder.add_session(closed)
        self._settle_output(self.builder, at_end=True)
        return self.builder.build()

    def snapshot(self) -> Report:
        """The report so far, counting the open session's provisional matches (for live display)."""
        self._catch_up()
        builder = self.builder.copied()
        self._settle_output(builder)
        return builder.build(self.engine.pending())


def output_after(block: TextBlock, line: int) -> bool | None:
    """:func:`output_follows` after line ``line`` of ``block``."""
    start = start_after(block, line)
    return output_follows(block.text, start) if start is not None else None


def start_after(block: TextBlock, line: int) -> int | None:
    """Where the line after line ``line`` of ``block`` starts in its text; None past its end."""
    text, start = block.text, 0
    for _ in range(max(0, line - block.first_no + 1)):
        start = text.find("\n", start) + 1
        if start == 0:
            return None
    return start


def explain_stream(
    chunks: Iterable[bytes], source: str = "<capture>", rules: Iterable[Rule] | None = None, context: Iterable[Event] = ()
) -> Report:
    analyzer = Analyzer(source, rules, context, reads_to_end=True)
    for chunk in chunks:
        analyzer.feed_bytes(chunk)
    return analyzer.finish()


def explain(capture: str | bytes | Path, rules: Iterable[Rule] | None = None, source: str | None = None) -> Report:
    """Explain a capture given as text, bytes or a path. A pure function of its input."""
    if isinstance(capture, Path):
        stream, name = open_capture(capture)
        with stream:
            return explain_stream(iter_chunks(stream), source or name, rules)
    return explain_stream(in_pieces(capture), source or "<text>", rules)


WHOLE_INPUT_PIECE = 1 << 16  # characters or bytes of an in-memory capture handed over at a time


def in_pieces(capture: str | bytes) -> Iterator[bytes]:
    """An in-memory capture as the chunks a stream would give: never one copy of all of it.

    Lone surrogates (text decoded with ``surrogateescape``) are encoded one by one, so a cut
    between two of them changes no byte."""
    step = WHOLE_INPUT_PIECE
    if isinstance(capture, str):
        for start in range(0, len(capture), step):
            yield capture[start : start + step].encode("utf-8", "surrogatepass")
    else:
        view = memoryview(capture)
        for start in range(0, len(view), step):
            yield bytes(view[start : start + step])

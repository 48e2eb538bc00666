"""Boot sessions that repeat an earlier one, counted without reading their lines again.

A board in a boot loop prints the same session again and again, numbers aside (the times of its
log lines). Reading each line again costs far more than comparing text, so a session whose lines
are those of a session read before is counted as that session again: the earlier result moved to
its lines, the events the capture keeps beyond the session (capture-wide conditions, environment
facts) moved with it, and the families left as its last line leaves them.

That gives the report that reading it would give only when everything the reading depends on is
the same, so a session is counted only when:

- its first line opened the session with the same events, and after that line the families
  (their state, line numbers as distances), the session tracker and the number of capture-wide
  conditions met stand as they did after the earlier session's first line;
- its lines up to the one that opens the next session are the earlier session's lines up to the
  one that opened the session after it, word for word but for parts a family declares volatile
  (a timestamp that nothing but the event's time depends on).

Where the families stand at the end of a session is known only by reading one to its end: a session
is learnt from the second of two alike (the first says where it ends) and counted from the third
on. In a loop whose sessions open with the line that opened the one learnt, the families stand
before each opening line as they stood before the last one: that line gives the same events, so
after the first of a run it is not read either.

A session is counted only when its block holds it whole with the line that opens the next one,
so a session still open is read line by line and a live view sees every line; a reader that asks
for the report only at the end lets such a session wait for the next block instead
(``Analyzer(reads_to_end=True)``).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, partial
from typing import Any

from bootdiag.core.engine import Engine, Match, SessionResult
from bootdiag.core.events import Event
from bootdiag.core.parse import LineParser
from bootdiag.core.report import ReportBuilder
from bootdiag.core.session import SessionTracker
from bootdiag.core.value import Value

MAX_EVENTS = 4096  # events of a session that can be learnt
MAX_KNOWN = 4  # sessions kept per first line (a loop may alternate between a few)
MAX_FIRST_LINES = 16  # first lines sessions are learnt for; then learning starts over
# Stands for a volatile part: never in a block's text (NULs are removed as lines are split).
_VOLATILE_MARK = "\0"

Opening = list[tuple[type[Event], dict[str, object]]]  # the events of a session's first line


def normaliser(volatile: tuple[re.Pattern[str], ...]) -> Callable[[str], str]:
    """Text with every volatile part replaced by one mark: equal for lines alike but for them."""
    if not volatile:
        return str
    combined = re.compile("|".join(f"(?:{p.pattern})" for p in volatile), re.MULTILINE)
    return partial(combined.sub, _VOLATILE_MARK)


@cache
def _whole_lines(count: int) -> re.Pattern[str]:
    return re.compile(f"(?:[^\\n]*+\\n){{{count}}}")


class _Shape(Value):
    """A session as a later one must repeat it: its lines after the first, and the next session's
    first line, each normalised."""

    __slots__ = _fields = ("lines", "text", "closer")
    lines: int  # from its first line to the next session's
    text: str  # the lines between them, normalised
    closer: str  # the next session's first line, normalised

    def __init__(self, lines: int, text: str, closer: str) -> None:
        self.lines, self.text, self.closer = lines, text, closer


class _Open(Value):
    """The session being read, opened by one line alone."""

    __slots__ = _fields = ("no", "raw", "text", "body", "key", "state", "opening", "closer_no", "events_after_first",
                           "events")
    no: int  # its first line
    raw: str
    text: str  # the block that holds its first line
    body: int  # where its later lines start in that block
    key: str  # its first line, normalised
    state: tuple[object, ...]  # families and tracker after its first line
    opening: Opening
    closer_no: int | None  # where it ends if it repeats the last session alike (learnt then)
    events_after_first: int  # the report's count of events after its first line
    events: list[Event] | None  # its later lines' events, while it may be learnt

    def __init__(self, no: int, raw: str, text: str, body: int, key: str, state: tuple[object, ...], opening: Opening,
                 closer_no: int | None, events_after_first: int, events: list[Event] | None) -> None:
        self.no, self.raw, self.text, self.body = no, raw, text, body
        self.key, self.state, self.opening, self.closer_no = key, state, opening, closer_no
        self.events_after_first, self.events = events_after_first, events


class _End(Value):
    """Where a session stands before the line that opens the next one."""

    __slots__ = _fields = ("families", "sessions", "captured_count", "captured", "events")
    families: tuple[object, ...]
    sessions: tuple[str | None, int, bool]
    captured_count: int
    captured: dict[object, Event]  # capture-wide events its later lines left
    events: int  # the report's count of events there

    def __init__(self, families: tuple[object, ...], sessions: tuple[str | None, int, bool], captured_count: int,
                 captured: dict[object, Event], events: int) -> None:
        self.families, self.sessions, self.captured_count, self.captured = families, sessions, captured_count, captured
        self.events = events


class _Known:
    """A session learnt to its end: what one alike must match, and what counting it does."""

    __slots__ = ("key", "no", "shape", "opening", "state", "end", "result", "events", "unreplayed_steps", "replay", "moves",
                 "raws")
    key: str  # its first line, normalised
    no: int
    shape: _Shape
    opening: Opening
    state: tuple[object, ...]
    end: _End
    result: SessionResult
    events: int  # events of its later lines, repeats counted and not made again included
    unreplayed_steps: int  # of them, steps of a boot not in ``replay``
    replay: list[Event]  # events whose facts, completion or place the report keeps
    # Events a repeat moves to its own lines: (event, its line's distance from the first line,
    # where its text starts in that line, characters after it; -1: its text is not part of the
    # line, which must then repeat word for word). The report quotes the evidence of a rule's
    # first session only, and lists failures only of sessions no rule explains: a repeat's matches
    # keep this session's evidence, and its failures are moved only when it has no match.
    moves: list[tuple[Event, int, int, int]]
    raws: dict[int, str]  # those lines, by distance from the first line

    def __init__(self, key: str, no: int, shape: _Shape, opening: Opening, state: tuple[object, ...], end: _End,
                 result: SessionResult, events: int, unreplayed_steps: int, replay: list[Event],
                 moves: list[tuple[Event, int, int, int]], raws: dict[int, str]) -> None:
        self.key, self.no, self.shape, self.opening = key, no, shape, opening
        self.state, self.end, self.result, self.events = state, end, result, events
        self.unreplayed_steps, self.replay, self.moves, self.raws = unreplayed_steps, replay, moves, raws


class SessionRepeats:
    """Learns the sessions of one capture as they are read, and counts those that repeat one."""

    def __init__(
        self, parser: LineParser, sessions: SessionTracker, engine: Engine, builder: ReportBuilder,
        feed: Callable[[Event], Any],
    ) -> None:
        """``feed``: how an event is fed where it would be read (tracker, engine and report)."""
        self.parser = parser
        self.sessions = sessions
        self.engine = engine
        self.builder = builder
        self.feed = feed
        self.normalise = normaliser(parser.volatile)
        self.text = ""  # the block being read
        self._shapes: dict[str, list[_Shape]] = {}  # the last sessions read to their end, by first line
        self._known: dict[str, list[_Known]] = {}
        self._open: _Open | None = None
        self._end: _End | None = None
        # The known session whose end the families stand at, before the line read next / being read.
        self._at_end: _Known | None = None
        self._entered: _Known | None = None
        # Where the block ends inside a session that may repeat the last one counted (its first
        # line's position and number): a reader that reads to the end may hold it for the next block.
        self.incomplete: tuple[int, int] | None = None
        self.counted = 0  # sessions counted as repeats

    def before(self, no: int) -> None:
        """Before line ``no`` is read: when it is where the open session would end, note where
        the session stands."""
        self._entered, self._at_end = self._at_end, None
        op = self._open
        if op is not None and op.closer_no == no:
            engine = self.engine
            self._end = _End(
                self.parser.state(no), self.sessions.state(), engine.captured_count(), engine.captured_after(op.no),
                self.builder.events,
            )

    def after(
        self, no: int, start: int, end: int, found: list[Event], opened: list[int], closed: SessionResult | None,
    ) -> tuple[int, int] | None:
        """After the line at ``start:end`` of the block was read into ``found``; ``opened``: indices
        of the events that opened a session, ``closed``: the result of the session the first of
        them closed. When the session it opened repeats a known one and was counted: where to
        read on (the position and number of the line that opens the next session)."""
        if not opened:
            op = self._open
            if op is not None and op.events is not None:
                op.events.extend(found)
                if len(op.events) > MAX_EVENTS:
                    op.events = op.closer_no = None
            return None
        op, ended = self._open, self._end
        self._open = self._end = None
        raw = self.text[start:end]
        clean = opened == [0]  # the line's first event opened it, and no other
        if op is not None and clean and op.text is self.text:
            body = self.text[op.body : start]
            shape = _Shape(no - op.no, self.normalise(body), self.normalise(raw))
            _latest(self._shapes, op.key, shape)
            if ended is not None and op.closer_no == no and op.events is not None and closed is not None:
                self._entered = self._learn(op, shape, body, ended, closed)
        if not clean:
            return None
        return self._opened(raw, no, found, end + 1)

    def _opened(self, raw: str, no: int, found: list[Event], body: int) -> tuple[int, int] | None:
        """A session opened by the line ``raw`` alone, whose later lines start at ``body``."""
        key = self.normalise(raw)
        state = (self.parser.state(no), self.sessions.state())
        opening = [(type(e), e.fields()) for e in found]
        captured_count = self.engine.captured_count()
        for known in self._known.get(key, ()):
            if known.state == state and known.opening == opening and known.end.captured_count == captured_count:
                ahead = self._ahead(known.shape, body)
                moved = self._moved(known, raw, no, ahead) if ahead is not None else None
                if moved is not None:
                    self._count(known, no, moved)
                    self.parser.restore(known.end.families, no + known.shape.lines)
                    closer = body + len(ahead)  # type: ignore[arg-type]
                    if known.shape.closer == key:  # a loop: the next session may repeat it too
                        if self._entered is known:
                            return self._run(known, raw, no, found, closer)
                        if self.text.count("\n", closer) < known.shape.lines:
                            self.incomplete = closer, no + known.shape.lines
                    self._at_end = known
                    return closer, no + known.shape.lines
        follows = next((shape for shape in self._shapes.get(key, ()) if self._ahead(shape, body) is not None), None)
        self._open = _Open(
            no, raw, self.text, body, key, state, opening, no + follows.lines if follows else None,
            self.builder.events, [] if follows else None,
        )
        return None

    def _run(self, known: _Known, raw: str, no: int, opening: list[Event], pos: int) -> tuple[int, int]:
        """Count the sessions that follow the one opened at line ``no`` by ``raw`` (its events:
        ``opening``, read where the families stood at ``known``'s end), as long as each repeats
        ``known``: their first lines give ``opening`` again, moved. Where to read on."""
        lines = known.shape.lines
        text = self.text
        at = [(e, raw.find(e.text)) for e in opening]
        while True:
            no += lines
            end = text.find("\n", pos)
            if end < 0:
                break
            ahead = self._ahead(known.shape, end + 1)
            if ahead is None:
                break
            line = text[pos:end]
            texts = [_moved_text(e.text, start, raw, line) for e, start in at]
            moved = self._moved(known, line, no, ahead) if None not in texts else None
            if moved is None:
                break
            for (event, _start), text_there in zip(at, texts):
                self.feed(event.moved(no, text_there))  # type: ignore[arg-type]
            # The families would stand as after ``known``'s first line, then at its end: no line is
            # read before the run ends, so they are put there once, then.
            self._count(known, no, moved)
            pos = end + 1 + len(ahead)
        self.parser.restore(known.end.families, no)
        self._at_end = known
        if text.count("\n", pos) < lines:
            self.incomplete = pos, no  # the block ends inside the next session: it may repeat too
        return pos, no

    def _ahead(self, shape: _Shape, body: int) -> str | None:
        """The lines of the block from ``body`` on, up to the next session's first line, when they
        and that line are alike ``shape``'s."""
        text = self.text
        closer = shape.closer
        if _VOLATILE_MARK not in closer:  # the next session's first line, word for word: find it
            at = text.find(closer, body)
            after = at + len(closer)
            if at < 0 or text[at - 1] != "\n" or text[after : after + 1] not in ("\n", ""):
                return None
            if text.count("\n", body, at) != shape.lines - 1:
                return None
            found = text[body:at]
            return found if self.normalise(found) == shape.text else None
        lines = _whole_lines(shape.lines - 1).match(text, body)
        if lines is None:
            return None
        found = lines.group()
        if self.normalise(found) != shape.text:
            return None
        end = text.find("\n", lines.end())
        return found if self.normalise(text[lines.end() : end if end >= 0 else len(text)]) == closer else None

    def _learn(self, op: _Open, shape: _Shape, body: str, end: _End, result: SessionResult) -> _Known | None:
        """``op`` repeated the session read before it, up to the line that opened the next one."""
        first, last = op.no, result.last_line
        if result.first_line != first:
            return None

        def inside(line: int) -> bool:
            return line == 0 or first <= line <= last

        moved: dict[int, Event] = {id(e): e for e in end.captured.values()}
        if not result.matches:
            moved.update((id(e), e) for e in result.failures)
        for m in result.matches:
            if not all(inside(line) for line in (m.first_line, m.last_line, m.deciding_line)):
                return None  # it rests on lines before the session: it would not move with it
        events = op.events or []
        steps = [e for e in events if type(e).occupies_session]
        last_step = steps[-1] if steps else None
        replay = [e for e in events if e is last_step or e.completes() or e.facts()]
        moved.update((id(e), e) for e in replay)
        lines = [op.raw, *body.split("\n")]
        moves = []
        for e in moved.values():
            offset = e.line - first
            if not 0 <= offset < shape.lines:
                return None
            at = lines[offset].find(e.text)
            moves.append((e, offset, at, len(lines[offset]) - at - len(e.text) if at >= 0 else 0))
        known = _Known(
            key=op.key, no=first, shape=shape, opening=op.opening, state=op.state, end=end, result=result,
            events=end.events - op.events_after_first,
            unreplayed_steps=len(steps) - sum(1 for e in replay if type(e).occupies_session), replay=replay,
            moves=moves, raws={offset: lines[offset] for _e, offset, _at, _after in moves},
        )
        _latest(self._known, op.key, known)
        return known

    @staticmethod
    def _moved(known: _Known, raw: str, no: int, body: str) -> dict[int, Event] | None:
        """``known``'s events that a repeat opened at line ``no`` by ``raw``, whose later lines are
        ``body``, keeps, moved to its lines (by ``id`` of the event moved); ``None`` when an
        event's text cannot be moved to its line."""
        delta = no - known.no
        lines = body.split("\n") if known.raws else []
        moved: dict[int, Event] = {}
        for event, offset, at, after in known.moves:
            text = _moved_text(event.text, at, known.raws[offset], lines[offset - 1] if offset else raw, after)
            if text is None:
                return None
            moved[id(event)] = event.moved(event.line + delta, text)
        return moved

    def _count(self, known: _Known, no: int, moved: dict[int, Event]) -> None:
        """Count the session opened at line ``no`` as a repeat of ``known`` (its events ``moved``);
        the caller puts the families at its end before a line is read."""
        delta = no - known.no
        self.sessions.restore(known.end.sessions)
        self.engine.repeat_session({key: moved[id(e)] for key, e in known.end.captured.items()})
        session = self.engine.session
        builder = self.builder
        for event in known.replay:
            builder.add_facts(moved[id(event)], session)
        builder.events += known.events
        builder.log_events += known.unreplayed_steps
        builder.add_session(_moved_result(known.result, delta, session, moved))
        self.counted += 1


def _moved_text(text: str, at: int, was: str, line: str, after: int | None = None) -> str | None:
    """The text an event read as ``text`` at ``at`` in the line ``was`` has in the line ``line``,
    alike it: the same slice, when what is around it is the same (``after``: characters after it;
    ``at`` -1: ``text`` is not part of ``was``, which must then be ``line`` word for word)."""
    if at < 0:
        return text if line == was else None
    if after is None:
        after = len(was) - at - len(text)
    end = len(line) - after
    if line[:at] != was[:at] or line[end:] != was[len(was) - after :]:
        return None
    return line[at:end]


def _latest(table: dict[str, list[Any]], key: str, value: object) -> None:
    """Keep ``value`` first among the few kept for ``key`` (an equal one gives it its place)."""
    kept = table.get(key)
    if kept is None:
        if len(table) >= MAX_FIRST_LINES:
            table.clear()  # a capture of ever new sessions: start over
        kept = table[key] = []
    if value in kept:
        kept.remove(value)
    kept.insert(0, value)
    del kept[MAX_KNOWN:]


def _moved_result(result: SessionResult, delta: int, session: int, moved: dict[int, Event]) -> SessionResult:
    """``result`` as the session ``delta`` lines further on, numbered ``session``, gives it (its
    matches' places; their evidence, and the failures beside them, stay: see :class:`_Known`)."""

    def shift(line: int) -> int:
        return line + delta if line else 0

    matches = [
        Match(
            m.rule, session, m.captures, m.evidence, shift(m.first_line), shift(m.last_line), m.weight,
            shift(m.deciding_line), m.confidence,
        )
        for m in result.matches
    ]
    failures = result.failures if matches else [moved[id(f)] for f in result.failures]
    return SessionResult(session, matches, failures, result.first_line + delta, result.last_line + delta, list(result.near))

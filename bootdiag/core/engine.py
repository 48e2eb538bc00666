"""Evaluate rules over a stream of events, one boot session at a time, in bounded memory.

Per session and rule only the first event matching each condition is kept (that is the
evidence); context conditions (``scope = "capture"``) remember the latest match across the whole
capture. A session is judged when the next one opens or the stream ends; ``pending()`` gives the
current session's provisional matches for live display.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from operator import attrgetter

from bootdiag.core.events import REGISTRY as EVENT_CLASSES
from bootdiag.core.events import Event
from bootdiag.core.rules import Condition, Rule, When, compile_condition, compile_where, is_text_search
from bootdiag.core.rules.digit_blind import blind_to_digits, digits_alike
from bootdiag.core.value import Value

MAX_FAILURES_PER_SESSION = 10
_Entry = tuple[int, str, int, Condition, Callable[[Event], bool]]
_Listed = tuple[int, str, int, Condition]  # an entry before its test is compiled
_Test = Callable[[Event], bool]
# an entry, its test of the key's fields, of the others, and the patterns that one searches with
_Staged = tuple[_Entry, _Test, _Test | None, tuple[str, ...]]
_Getter = Callable[[Event], object]
_Plan = tuple[list[_Entry], _Getter | None, _Getter | None, list[_Staged], frozenset[str]]
# the entries left, with their other tests; the getter of the free text they read, when blind to
# digits; and the names of those fields
_Stage = tuple[list[tuple[_Entry, _Test | None]], _Getter | None, frozenset[str]]
_Block = tuple[list[_Entry], frozenset[str], frozenset[str]]  # entries, fields read, fields read as values
_MEMO_SIZE = 4096  # distinct (class, field values) remembered; then it starts over


def _always(event: Event) -> bool:
    return True


def _tuple_getter(fields: list[str]) -> _Getter:
    """The values of ``fields`` as a tuple, however many they are."""
    if not fields:
        return lambda event: ()
    get = attrgetter(*fields)
    return get if len(fields) > 1 else lambda event: (get(event),)


def _shape(texts: tuple[object, ...]) -> tuple[object, ...] | None:
    """Free text with its digits made alike (:func:`digits_alike`); ``None`` when a value is not
    text (a list): then only the exact values tell."""
    shaped: list[object] = []
    for value in texts:
        if isinstance(value, str):
            shaped.append(digits_alike(value))
        elif value is None:
            shaped.append(None)
        else:
            return None
    return tuple(shaped)


def _staged(entry: _Entry, keyed: frozenset[str]) -> _Staged:
    """``entry``'s test in two stages: the ``keyed`` fields', then the others'."""
    where = entry[3].where
    rest = {f: pred for f, pred in where.items() if f not in keyed}
    patterns = tuple(pattern for pred in rest.values() for pattern in pred.values())
    if not rest:  # the condition's own test is the first stage
        return (entry, entry[4], None, patterns)
    if len(rest) == len(where):  # and here the second
        return (entry, _always, entry[4], patterns)
    first = compile_where({f: pred for f, pred in where.items() if f in keyed})
    return (entry, first, compile_where(rest), patterns)


def _row_order(row: tuple[_Entry, _Staged]) -> tuple[int, str, int]:
    entry = row[0]
    return entry[0], entry[1], entry[2]  # variant, role, condition index


class Match(Value):
    """A rule satisfied in one session: its captures by name and its evidence events."""

    rule: Rule
    session: int
    captures: dict[str, Event]
    evidence: list[Event]
    # First and last line of the events that made the rule fire in this session (not context
    # from earlier sessions or from files beside the log): where the finding "is" in the capture.
    first_line: int = 0
    last_line: int = 0
    # Boot attempts it stands for: a ROM that retries a failed check in the same session (see
    # Engine.feed) fails once per attempt, and each failed attempt counts as an occurrence.
    weight: int = 1
    # The one line that decides it: the first failure among the events that made the rule fire,
    # else the first of them (0: only files beside the log decided).
    deciding_line: int = 0
    # The confidence of the alternative that held, when it names one (else the rule's).
    confidence: str | None = None
    _fields = ("rule", "session", "captures", "evidence", "first_line", "last_line", "weight", "deciding_line", "confidence")

    def __init__(self, rule: Rule, session: int, captures: dict[str, Event], evidence: list[Event], first_line: int = 0,
                 last_line: int = 0, weight: int = 1, deciding_line: int = 0, confidence: str | None = None) -> None:
        self.rule, self.session, self.captures, self.evidence = rule, session, captures, evidence
        self.first_line, self.last_line, self.weight, self.deciding_line = first_line, last_line, weight, deciding_line
        self.confidence = confidence


class _RuleState(Value):
    __slots__ = _fields = ("rule", "when", "required", "any_hit", "any_name", "progress")
    # progress: next condition index expected, with when.ordered

    def __init__(self, rule: Rule, when: When, required: list[Event | None], any_hit: Event | None = None,
                 any_name: str | None = None, progress: int = 0) -> None:
        self.rule, self.when, self.required = rule, when, required
        self.any_hit, self.any_name, self.progress = any_hit, any_name, progress


class NearMiss(Value):
    """A rule a failure of the session satisfied in part: ``met`` of its ``of`` conditions (its
    ``when.all`` each, its ``when.any`` list as one) held in the alternative that came nearest."""

    __slots__ = _fields = ("rule", "met", "of")
    rule: Rule
    met: int
    of: int

    def __init__(self, rule: Rule, met: int, of: int) -> None:
        self.rule, self.met, self.of = rule, met, of

    @property
    def share(self) -> float:
        return self.met / self.of


def _can_fail(kind: str) -> bool:
    """Whether an event of ``kind`` (a class or a base kind) may be a failure: a kind no failure can
    be states the situation a rule needs (a chip, a secured board), never the failure itself."""
    return any(
        kind in cls.kinds and (cls.failure or cls.is_failure is not Event.is_failure) for cls in EVENT_CLASSES.values()
    )


class SessionResult(Value):
    index: int
    matches: list[Match]
    failures: list[Event]
    first_line: int
    last_line: int
    # Rules a failure of this session satisfied in part without the rule holding (nearest first):
    # the known causes nearest to a failure no rule explains.
    near: list[NearMiss]
    _fields = ("index", "matches", "failures", "first_line", "last_line", "near")

    def __init__(self, index: int, matches: list[Match], failures: list[Event], first_line: int, last_line: int,
                 near: list[NearMiss] | None = None) -> None:
        self.index, self.matches, self.failures = index, matches, failures
        self.first_line, self.last_line = first_line, last_line
        self.near = [] if near is None else near


class _Compiled:
    """What an engine derives from its rules alone (their alternatives, each condition's test, the
    judging order): the same for every engine of the same rules, so built once per rule list."""

    def __init__(self, rules: list[Rule]) -> None:
        # Each alternative of each rule is matched on its own; "r" below indexes these variants.
        self.variants = [(rule, when) for rule in rules for when in rule.all_whens()]
        # kind -> (variant index, role, condition index, condition): only relevant rules see an
        # event; the per-class lists are built on the first event of each class, and a condition's
        # test is compiled then (a capture shows few of the kinds the rules name: compiling every
        # test, and every pattern in them, would be most of the engine's start-up).
        self.dispatch: dict[str, list[_Listed]] = defaultdict(list)
        for r, (rule, when) in enumerate(self.variants):
            for role in ("all", "any", "none", "optional"):
                for c, cond in enumerate(getattr(when, role)):
                    self.dispatch[cond.event].append((r, role, c, cond))
        # (variant, role, condition index) -> its test, compiled on first use
        self.tests: dict[tuple[int, str, int], _Test] = {}
        # class -> (its entries, getters of the values of the fields their tests read and of those
        # not read as free text, the entries' tests in two stages), built on first use.
        self.by_class: dict[type[Event], _Plan] = {}
        # (variant, role, condition index, the fields of its test that the class's key reads) ->
        # its two stages: classes share conditions (every line the catalogue knows is a "Message",
        # every ESP-IDF log line an "EspLog"), each class's plan needs them split the same way.
        self.stages: dict[tuple[int, str, int, frozenset[str]], _Staged] = {}
        # (variant, role, condition index) -> the fields its test reads as values, not free text
        self.keyed_fields: dict[tuple[int, str, int], frozenset[str]] = {}
        # kind -> its conditions' entries and fields (see Engine._block); (kind, a class's keyed
        # fields) -> those entries with their stages
        self.blocks: dict[str, _Block] = {}
        self.kind_stages: dict[tuple[str, frozenset[str]], list[tuple[_Entry, _Staged]]] = {}
        # Per variant: the indices of its session-scope "all" conditions.
        self.session_all = [
            [c for c, cond in enumerate(when.all) if cond.scope == "session"] for _rule, when in self.variants
        ]
        # Per variant: an "any" list with no capture-wide condition needs an event of the session.
        self.any_needs_session = [
            bool(when.any) and all(cond.scope == "session" for cond in when.any) for _rule, when in self.variants
        ]
        # Variants that can hold with no event of the session (files beside the log alone): judged
        # every session; the others only in sessions where one of their conditions saw an event.
        self.context_only = frozenset(
            r for r in range(len(self.variants)) if not self.session_all[r] and not self.any_needs_session[r]
        )
        # Judging order: rules that supersede others first, then as given (alternatives in order).
        by_rule = sorted(range(len(self.variants)), key=lambda r: (-len(self.variants[r][0].supersedes), r))
        self.judge_order = {r: rank for rank, r in enumerate(by_rule)}
        # The catalogue message ids the rules' conditions name: the screen must hand their lines over.
        self.messages = tuple(sorted(set(messages_read_by(rules))))


def messages_read_by(rules: Iterable[Rule]) -> list[str]:
    """The catalogue message ids the rules' conditions name."""
    found: list[str] = []
    for rule in rules:
        for when in rule.all_whens():
            for cond in (*when.all, *when.any, *when.none, *when.optional):
                value = cond.where.get("message_id", cond.where.get("message"))
                if isinstance(value, str):
                    found.append(value)
                elif isinstance(value, dict) and isinstance(value.get("in"), list):
                    found.extend(v for v in value["in"] if isinstance(v, str))
    return found


# rule list (by the identity of its rules) -> (the rules, kept alive so that no id is reused, what they compile to)
_COMPILED: dict[tuple[int, ...], tuple[tuple[Rule, ...], _Compiled]] = {}
_COMPILED_KEPT = 8  # rule lists remembered (the built-in rules, and a few --rules sets)


def _compiled(rules: list[Rule]) -> _Compiled:
    key = tuple(map(id, rules))
    known = _COMPILED.get(key)
    if known is not None and all(a is b for a, b in zip(known[0], rules)):
        return known[1]
    compiled = _Compiled(rules)
    if len(_COMPILED) >= _COMPILED_KEPT:
        _COMPILED.clear()
    _COMPILED[key] = (tuple(rules), compiled)
    return compiled


class Engine:
    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        compiled = _compiled(rules)
        self._variants = compiled.variants
        self._dispatch = compiled.dispatch
        self._tests = compiled.tests
        self._by_class = compiled.by_class
        self._stages = compiled.stages
        self._keyed_fields = compiled.keyed_fields
        self._blocks = compiled.blocks
        self._kind_stages = compiled.kind_stages
        self._session_all = compiled.session_all
        self._any_needs_session = compiled.any_needs_session
        self._context_only = compiled.context_only
        self.messages_read = compiled.messages
        self._judge_order = compiled.judge_order
        self._memo: dict[object, list[_Entry]] = {}  # (class, field values) -> conditions met
        # (class, values of the fields not read as free text) -> conditions left, with their other
        # tests, and whether those are all blind to digits (see digit_blind)
        self._staged: dict[object, _Stage] = {}
        # (that key, the free text with its digits made alike) -> conditions met, for such stages
        self._by_shape: dict[object, list[_Entry]] = {}
        self._last: tuple[Event | None, list[_Entry]] = (None, [])  # the last event asked about, its answer
        self._capture_seen: dict[tuple[int, str, int], Event] = {}
        self._evidence_of: dict[int, frozenset[int]] = {}  # variant -> its evidence (see _evidence)
        self._session = 0
        self.resets = 0
        self._reset_session()

    def _reset_session(self) -> None:
        self.resets += 1  # what needs() said no to, it may say yes to again
        self._states: dict[int, _RuleState] = {}  # created on a variant's first event of the session
        self._vetoed: set[int] = set()  # variants a "none" condition ruled out in this session
        self._optional: dict[tuple[int, int], Event] = {}  # (variant, condition) -> first event
        self._failures: list[Event] = []
        self._failed_attempts = 0  # attempts of this boot that ended in a failure, before the current one
        self._attempt_failed = False  # the current attempt has failed
        self._last_failure_line = 0
        self._first_line = 0
        self._last_line = 0

    # ---------------------------------------------------------------- feeding
    @property
    def session(self) -> int:
        """Index of the session events now go to (0 before the first boundary)."""
        return self._session

    def feed(self, event: Event, new_session: bool) -> SessionResult | None:
        """Add one event; returns the result of the session it closed, if it opened a new one."""
        closed = None
        if new_session:
            closed = self.close_session()
            self._session += 1
        if not self._first_line:
            self._first_line = event.line
        self._last_line = event.line
        if type(event).boundary is not None and event.session_boundary() is None:
            # It would open a session but is this one's retry (the ESP ROM after a failed check):
            # a new attempt of the same boot.
            if self._attempt_failed:
                self._failed_attempts += 1
                self._attempt_failed = False
        if event.is_failure():
            self._attempt_failed = True
            self._last_failure_line = event.line
            if len(self._failures) < MAX_FAILURES_PER_SESSION:
                self._failures.append(event)
        for r, role, c, cond, _test in self._matching(event):
            self._record(r, role, c, cond, event)
        return closed

    def captured_count(self) -> int:
        """How many capture-wide conditions have been met so far (they are never unmet again)."""
        return len(self._capture_seen)

    def captured_after(self, line: int) -> dict[object, Event]:
        """The capture-wide conditions whose latest event comes after ``line``, with that event."""
        return {key: event for key, event in self._capture_seen.items() if event.line > line}

    def repeat_session(self, captured: dict[object, Event]) -> None:
        """The open session repeats one already judged, whose result the caller counts instead:
        forget what it has seen, and keep the capture-wide events its lines would have left
        (``captured``, from :meth:`captured_after` on the earlier session, moved to this one)."""
        self._capture_seen.update(captured)  # type: ignore[arg-type]
        self._reset_session()

    def reads(self, event: Event) -> bool:
        """Whether any rule ever reads ``event``: a condition it satisfies, or a failure to keep."""
        return event.is_failure() or bool(self._matching(event))

    def needs(self, event: Event) -> bool:
        """Whether feeding ``event`` now would change anything: a failure still to keep, or a
        condition it satisfies whose place in this session is still empty (the first event of
        each condition is the evidence; a capture-wide condition keeps the latest, so always)."""
        if event.is_failure() and (len(self._failures) < MAX_FAILURES_PER_SESSION or not self._attempt_failed):
            return True
        states = self._states
        for r, role, c, cond, _test in self._matching(event):
            if cond.scope == "capture":
                return True
            if role == "none":
                if r not in self._vetoed:
                    return True
                continue
            if role == "optional":
                if (r, c) not in self._optional:
                    return True
                continue
            state = states.get(r)
            if state is None or (role == "all" and state.required[c] is None) or (role == "any" and state.any_hit is None):
                return True
        return False

    def _matching(self, event: Event) -> list[_Entry]:
        """The conditions ``event`` satisfies. Boot loops repeat the same events with new line
        numbers, so the answer is remembered per class and values of the fields the tests read.
        A new message is tested in two stages: the tests of fields read only as free text (a
        pattern searched in a message) run on the conditions the other fields leave, which are
        remembered by those fields' values alone (an application's lines share them); when no test
        left tells digits apart, their answer is remembered by the text's shape, digits alike (an
        application's next message of a shape it printed before costs a look-up)."""
        cls = type(event)
        plan = self._by_class.get(cls)
        if plan is None:
            plan = self._by_class[cls] = self._plan(cls)
        entries, values, keyed_values, staged, texts = plan  # texts: the fields read as free text only
        if not entries:
            return entries
        if event is self._last[0]:  # asked again (whether it is read, then whether it is needed)
            return self._last[1]
        try:
            stage_key = (cls, keyed_values(event)) if keyed_values is not None else cls
            stage = self._staged.get(stage_key)
        except (TypeError, AttributeError):  # a list-valued field (not hashable): test every time
            return [e for e in entries if e[4](event)]
        if stage is None:
            if len(self._staged) >= _MEMO_SIZE:
                self._staged.clear()
            chosen = [(e, rest, patterns) for e, first, rest, patterns in staged if first(event)]
            # the free text those left read: what tells two events of this key apart
            read = sorted({f for e, rest, _p in chosen if rest is not None for f in e[3].where} & texts)
            # (patterns analysed here, for the stages a capture meets: not every rule's at start)
            blind = all(blind_to_digits(pattern) for *_x, patterns in chosen for pattern in patterns)
            stage = self._staged[stage_key] = (
                [(e, rest) for e, rest, _p in chosen], _tuple_getter(read) if blind else None, frozenset(read)
            )
        left, texts_read, _read = stage
        if texts_read is not None and (shape := _shape(texts_read(event))) is not None:
            # Every test left reads the free text alike whatever its digits: the answer for another
            # message of the same shape (an application's, with other numbers) is this one's.
            key: object = (stage_key, shape)
            memo = self._by_shape
        else:
            try:
                key = (cls, values(event)) if values is not None else cls
                hash(key)
            except TypeError:
                return [e for e in entries if e[4](event)]
            memo = self._memo
        hit = memo.get(key)
        if hit is None:
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            hit = memo[key] = [e for e, rest in left if rest is None or rest(event)]
        self._last = (event, hit)
        return hit

    def judged_by_shape(self, event: Event, shaped: frozenset[str], free: frozenset[str]) -> bool:
        """Whether every event that differs from ``event`` only in the fields ``shaped`` (in their
        digits, see digit_blind) and ``free`` (in anything) satisfies the same conditions: no
        condition of its class tests those fields' values, and the conditions left by the others
        read ``shaped`` only with patterns blind to digits, and ``free`` not at all."""
        self._matching(event)  # makes its class's plan and its stage
        plan = self._by_class[type(event)]
        entries, _values, keyed_values, _staged, texts = plan
        if not entries:
            return True
        keyed = {f for e in entries for f in e[3].where} - texts
        if keyed & (shaped | free):
            return False
        stage = self._staged.get((type(event), keyed_values(event)) if keyed_values is not None else type(event))
        if stage is None:
            return False
        _left, texts_read, read = stage
        return texts_read is not None and read <= shaped

    def _plan(self, cls: type[Event]) -> _Plan:
        # Made of the kinds' blocks, which classes share (every line the catalogue knows is a
        # "Message"): each block's entries, and their stages for a set of keyed fields, are made once.
        kinds = [kind for kind in cls.kinds if kind in self._dispatch]
        blocks = [self._block(kind) for kind in kinds]
        fields = frozenset().union(*[block[1] for block in blocks])
        keyed_set = frozenset().union(*[block[2] for block in blocks])
        rows = [row for kind in kinds for row in self._block_stages(kind, keyed_set)]
        if len(kinds) > 1:
            # In the rules' own order (not the kinds' set order, which changes from run to run): an
            # event that satisfies two conditions of one list is recorded for the first.
            rows.sort(key=_row_order)
        keyed = sorted(keyed_set)
        read = sorted(fields)
        return ([row[0] for row in rows], attrgetter(*read) if read else None, attrgetter(*keyed) if keyed else None,
                [row[1] for row in rows], fields - keyed_set)

    def _block(self, kind: str) -> _Block:
        """The conditions on events of ``kind`` (in the rules' order) with their tests, the fields
        those read, and the fields they read as values."""
        block = self._blocks.get(kind)
        if block is None:
            entries = [(*e, self._test_of(e)) for e in self._dispatch[kind]]
            block = self._blocks[kind] = (
                entries, frozenset(f for e in entries for f in e[3].where),
                frozenset(f for e in entries for f in self._keyed_fields_of(e)),
            )
        return block

    def _block_stages(self, kind: str, keyed: frozenset[str]) -> list[tuple[_Entry, _Staged]]:
        """The entries of ``kind``'s block, each with its test in two stages for a class whose key
        reads the fields ``keyed``."""
        found = self._kind_stages.get((kind, keyed))
        if found is None:
            found = self._kind_stages[(kind, keyed)] = []
            for entry in self._block(kind)[0]:
                key = (*entry[:3], keyed.intersection(entry[3].where))
                stage = self._stages.get(key)
                if stage is None:
                    stage = self._stages[key] = _staged(entry, keyed)
                found.append((entry, stage))
        return found

    def _test_of(self, listed: _Listed) -> _Test:
        test = self._tests.get(listed[:3])
        if test is None:
            test = self._tests[listed[:3]] = compile_condition(listed[3])
        return test

    def _keyed_fields_of(self, entry: _Entry) -> frozenset[str]:
        found = self._keyed_fields.get(entry[:3])
        if found is None:
            where = entry[3].where
            found = self._keyed_fields[entry[:3]] = frozenset(f for f, pred in where.items() if not is_text_search(pred))
        return found

    def _record(self, r: int, role: str, c: int, cond: Condition, event: Event) -> None:
        if cond.scope == "capture":
            self._capture_seen[(r, role, c)] = event
            return
        if role == "none":
            self._vetoed.add(r)
            return
        if role == "optional":  # kept aside: alone it cannot make a rule hold
            self._optional.setdefault((r, c), event)
            return
        state = self._states.get(r) or self._new_state(r)
        if role == "all":
            if state.required[c] is not None:
                return
            if state.when.ordered and c != state.progress:
                return
            state.required[c] = event
            if state.when.ordered:
                state.progress += 1
                while state.progress < len(state.required) and state.when.all[state.progress].scope == "capture":
                    state.progress += 1
        elif role == "any":
            if state.any_hit is None:
                state.any_hit, state.any_name = event, cond.name

    def _new_state(self, r: int) -> _RuleState:
        rule, when = self._variants[r]
        state = self._states[r] = _RuleState(rule, when, [None] * len(when.all))
        return state

    # ---------------------------------------------------------------- judging
    def _capture_event(self, r: int, role: str, c: int) -> Event | None:
        return self._capture_seen.get((r, role, c))

    def _evaluate(self, r: int, state: _RuleState) -> Match | None:
        rule, when = state.rule, state.when
        # Most touched rules lack an event of their own in the session: say so before any work.
        if None in state.required and any(state.required[c] is None for c in self._session_all[r]):
            return None
        if state.any_hit is None and self._any_needs_session[r]:
            return None
        if any(
            self._capture_event(r, "none", c) is not None for c, cond in enumerate(when.none) if cond.scope == "capture"
        ):
            return None
        captures: dict[str, Event] = {}
        evidence: list[Event] = []
        triggers: list[Event] = []
        for c, cond in enumerate(when.all):
            hit = self._capture_event(r, "all", c) if cond.scope == "capture" else state.required[c]
            if hit is None:
                return None
            evidence.append(hit)
            if cond.scope == "session":
                triggers.append(hit)
            if cond.name:
                captures[cond.name] = hit
        if when.any:
            hit, name = state.any_hit, state.any_name
            if hit is None:
                for c, cond in enumerate(when.any):
                    if cond.scope == "capture" and (found := self._capture_event(r, "any", c)) is not None:
                        hit, name = found, cond.name
                        break
            if hit is None:
                return None
            evidence.append(hit)
            if hit is state.any_hit:
                triggers.append(hit)
            if name:
                captures[name] = hit
        for c, cond in enumerate(when.optional):
            hit = self._capture_event(r, "optional", c) if cond.scope == "capture" else self._optional.get((r, c))
            if hit is not None:
                evidence.append(hit)
                if cond.name:
                    captures[cond.name] = hit
        # One entry per event; events from files beside the log all have line 0, so key on text too.
        unique = {(e.line, e.text): e for e in evidence}
        ordered = [unique[k] for k in sorted(unique)]
        lines = [e.line for e in triggers] or [e.line for e in ordered if e.line] or [0]
        deciding = next((e for e in triggers if e.is_failure()), triggers[0] if triggers else None)
        deciding_line = deciding.line if deciding is not None else next((e.line for e in ordered if e.line), 0)
        return Match(
            rule, self._session, captures, ordered, min(lines), max(lines), deciding_line=deciding_line,
            confidence=when.confidence,
        )

    def pending(self) -> list[Match]:
        """Matches of the session still open (live view: may change as more lines arrive); benign
        rules are among them (:meth:`close_session` sets them apart)."""
        matches: dict[str, tuple[int, Match]] = {}
        superseded: set[str] = set()
        # Rules that supersede others are judged first, so the ones they hide need no judging.
        for r in sorted((self._states.keys() | self._context_only) - self._vetoed, key=self._judge_order.__getitem__):
            rule = self._variants[r][0]
            rule_id = rule.id
            # A hidden rule that hides nothing itself cannot change the outcome: skip it.
            if rule_id in matches or (rule_id in superseded and not rule.supersedes):
                continue
            state = self._states.get(r) or self._new_state(r)
            if (m := self._evaluate(r, state)) is not None:
                matches[rule_id] = (r, m)  # the first alternative that holds speaks for the rule
                superseded.update(rule.supersedes)
        found = [m for _r, m in sorted(matches.values(), key=lambda item: item[0]) if m.rule.id not in superseded]
        attempts = self._failed_attempts + self._attempt_failed
        if attempts > 1:
            for m in found:
                m.weight = attempts
                m.last_line = max(m.last_line, self._last_failure_line)
        return found

    def close_session(self) -> SessionResult | None:
        if not self._first_line:
            return None
        matches = self.pending()
        failures = self._failures
        if any(m.rule.benign for m in matches):
            failures = [f for f in failures if not self._benign(f, matches)]
            matches = [m for m in matches if not m.rule.benign]
        if any(type(f).echo for f in failures) and not all(type(f).echo for f in failures):
            failures = [f for f in failures if not type(f).echo]
        near = self._near(matches) if failures and not matches else []
        result = SessionResult(self._session, matches, failures, self._first_line, self._last_line, near)
        self._reset_session()
        return result

    def _near(self, matches: list[Match]) -> list[NearMiss]:
        """Rules whose conditions a failure of this session met in part, the largest share of their
        conditions met first (then the most conditions met).

        A rule's evidence is its ``when.all`` conditions when a failure can meet one of them: a
        failure must have met one for the rule to be near; its ``when.any`` list then only names
        where the failure shows (a boot that started, a reset), so a failure that met only that
        list is not near it. A rule whose ``when.all`` no failure can meet (a chip, a secured board)
        is near when a failure met its ``when.any``."""
        held = {m.rule.id for m in matches}
        scored: dict[str, tuple[float, int, int, NearMiss]] = {}
        for r, state in self._states.items():
            rule, when = state.rule, state.when
            if rule.benign or rule.id in held or r in self._vetoed:
                continue
            required = [
                self._capture_event(r, "all", c) if cond.scope == "capture" else state.required[c]
                for c, cond in enumerate(when.all)
            ]
            any_hit = state.any_hit
            if any_hit is None and when.any:
                any_hit = next((found for c, cond in enumerate(when.any) if cond.scope == "capture"
                                and (found := self._capture_event(r, "any", c)) is not None), None)
            evidence = self._evidence(r)
            shown = [e for c, e in enumerate(required) if e is not None and c in evidence]
            if -1 in evidence and any_hit is not None:
                shown.append(any_hit)
            if not any(e.is_failure() for e in shown):
                continue
            met = sum(e is not None for e in required) + (any_hit is not None)
            near = NearMiss(rule, met, len(when.all) + bool(when.any))
            score = (near.share, met, -r)
            if rule.id not in scored or score > scored[rule.id][:3]:
                scored[rule.id] = (*score, near)
        return [near for *_score, near in sorted(scored.values(), key=lambda s: s[:3], reverse=True)]

    def _evidence(self, r: int) -> frozenset[int]:
        """The conditions of variant ``r`` a failure must meet for the rule to be near: the indices
        of its ``when.all`` conditions a failure can meet, else its ``when.any`` list (-1)."""
        found = self._evidence_of.get(r)
        if found is None:
            when = self._variants[r][1]
            found = frozenset(c for c, cond in enumerate(when.all) if _can_fail(cond.event)) or frozenset({-1})
            self._evidence_of[r] = found
        return found

    def _benign(self, failure: Event, matches: list[Match]) -> bool:
        """Whether a benign rule that holds in this session names this failure in a condition."""
        benign = {id(m.rule) for m in matches if m.rule.benign}
        for r, role, _c, _cond, test in self._matching(failure):
            if role in ("all", "any") and id(self._variants[r][0]) in benign and test(failure):
                return True
        return False

"""The one result model every renderer reads, and how session matches become it.

Findings are grouped by rule across sessions: a capture of N identical failing boots gives one
finding with ``occurrences = N`` and the first and last line where it was seen.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from bootdiag import __version__
from bootdiag import platforms as registry
from bootdiag.core.platform import load_function
from bootdiag.core.engine import Match, NearMiss, SessionResult
from bootdiag.core.exit import ExitStatus
from bootdiag.core.events import Event
from bootdiag.core.messages import describe
from bootdiag.core.record import Record, field
from bootdiag.core.rules import Candidate
from bootdiag.core.session_facts import SessionFacts

if TYPE_CHECKING:
    from bootdiag.verify.model import ImageReport

_NO_FACTS = Event.facts

SCHEMA = "bootdiag.report/1"
MAX_UNEXPLAINED = 20
MAX_NEAREST = 3  # nearest known causes listed beside failures no rule explains


class Evidence(Record, frozen=True):
    line: int
    text: str
    event: str
    # For a failure no rule explains: the message catalogue's id and meaning of the line, when it has one.
    message: str | None = None
    meaning: str | None = None

    @classmethod
    def of(cls, event: Event) -> "Evidence":
        return cls.model_construct(line=event.line, text=event.text, event=event.kind)

    @classmethod
    def described(cls, event: Event) -> "Evidence":
        """The line with what the message catalogue says it means."""
        known = describe(event)
        return cls.model_construct(line=event.line, text=event.text, event=event.kind,
                                   message=known.id if known else None,
                                   meaning=known.meaning if known else event.failure_meaning())


class NearRule(Record, frozen=True):
    """A rule that a failure no rule explains satisfied in part: the nearest known cause, with how
    many of its conditions the capture showed (``met`` of ``of``; a list of alternatives counts as one)."""

    id: str
    title: str
    met: int = 0
    of: int = 0


class Finding(Record):
    id: str
    title: str
    platform: str
    confidence: Literal["high", "medium", "low"]
    explanation: str
    evidence: list[Evidence]
    fix: list[str]
    docs: list[str] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    occurrences: int = 1
    first_line: int
    last_line: int
    # The one evidence line that decides the finding (a text report shows it first; 0: a file did).
    deciding_line: int = 0
    priority: int = field(default=50, exclude=True)


class CheckResult(Record, frozen=True):
    """One check ``bootdiag check`` made on a build folder (``number`` is what evidence lines cite)."""

    number: int
    check: str
    outcome: Literal["pass", "fail", "undecided"]
    subject: str
    detail: str
    needs: str = ""


class CheckedFile(Record):
    """A file given beside the log (an image, a key, a configuration, a fuse or eFuse summary), what
    it showed in a few lines, and where that disagrees with the log."""

    path: str
    kind: str  # image, key, config, or the option that named it (efuse, fuse-info)
    shows: list[str] = field(default_factory=list)
    contradicts: list[str] = field(default_factory=list)  # each: what the file says against the log


def _tool() -> dict[str, str]:
    return {"name": "bootdiag", "version": __version__}


class Report(Record, populate_by_name=True):
    # The verifier's reports are pydantic models, imported only when files are checked.
    deferred_types = {"ImageReport": "bootdiag.verify.model:ImageReport"}

    schema_: str = field(default=SCHEMA, alias="schema")
    tool: dict[str, str] = field(default_factory=_tool)
    source: str
    # healthy: a boot or flash completed with no unexplained failure; diagnosed: a rule names the
    # cause; unexplained: a failure no rule explains; incomplete: log lines were read, but the
    # capture shows neither a completion nor a failure; unrecognised: nothing read as a log.
    status: Literal["healthy", "diagnosed", "unexplained", "incomplete", "unrecognised"]
    findings: list[Finding]
    unexplained: list[Evidence] = field(default_factory=list)
    # With unexplained failures: rules those failures satisfied in part, nearest first.
    nearest: list[NearRule] = field(default_factory=list)
    context: dict[str, str] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    verification: list[ImageReport] = field(default_factory=list)
    # Every file given beside the log, what it showed, and where it contradicts the log.
    files: list[CheckedFile] = field(default_factory=list)
    # What bootdiag noticed about the input itself, for the reader to act on (a likely wrong baud rate).
    warnings: list[str] = field(default_factory=list)
    # An incomplete capture that ends right after a hand-over to the next stage, with nothing after
    # it: that line, what the silence shows, and what to check next (general guidance, not a cause).
    stopped_at: Evidence | None = None
    silence: str = ""
    next_checks: list[str] = field(default_factory=list)
    # `bootdiag check`: every check made on the build folder. A report with checks is a prediction:
    # healthy means the device will boot, a finding is a failure that will happen.
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def is_prediction(self) -> bool:
        return bool(self.checks)

    @property
    def exit_code(self) -> ExitStatus:
        return _STATUS_EXIT[self.status]

    @property
    def top(self) -> Finding | None:
        """The root cause: the first finding, when there is one."""
        return self.findings[0] if self.findings else None

    def to_json_dict(self) -> dict[str, Any]:
        """The report as schema ``bootdiag.report/1`` has it: what pydantic's ``model_dump(mode="json",
        by_alias=True)`` of the report's model gives, made without building its serializer."""
        return self.model_dump(mode="json", by_alias=True)


_CONFIDENCE_ORDER = {"high": 0, "medium": 1, "low": 2}
_UNRANKED = len(_CONFIDENCE_ORDER)  # below every confidence


def adapter(rule_id: str) -> Callable[[str, dict[str, str]], str]:
    """How the platform a rule belongs to words a fix or docs line for what the capture shows."""
    return _adapters(registry.registry_key()).get(rule_id.partition(".")[0], _as_written)


def _as_written(text: str, facts: dict[str, str]) -> str:
    return text


@cache
def _adapters(key: tuple[str, ...]) -> dict[str, Callable[[str, dict[str, str]], str]]:
    return {p.name: load_function(p.adapt) for p in registry.platforms() if p.adapt}


_STATUS_EXIT = {
    "healthy": ExitStatus.OK, "diagnosed": ExitStatus.FOUND, "unexplained": ExitStatus.UNEXPLAINED,
    "incomplete": ExitStatus.INCOMPLETE, "unrecognised": ExitStatus.UNRECOGNISED,
}


def render_template(template: str, captures: dict[str, Event], count: int) -> str:
    try:
        return template.format(**captures, count=count)
    except (AttributeError, KeyError, IndexError, ValueError) as exc:
        # Validation guarantees names and fields; a format spec that does not fit a value lands here.
        return f"{template} [template error: {exc}]"


def _confidence(match: Match) -> str:
    """A finding's confidence: its alternative's, else its rule's; low when only what someone wrote
    says so (a message quoted in a sentence): the log is not in view; one step lower when a line it
    rests on was cut short and is read as the message it begins."""
    if _rests_on_quotes(match):
        return "low"
    confidence = match.confidence or match.rule.confidence
    if _cut_lines(match):
        return {"high": "medium"}.get(confidence, "low")
    return confidence


def _cut_lines(match: Match) -> list[int]:
    """The lines of the match's evidence that were cut short (Event.cut_short)."""
    return sorted({e.line for e in match.evidence if e.line and e.cut_short})


def _is_erase(event: Event) -> bool:
    """Whether a completing event is the erase of the whole flash (catalogue milestone ``flash_erased``)."""
    known = describe(event)
    return known is not None and known.milestone == "flash_erased"


def _rests_on_quotes(match: Match) -> bool:
    """Every line of the match's evidence is a message quoted in a sentence (Event.is_weak)."""
    lines = [e for e in match.evidence if e.line]
    return bool(lines) and all(e.is_weak() for e in lines)


class ReportBuilder:
    """Collects session results and environment facts; ``build()`` ranks and summarises."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._first: dict[str, Match] = {}
        self._last: dict[str, Match] = {}
        # The match a finding is told from: of the rule's matches, the first of those with the highest
        # confidence (a later boot of a capture may show the line that decides what an earlier one
        # left open).
        self._best: dict[str, Match] = {}
        self._best_rank: dict[str, int] = {}  # its confidence's rank (_CONFIDENCE_ORDER)
        self._count: dict[str, int] = {}
        self._unexplained: list[Evidence] = []
        self._weak: list[Evidence] = []  # failures read with less than certainty (Event.is_weak)
        # rules unexplained failures satisfied in part: id -> the nearest miss and its session
        self._near: dict[str, tuple[NearMiss, int]] = {}
        self.completed = False  # some boot or tool run reached its end
        # The line of the last event that ended a run, when that event was a whole-flash erase: a step
        # that also opens a write run (an erase option), so a failure after it may be the write's.
        self._erase_completed_at = 0
        # A write began after that erase and no line shows it completed, and no other run completed:
        # the erase ended one step of the run, not the run.
        self._write_after_erase = False
        self._completed_other = False  # a run that completed was not a whole-flash erase
        self._last_line = 0  # of the last event
        self.log_events = 0  # events from log lines (not from a report's prose)
        self._last_handoff = False  # the last event handed over to the next stage
        self._last_waits = False  # the last event waits for something that may not come
        self._last_session = 0  # the session of the last event
        # The session of the last event that completed a run or handed over to the next stage: a
        # boot or flash that started after it and shows neither was cut off or hangs.
        self._progress_session = -1
        # While the last session's progress is a tentative hand-over nothing after it confirmed: the
        # progress session before it, and the family of the event that handed over.
        self._handing_over: tuple[int, str] | None = None
        self._last_session_from = 0  # the line of the last session's first event
        # A boot of the capture handed over to its next stage and the device then restarted itself
        # (Event.restarts_unasked): output after a hand-over did not show that boot lasting, so it
        # shows no more of the last one.
        self._restarted_after_handover = False
        self._handed_over_before = False  # the event before the last one handed over
        self._session_after_handover = -1  # a session that began right after a hand-over
        # Output follows the capture's last event (lines no grammar reads): None while undecided.
        self.output_after_last: bool | None = None
        # That output is the capture's last line alone, in the form of the last event's stage (its
        # family claims it): a line of that stage cut short, which shows no next stage running.
        self.output_cut_short = False
        self.last_family: str | None = None  # the family of the capture's last event
        self._last_event: Event | None = None  # the capture's last event of a boot or tool run
        self._facts = SessionFacts()  # what each session's events said of the environment
        self.sessions = 0
        self.events = 0
        self.lines = 0

    def add_facts(self, event: Event, session: int = 0) -> None:
        # a message quoted in a sentence is what someone says: it shows nothing completing
        completes = not event.quoted and event.completes()
        if completes:
            self.completed = True
            self._erase_completed_at = event.line if _is_erase(event) else 0
            self._write_after_erase = False
            self._completed_other = self._completed_other or not self._erase_completed_at
        elif not event.quoted and self._erase_completed_at and event.opens_write():
            self._write_after_erase = True
        if type(event).occupies_session:
            self.log_events += 1
            self._last_line = event.line
            self.last_family = event.family
            self._last_event = event
            # A warning the catalogue knows, printed after the hand-over, is the next stage's own
            # output (a kernel's EFI stub going on without an initrd): the stage it handed to runs.
            self._handed_over_before = self._last_handoff
            self._last_handoff = event.hands_over() or (
                self._last_handoff and session == self._last_session and getattr(event, "severity", None) == "warning"
            )
            self._last_waits = event.waits()
            if session != self._last_session or self.log_events == 1:
                self._last_session_from = event.line
                if self.log_events > 1 and self._handed_over_before:
                    self._session_after_handover = session
            if session == self._session_after_handover and event.restarts_unasked():
                self._restarted_after_handover = True
            self._last_session = session
            self._note_progress(event, session, completes)
            self.output_after_last = None
        if type(event).facts is _NO_FACTS:  # most events carry none: skip the call
            return
        self._facts.add(session, event.facts())

    def _note_progress(self, event: Event, session: int, completes: bool) -> None:
        """Move ``_progress_session`` on. A tentative hand-over (``Event.tentative``) is shown by what
        follows it: a line of another stage confirms it; a line of the stage that handed over, which
        neither completes nor hands over again, shows that stage went on instead (MCUboot's "Starting
        bootloader" after its own Zephyr banner); a capture that stops after it, with no output,
        shows no run that completed (``build``)."""
        if completes:
            self._progress_session, self._handing_over = session, None
        elif self._last_handoff and not event.quoted:
            if self._progress_session != session:
                if type(event).tentative:
                    self._handing_over = (self._progress_session, event.family)
                self._progress_session = session
            elif self._handing_over is not None and event.hands_over() and not type(event).tentative:
                self._handing_over = None
        elif self._handing_over is not None and session == self._progress_session:
            before, family = self._handing_over
            if event.family == family:
                self._progress_session = before
            self._handing_over = None

    def facts(self, session: int | None = None) -> dict[str, str]:
        """What the capture says of the environment (chip, tool versions) as seen from ``session``:
        its own facts first, then the nearest earlier sessions', then later ones; so a failing run
        is described by its own versions, not by another run pasted beside it. ``None``: the first
        value in the capture."""
        return self._facts.of(session)

    def add_session(self, result: SessionResult) -> None:
        self.sessions += 1
        for match in result.matches:
            rule_id = match.rule.id
            self._first.setdefault(rule_id, match)
            self._last[rule_id] = match
            # (a boot loop judges thousands of sessions: once a finding is told at high confidence,
            # which no later boot betters, its matches are not looked at again)
            kept = self._best_rank.get(rule_id, _UNRANKED)
            if kept:
                rank = _CONFIDENCE_ORDER[_confidence(match)]
                if rank < kept:
                    self._best[rule_id], self._best_rank[rule_id] = match, rank
            self._count[rule_id] = self._count.get(rule_id, 0) + match.weight
        if not result.matches and result.failures:
            for failure in result.failures:
                kept = self._weak if failure.is_weak() else self._unexplained
                if len(kept) < MAX_UNEXPLAINED:
                    kept.append(Evidence.described(failure))
            for near in result.near:
                known = self._near.get(near.rule.id)
                if known is None or (near.share, near.met) > (known[0].share, known[0].met):
                    self._near[near.rule.id] = (near, result.index)

    def copied(self) -> ReportBuilder:
        """A copy whose findings so far can be added to (a live view's provisional report) apart
        from this one's."""
        import copy  # a live view's: not every run's start

        builder = copy.copy(self)
        builder._first, builder._last, builder._best = dict(self._first), dict(self._last), dict(self._best)
        builder._best_rank = dict(self._best_rank)
        builder._count = dict(self._count)
        return builder

    def nearest(self) -> list[NearRule]:
        """The rules unexplained failures came nearest to, the largest share of their conditions met
        first; a rule whose cause cannot happen on the chip the capture shows is left out."""
        near = [
            miss for miss, session in self._near.values() if miss.rule.fits_chip(self.facts(session).get("chip"))
        ]
        near.sort(key=lambda miss: (miss.share, miss.met), reverse=True)  # stable: first seen first among equals
        return [
            NearRule.model_construct(id=miss.rule.id, title=miss.rule.title, met=miss.met, of=miss.of)
            for miss in near[:MAX_NEAREST]
        ]

    def _status(self, findings: list[Finding], unexplained: list[Evidence], completed: bool) -> str:
        if findings:
            return "diagnosed"
        if unexplained:
            return "unexplained"
        if completed:
            return "healthy"
        return "incomplete" if self.log_events else "unrecognised"

    def finding(self, rule_id: str) -> Finding:
        first, last, count = self._first[rule_id], self._last[rule_id], self._count[rule_id]
        told = self._best[rule_id]
        rule = told.rule
        adapt = adapter(rule.id)
        facts = self.facts(told.session)
        explanation = render_template(rule.explain, told.captures, count)
        for name, note in rule.notes.items():
            if name in told.captures:
                explanation += " " + render_template(note, told.captures, count)
        if count > 1:
            explanation += f" Seen {count} times, first at line {first.first_line}, last at line {last.last_line}."
        confidence = _confidence(told)
        if _rests_on_quotes(told):
            explanation += " (This rests on messages quoted in the text, not on log lines: check them in a capture.)"
        elif cut := _cut_lines(told):
            lines = ", ".join(map(str, cut))
            explanation += (f" (Line{'s' if len(cut) > 1 else ''} {lines} of the capture {'are' if len(cut) > 1 else 'is'} cut short and "
                            "read as the only known message that begins so: check the whole line in a full capture.)")
        # Built from validated rules and events: constructed without validating again, so a text
        # report builds no schema (JSON output builds its serializer when it needs it).
        return Finding.model_construct(
            id=rule.id, title=rule.title, platform=rule.platform, confidence=confidence,
            explanation=explanation, evidence=[Evidence.of(e) for e in told.evidence],
            fix=[adapt(line, facts) for line in self._fix_lines(told)], docs=[adapt(url, facts) for url in rule.docs],
            candidates=[
                Candidate.model_construct(cause=c.cause, predicts=adapt(c.predicts, facts), check=adapt(c.check, facts))
                for c in rule.candidates
            ],
            occurrences=count, first_line=first.first_line, last_line=last.last_line,
            deciding_line=told.deciding_line, priority=rule.priority,
        )

    def _rank(self, rule_id: str) -> tuple[int, int, int]:
        """Root cause first: higher priority, then higher confidence, then earlier in the capture."""
        first, told = self._first[rule_id], self._best[rule_id]
        return -first.rule.priority, _CONFIDENCE_ORDER[_confidence(told)], first.first_line

    @staticmethod
    def _fix_lines(match: Match) -> list[str]:
        lines = [line for name, extra in match.rule.fix_if.items() if name in match.captures for line in extra]
        lines += match.rule.fix  # a line fix_if also names comes first, once
        return [render_template(line, match.captures, 1) for line in dict.fromkeys(lines)]

    def build(self, pending: list[Match] = ()) -> Report:
        for match in pending:  # the open session of a live stream, provisionally
            if match.rule.benign:
                continue
            self._first.setdefault(match.rule.id, match)
            self._last.setdefault(match.rule.id, match)
            self._best.setdefault(match.rule.id, match)
            self._count.setdefault(match.rule.id, 1)
        # After a hand-over, lines no grammar reads are the next stage's own output: it runs.
        handed_over = (self._last_handoff and bool(self.output_after_last) and not self.output_cut_short
                       and not self._restarted_after_handover)
        # A capture that ends waiting (nothing after the wait ran) shows no run that completed.
        stalled = self._last_waits and not self.output_after_last
        erase_only = self._write_after_erase and not self._completed_other
        # A run that completed earlier does not make up for the capture's last boot or flash, which
        # started after it and neither completed nor handed over (a bootloader that hangs after its
        # first line reads as the run before it, else).
        progress = self._progress_session
        if self._handing_over is not None and not handed_over:
            progress = self._handing_over[0]  # a tentative hand-over the capture stops at, nothing after it
        started_again = progress != self._last_session
        completed = ((self.completed and not erase_only and not started_again) or handed_over) and not stalled
        # What a sentence quotes counts only when no log shows the boot or flash completing; a cause
        # read from silence after the hand-over, only when nothing followed it: output after the
        # capture's last event tells of that run only (a bootloader that started again after its
        # jump, and was cut off, printed it, not the image).
        # A wait the user may have asked for, which a later run of the capture got past (it handed
        # over or completed), ended: it does not explain what that later run did.
        kept = [
            rule_id for rule_id, first in self._first.items()
            if not (completed and (_rests_on_quotes(self._best[rule_id]) or first.rule.waits_for_user)) and not (self.output_after_last and first.rule.read_from_silence and self._last[rule_id].session == self._last_session)
            and not (first.rule.waits_for_user and progress > self._last[rule_id].session)
        ]
        # A wait the user may have asked for (BOOT held to flash again) that comes after a run of the
        # same capture that failed does not explain that failure: the failure ranks first. A wait
        # nobody asks for (the rule's ``not_asked_for``) still does.
        failed_at = min((self._first[r].session for r in kept if not self._first[r].rule.waits_for_user), default=None)

        def asked_after_failure(rule_id: str) -> bool:
            first, rule = self._first[rule_id], self._first[rule_id].rule
            return (rule.waits_for_user and failed_at is not None and first.session > failed_at
                    and not any(name in self._best[rule_id].captures for name in rule.not_asked_for))

        def rank(rule_id: str) -> tuple[bool, int, int, int]:
            return (asked_after_failure(rule_id), *self._rank(rule_id))

        ranked = sorted(kept, key=rank)
        findings = [self.finding(rule_id) for rule_id in ranked]
        unexplained = list(self._unexplained)
        if not unexplained and not completed:
            unexplained = list(self._weak)  # nothing certain failed, and no log shows the boot completing
        elif not unexplained and self._erase_completed_at and not handed_over:
            # the last run that completed was an erase, and a failure followed it: the write that the
            # erase began ("Chip erase completed ...", "Writing at ...", "Error: Timeout") did not complete
            unexplained = [w for w in self._weak if w.line > self._erase_completed_at]
        status = self._status(findings, unexplained, completed)
        stats = {"lines": self.lines, "events": self.events, "sessions": self.sessions}
        if status == "incomplete" and self.log_events:
            stats["unfinished_from"] = self._last_session_from  # where the run that never ended begins
        stopped_at, silence, next_checks = None, "", []
        last = self._last_event
        if status == "incomplete" and last is not None and self._last_handoff and not self.output_after_last:
            kind = type(last)
            if kind.silence_means or kind.silence_checks:
                stopped_at, silence, next_checks = Evidence.of(last), kind.silence_means, list(kind.silence_checks)
        return Report.model_construct(
            stopped_at=stopped_at, silence=silence, next_checks=next_checks,
            source=self.source, status=status, findings=findings,
            unexplained=[] if findings else unexplained,
            nearest=[] if findings or not unexplained else self.nearest(), context=self.facts(self._best[ranked[0]].session if ranked else None),
            stats=stats,
        )

"""The rule model: what a ``[[rule]]`` table of a rules file may hold (validated by pydantic when a
rules file is read; the validated rules are plain records, so loading them from the build cache
needs no pydantic).

A rule names event patterns within one boot session and the root cause they reveal::

    [[rule]]
    id = "esp.unsigned_image"
    title = "..."
    platform = "esp-idf"
    when.all = [ { event = "SecureBootV1BadVersion", as = "version" } ]
    when.none = [ { event = "SignatureVerified" } ]
    explain = "The image at line {version.line} carries no signature ..."
    fix = ["espsecure.py sign_data --version 1 ..."]

Conditions: ``event`` (a kind or a base kind), ``where`` (field -> value, or an operator table,
see :mod:`bootdiag.core.rules.predicates`), ``as`` (a name for templates), ``scope`` (``session``, or
``capture`` for context seen earlier in the whole capture). ``when.all`` must all match (in order
with ``when.ordered = true``), one of ``when.any`` must match, none of ``when.none`` may, and
``when.optional`` are collected when present: ``notes`` keyed by their names are appended to the
explanation when they matched. ``[[rule.also_when]]`` tables are alternatives with the same keys:
the rule holds when any alternative does.
"""
from __future__ import annotations

from typing import Any, Literal

from bootdiag.core.record import Record, field

RULE_ID = r"^[a-z0-9_-]+\.[a-z0-9_.]+$"


class Condition(Record, extra="forbid", populate_by_name=True, frozen=True):
    event: str
    where: dict[str, Any] = field(default_factory=dict)
    name: str | None = field(default=None, alias="as")
    scope: Literal["session", "capture"] = "session"


class When(Record, extra="forbid", populate_by_name=True):
    all: list[Condition] = field(default_factory=list)
    any: list[Condition] = field(default_factory=list)
    none: list[Condition] = field(default_factory=list)
    optional: list[Condition] = field(default_factory=list)
    ordered: bool = False
    # An alternative that rests on weaker evidence than the rule's other ones (a line upstream prints
    # for several causes) gives its findings this confidence instead of the rule's.
    confidence: Literal["high", "medium", "low"] | None = None


class Candidate(Record, extra="forbid"):
    """One possible cause behind a generic failure line, and the check that tells it apart."""

    cause: str
    predicts: str
    check: str


def _needs_a_trigger(when: When) -> None:
    if not when.all and not when.any:
        raise ValueError("a rule needs at least one condition in when.all or when.any")


def _cause_needs_a_fix(rule: "Rule") -> None:
    if not rule.benign and not rule.fix:
        raise ValueError("fix: a rule that names a cause gives at least one fix")


class Rule(Record, extra="forbid", check=_cause_needs_a_fix):
    id: str = field(pattern=RULE_ID)
    title: str
    platform: str
    priority: int = 50  # higher ranks first: specific causes above generic ones
    confidence: Literal["high", "medium", "low"] = "high"
    when: When = field(check=_needs_a_trigger)
    # Alternatives: the rule also holds when one of these does (e.g. a generic log line joined
    # with what a verified image shows). Templates may use only captures every alternative has.
    also_when: list[When] = field(default_factory=list)
    explain: str
    notes: dict[str, str] = field(default_factory=dict)
    fix: list[str] = field(default_factory=list)
    fix_if: dict[str, list[str]] = field(default_factory=dict)  # capture name -> extra fix lines
    docs: list[str] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    supersedes: list[str] = field(default_factory=list)
    corpus: list[str] = field(default_factory=list)
    # A benign rule names no cause: where it holds, the failure lines its conditions match are what a
    # healthy boot prints in that situation (empty OTA slots scanned while encrypting on first boot),
    # so they neither make a finding nor leave the capture unexplained. ``explain`` says why.
    benign: bool = False
    # The cause is read from silence: nothing from the next stage followed the hand-over its
    # conditions match (a jump into an image that never prints). Where the capture goes on with
    # output after that hand-over, the next stage ran and the finding does not stand.
    read_from_silence: bool = False
    # The cause is a wait the user may have asked for (a bootloader's recovery mode, which waits
    # for an upload, a ROM's download mode): where the capture shows a boot that completed, or a
    # later run that got past the wait (it handed over to the next stage), the wait ended and the
    # finding does not stand.
    waits_for_user: bool = False
    # Conditions (named with ``as``) that show a wait nobody asks for (a download mode only an invalid
    # strapping gives): where one holds, the wait is the failure even after another one.
    not_asked_for: list[str] = field(default_factory=list)
    # The chips the cause can happen on, as the platform names them (its ``chips``; the ``chip`` a
    # capture shows is compared with them): a strapping pin or an eFuse only some chips have. Empty:
    # any chip of the platform. A capture that shows another chip is never near this rule.
    chips: list[str] = field(default_factory=list)

    def fits_chip(self, chip: str | None) -> bool:
        """Whether the cause can happen on ``chip`` (the capture's; ``None``: not shown)."""
        if not self.chips or not chip:
            return True
        from bootdiag.platforms import chip_key

        key = chip_key(chip)
        return any(key == chip_key(c) for c in self.chips)

    def all_whens(self) -> list[When]:
        return [self.when, *self.also_when]

    def required_captures(self) -> set[str]:
        """Captures present whichever alternative matched: usable in explain and fix."""
        sets = [{c.name for c in when.all if c.name} for when in self.all_whens()]
        return set.intersection(*sets)


class Prediction(Record, extra="forbid"):
    """A ``[[prediction]]`` table: a failure ``bootdiag check`` foresees in a build folder, reported
    under the id of the rule that explains the same failure from a boot log (``cause``), so that the
    check before flashing and the diagnosis after it name one cause. Title, platform and docs come
    from that rule; the explanation is the prediction's own, and so are the fix steps when given."""

    cause: str = field(pattern=RULE_ID)
    priority: int | None = None  # default: the cause's
    confidence: Literal["high", "medium", "low"] = "high"
    when: When
    also_when: list[When] = field(default_factory=list)
    explain: str
    notes: dict[str, str] = field(default_factory=dict)
    fix: list[str] = field(default_factory=list)  # default: the cause's fix
    fix_if: dict[str, list[str]] = field(default_factory=dict)

    def as_rule(self, cause: Rule) -> Rule:
        return Rule(
            id=cause.id, title=cause.title, platform=cause.platform,
            priority=cause.priority if self.priority is None else self.priority, confidence=self.confidence,
            when=self.when, also_when=self.also_when, explain=self.explain, notes=self.notes,
            fix=self.fix or cause.fix, fix_if=self.fix_if, docs=cause.docs,
        )

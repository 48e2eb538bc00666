"""The rule model: what a ``[[rule]]`` table of a rules file may hold (validated by pydantic).

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

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, defer_build=True)

    event: str
    where: dict[str, Any] = Field(default_factory=dict)
    name: str | None = Field(default=None, alias="as")
    scope: Literal["session", "capture"] = "session"


class When(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)

    all: list[Condition] = Field(default_factory=list)
    any: list[Condition] = Field(default_factory=list)
    none: list[Condition] = Field(default_factory=list)
    optional: list[Condition] = Field(default_factory=list)
    ordered: bool = False


class Candidate(BaseModel):
    """One possible cause behind a generic failure line, and the check that tells it apart."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    cause: str
    predicts: str
    check: str


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    id: str = Field(pattern=r"^[a-z0-9_-]+\.[a-z0-9_.]+$")
    title: str
    platform: str
    priority: int = 50  # higher ranks first: specific causes above generic ones
    confidence: Literal["high", "medium", "low"] = "high"
    when: When
    # Alternatives: the rule also holds when one of these does (e.g. a generic log line joined
    # with what a verified image shows). Templates may use only captures every alternative has.
    also_when: list[When] = Field(default_factory=list)
    explain: str
    notes: dict[str, str] = Field(default_factory=dict)
    fix: list[str] = Field(default_factory=list)
    fix_if: dict[str, list[str]] = Field(default_factory=dict)  # capture name -> extra fix lines
    docs: list[str] = Field(default_factory=list)
    candidates: list[Candidate] = Field(default_factory=list)
    supersedes: list[str] = Field(default_factory=list)
    corpus: list[str] = Field(default_factory=list)
    # A benign rule names no cause: where it holds, the failure lines its conditions match are what a
    # healthy boot prints in that situation (empty OTA slots scanned while encrypting on first boot),
    # so they neither make a finding nor leave the capture unexplained. ``explain`` says why.
    benign: bool = False

    @field_validator("when")
    @classmethod
    def _needs_a_trigger(cls, when: When) -> When:
        if not when.all and not when.any:
            raise ValueError("a rule needs at least one condition in when.all or when.any")
        return when

    @model_validator(mode="after")
    def _cause_needs_a_fix(self) -> "Rule":
        if not self.benign and not self.fix:
            raise ValueError("fix: a rule that names a cause gives at least one fix")
        return self

    def all_whens(self) -> list[When]:
        return [self.when, *self.also_when]

    def required_captures(self) -> set[str]:
        """Captures present whichever alternative matched: usable in explain and fix."""
        sets = [{c.name for c in when.all if c.name} for when in self.all_whens()]
        return set.intersection(*sets)

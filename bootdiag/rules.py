"""Rules are data: ``rules/*.toml``, validated on load.

A rule names event patterns within one boot session and the root cause they reveal::

    [[rule]]
    id = "esp.unsigned_image"
    title = "..."
    platform = "esp-idf"
    when.all = [ { event = "SecureBootV1BadVersion", as = "version" } ]
    when.none = [ { event = "SignatureVerified" } ]
    explain = "The image at line {version.line} carries no signature ..."
    fix = ["espsecure.py sign_data --version 1 ..."]

Conditions: ``event`` (a kind or a base kind), ``where`` (field -> value, or an operator table
with ``re``, ``not_re``, ``in``, ``not``, ``gt``/``gte``/``lt``/``lte``, ``present``), ``as`` (a name for
templates), ``scope`` (``session``, or ``capture`` for context seen earlier in the whole capture).
``when.all`` must all match (in order with ``when.ordered = true``), one of ``when.any`` must
match, none of ``when.none`` may, and ``when.optional`` are collected when present: ``notes``
keyed by their names are appended to the explanation when they matched. ``[[rule.also_when]]``
tables are alternatives with the same keys: the rule holds when any alternative does.
Any mistake is an error that names the file, the rule and the field.
"""
from __future__ import annotations

import operator
import re
import string
import tomllib
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import RuleError
from .events import REGISTRY, Event
from .resources import data_dir

_OPERATORS = {"re", "not_re", "in", "not", "gt", "gte", "lt", "lte", "present"}
_BUILTIN_FIELDS = {"line", "text", "kind"}


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
    fix: list[str] = Field(min_length=1)
    fix_if: dict[str, list[str]] = Field(default_factory=dict)  # capture name -> extra fix lines
    docs: list[str] = Field(default_factory=list)
    candidates: list[Candidate] = Field(default_factory=list)
    supersedes: list[str] = Field(default_factory=list)
    corpus: list[str] = Field(default_factory=list)

    @field_validator("when")
    @classmethod
    def _needs_a_trigger(cls, when: When) -> When:
        if not when.all and not when.any:
            raise ValueError("a rule needs at least one condition in when.all or when.any")
        return when

    def all_whens(self) -> list[When]:
        return [self.when, *self.also_when]

    def required_captures(self) -> set[str]:
        """Captures present whichever alternative matched: usable in explain and fix."""
        sets = [{c.name for c in when.all if c.name} for when in self.all_whens()]
        return set.intersection(*sets)


# ------------------------------------------------------------------ semantic validation
@cache
def _fields_of(kind: str) -> set[str]:
    """Fields a condition or template may name: model fields plus read-only properties."""
    cls = REGISTRY[kind]
    properties = {name for name in dir(cls) if isinstance(getattr(cls, name, None), property) and not name.startswith("_")}
    return set(cls.model_fields) | properties | _BUILTIN_FIELDS


def _check_condition(cond: Condition, where: str) -> None:
    if cond.event not in REGISTRY:
        close = [k for k in REGISTRY if k.lower() == cond.event.lower()]
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ValueError(f"{where}.event: unknown event {cond.event!r}{hint}")
    fields = _fields_of(cond.event)
    for field, predicate in cond.where.items():
        if field not in fields:
            raise ValueError(f"{where}.where.{field}: {cond.event} has no field {field!r} (it has: {', '.join(sorted(fields - _BUILTIN_FIELDS))})")
        if isinstance(predicate, dict):
            unknown = set(predicate) - _OPERATORS
            if unknown:
                raise ValueError(f"{where}.where.{field}: unknown operator {sorted(unknown)[0]!r} (use one of {', '.join(sorted(_OPERATORS))})")
            for op in ("re", "not_re"):
                if op in predicate:
                    try:
                        re.compile(predicate[op])
                    except re.error as exc:
                        raise ValueError(f"{where}.where.{field}.{op}: bad regular expression: {exc}") from None


def _template_names(template: str, where: str) -> list[tuple[str, str | None]]:
    names = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"{where}: bad template: {exc}") from None
    for _, field_name, _, _ in parsed:
        if field_name is None:
            continue
        capture, _, attr = field_name.partition(".")
        names.append((capture, attr or None))
    return names


def _check_templates(rule: Rule) -> None:
    kinds: dict[str, str] = {}
    for w, when in enumerate(rule.all_whens()):
        where = "when" if w == 0 else f"also_when[{w - 1}]"
        names = [c.name for c in when.all + when.any + when.optional if c.name]
        if len(names) != len(set(names)):
            raise ValueError(f"{where}: the same 'as' name is used twice")
        for cond in when.all + when.any + when.optional:
            if cond.name and kinds.setdefault(cond.name, cond.event) != cond.event:
                raise ValueError(f"{where}: {cond.name!r} names a {cond.event} here but a {kinds[cond.name]} elsewhere")

    def check(template: str, where: str, allowed: set[str]) -> None:
        for capture, attr in _template_names(template, where):
            if capture == "count" and attr is None:
                continue
            if capture not in allowed:
                raise ValueError(f"{where}: template uses {{{capture}}}, which is not a capture that is always present here (have: {', '.join(sorted(allowed)) or 'none'})")
            if attr is not None and attr not in _fields_of(kinds[capture]):
                raise ValueError(f"{where}: {kinds[capture]} has no field {attr!r}")

    required = rule.required_captures()
    check(rule.explain, "explain", required)
    for i, fix in enumerate(rule.fix):
        check(fix, f"fix[{i}]", required)
    for key, note in rule.notes.items():
        if key not in kinds:
            raise ValueError(f"notes.{key}: no condition is named {key!r}")
        check(note, f"notes.{key}", required | {key})
    for key, lines in rule.fix_if.items():
        if key not in kinds:
            raise ValueError(f"fix_if.{key}: no condition is named {key!r}")
        for i, line in enumerate(lines):
            check(line, f"fix_if.{key}[{i}]", required | {key})


def validate_rule(rule: Rule) -> None:
    for w, when in enumerate(rule.all_whens()):
        prefix = "when" if w == 0 else f"also_when[{w - 1}]"
        if not when.all and not when.any:
            raise ValueError(f"{prefix}: needs at least one condition in all or any")
        for role in ("all", "any", "none", "optional"):
            for i, cond in enumerate(getattr(when, role)):
                _check_condition(cond, f"{prefix}.{role}[{i}]")
    _check_templates(rule)


# ------------------------------------------------------------------ loading
def _error_location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def load_rule_file(path: Path) -> list[Rule]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"{path}: cannot read rule file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"rule"}
    if unknown:
        raise RuleError(f"{path}: unknown top-level key {sorted(unknown)[0]!r} (rules go in [[rule]] tables)")
    rules = []
    for i, raw in enumerate(data.get("rule", [])):
        rule_name = raw.get("id", f"#{i + 1}") if isinstance(raw, dict) else f"#{i + 1}"
        try:
            rule = Rule.model_validate(raw)
            validate_rule(rule)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise RuleError(f"{path}: rule {rule_name}: {_error_location(first['loc'])}: {first['msg']}") from None
        except ValueError as exc:
            raise RuleError(f"{path}: rule {rule_name}: {exc}") from None
        rules.append(rule)
    return rules


def rule_files(extra: Iterable[str | Path] = ()) -> list[Path]:
    files = sorted(data_dir("rules").glob("*.toml"))
    for item in extra:
        p = Path(item)
        if p.is_dir():
            files.extend(sorted(p.glob("*.toml")))
        elif p.is_file():
            files.append(p)
        else:
            raise RuleError(f"{p}: no such rule file or directory")
    return files


def load_rules(extra: Iterable[str | Path] = ()) -> list[Rule]:
    """The shipped rules plus any extra files or directories; ids must be unique."""
    rules: list[Rule] = []
    seen: dict[str, Path] = {}
    for path in rule_files(extra):
        for rule in load_rule_file(path):
            if rule.id in seen:
                raise RuleError(f"{path}: rule {rule.id}: id already defined in {seen[rule.id]}")
            seen[rule.id] = path
            rules.append(rule)
    known = set(seen)
    for rule in rules:
        for target in rule.supersedes:
            if target not in known:
                raise RuleError(f"{seen[rule.id]}: rule {rule.id}: supersedes: unknown rule {target!r}")
    return rules


# ------------------------------------------------------------------ predicates
Test = Callable[[Any], bool]


def _op_test(op: str, arg: Any) -> Test:
    """One operator of a ``where`` table as a test of a field's value (patterns compiled once)."""
    if op == "present":
        return lambda value: (value is not None) == bool(arg)
    if op in ("re", "not_re"):
        search = re.compile(arg).search
        if op == "re":
            return lambda value: value is not None and search(str(value)) is not None
        return lambda value: value is not None and search(str(value)) is None
    if op == "in":
        return lambda value: value is not None and value in arg
    if op == "not":
        return lambda value: value is not None and value != arg
    compare = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}[op]
    return lambda value: value is not None and compare(value, arg)


def _value_test(predicate: Any) -> Test:
    if not isinstance(predicate, dict):
        return lambda value: value == predicate
    tests = [_op_test(op, arg) for op, arg in predicate.items()]
    if len(tests) == 1:
        return tests[0]
    return lambda value: all(test(value) for test in tests)


def compile_condition(cond: Condition) -> Callable[[Event], bool]:
    """``cond``'s ``where`` table as one function of an event of a matching kind."""
    tests = [(field, _value_test(pred)) for field, pred in cond.where.items()]
    if not tests:
        return lambda event: True

    def matches(event: Event) -> bool:
        for field, test in tests:
            if not test(getattr(event, field, None)):
                return False
        return True

    return matches

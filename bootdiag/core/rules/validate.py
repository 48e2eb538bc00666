"""What pydantic cannot check in a rule: that it speaks of events, fields and values that exist.

Every check adds to a list instead of stopping, so a rules file reports all its mistakes at once;
each message starts with the field's location in the rule (``when.all[0].where.reason: ...``).
"""
from __future__ import annotations

import difflib
import re
import string
import types
import typing
from functools import cache, cached_property
from typing import Any, Literal, get_args, get_origin

from bootdiag.core import kinds
from bootdiag.core.events import REGISTRY
from bootdiag.core.rules.model import Condition, Rule
from bootdiag.core.rules.patterns import pattern_problem
from bootdiag.core.rules.predicates import LIST_OPERATORS, OPERATORS

_BUILTIN_FIELDS = {"line", "text", "kind"}
_COMPARISONS = frozenset({"gt", "gte", "lt", "lte"})
_SCALAR = (str, int, float, bool)


@cache
def fields_of(kind: str) -> frozenset[str]:
    """Fields a condition or template may name: model fields plus read-only properties."""
    cls = REGISTRY[kind]
    properties = {name for name in dir(cls)
                  if isinstance(getattr(cls, name, None), (property, cached_property)) and not name.startswith("_")}
    return frozenset(set(cls.model_fields) | properties | _BUILTIN_FIELDS)


def _annotation(kind: str, field: str) -> Any:
    info = REGISTRY[kind].model_fields.get(field)
    return info.annotation if info is not None else None


def _strip_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _item_type(annotation: Any) -> Any | None:
    """The item type of a list field, ``None`` for any other field."""
    annotation = _strip_optional(annotation)
    if get_origin(annotation) in (list, tuple, frozenset, set):
        args = get_args(annotation)
        return args[0] if args else Any
    return None


def _allowed(kind: str, field: str, annotation: Any) -> frozenset[Any] | None:
    """The values a field can take, when they are a closed set: a ``Literal``, or a vocabulary the
    event class names for the field (problem ids, message ids)."""
    vocabulary = REGISTRY[kind].value_sets.get(field)
    if vocabulary is not None:
        return frozenset(vocabulary())
    annotation = _strip_optional(annotation)
    if get_origin(annotation) is Literal:
        return frozenset(get_args(annotation))
    return None


def _type_error(annotation: Any, value: Any) -> str | None:
    annotation = _strip_optional(annotation)
    if get_origin(annotation) is Literal or annotation is Any or annotation is None:
        return None
    if annotation in _SCALAR:
        ok = isinstance(value, annotation) and not (annotation is int and isinstance(value, bool))
        if annotation is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        return None if ok else f"{value!r} is not a {annotation.__name__}"
    return None


def _check_values(kind: str, field: str, annotation: Any, values: list[Any], where: str, errors: list[str]) -> None:
    allowed = _allowed(kind, field, annotation)
    for value in values:
        if not isinstance(value, _SCALAR):
            errors.append(f"{where}: {_shown(value)} is not a value (a string, number or boolean)")
        elif allowed is not None and value not in allowed:
            words = [a for a in allowed if isinstance(a, str)]
            close = difflib.get_close_matches(value, words, n=1, cutoff=0.8) if isinstance(value, str) else []
            hint = f" (did you mean {close[0]!r}?)" if close else f" (one of: {', '.join(map(repr, sorted(allowed, key=str)[:12]))}{', ...' if len(allowed) > 12 else ''})"
            errors.append(f"{where}: {value!r} is not a value {kind}.{field} takes{hint}")
        elif allowed is None and (problem := _type_error(annotation, value)):
            errors.append(f"{where}: {problem}, the type of {kind}.{field}")


def check_condition(cond: Condition, where: str, errors: list[str]) -> None:
    known = kinds.known_kinds()
    if cond.event not in known:
        close = [k for k in known if k.lower() == cond.event.lower()]
        hint = f" (did you mean {close[0]}?)" if close else ""
        errors.append(f"{where}.event: unknown event {cond.event!r}{hint}")
        return
    fields = fields_of(cond.event)
    for field, predicate in cond.where.items():
        at = f"{where}.where.{field}"
        if field not in fields:
            errors.append(f"{at}: {cond.event} has no field {field!r} (it has: {', '.join(sorted(fields - _BUILTIN_FIELDS))})")
            continue
        annotation = _annotation(cond.event, field)
        item = _item_type(annotation)
        if not isinstance(predicate, dict):
            if item is not None:
                errors.append(f"{at}: {field} is a list; compare its items with contains, contains_any or contains_none")
            else:
                _check_values(cond.event, field, annotation, [predicate], at, errors)
            continue
        unknown = sorted(set(predicate) - OPERATORS)
        if unknown:
            errors.append(f"{at}: unknown operator {unknown[0]!r} (use one of {', '.join(sorted(OPERATORS))})")
        for op, arg in predicate.items():
            if op in ("re", "not_re"):
                if item is not None:
                    errors.append(f"{at}.{op}: {field} is a list; use contains, contains_any or contains_none")
                _check_pattern(arg, f"{at}.{op}", errors)
            elif op == "empty":
                if item is None or not isinstance(arg, bool):
                    errors.append(f"{at}.empty: takes true or false, for a list field")
            elif op in LIST_OPERATORS:
                if item is None:
                    errors.append(f"{at}.{op}: {field} is not a list (use ==, in or not)")
                    continue
                values = [arg] if op == "contains" else arg
                if not isinstance(values, list):
                    errors.append(f"{at}.{op}: takes a list of items")
                    continue
                _check_values(cond.event, field, item, values, f"{at}.{op}", errors)
            elif op in ("in", "not"):
                if item is not None:
                    errors.append(f"{at}.{op}: {field} is a list; use contains, contains_any or contains_none")
                    continue
                values = arg if op == "in" else [arg]
                if not isinstance(values, list):
                    errors.append(f"{at}.{op}: takes a list of values")
                    continue
                _check_values(cond.event, field, annotation, values, f"{at}.{op}", errors)
            elif op == "present" and not isinstance(arg, bool):
                errors.append(f"{at}.present: takes true or false")
            elif op in _COMPARISONS:
                _check_comparison(cond.event, field, annotation, arg, f"{at}.{op}", errors)


def _check_comparison(kind: str, field: str, annotation: Any, arg: Any, where: str, errors: list[str]) -> None:
    """``gt`` and the like compare numbers with numbers and strings with strings."""
    if isinstance(arg, bool) or not isinstance(arg, (int, float, str)):
        errors.append(f"{where}: compares with a number or a string, not {_shown(arg)}")
        return
    annotation = _strip_optional(annotation)
    if annotation in (int, float) and not isinstance(arg, (int, float)):
        errors.append(f"{where}: {kind}.{field} is a number; compare it with a number, not {_shown(arg)}")
    elif annotation is str and not isinstance(arg, str):
        errors.append(f"{where}: {kind}.{field} is a string; compare it with a string, not {_shown(arg)}")


def _shown(value: Any) -> str:
    return _clip(repr(value))


def _check_pattern(pattern: Any, where: str, errors: list[str]) -> None:
    if not isinstance(pattern, str):
        errors.append(f"{where}: a pattern is a string")
        return
    problem = pattern_problem(pattern)
    if problem is not None:
        errors.append(f"{where}: {problem}")


# A template field is a capture name or ``name.field``, with at most a small numeric format:
# ``{image.offset:#x}``, ``{magic:#010x}``. Conversions (``!r``), indexing (``{a[0]}``), nested
# fields and wide widths (``{count:>1500000000}``) would let a rules file reach into objects or
# make one line gigabytes long.
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?")
_FORMAT_SPEC = re.compile(r"[<>^]?[+ -]?#?0?[0-9]{0,2}[,_]?(?:\.[0-9]{1,2})?[bdoxXefg%s]?")


def _template_names(template: str, where: str, errors: list[str]) -> list[tuple[str, str | None]]:
    names = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        errors.append(f"{where}: bad template: {exc}")
        return []
    for _, field_name, spec, conversion in parsed:
        if field_name is None:
            continue
        if not _FIELD_NAME.fullmatch(field_name):
            errors.append(f"{where}: template field {{{_clip(field_name)}}} is not a capture name or name.field")
            continue
        if conversion is not None:
            errors.append(f"{where}: template field {{{field_name}!{conversion}}}: conversions are not allowed")
        if spec and not _FORMAT_SPEC.fullmatch(spec):
            errors.append(f"{where}: template field {{{field_name}:{_clip(spec)}}}: a format is at most a small width and a type (such as #x or #010x)")
        capture, _, attr = field_name.partition(".")
        names.append((capture, attr or None))
    return names


def _clip(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _check_templates(rule: Rule, errors: list[str]) -> None:
    kinds_by_name: dict[str, str] = {}
    for w, when in enumerate(rule.all_whens()):
        where = "when" if w == 0 else f"also_when[{w - 1}]"
        names = [c.name for c in when.all + when.any + when.optional if c.name]
        if len(names) != len(set(names)):
            errors.append(f"{where}: the same 'as' name is used twice")
        if "count" in names:
            errors.append(f"{where}: 'count' is the number of occurrences in templates; name the condition otherwise")
        for cond in when.all + when.any + when.optional:
            if cond.name and kinds_by_name.setdefault(cond.name, cond.event) != cond.event:
                errors.append(f"{where}: {cond.name!r} names a {cond.event} here but a {kinds_by_name[cond.name]} elsewhere")
    known = kinds.known_kinds()

    def check(template: str, where: str, allowed: set[str]) -> None:
        for capture, attr in _template_names(template, where, errors):
            if capture == "count" and attr is None:
                continue
            if capture not in allowed:
                errors.append(f"{where}: template uses {{{capture}}}, which is not a capture that is always present here (have: {', '.join(sorted(allowed)) or 'none'})")
            elif attr is not None and kinds_by_name[capture] in known and attr not in fields_of(kinds_by_name[capture]):
                errors.append(f"{where}: {kinds_by_name[capture]} has no field {attr!r}")

    required = rule.required_captures()
    check(rule.explain, "explain", required)
    for i, fix in enumerate(rule.fix):
        check(fix, f"fix[{i}]", required)
    for key, note in rule.notes.items():
        if key not in kinds_by_name:
            errors.append(f"notes.{key}: no condition is named {key!r}")
        else:
            check(note, f"notes.{key}", required | {key})
    for key in rule.not_asked_for:
        if key not in kinds_by_name:
            errors.append(f"not_asked_for: no condition is named {key!r}")
    if rule.not_asked_for and not rule.waits_for_user:
        errors.append("not_asked_for: only a rule that waits_for_user names the waits nobody asks for")
    for key, lines in rule.fix_if.items():
        if key not in kinds_by_name:
            errors.append(f"fix_if.{key}: no condition is named {key!r}")
            continue
        for i, line in enumerate(lines):
            check(line, f"fix_if.{key}[{i}]", required | {key})


def rule_errors(rule: Rule) -> list[str]:
    """Every mistake in a rule that pydantic accepted, each prefixed with its field."""
    errors: list[str] = []
    for w, when in enumerate(rule.all_whens()):
        prefix = "when" if w == 0 else f"also_when[{w - 1}]"
        if not when.all and not when.any:
            errors.append(f"{prefix}: needs at least one condition in all or any")
        for role in ("all", "any", "none", "optional"):
            for i, cond in enumerate(getattr(when, role)):
                check_condition(cond, f"{prefix}.{role}[{i}]", errors)
    _check_templates(rule, errors)
    _check_chips(rule, errors)
    return errors


def _check_chips(rule: Rule, errors: list[str]) -> None:
    """Each of ``chips`` names a chip of the rule's platform (the prefix of its id)."""
    if not rule.chips:
        return
    from bootdiag import platforms as registry

    name = rule.id.partition(".")[0]
    try:
        known = {registry.chip_key(c) for c in registry.platform(name).chips}
    except KeyError:
        errors.append(f"chips: no platform {name!r} to name chips of")
        return
    for i, chip in enumerate(rule.chips):
        if registry.chip_key(chip) not in known:
            errors.append(f"chips[{i}]: {chip!r} is not a chip of platform {name!r}")


def validate_rule(rule: Rule) -> None:
    """Raise ``ValueError`` with every mistake of ``rule`` (one per line)."""
    errors = rule_errors(rule)
    if errors:
        raise ValueError("\n".join(errors))

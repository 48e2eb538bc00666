"""A condition's ``where`` table as a test of an event.

A field's predicate is a value (equality) or an operator table:
``re`` / ``not_re`` (a pattern searched in the field's text), ``in`` (one of a list), ``not`` (any
other value), ``gt`` / ``gte`` / ``lt`` / ``lte``, ``present`` (true: the field has a value;
false: it has none), and for list fields ``contains`` (the list has this item), ``contains_any``
(one of these), ``contains_none`` (none of these) and ``empty`` (true or false).
"""
from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

from bootdiag.core.events import Event
from bootdiag.core.rules.model import Condition
from bootdiag.core.rules.patterns import subject

LIST_OPERATORS = frozenset({"contains", "contains_any", "contains_none", "empty"})
OPERATORS = frozenset({"re", "not_re", "in", "not", "gt", "gte", "lt", "lte", "present"}) | LIST_OPERATORS
Test = Callable[[Any], bool]


def _op_test(op: str, arg: Any) -> Test:
    """One operator of a ``where`` table as a test of a field's value (patterns compiled once)."""
    if op == "present":
        return lambda value: (value is not None) == bool(arg)
    if op in ("re", "not_re"):
        # Searched in the first MAX_SUBJECT characters: the length the pattern was timed at on load.
        search = re.compile(arg).search
        if op == "re":
            return lambda value: value is not None and search(subject(value)) is not None
        return lambda value: value is not None and search(subject(value)) is None
    if op == "in":
        return lambda value: value is not None and value in arg
    if op == "not":
        return lambda value: value is not None and value != arg
    if op == "contains":
        return lambda value: value is not None and arg in value
    if op == "contains_any":
        wanted = frozenset(arg)
        return lambda value: value is not None and not wanted.isdisjoint(value)
    if op == "empty":
        return lambda value: value is not None and (len(value) == 0) == bool(arg)
    if op == "contains_none":
        unwanted = frozenset(arg)
        return lambda value: value is not None and unwanted.isdisjoint(value)
    compare = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}[op]

    def ordered(value: Any) -> bool:
        try:
            return value is not None and compare(value, arg)
        except TypeError:  # a value of another type than the rule compares with: not a match
            return False

    return ordered


def _value_test(predicate: Any) -> Test:
    if not isinstance(predicate, dict):
        return lambda value: value == predicate
    tests = [_op_test(op, arg) for op, arg in predicate.items()]
    if len(tests) == 1:
        return tests[0]
    return lambda value: all(test(value) for test in tests)


def is_text_search(predicate: Any) -> bool:
    """Whether a field's predicate only searches its text for patterns (``re`` / ``not_re``): the
    field is then read as free text, whose values are seldom the same twice."""
    return isinstance(predicate, dict) and bool(predicate) and all(op in ("re", "not_re") for op in predicate)


def compile_condition(cond: Condition) -> Callable[[Event], bool]:
    """``cond``'s ``where`` table as one function of an event of a matching kind."""
    return compile_where(cond.where)


def compile_where(where: dict[str, Any]) -> Callable[[Event], bool]:
    """A ``where`` table (or part of one) as one function of an event."""
    tests = [(field, _value_test(pred)) for field, pred in where.items()]
    if not tests:
        return lambda event: True

    def matches(event: Event) -> bool:
        for field, test in tests:
            if not test(getattr(event, field, None)):
                return False
        return True

    return matches

"""TOML and JSON from users (rule files, message catalogues, eFuse summaries, bundle manifests),
with their nesting bounded.

The standard parsers recurse once per level: a file of ten thousand ``[`` ends in a RecursionError,
and a few hundred levels that parse would still reach code that walks the value recursively. Here
both become a ``ValueError`` that says so, and a parsed value nested deeper than ``MAX_DEPTH``
is refused before anything else looks at it; none of these files needs more than a handful of levels.
"""
from __future__ import annotations

import json
import tomllib
from typing import Any

MAX_DEPTH = 32


class TooDeep(ValueError):
    pass


def depth_error(value: Any, limit: int = MAX_DEPTH) -> str | None:
    """A message when ``value`` (lists and dicts) nests deeper than ``limit``, else ``None``."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > limit:
            return f"nested more than {limit} levels deep"
        stack.extend((child, depth + 1) for child in children)
    return None


def _bounded(value: Any) -> Any:
    problem = depth_error(value)
    if problem is not None:
        raise TooDeep(problem)
    return value


def load_toml(text: str) -> dict[str, Any]:
    """``tomllib.loads`` with bounded nesting; raises ``tomllib.TOMLDecodeError`` or :class:`TooDeep`
    (both ``ValueError``)."""
    try:
        return _bounded(tomllib.loads(text))
    except RecursionError:
        raise TooDeep(f"nested more than {MAX_DEPTH} levels deep") from None


def load_json(text: str | bytes) -> Any:
    """``json.loads`` with bounded nesting; raises ``ValueError`` (``JSONDecodeError``, :class:`TooDeep`)."""
    try:
        return _bounded(json.loads(text))
    except RecursionError:
        raise TooDeep(f"nested more than {MAX_DEPTH} levels deep") from None


def decode_json_at(text: str, start: int) -> Any:
    """The JSON value that starts at ``text[start]`` (text may follow it), nesting bounded."""
    try:
        value, _ = json.JSONDecoder().raw_decode(text, start)
    except RecursionError:
        raise TooDeep(f"nested more than {MAX_DEPTH} levels deep") from None
    return _bounded(value)

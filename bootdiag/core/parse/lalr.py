"""One line through a grammar's LALR tables without importing Lark.

Lark builds the tables (the contextual lexer's regexes, the parse table and how each rule shapes
its node) once; they are kept in the build cache as plain data (:func:`bootdiag.core.parse.grammar.tables`),
and a run that only reads lines parses with them here. Importing Lark and loading a grammar cost
tens of milliseconds of every start; reading one line this way does what Lark's LALR parser with
its contextual lexer does, and hands each reduced rule straight to the transformer's method of
that name, as Lark does with a transformer given to the parser. Lark stays the reference: a test
compares both on every line of the corpus.
"""
from __future__ import annotations

import re
from typing import Any

from bootdiag.core.precompiled import Precompiled


class Token(str):
    """A terminal as the grammar named it (``type``) and the text it matched."""

    __slots__ = ("type",)

    type: str

    def __new__(cls, type_: str, value: str) -> "Token":
        token = super().__new__(cls, value)
        token.type = type_
        return token

    @property
    def value(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {str(self)!r})"


class Tree:
    """A rule's node when the transformer has no method for it (Lark's default)."""

    __slots__ = ("data", "children")

    def __init__(self, data: str, children: list[Any]) -> None:
        self.data, self.children = data, children

    def __eq__(self, other: object) -> bool:
        return getattr(other, "data", None) == self.data and getattr(other, "children", None) == self.children

    def __repr__(self) -> str:
        return f"Tree({self.data!r}, {self.children!r})"


class Transformer:
    """Methods named after a grammar's rules, each given its node's children (transformed)."""

    def transform(self, tree: Any) -> Any:
        """Bottom-up over a tree already built (Lark's or this module's)."""
        children = [self.transform(c) if hasattr(c, "children") and hasattr(c, "data") else c for c in tree.children]
        method = getattr(self, tree.data, None)
        return method(children) if method is not None else Tree(tree.data, children)


class Rejected(Exception):
    """The text is not in the grammar's language."""


# A rule as the parser reduces it: (origin, size, node name, expand a single child, children kept
# as (index, splice its children, Nones before it) or None for all, Nones after them).
Rule = tuple[str, int, str, bool, "tuple[tuple[int, bool, int], ...] | None", int]


class Tables:
    """A grammar's LALR tables for one start symbol, as plain data (picklable)."""

    def __init__(self, states: dict[int, dict[str, tuple[bool, int]]], start: int, end: int, rules: list[Rule],
                 lexer_of: dict[int, int], lexers: list[tuple[tuple[Precompiled, ...], frozenset[str]]],
                 screen: Precompiled | None) -> None:
        self.states, self.start, self.end = states, start, end
        self.rules, self.lexer_of, self.lexers, self._screen = rules, lexer_of, lexers, screen
        self._made: dict[int, tuple[tuple[re.Pattern[str], ...], frozenset[str]]] = {}
        self._bound: dict[int, tuple[Any, list[Any]]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("_made", "_bound")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _made={}, _bound={})

    @property
    def screen(self) -> re.Pattern[str] | None:
        """A regex every text the grammar accepts matches at its start (see ``grammar.start_screen``)."""
        return self._screen.pattern if self._screen is not None else None

    def _lexer(self, state: int) -> tuple[tuple[re.Pattern[str], ...], frozenset[str]]:
        index = self.lexer_of[state]
        made = self._made.get(index)
        if made is None:  # a lexer's regexes are made from their programs when first used
            patterns, ignore = self.lexers[index]
            made = self._made[index] = (tuple(p.pattern for p in patterns), ignore)
        return made

    def _callbacks(self, transformer: Any) -> list[Any]:
        found = self._bound.get(id(transformer))
        if found is None or found[0] is not transformer:
            methods = [None if rule[2].startswith("_") else getattr(transformer, rule[2], None) for rule in self.rules]
            found = self._bound[id(transformer)] = (transformer, methods)
        return found[1]

    def parse(self, text: str, transformer: Any) -> Any:
        """The transformer's value for ``text``; :class:`Rejected` when the grammar does not accept it."""
        states, rules, lexer = self.states, self.rules, self._lexer
        methods = self._callbacks(transformer)
        state_stack = [self.start]
        values: list[Any] = []
        pos, size = 0, len(text)
        while True:
            token: Token | None = None
            while pos < size:  # the next token, by the lexer of the state the parser is in
                patterns, ignore = lexer(state_stack[-1])
                for pattern in patterns:
                    m = pattern.match(text, pos)
                    if m is not None:
                        break
                else:
                    raise Rejected(pos)
                if m.end() == pos:
                    raise Rejected(pos)
                pos, kind = m.end(), m.lastgroup
                if kind not in ignore:
                    token = Token(kind, m.group(0))  # type: ignore[arg-type]
                    break
            kind = token.type if token is not None else "$END"
            while True:
                action = states[state_stack[-1]].get(kind)
                if action is None:
                    raise Rejected(pos)
                shift, target = action
                if shift:
                    if token is None:
                        raise Rejected(pos)
                    state_stack.append(target)
                    values.append(token)
                    break
                origin, length, name, expand1, include, append_none = rules[target]
                if length:
                    children = values[-length:]
                    del state_stack[-length:]
                    del values[-length:]
                else:
                    children = []
                if include is not None or append_none:
                    children = _kept(children, include, append_none)
                if expand1 and len(children) == 1:
                    value = children[0]
                else:
                    method = methods[target]
                    value = method(children) if method is not None else Tree(name, children)
                goto = states[state_stack[-1]][origin]
                state_stack.append(goto[1])
                values.append(value)
                if token is None and state_stack[-1] == self.end:
                    return values[-1]


def _kept(children: list[Any], include: tuple[tuple[int, bool, int], ...] | None, append_none: int) -> list[Any]:
    """The children a rule's node keeps: anonymous literals dropped, ``_rule`` nodes spliced in,
    ``None`` where an optional ``[...]`` matched nothing."""
    if include is None:
        return children + [None] * append_none
    kept: list[Any] = []
    for i, splice, nones in include:
        if nones:
            kept.extend([None] * nones)
        if splice:
            kept.extend(children[i].children)
        else:
            kept.append(children[i])
    if append_none:
        kept.extend([None] * append_none)
    return kept

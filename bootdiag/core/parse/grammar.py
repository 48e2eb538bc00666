"""Load a Lark grammar once per process, from Lark's on-disk cache when possible."""
from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from bootdiag import platforms as registry
from bootdiag.core.numbers import NumberTooLong

T = TypeVar("T")


def _cache_dir() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "bootdiag" / "lark"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None


@cache
def load_grammar(name: str, start: str = "start"):  # -> lark.Lark (imported lazily: start-up time)
    from lark import Lark

    path = registry.grammar_file(name)
    text = path.read_text(encoding="utf-8")
    cache_dir = _cache_dir()
    # Lark keys its cache on the grammar text and options, so an edited grammar is never stale.
    cache_file = str(cache_dir / f"{name}-{start}.lark.cache") if cache_dir else False
    try:
        lark = Lark(text, parser="lalr", start=start, cache=cache_file)
    except OSError:
        lark = Lark(text, parser="lalr", start=start)
    _compile_from_kept_programs(lark, text, start)
    return lark


def _lexers(lark: Any) -> list[Any]:
    """The lexers of a contextual LALR parser (one per set of terminals a parser state accepts,
    and the one for error messages); none for another Lark layout."""
    try:
        lexer = lark.parser.lexer
        found = {id(b): b for b in (*lexer.lexers.values(), lexer.root_lexer)}
        # (``scanner`` is looked up on the class: on a lexer, it is compiled when read)
        return [b for b in found.values() if hasattr(b, "re") and hasattr(type(b), "scanner")]
    except AttributeError:
        return []


def _compile_from_kept_programs(lark: Any, text: str, start: str) -> None:
    """Lark compiles a lexer's scanner (one regex of the terminals a parser state accepts) when
    the lexer is first used: a few dozen regexes for a capture, a millisecond each. They are
    compiled once, when the grammar is first loaded, and their programs kept in the build cache;
    the lexers then make them from the programs (:mod:`bootdiag.core.precompiled`)."""
    import lark as lark_package

    from bootdiag.core.cache import cached
    from bootdiag.core.precompiled import PrecompiledModule

    lexers = _lexers(lark)
    if not lexers:
        return

    def build() -> dict[tuple[Any, int], Any]:
        module = PrecompiledModule()
        for lexer in lexers:
            lexer.re = module
            lexer.scanner  # noqa: B018 - built now, through the module that keeps its programs
        screen = _screen_source(lark, start)
        if screen is not None:
            module.compile(*screen)
        return module.programs

    programs = cached("lark-programs", [Path(__file__), text, start, lark_package.__version__], build)
    module = PrecompiledModule(programs)
    for lexer in lexers:
        lexer.re = module


@cache
def start_screen(name: str, start: str = "start") -> re.Pattern[str] | None:
    """A regex every text the grammar accepts matches at its start, ``None`` when none can be built.

    It is ignored tokens, then one of the tokens the LALR parser accepts in its start state: a
    text that does not begin that way is rejected without running the lexer and parser (whose
    errors cost tens of microseconds each, and most lines a grammar is offered are not its own).
    """
    lark = load_grammar(name, start)
    screen = _screen_source(lark, start)
    if screen is None:
        return None
    lexers = _lexers(lark)
    return (lexers[0].re if lexers else re).compile(*screen)


def _screen_source(lark: Any, start: str) -> tuple[str, int] | None:
    """The source and flags of :func:`start_screen`'s regex."""
    try:
        conf = lark.lexer_conf
        if lark.options.lexer not in ("contextual", "basic") or conf.re_module is not re:
            return None
        table = lark.parser.parser.parser.parse_table
        actions = table.states[table.start_states[start]]
        terminals = {t.name: t for t in conf.terminals}
        first = [terminals[n].pattern.to_regexp() for n in actions if n in terminals]
        ignore = [terminals[n].pattern.to_regexp() for n in conf.ignore]
    except (AttributeError, KeyError):  # another Lark layout: no screen, same results
        return None
    if "$END" in actions or not first:
        return None  # the empty text is accepted
    skip = "(?:" + "|".join(f"(?:{p})" for p in ignore) + ")*" if ignore else ""
    return skip + "(?:" + "|".join(f"(?:{p})" for p in first) + ")", conf.g_regex_flags


def parse_or_none(name: str, start: str, text: str):  # -> lark.Tree | None
    """The parse tree of ``text``, or ``None`` when the grammar rejects it."""
    from lark.exceptions import LarkError

    screen = start_screen(name, start)
    if screen is not None and screen.match(text) is None:
        return None
    try:
        return load_grammar(name, start).parse(text)
    except LarkError:
        return None


def parse_and_transform(name: str, start: str, text: str, transform: Callable[[Any], T]) -> T | None:
    """``transform`` of the parse tree of ``text``, or ``None`` when the grammar rejects it."""
    from lark.exceptions import VisitError

    tree = parse_or_none(name, start, text)
    if tree is None:
        return None
    try:
        return transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, NumberTooLong):
            return None  # a number no log prints: the text is not this message
        raise

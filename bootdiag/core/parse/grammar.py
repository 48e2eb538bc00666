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
from bootdiag.core.parse import lalr

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


@cache
def tables(name: str, start: str = "start") -> lalr.Tables | None:
    """The grammar's LALR tables as plain data, from the build cache (keyed by the grammar's text,
    this module, the parser module and Lark's own version); ``None`` when Lark lays a grammar
    out in a way :mod:`bootdiag.core.parse.lalr` does not read."""
    from importlib.util import find_spec

    from bootdiag.core.cache import cached

    spec = find_spec("lark")
    if spec is None or spec.origin is None:
        return None
    text = registry.grammar_file(name).read_text(encoding="utf-8")
    parts = [Path(__file__), Path(lalr.__file__), Path(spec.origin), text, start]
    return cached("grammar-tables", parts, lambda: _build_tables(name, start))


def _build_tables(name: str, start: str) -> lalr.Tables | None:
    from bootdiag.core.precompiled import Precompiled

    lark = load_grammar(name, start)
    try:
        from lark.parsers.lalr_analysis import Shift

        options, conf = lark.options, lark.lexer_conf
        if (options.parser != "lalr" or options.lexer != "contextual" or options.postlex is not None
                or options.lexer_callbacks or options.propagate_positions or options.tree_class is not None
                or conf.re_module is not re or conf.use_bytes or options.transformer is not None):
            return None
        table = lark.parser.parser.parser.parse_table
        contextual = lark.parser.lexer
        rules: list[lalr.Rule] = []
        numbers: dict[Any, int] = {}

        def rule_number(rule: Any) -> int:
            if rule not in numbers:
                numbers[rule] = len(rules)
                rules.append(_rule_shape(rule, options.maybe_placeholders))
            return numbers[rule]

        # Names as plain str: Lark may hand them as its Token (a str subclass), which would make
        # loading the cached tables import Lark.
        states = {
            state: {str(symbol): (True, arg) if action is Shift else (False, rule_number(arg)) for symbol, (action, arg) in actions.items()}
            for state, actions in table.states.items()
        }
        lexers: list[tuple[tuple[Precompiled, ...], frozenset[str]]] = []
        lexer_numbers: dict[int, int] = {}
        lexer_of: dict[int, int] = {}
        for state, basic in contextual.lexers.items():
            if id(basic) not in lexer_numbers:
                lexer_numbers[id(basic)] = len(lexers)
                scanner = basic.scanner
                lexers.append((tuple(Precompiled(p.pattern, p.flags) for p in scanner._mres), frozenset(basic.ignore_types)))
            lexer_of[state] = lexer_numbers[id(basic)]
        screen = _screen_source(lark, start)
        return lalr.Tables(states, table.start_states[start], table.end_states[start], rules, lexer_of, lexers,
                           Precompiled(*screen) if screen is not None else None)
    except (AttributeError, KeyError, TypeError, ImportError):  # another Lark layout: parsed by Lark itself
        return None


def _rule_shape(rule: Any, placeholders: bool) -> lalr.Rule:
    """How Lark's tree builder shapes a rule's node (``parse_tree_builder``): the children kept (not
    anonymous literals or ``_``-named terminals), those of ``_rule`` children spliced in, a ``None``
    for each optional ``[...]`` that matched nothing; a ``?rule`` with one child is that child."""
    options = rule.options
    expansion = rule.expansion
    empty = options.empty_indices if placeholders else ()
    if empty:
        runs = "".join(str(int(b)) for b in empty).split("0")
        nones = [len(ones) for ones in runs]
    else:
        nones = [0] * (len(expansion) + 1)
    include: list[tuple[int, bool, int]] = []
    pending = 0
    for i, symbol in enumerate(expansion):
        pending += nones[i]
        if options.keep_all_tokens or not (symbol.is_term and symbol.filter_out):
            include.append((i, not symbol.is_term and symbol.name.startswith("_"), pending))
            pending = 0
    pending += nones[len(expansion)]
    filtered = bool(empty) or len(include) < len(expansion) or any(splice for _, splice, _ in include)
    name = rule.alias or options.template_source or rule.origin.name
    return (str(rule.origin.name), len(expansion), str(name), bool(options.expand1 and not rule.alias),
            tuple(include) if filtered else None, pending if filtered else 0)


class _Trees(lalr.Transformer):
    """No methods: every rule's node is a tree, as Lark builds it."""


_TREES = _Trees()


def parse_tree(name: str, start: str, text: str) -> Any:
    """The parse tree of ``text`` from the grammar's kept tables (:mod:`lalr`'s trees and tokens;
    Lark's when the tables cannot be had), or ``None`` when the grammar rejects it."""
    compiled = tables(name, start)
    if compiled is None:
        return parse_or_none(name, start, text)
    screen = compiled.screen
    if screen is not None and screen.match(text) is None:
        return None
    try:
        return compiled.parse(text, _TREES)
    except lalr.Rejected:
        return None


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
    """``transform`` of the parse tree of ``text``, or ``None`` when the grammar rejects it.

    A :class:`lalr.Transformer`'s ``transform`` is applied as the line is parsed, with the
    grammar's kept tables and without Lark; anything else parses with Lark."""
    owner = getattr(transform, "__self__", None)
    if isinstance(owner, lalr.Transformer):
        compiled = tables(name, start)
        if compiled is not None:
            screen = compiled.screen
            if screen is not None and screen.match(text) is None:
                return None
            try:
                return compiled.parse(text, owner)
            except (lalr.Rejected, NumberTooLong):
                return None
            except Exception:  # noqa: BLE001 - a method failed on part of the line: as Lark would end
                pass

    from lark.exceptions import VisitError

    tree = parse_or_none(name, start, text)
    if tree is None:
        return None
    try:
        return transform(tree)
    except NumberTooLong:
        return None  # a number no log prints: the text is not this message
    except VisitError as exc:
        if isinstance(exc.orig_exc, NumberTooLong):
            return None  # a number no log prints: the text is not this message
        raise

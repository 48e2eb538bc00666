"""A line parsed with a grammar's kept LALR tables (bootdiag.core.parse.lalr) gives what Lark gives:
the same tree, token types included, for every line of the corpus and every message in it, and
the same events from each family's transformer."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from lark.exceptions import LarkError

from bootdiag.core.numbers import NumberTooLong
from bootdiag.core.parse import grammar, lalr

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
# Whatever follows an ESP-IDF or Zephyr envelope ("I (31) boot: ", "[00:00:00.003,000] <inf> mcuboot: ")
_MESSAGE = re.compile(r"(?:[EWIDV] \(\d+\) [\w.\-/]+: ?|\[[\d:.,]+\] <\w+> [\w.\-/]+: |[EWIDV]: ?)(.*)")

GRAMMARS = [("esp_idf", "message"), ("esp_rom", "start"), ("esptool", "start"), ("tegraflash", "start"),
            ("mcuboot", "message"), ("mcuboot", "bare"), ("mcuboot", "line")]


def _texts() -> list[str]:
    found: dict[str, None] = {}
    for path in sorted(CORPUS.rglob("*.log")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            line = _COLOUR.sub("", line).strip("\r")
            found[line] = None
            found[line.strip()] = None
            m = _MESSAGE.search(line)
            if m is not None:
                found[m.group(1)] = None
    return list(found)


TEXTS = _texts()


class _Shape(lalr.Transformer):
    """No methods: every rule's node is a tree, compared as nested tuples."""


def _plain(node: Any) -> Any:
    if hasattr(node, "children"):
        return (node.data, tuple(_plain(c) for c in node.children))
    if node is None:
        return None
    return (node.type, str(node))


def _outcome(result: Any) -> Any:
    return result if isinstance(result, str) else _plain(result)


def _by_lark(name: str, start: str, text: str, transformer: Any) -> Any:
    try:
        tree = grammar.load_grammar(name, start).parse(text)
    except LarkError:
        return "rejected"
    try:
        return transformer.transform(tree)
    except NumberTooLong:
        return "rejected"


def _by_tables(tables: lalr.Tables, text: str, transformer: Any) -> Any:
    try:
        return tables.parse(text, transformer)
    except (lalr.Rejected, NumberTooLong):
        return "rejected"


@pytest.mark.parametrize("name,start", GRAMMARS)
def test_the_tables_give_lark_s_tree_on_every_corpus_line(name: str, start: str) -> None:
    tables = grammar.tables(name, start)
    assert tables is not None
    accepted = 0
    for text in TEXTS:
        expected = _by_lark(name, start, text, _Shape())
        got = _by_tables(tables, text, _Shape())
        assert _outcome(got) == _outcome(expected), text
        accepted += expected != "rejected"
        if expected != "rejected":  # the screen never turns away a text the grammar accepts
            assert tables.screen is None or tables.screen.match(text), text
    assert accepted > 5


def test_a_tree_from_the_tables_is_lark_s_tree() -> None:
    line = "[00:00:00.003,000] <inf> mcuboot: Starting bootloader"
    tree = grammar.parse_tree("mcuboot", "line", line)
    assert isinstance(tree, lalr.Tree)
    assert _plain(tree) == _plain(grammar.load_grammar("mcuboot", "line").parse(line))
    assert grammar.parse_tree("mcuboot", "line", "no envelope here") is None


def _family_transformers() -> list[tuple[str, str, Any]]:
    from bootdiag.platforms.esp import esptool, idf, rom
    from bootdiag.platforms.mcuboot import log
    from bootdiag.platforms.tegra import tegraflash

    return [("esp_idf", "message", idf._TRANSFORMER), ("esp_rom", "start", rom._TRANSFORMER),
            ("esptool", "start", esptool._TRANSFORMER), ("tegraflash", "start", tegraflash._TRANSFORMER),
            ("mcuboot", "message", log._TRANSFORMER), ("mcuboot", "bare", log._TRANSFORMER)]


def test_each_family_reads_the_same_events_through_the_tables() -> None:
    for name, start, transformer in _family_transformers():
        assert isinstance(transformer, lalr.Transformer)
        tables = grammar.tables(name, start)
        typed = 0
        for text in TEXTS:
            expected = _by_lark(name, start, text, transformer)
            assert _by_tables(tables, text, transformer) == expected, (name, text)
            typed += isinstance(expected, tuple)
        assert typed > 3, name


def test_a_rule_the_transformer_does_not_name_is_a_tree_with_its_children() -> None:
    tables = grammar.tables("esp_rom", "start")
    tree = tables.parse("load:0x3fff0030,len:6612", _Shape())
    assert isinstance(tree, lalr.Tree) and tree.data == "load"  # ?start with one child is that child
    assert [(t.type, t.value) for t in tree.children] == [("HEX", "0x3fff0030"), ("INT", "6612")]

"""Rules from files are data with limits: checked patterns, plain templates, every mistake listed.

A ``--rules`` file could stall a run (``^(a+)+$``: 38 s on a 30-character line), take gigabytes
(``{count:>1500000000}``), or crash the loader (exit 4). Now each is a listed mistake and exit 2.
"""
from __future__ import annotations

import copy
import time
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hostile_support import bootdiag, clean_error

from bootdiag.core.pipeline import Analyzer
from bootdiag.core.rules import Condition, compile_condition, load_rule_file
from bootdiag.core.rules.load import rules_from_table
from bootdiag.core.rules.patterns import MAX_SUBJECT, pattern_problem

ROOT = Path(__file__).resolve().parents[1]
RULE = """
[[rule]]
id = "t.{name}"
title = "t"
platform = "esp-idf"
when.all = [ {{ event = "EspLog", where = {where}, as = "m" }} ]
explain = "{explain}"
fix = ["x"]
"""


def rule_text(name: str, where: str = "{}", explain: str = "seen at {{m.line}}") -> str:
    return RULE.format(name=name, where=where, explain=explain)


def test_nested_quantifiers_are_refused_on_load_and_nothing_hangs(tmp_path: Path) -> None:
    rules = tmp_path / "r.toml"
    rules.write_text(rule_text("nested", where='{ msg = { re = "^(a+)+$" } }'))
    start = time.perf_counter()
    err = clean_error(bootdiag("rules", "--rules", str(rules)))
    assert "nested quantifiers" in err and "when.all[0].where.msg.re" in err
    assert time.perf_counter() - start < 5


def test_patterns_that_grow_faster_than_the_line_are_refused() -> None:
    for refused, why in (("^(a+)+$", "nested"), ("(a|ab)*c", "alternatives"), (r"(\w+)\1", "back-reference"),
                         ("a*a*b", "matching takes"), ("x" * 2000, "characters"), ("(", "bad regular expression")):
        problem = pattern_problem(refused)
        assert problem is not None and why in problem, (refused, problem)
    for accepted in ("(?i)digest", r"will not fit in \d+ bytes", "^abc$", "a++a++b", r"(?:foo|bar)\s+\d+"):
        assert pattern_problem(accepted) is None, accepted


def test_a_pattern_sees_only_the_first_characters_of_the_longest_line(tmp_path: Path) -> None:
    """Quadratic search is bounded by the characters a pattern sees (MAX_SUBJECT, the length it was
    timed at on load): what stands after them is never searched."""
    rules = tmp_path / "r.toml"
    rules.write_text(rule_text("digits", where=r'{ msg = { re = "\\d+ failed" } }'))

    def fired(digits: int) -> bool:
        analyzer = Analyzer("<capture>", load_rule_file(rules))
        analyzer.feed_bytes(b"E (1) boot: " + b"7" * digits + b" failed\n")
        return any(f.id == "t.digits" for f in analyzer.finish().findings)

    assert fired(16) and fired(MAX_SUBJECT - 20)
    assert not fired(MAX_SUBJECT) and not fired(16_000)
    assert MAX_SUBJECT <= 4096


def test_templates_are_names_and_small_formats(tmp_path: Path) -> None:
    rules = tmp_path / "r.toml"
    rules.write_text("\n".join(rule_text(f"t{i}", explain=e) for i, e in enumerate([
        "{count:>1500000000}", "{m.msg!r}", "{m[0]}", "{m.msg:{m.line}}", "{m.__class__}",
    ])))
    err = clean_error(bootdiag("rules", "--rules", str(rules)))
    assert "5 mistakes" in err, err
    assert err.count("a format is at most") == 2 and "conversions are not allowed" in err and "not a capture name" in err
    assert "has no field '__class__'" in err
    rules.write_text(rule_text("ok", explain="at {m.line:#x} {m.line:>6} {count}"))
    assert bootdiag("rules", "--rules", str(rules)).code == 0


MALFORMED = {
    "an 'in' of tables": rule_text("a", where="{ level = { in = [{ x = 1 }] } }"),
    "a number compared with a string": '[[rule]]\nid = "t.b"\ntitle = "t"\nplatform = "esp-idf"\n'
                                       'when.all = [ { event = "RomLoad", where = { length = { gt = "big" } } } ]\nexplain = "e"\nfix = ["x"]\n',
    "a rule that is not a table": "rule = [1, 2]\n",
    "an id that is not a string": '[[rule]]\nid = 5\n',
    "contains_any of tables": '[[rule]]\nid = "t.c"\ntitle = "t"\nplatform = "esp-idf"\n'
                              'when.all = [ { event = "RomValidKeyBlocks", where = { blocks = { contains_any = [{}] } } } ]\nexplain = "e"\nfix = ["x"]\n',
    "bad TOML": "[[rule]\n",
    "a where that is not a table": rule_text("d", where='"text"'),
}


def test_malformed_rule_files_are_exit_2_with_every_mistake_listed(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    for n, text in enumerate(MALFORMED.values()):
        (folder / f"{n}.toml").write_text(text)
        clean_error(bootdiag("rules", "--rules", str(folder / f"{n}.toml")))
    err = clean_error(bootdiag("rules", "--rules", str(folder)))
    for n in range(len(MALFORMED)):
        assert f"{n}.toml" in err, (n, err)


def test_a_comparison_of_unlike_types_is_no_match_at_run_time() -> None:
    test = compile_condition(Condition(event="RomLoad", where={"length": {"gt": "big"}}))

    class Event:
        length = 12

    assert test(Event()) is False  # type: ignore[arg-type]


# ------------------------------------------------------------------ fuzz: the shipped rules, mutated
@lru_cache(maxsize=None)
def shipped() -> list[dict[str, Any]]:
    return [rule for path in sorted((ROOT / "rules").glob("*.toml")) for rule in tomllib.loads(path.read_text()).get("rule", [])]


VALUES = st.recursive(
    st.none().filter(lambda _: False) | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False)
    | st.text(max_size=12) | st.sampled_from(["{count:>999999999}", "{x.y}", "(a+)+", "EspLog", "re", "in", "gt", "all"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["re", "in", "gt", "event", "where", "as", "x"]), inner, max_size=3),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*prefix, i))
    return found


def _replaced(rule: dict[str, Any], path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    out = copy.deepcopy(rule)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


@settings(max_examples=120, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(which=st.integers(0, 10_000), where=st.integers(0, 10_000), value=VALUES)
def test_mutated_rules_load_as_listed_mistakes_or_as_rules_that_run(which: int, where: int, value: Any) -> None:
    rules = shipped()
    rule = rules[which % len(rules)]
    paths = _paths(rule)
    mutated = _replaced(rule, paths[where % len(paths)], value)
    errors: list[str] = []
    loaded = rules_from_table({"rule": [mutated]}, "fuzz.toml", errors)
    assert loaded or errors
    if loaded:
        analyzer = Analyzer("<capture>", loaded)
        analyzer.feed_bytes((ROOT / "corpus" / "esp-idf" / "rom-csum-err.log").read_bytes())
        analyzer.finish().to_json_dict()


def test_waits_nobody_asks_for_name_conditions_of_a_rule_that_waits(tmp_path: Path) -> None:
    rules = tmp_path / "r.toml"
    rules.write_text(rule_text("w") + 'not_asked_for = ["nowhere"]\n')
    err = clean_error(bootdiag("rules", "--rules", str(rules)))
    assert "not_asked_for: no condition is named 'nowhere'" in err
    assert "only a rule that waits_for_user" in err
    rules.write_text(rule_text("w") + 'waits_for_user = true\nnot_asked_for = ["m"]\n')
    assert bootdiag("rules", "--rules", str(rules)).code == 0

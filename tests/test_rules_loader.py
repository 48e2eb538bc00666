"""Rule files are validated on load; every mistake names the file, the rule and the field."""
from __future__ import annotations

from pathlib import Path

import pytest

from bootdiag.core.errors import RuleError
from bootdiag.core.rules import load_rule_file, load_rules

GOOD = '''
[[rule]]
id = "test.example"
title = "Example"
platform = "esp-idf"
when.all = [ { event = "SigBlockInvalid", where = { reason = { re = "digest" } }, as = "sig" } ]
explain = "Block {sig.block} at line {sig.line}."
fix = ["do it"]
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    return path


def test_shipped_rules_load() -> None:
    rules = load_rules()
    assert len({r.id for r in rules}) == len(rules) > 10


def test_a_valid_rule_loads(tmp_path: Path) -> None:
    (rule,) = load_rule_file(write(tmp_path, GOOD))
    assert rule.id == "test.example"


@pytest.mark.parametrize(
    "change,expected",
    [
        (('event = "SigBlockInvalid"', 'event = "SigBlockInvalidd"'), "when.all[0].event: unknown event 'SigBlockInvalidd'"),
        (("where = { reason", "where = { reasons"), "when.all[0].where.reasons: SigBlockInvalid has no field 'reasons'"),
        (('re = "digest"', 're = "(unclosed"'), "bad regular expression"),
        (('re = "digest"', 'regex = "digest"'), "unknown operator 'regex'"),
        (("{sig.block}", "{sig.blocks}"), "SigBlockInvalid has no field 'blocks'"),
        (("{sig.block}", "{other.block}"), "template uses {other}"),
        (('fix = ["do it"]', "fix = []"), "fix"),
        (('title = "Example"', 'title = "Example"\ncolour = "red"'), "colour"),
        (('id = "test.example"', 'id = "No Dots"'), "id"),
    ],
)
def test_mistakes_name_file_rule_and_field(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(RuleError) as info:
        load_rule_file(path)
    message = str(info.value)
    assert str(path) in message
    assert expected in message
    assert "test.example" in message or "No Dots" in message


def test_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "\n[[rule]\n")
    with pytest.raises(RuleError, match="not valid TOML"):
        load_rule_file(path)


def test_duplicate_id_across_files_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    (tmp_path / "again.toml").write_text(GOOD)
    with pytest.raises(RuleError, match="already defined"):
        load_rules([tmp_path])


def test_extra_rules_path_must_exist(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="no such rule file"):
        load_rules([tmp_path / "missing.toml"])


def test_every_mistake_in_a_file_is_listed_at_once(tmp_path: Path) -> None:
    bad = GOOD.replace('event = "SigBlockInvalid"', 'event = "SigBlockInvalidd"') + GOOD.replace(
        'id = "test.example"', 'id = "test.second"').replace("{sig.block}", "{sig.blocks}") + '''
[[rule]]
id = "test.image"
title = "Image"
platform = "esp-idf"
when.all = [ { event = "ImageProblem", where = { problem = "esp.sbv2.digest_mismatchh" }, scope = "capture" },
             { event = "ImageChecked", where = { problems = { re = "wrong_key" } }, scope = "capture" } ]
explain = "x"
fix = ["y"]
'''
    path = write(tmp_path, bad)
    with pytest.raises(RuleError) as info:
        load_rule_file(path)
    lines = str(info.value).splitlines()
    assert lines[0] == "4 mistakes in the rules:"
    assert f"{path}: rule test.example: when.all[0].event: unknown event 'SigBlockInvalidd'" in lines[1]
    assert "rule test.second: explain: SigBlockInvalid has no field 'blocks'" in str(info.value)
    assert ("rule test.image: when.all[0].where.problem: 'esp.sbv2.digest_mismatchh' is not a value ImageProblem.problem "
            "takes (did you mean 'esp.sbv2.digest_mismatch'?)") in str(info.value)
    assert "rule test.image: when.all[1].where.problems.re: problems is a list; use contains" in str(info.value)


def test_list_operators_match_items_not_printed_lists(tmp_path: Path) -> None:
    from bootdiag.core.artifacts import ImageChecked
    from bootdiag.core.rules import compile_condition
    from bootdiag.core.rules.model import Condition

    checked = ImageChecked(line=0, text="x", image="a.bin", format="mcuboot", ok=False,
                           problems=["mcuboot.hash_mismatch"], tlvs=["SHA256", "SEC_CNT"])
    def holds(where: dict) -> bool:
        return compile_condition(Condition(event="ImageChecked", where=where))(checked)
    assert holds({"tlvs": {"contains": "SEC_CNT"}}) and not holds({"tlvs": {"contains": "SEC"}})
    assert holds({"problems": {"contains_any": ["mcuboot.wrong_key", "mcuboot.hash_mismatch"]}})
    assert holds({"tlvs": {"contains_none": ["BOOT_RECORD"]}}) and not holds({"tlvs": {"contains_none": ["SHA256"]}})
    assert holds({"tlvs": {"empty": False}})


def test_a_rules_file_named_as_a_shipped_one_replaces_it(tmp_path) -> None:
    from bootdiag.core.rules import load_rules, rule_files
    from bootdiag import platforms as registry

    shipped = next(f for f in registry.rule_files() if f.name == "tegra.toml")
    edited = tmp_path / "tegra.toml"
    edited.write_text(shipped.read_text(encoding="utf-8").replace(
        'title = "Jetson not found in recovery mode"', 'title = "Jetson not in recovery mode (edited)"'), encoding="utf-8")
    files = rule_files([edited])
    assert edited in files and shipped not in files
    titles = {r.id: r.title for r in load_rules([edited])}  # no "id already defined"
    assert titles["tegra.not_in_recovery_mode"] == "Jetson not in recovery mode (edited)"

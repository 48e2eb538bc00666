"""Rule semantics: all/any/none/optional, order, capture scope, supersedes, and aggregation."""
from __future__ import annotations

from pathlib import Path

from bootdiag.pipeline import explain
from bootdiag.rules import load_rule_file

RULES = '''
[[rule]]
id = "t.ordered"
title = "A then B"
platform = "esp-idf"
priority = 60
when.all = [ { event = "ImageVerifyingSignature", as = "a" }, { event = "SigBlockInvalid", as = "b" } ]
when.ordered = true
when.none = [ { event = "SignatureVerified" } ]
when.optional = [ { event = "ToolFlashParamsSet", scope = "capture", as = "rewrite" } ]
explain = "b at {b.line} after a at {a.line}."
notes.rewrite = "rewritten at {rewrite.line}."
fix = ["x"]
fix_if.rewrite = ["keep flags"]
supersedes = ["t.generic"]

[[rule]]
id = "t.generic"
title = "generic"
platform = "esp-idf"
priority = 1
when.any = [ { event = "SigBlockInvalid" }, { event = "RomInvalidHeader" } ]
explain = "generic"
fix = ["y"]
'''

VERIFY = "I (10) esp_image: Verifying image signature...\n"
SIG_BAD = "Sig block 0 invalid: Image digest does not match\n"
RESET = "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"


def rules(tmp_path: Path):
    path = tmp_path / "r.toml"
    path.write_text(RULES)
    return load_rule_file(path)


def test_ordered_match_with_note_and_conditional_fix(tmp_path: Path) -> None:
    text = "Flash params set to 0x0220\n" + RESET + VERIFY + SIG_BAD
    report = explain(text, rules(tmp_path))
    assert [f.id for f in report.findings] == ["t.ordered"]  # t.generic superseded in that session
    finding = report.findings[0]
    assert finding.explanation == "b at 4 after a at 3. rewritten at 1."
    assert finding.fix == ["keep flags", "x"]
    assert [e.line for e in finding.evidence] == [1, 3, 4]


def test_wrong_order_does_not_match_and_generic_remains(tmp_path: Path) -> None:
    report = explain(RESET + SIG_BAD + VERIFY, rules(tmp_path))
    assert [f.id for f in report.findings] == ["t.generic"]


def test_none_condition_vetoes_within_the_session(tmp_path: Path) -> None:
    text = RESET + VERIFY + SIG_BAD + "I (20) secure_boot_v2: Signature verified successfully!\n"
    assert [f.id for f in explain(text, rules(tmp_path)).findings] == ["t.generic"]


def test_veto_in_another_session_does_not_count(tmp_path: Path) -> None:
    text = RESET + VERIFY + SIG_BAD + RESET + "I (20) secure_boot_v2: Signature verified successfully!\n"
    assert "t.ordered" in [f.id for f in explain(text, rules(tmp_path)).findings]


def test_identical_failing_boots_give_one_finding_with_count(tmp_path: Path) -> None:
    boot = RESET + VERIFY + SIG_BAD
    report = explain(boot * 50, rules(tmp_path))
    (finding,) = report.findings
    assert finding.occurrences == 50
    assert finding.first_line == 2 and finding.last_line == 150
    assert report.stats["sessions"] == 50


def test_failure_that_no_rule_explains_is_unexplained(tmp_path: Path) -> None:
    report = explain(RESET + "E (40) boot: Failed to verify partition table\n", rules(tmp_path))
    assert report.status == "unexplained"
    assert [e.line for e in report.unexplained] == [2]
    assert report.exit_code == 3


def test_healthy_boot(tmp_path: Path) -> None:
    text = RESET + VERIFY + "I (20) secure_boot_v2: Signature verified successfully!\n" + "I (30) main_task: Calling app_main()\n"
    report = explain(text, rules(tmp_path))
    assert report.status == "healthy" and report.exit_code == 0 and not report.findings


def test_finding_is_placed_at_its_own_session_not_at_earlier_context(tmp_path: Path) -> None:
    text = "Flash params set to 0x0220\n" + RESET + "I (5) boot: x\n" + RESET + VERIFY + SIG_BAD
    (finding,) = explain(text, rules(tmp_path)).findings
    assert finding.evidence[0].line == 1  # the esptool line is shown as context...
    assert (finding.first_line, finding.last_line) == (5, 6)  # ...but the failure is where it happened

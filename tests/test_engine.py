"""Rule semantics: all/any/none/optional, order, capture scope, supersedes, and aggregation."""
from __future__ import annotations

from pathlib import Path

from bootdiag.core.pipeline import explain
from bootdiag.core.rules import load_rule_file

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


ALTERNATIVE = '''
[[rule]]
id = "t.alt"
title = "specific line, or generic line plus what the image shows"
platform = "esp-idf"
when.all = [ { event = "SigBlockInvalid", as = "sig" } ]
explain = "mismatch"
notes.sig = "log line {sig.line}."
notes.img = "image: {img.message}."
fix = ["x"]

[[rule.also_when]]
all = [ { event = "SecureBootV2VerifyFailed", as = "generic" },
        { event = "ImageChecked", where = { tlvs = { contains_none = ["SEC_CNT"] } }, scope = "capture", as = "img_ok" } ]
optional = [ { event = "ImageProblem", scope = "capture", as = "img" } ]
'''


def test_alternative_joins_a_generic_line_with_image_facts(tmp_path: Path) -> None:
    from bootdiag.core.artifacts import ImageChecked, ImageProblem
    from bootdiag.core.pipeline import explain_stream

    path = tmp_path / "alt.toml"
    path.write_text(ALTERNATIVE)
    rules = load_rule_file(path)
    generic = b"E (50) secure_boot_v2: Secure Boot V2 verification failed.\n"
    assert explain(generic.decode(), rules).status == "unexplained"  # the log alone: no cause

    def image(tlvs: list[str]) -> list:
        return [ImageChecked(line=0, text=f"app.bin: {tlvs}", image="app.bin", format="mcuboot", ok=False, problems=["p"], tlvs=tlvs),
                ImageProblem(line=0, text="app.bin: p: digest differs", image="app.bin", format="mcuboot", problem="p", message="digest differs")]

    report = explain_stream([generic], "x", rules, image(["SHA256"]))
    (finding,) = report.findings
    assert finding.explanation == "mismatch image: digest differs."
    assert [e.line for e in finding.evidence] == [0, 0, 1]  # both image events kept, then the log line
    assert finding.first_line == 1
    assert explain_stream([generic], "x", rules, image(["SHA256", "SEC_CNT"])).status == "unexplained"


def test_an_alternative_may_lower_the_confidence_of_what_it_finds(tmp_path: Path) -> None:
    path = tmp_path / "alt.toml"
    path.write_text(ALTERNATIVE.replace('all = [ { event = "SecureBootV2VerifyFailed"', 'confidence = "low"\nall = [ { event = "SecureBootV2VerifyFailed"'))
    rules = load_rule_file(path)
    specific = explain(RESET + VERIFY + SIG_BAD, rules)
    assert [(f.id, f.confidence) for f in specific.findings] == [("t.alt", "high")]  # the rule's own
    from bootdiag.core.artifacts import ImageChecked
    from bootdiag.core.pipeline import explain_stream

    checked = ImageChecked(line=0, text="app.bin", image="app.bin", format="mcuboot", ok=False, problems=[], tlvs=["SHA256"])
    weak = explain_stream([b"E (50) secure_boot_v2: Secure Boot V2 verification failed.\n"], "x", rules, [checked])
    assert [(f.id, f.confidence) for f in weak.findings] == [("t.alt", "low")]


def test_explain_may_not_use_a_capture_missing_from_an_alternative(tmp_path: Path) -> None:
    import pytest

    from bootdiag.core.errors import RuleError

    path = tmp_path / "alt.toml"
    path.write_text(ALTERNATIVE.replace('explain = "mismatch"', 'explain = "at {sig.line}"'))
    with pytest.raises(RuleError, match="template uses {sig}"):
        load_rule_file(path)


def test_a_hidden_rule_still_hides_what_it_supersedes(tmp_path: Path) -> None:
    # top hides middle, middle hides bottom: all three hold, only top is reported, whatever order
    # the engine judges them in.
    chain = "".join(
        f'[[rule]]\nid = "t.{name}"\ntitle = "{name}"\nplatform = "esp-idf"\npriority = {prio}\n'
        f'when.any = [ {{ event = "SigBlockInvalid" }} ]\nexplain = "{name}"\nfix = ["f"]\n'
        + (f'supersedes = ["t.{hides}"]\n' if hides else "") + "\n"
        for name, prio, hides in (("top", 30, "middle"), ("middle", 20, "bottom"), ("bottom", 10, None))
    )
    path = tmp_path / "chain.toml"
    path.write_text(chain)
    report = explain(RESET + SIG_BAD, load_rule_file(path))
    assert [f.id for f in report.findings] == ["t.top"]


def test_each_failed_rom_retry_counts_but_a_retry_that_passes_does_not() -> None:
    corpus = Path(__file__).resolve().parents[1] / "corpus" / "esp-idf"
    # Power-on, check fails, the watchdog retries the ROM, the check fails again: two occurrences.
    loop = explain(corpus / "sb1-bootloader-digest-check-fail.log")
    assert (loop.findings[0].occurrences, loop.findings[0].first_line, loop.findings[0].last_line) == (2, 28, 37)
    # A check that fails once and passes on the retry is one transient failure.
    for name in ("sb2-s3-transient-rom-fault-tg0wdt.log", "sb2-transient-rom-fault-after-restart.log"):
        once = explain(corpus / name)
        assert once.findings[0].id == "esp.secure_boot_transient_failure"
        assert once.findings[0].occurrences == 1, name


def test_a_line_meeting_two_conditions_of_a_rule_counts_for_the_first_whatever_the_hash_seed() -> None:
    # The chip revision line is a ChipMismatch and a catalogue message: both are alternatives of
    # esp.chip_mismatch, and the rule's first one (with its note) is the one the report shows.
    import os
    import subprocess
    import sys

    capture = Path(__file__).resolve().parents[1] / "corpus" / "esp-idf" / "chip-revision-too-new.log"
    outputs = set()
    for seed in ("0", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-m", "bootdiag", "explain", str(capture), "--format", "json"],
                              capture_output=True, text=True, env=env)
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert "The bootloader checked the app's header" in outputs.pop()

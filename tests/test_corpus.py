"""Every corpus capture against its expectations, and every rule against the corpus.

A case is ``corpus/<platform>/<case>.expect.toml`` with its capture ``<case>.log`` beside it::

    status = "diagnosed"                  # healthy | diagnosed | unexplained
    top = "esp.unsigned_image"            # the first finding (diagnosed only)
    findings = ["..."]                    # also present
    absent = ["esp.wrong_signing_key"]    # must not appear (near-misses)
    evidence = [12, 14]                   # lines in the top finding's evidence (unexplained: in the unexplained list)
    log = "other-case.log"                # another case's capture, read with this case's files
    [[files]]                             # images, keys, configuration beside the log (tests/corpus_files.py)

Each rule's ``corpus`` list names cases that must produce it, and some case must list it in ``absent``.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest

from bootdiag.core.pipeline import explain
from bootdiag.core.report import Report
from bootdiag.app.example import bundled_example
from bootdiag.core.resources import data_dir
from bootdiag.core.rules import Rule, load_rules

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
EXPECT_SUFFIX = ".expect.toml"
CASES = sorted(p.with_name(p.name.removesuffix(EXPECT_SUFFIX) + ".log") for p in CORPUS.glob(f"*/*{EXPECT_SUFFIX}"))
# Captures from public threads, labelled with the cause the thread established (corpus/real/README.md).
REAL = sorted(p.with_name(p.name.removesuffix(EXPECT_SUFFIX) + ".log") for p in (CORPUS / "real").glob(f"*/*{EXPECT_SUFFIX}"))
REAL_KEYS = {"source", "platform", "cause", "established", "established_by", "confidence", "paste", "absent"}
STATUSES = {"healthy", "diagnosed", "unexplained", "incomplete", "unrecognised"}
EXPECT_KEYS = {"status", "top", "findings", "absent", "evidence", "log", "files"}
RULES = load_rules()
RULE_IDS = {rule.id for rule in RULES}


def case_name(path: Path) -> str:
    return str(path.relative_to(CORPUS).with_suffix(""))


@cache
def expectation(path: Path) -> dict:
    expect_file = path.with_suffix(EXPECT_SUFFIX)
    assert expect_file.is_file(), f"{case_name(path)}: no {expect_file.name} beside the capture"
    data = tomllib.loads(expect_file.read_text(encoding="utf-8"))
    if path in REAL:
        unknown = set(data) - REAL_KEYS
        assert not unknown, f"{expect_file.name}: unknown keys {sorted(unknown)}"
        return data
    unknown = set(data) - EXPECT_KEYS
    assert not unknown, f"{expect_file.name}: unknown keys {sorted(unknown)}"
    assert data.get("status") in STATUSES, f"{expect_file.name}: status must be one of {sorted(STATUSES)}"
    if data["status"] == "diagnosed":
        assert data.get("top"), f"{expect_file.name}: a diagnosed case names its top finding"
    else:
        assert "top" not in data and not data.get("findings"), f"{expect_file.name}: only diagnosed cases have findings"
    for key in ("findings", "absent"):
        assert isinstance(data.get(key, []), list), f"{expect_file.name}: {key} is a list"
    return data


def capture_of(path: Path) -> Path:
    """The log a case reads: its own, or the one its ``log`` key names."""
    return path.with_name(expectation(path).get("log", path.name))


@cache
def report_for(path: Path) -> Report:
    expect = expectation(path)
    if "files" not in expect:
        return explain(capture_of(path))
    from corpus_files import job_files

    from bootdiag.app.run import Job, explain_job

    return explain_job(Job(capture=capture_of(path), **job_files(path.parent, expect["files"])))


def test_every_capture_is_read_by_a_case() -> None:
    orphans = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.glob("*/*.log") if p not in set(CASES) | {capture_of(c) for c in CASES})
    assert not orphans, f"captures without an expectation: {orphans}"


def finding_ids(report: Report) -> list[str]:
    return [f.id for f in report.findings]


def case_path(name: str) -> Path:
    return CORPUS / f"{name}.log"


@pytest.mark.parametrize("path", CASES, ids=case_name)
def test_case_matches_its_expectation(path: Path) -> None:
    expect = expectation(path)
    report = report_for(path)
    ids = finding_ids(report)
    where = f"{case_name(path)}: findings {ids}"
    assert report.status == expect["status"], where
    assert report.exit_code == {"healthy": 0, "diagnosed": 1, "unexplained": 3, "incomplete": 6, "unrecognised": 5}[expect["status"]]
    if "top" in expect:
        assert ids[0] == expect["top"], where
    for rule_id in expect.get("findings", []):
        assert rule_id in ids, f"{where}: {rule_id} missing"
    for rule_id in expect.get("absent", []):
        assert rule_id not in ids, f"{where}: near-miss {rule_id} fired"
    if expect.get("evidence"):
        if report.findings:
            shown = {e.line for e in report.findings[0].evidence}
        else:
            shown = {e.line for e in report.unexplained}
        missing = sorted(set(expect["evidence"]) - shown)
        assert not missing, f"{where}: evidence lines {missing} not shown (shown: {sorted(shown)})"
    if report.findings:
        top = report.findings[0]
        assert top.evidence and top.fix, f"{where}: a finding shows evidence and a fix"
        assert "[template error" not in top.explanation + " ".join(top.fix), f"{where}: {top.explanation}"


@pytest.mark.parametrize("path", CASES + REAL, ids=case_name)
def test_report_json_is_what_pydantic_writes(path: Path) -> None:
    # The report writes its own JSON (no serializer built at run time): byte for byte the dump of
    # the report's pydantic model, which is what defines the schema.
    import json

    report = report_for(path)
    theirs = Report.pydantic_model().model_validate(report.model_dump()).model_dump(mode="json", by_alias=True)
    mine = report.to_json_dict()
    assert json.dumps(mine, indent=2, ensure_ascii=False) == json.dumps(theirs, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("path", CASES, ids=case_name)
def test_findings_belong_to_the_case_platform(path: Path) -> None:
    """Another platform's rules fire on a capture only where its expectation says so.

    (MCUboot on an ESP32 may rightly show an ESP ROM finding; an unexpected one is a rule that is too loose.)
    """
    expect = expectation(path)
    expected = set(expect.get("findings", [])) | ({expect["top"]} if "top" in expect else set())
    foreign = [f.id for f in report_for(path).findings if f.platform != path.parent.name and f.id not in expected]
    assert not foreign, f"{case_name(path)}: rules of another platform fired: {foreign}"


@pytest.mark.parametrize("path", CASES, ids=case_name)
def test_expectation_names_known_rules(path: Path) -> None:
    expect = expectation(path)
    named = ([expect["top"]] if "top" in expect else []) + expect.get("findings", []) + expect.get("absent", [])
    unknown = sorted(set(named) - RULE_IDS)
    assert not unknown, f"{case_name(path)}: no such rule {unknown}"


def _skip_unshipped_platform(rule: Rule) -> None:
    # Only a platform with neither a corpus directory nor a shipped rule file may lack cases.
    if not (CORPUS / rule.platform).is_dir() and not (data_dir("rules") / f"{rule.platform}.toml").is_file():
        pytest.skip(f"platform {rule.platform} has no corpus and no rule file yet")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_is_triggered_by_its_corpus_cases(rule: Rule) -> None:
    _skip_unshipped_platform(rule)
    assert rule.corpus, f"{rule.id}: names no corpus case"
    for name in rule.corpus:
        path = case_path(name)
        assert path in CASES or path in REAL, f"{rule.id}: corpus case {name} does not exist ({path.with_suffix(EXPECT_SUFFIX)})"
        report = report_for(path)
        if rule.benign:  # it names no cause: the failures it covers leave nothing unexplained
            assert report.status in ("healthy", "incomplete"), f"{rule.id}: case {name} is {report.status}"
        else:
            assert rule.id in finding_ids(report), f"{rule.id}: case {name} does not give it"


@pytest.mark.parametrize("rule", [r for r in RULES if not r.benign], ids=lambda r: r.id)
def test_rule_has_a_near_miss(rule: Rule) -> None:
    _skip_unshipped_platform(rule)
    near_misses = [case_name(p) for p in CASES + REAL if rule.id in expectation(p).get("absent", [])]
    assert near_misses, f"{rule.id}: no corpus case lists it in 'absent'"


def test_every_case_is_checked_by_a_rule_or_is_a_near_miss() -> None:
    """A case no rule names and no expectation pins down would test nothing."""
    listed = {name for rule in RULES for name in rule.corpus}
    idle = [case_name(p) for p in CASES
            if case_name(p) not in listed and not expectation(p).get("absent") and expectation(p)["status"] != "healthy"]
    assert not idle, f"cases that check nothing: {idle}"


def _cli(path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BOOTDIAG_DEBUG", "NO_COLOR")}
    return subprocess.run([sys.executable, "-m", "bootdiag", "explain", str(path)], capture_output=True, text=True,
                          timeout=120, env=env)


def _cli_sample() -> list[Path]:
    alone = [p for p in CASES if "files" not in expectation(p)]
    healthy = [p for p in alone if expectation(p)["status"] == "healthy"]
    diagnosed = [p for p in alone if expectation(p)["status"] == "diagnosed"]
    # Every healthy case on the ESP32 platform, the first healthy case of any other, and one diagnosed case.
    sample = [p for p in healthy if p.parent.name == "esp-idf"]
    seen = {"esp-idf"}
    for p in healthy:
        if p.parent.name not in seen:
            seen.add(p.parent.name)
            sample.append(p)
    return sample + diagnosed[:1]


@pytest.mark.parametrize("path", _cli_sample(), ids=case_name)
def test_cli_exit_status(path: Path) -> None:
    proc = _cli(path)
    expected = {"healthy": 0, "diagnosed": 1, "unexplained": 3, "incomplete": 6, "unrecognised": 5}[expectation(path)["status"]]
    assert proc.returncode == expected, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_bundled_example_is_diagnosed() -> None:
    example, expected = bundled_example()
    assert example.is_file()
    report = explain(example)
    assert report.status == "diagnosed"
    assert report.findings[0].id == expected == "esp.image_modified_after_signing"
    lines = {e.line for e in report.findings[0].evidence}
    text = example.read_bytes().decode("utf-8", "replace").splitlines()
    assert any("Sig block 0 invalid" in text[n - 1] for n in lines), "the ROM's digest line is part of the evidence"


# ------------------------------------------------------------------ captures from public threads
HEALTHY_FLAGGED = {"diagnosed", "unexplained"}


@pytest.mark.parametrize("path", REAL, ids=case_name)
def test_real_capture_is_never_called_healthy_over_a_failure_nor_flagged_when_healthy(path: Path) -> None:
    expect = expectation(path)
    report = report_for(path)
    where = f"{case_name(path)} ({expect['cause']}): {report.status} {finding_ids(report)}"
    if expect["cause"] == "healthy":
        assert report.status not in HEALTHY_FLAGGED, where
    else:
        assert report.status != "healthy", where
    for rule_id in expect.get("absent", []):
        assert rule_id not in finding_ids(report), f"{where}: near-miss {rule_id} fired"


def _right(path: Path) -> bool:
    expect, report = expectation(path), report_for(path)
    cause = expect["cause"]
    if cause == "healthy":
        # A paste that stops before the completion the thread reports cannot show it: `incomplete`.
        return report.status == "healthy" or ("truncated" in expect.get("paste", []) and report.status == "incomplete")
    if cause.startswith("other:"):
        return report.status == "unexplained" or (report.top is not None and report.top.confidence == "low")
    return report.top is not None and report.top.id == cause


# What bench/accuracy.py measures on the same captures. A thread that settled nothing
# ("other:cause_not_found") counts as right only where the report says so (unexplained, or a low
# finding), so the share over all captures moves with how many such threads the corpus holds: it keeps
# the bench's target. The share over captures whose cause a thread established is the one that only
# ever goes up.
ACCURACY_TARGET = 0.90
SETTLED_ACCURACY_FLOOR = 0.93


def _settled(path: Path) -> bool:
    return expectation(path)["cause"] != "other:cause_not_found"


def test_real_captures_top1_accuracy_floor() -> None:
    right = sum(_right(p) for p in REAL)
    assert right / len(REAL) >= ACCURACY_TARGET, f"{right} of {len(REAL)} real captures right"
    settled = [p for p in REAL if _settled(p)]
    right = sum(_right(p) for p in settled)
    assert right / len(settled) >= SETTLED_ACCURACY_FLOOR, f"{right} of {len(settled)} settled real captures right"


def test_real_corpus_shape() -> None:
    """At least 150 captures, about one in six healthy, every platform represented."""
    causes = [expectation(p)["cause"] for p in REAL]
    assert len(REAL) >= 150
    assert 0.12 <= causes.count("healthy") / len(REAL) <= 0.25
    assert {expectation(p)["platform"] for p in REAL} == {"esp", "mcuboot", "tegra"}
    for p in REAL:
        expect = expectation(p)
        assert expect["source"].startswith("http"), case_name(p)
        assert expect["cause"] == "healthy" or expect["cause"].startswith("other:") or expect["cause"] in RULE_IDS, case_name(p)

"""Every capture in corpus/mcuboot/ gives what its .expect.toml says (status, top, findings, absent, evidence)."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bootdiag.core.pipeline import explain

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "mcuboot"
CASES = sorted(p.name.removesuffix(".expect.toml") for p in CORPUS.glob("*.expect.toml"))


@pytest.mark.parametrize("case", CASES)
def test_case(case: str) -> None:
    expect = tomllib.loads((CORPUS / f"{case}.expect.toml").read_text())
    report = explain(CORPUS / f"{case}.log")
    ids = [f.id for f in report.findings]
    assert report.status == expect["status"], (ids, [u.text for u in report.unexplained])
    if "top" in expect:
        assert ids and ids[0] == expect["top"], ids
    for rule_id in expect.get("findings", []):
        assert rule_id in ids
    for rule_id in expect.get("absent", []):
        assert rule_id not in ids, ids
    if expect.get("evidence"):
        lines = {e.line for e in report.findings[0].evidence}
        assert set(expect["evidence"]) <= lines, sorted(lines)

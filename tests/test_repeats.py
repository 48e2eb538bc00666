"""Boot loops: repeated lines are recognised without parsing, and repeats no rule reads are skipped.

Both are shortcuts, so the test is differential: every capture must give the same report with and
without them.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bootdiag.pipeline import Analyzer
from bootdiag.report import Report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from generate import capture_bytes  # noqa: E402

CAPTURES = sorted((ROOT / "corpus").glob("*/*.log"))


def report(data: bytes, shortcuts: bool) -> Report:
    analyzer = Analyzer("<capture>", every_event=not shortcuts)
    for start in range(0, len(data), 4096):  # blocks end mid-boot, as reads do
        analyzer.feed_bytes(data[start : start + 4096])
    return analyzer.finish()


def comparable(r: Report) -> dict:
    out = r.model_dump()
    out["stats"].pop("events")  # skipped repeats are not events: the one figure that differs
    return out


@pytest.mark.parametrize("path", CAPTURES + ["bootloop", "healthy"], ids=lambda p: getattr(p, "stem", p))
def test_the_same_report_with_and_without_repeat_shortcuts(path: Path | str) -> None:
    data = capture_bytes(path, 3000) if isinstance(path, str) else path.read_bytes()
    # Twice over: the second copy is all repeats.
    assert comparable(report(data + data, True)) == comparable(report(data + data, False))


def test_a_boot_loop_skips_most_repeats_and_counts_every_boot() -> None:
    data = capture_bytes("bootloop", 3700)
    fast, slow = report(data, True), report(data, False)
    assert fast.stats["events"] < slow.stats["events"] / 2
    assert fast.findings[0].occurrences == slow.findings[0].occurrences == 100

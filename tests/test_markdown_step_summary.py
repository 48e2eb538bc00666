"""GITHUB_STEP_SUMMARY: explain and report append their Markdown report to the job summary."""
from __future__ import annotations

from pathlib import Path

import pytest
from test_redact import SEED, run_bootdiag, seed_with_identifiers

from bootdiag.app.ci_summary import append_step_summary
from bootdiag.app.environment import Environment
from bootdiag.core.report import Report

pytestmark = pytest.mark.skipif(not SEED.is_file(), reason="shared/seeds is not beside the checkout")


def test_explain_appends_markdown_and_keeps_stdout_format(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("## Earlier step\n\n")
    capture = seed_with_identifiers(tmp_path)
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    first = run_bootdiag("explain", str(capture), "--format", "json", env=env)
    second = run_bootdiag("explain", str(capture), "--redact", env=env)
    assert (first.returncode, second.returncode) == (1, 1)
    assert first.stdout.startswith("{"), "stdout keeps the requested format"
    text = summary.read_text()
    assert text.startswith("## Earlier step\n\n## Root cause: Image is not signed (`esp.unsigned_image`)")
    assert text.count("## Root cause: Image is not signed") == 2
    unredacted, redacted = text.split("## Root cause:")[1:]
    assert "alice" in unredacted and "alice" not in redacted and "home/&lt;user&gt;/boot.log" in redacted


def test_report_command_appends_too(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    proc = run_bootdiag("report", str(seed_with_identifiers(tmp_path)), "-o", str(tmp_path / "b.zip"),
                        env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert proc.returncode == 1, proc.stderr
    assert "`esp.unsigned_image`" in summary.read_text()


def test_opt_out_and_unset(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    report = Report(source="b.log", status="healthy", findings=[], stats={"events": 3})
    def target(variables: dict[str, str]) -> Path | None:
        return Environment(variables=variables).step_summary

    assert append_step_summary(report, target({})) is False
    assert append_step_summary(report, target({"GITHUB_STEP_SUMMARY": str(summary), "BOOTDIAG_STEP_SUMMARY": "0"})) is False
    assert not summary.exists()
    assert append_step_summary(report, target({"GITHUB_STEP_SUMMARY": str(summary)})) is True
    assert summary.read_text().startswith("## bootdiag: no boot failure found")


def test_unwritable_summary_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    proc = run_bootdiag("explain", str(seed_with_identifiers(tmp_path)),
                        env={"GITHUB_STEP_SUMMARY": str(tmp_path / "missing-dir" / "summary.md")})
    assert proc.returncode == 1
    assert "root cause: Image is not signed" in proc.stdout
    assert proc.stderr.startswith("bootdiag: warning: cannot append to GITHUB_STEP_SUMMARY")

"""The text report as a busy reader meets it, for the bundled example and every corpus capture at
80 columns: the verdict (root cause, confidence, deciding line, first fix) within 12 rows, no row
wider than the terminal, no URL broken across rows, and everything in JSON and Markdown kept."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from bootdiag.app.example import bundled_example
from bootdiag.core.pipeline import explain
from bootdiag.core.report import Report
from bootdiag.render.markdown import markdown_text
from bootdiag.render.terminal import render_terminal, wrap

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
CAPTURES = sorted(CORPUS.rglob("*.log"))
WIDTH = 80
VERDICT_ROWS = 12
URL = re.compile(r"https?://[^\s>)`'\"]+")


@cache
def report_of(path: Path) -> Report:
    return explain(path)


def text(report: Report, detail: str = "normal", width: int = WIDTH) -> str:
    out = io.StringIO()
    render_terminal(report, out, width=width, detail=detail)  # type: ignore[arg-type]
    return out.getvalue()


def verdict(rendered: str) -> list[str]:
    """The rows before the first blank one."""
    return rendered.split("\n\n", 1)[0].splitlines()


def urls(report: Report) -> set[str]:
    return {u.rstrip(".,;:") for u in URL.findall(json.dumps(report.to_json_dict(), ensure_ascii=False))}


def check_layout(report: Report, where: str) -> None:
    for detail in ("normal", "verbose"):
        rendered = text(report, detail)
        for row in rendered.splitlines():
            # A URL is never cut: a row holding only one may be wider than the terminal.
            alone = row.strip()  # a link alone on its row, maybe in the brackets or quotes it was printed in
            assert len(row) <= WIDTH or (" " not in alone and URL.search(alone)), f"{where} ({detail}): {len(row)} columns: {row!r}"
        if detail == "verbose":  # every link the report holds is there, on one row
            for url in urls(report):
                assert url in rendered, f"{where}: {url} split or missing"
    rows = verdict(text(report))
    assert len(rows) <= VERDICT_ROWS, f"{where}: verdict is {len(rows)} rows:\n" + "\n".join(rows)
    top = report.top
    if top is not None:
        joined = " ".join(r.strip() for r in rows)
        assert rows[0].startswith("root cause: ")
        assert f"{top.confidence} confidence" in joined
        if top.deciding_line:
            assert f"line {top.deciding_line}: " in joined, f"{where}: the deciding line is not in the verdict"
        assert "fix: " + " ".join(top.fix[0].split())[:40] in " ".join(joined.split()), f"{where}: the first fix is not in the verdict"


def test_the_example_reads_as_three_layers() -> None:
    path, expected = bundled_example()
    report = report_of(path)
    rendered = text(report)
    rows = verdict(rendered)
    assert rows[0].startswith("root cause: Image changed after it was signed")
    assert any("line 77: Sig block 0 invalid: Image digest does not match" in r for r in rows)
    assert any(r.lstrip().startswith("fix: esptool.py write_flash --flash_mode keep") for r in rows)
    assert [h for h in rendered.splitlines() if h and not h.startswith(" ") and not h.startswith("root cause")] == [
        "why", "evidence", "other fixes", next(r for r in rendered.splitlines() if r.startswith("--verbose adds")),
    ]
    assert "possible causes (" not in rendered and "https://" not in rendered  # layer three waits for --verbose
    verbose = text(report, "verbose")
    assert "possible causes (" in verbose and "docs" in verbose.splitlines() and "context" in verbose.splitlines()
    check_layout(report, "example")


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_corpus_report_fits_80_columns(path: Path) -> None:
    check_layout(report_of(path), str(path.relative_to(CORPUS)))


def test_quiet_is_one_line_per_finding() -> None:
    for path in CAPTURES:
        report = report_of(path)
        rows = text(report, "quiet").splitlines()
        expected = max(1, len(report.findings)) + len(report.warnings) + sum(len(f.contradicts) for f in report.files)
        assert len(rows) == expected, f"{path.name}: {rows}"


def test_markdown_and_json_keep_everything() -> None:
    report = report_of(bundled_example()[0])
    md = markdown_text(report)
    top = report.top
    assert all(url in md for url in top.docs)
    assert all(c.cause in md for c in top.candidates)
    assert report.context["esp_idf"] in md
    data = report.to_json_dict()
    assert data["findings"][0]["deciding_line"] == 77 and data["findings"][0]["candidates"]


@pytest.mark.parametrize("width", [40, 57, 80, 132])
def test_wrap_hangs_and_never_splits_a_url(width: int) -> None:
    url = "https://docs.espressif.com/projects/esp-idf/en/stable/esp32s3/security/secure-boot-v2.html#multiple-keys"
    text_ = "See " + url + " and 0x" + "ab" * 60 + " for the " + "words " * 30
    rows = wrap(text_, width, "  fix: ", "       ")
    assert rows[0].startswith("  fix: ") and all(r.startswith("       ") for r in rows[1:])
    assert any(url in r for r in rows)
    assert all(len(r) <= width for r in rows if r.strip() != url)


@pytest.mark.parametrize("wrapped", ["`{}`", "<{}>", "({})", "'{}'", "see {}."])
def test_a_url_in_brackets_or_quotes_is_not_split(wrapped: str) -> None:
    url = "https://docs.espressif.com/projects/esp-idf/en/latest/esp32c3/api-guides/app-image-format.html#application-description"
    rows = wrap("E (40) boot: something failed, " + wrapped.format(url), 80, "  2  ", "     ")
    assert any(url in r for r in rows), rows


def test_the_cli_wraps_to_columns_and_to_100_in_a_pipe() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "BOOTDIAG_DEBUG")}

    def rows(extra: dict[str, str]) -> list[str]:
        proc = subprocess.run([sys.executable, "-m", "bootdiag", "explain", "--example"], capture_output=True, text=True,
                              timeout=120, env={**env, **extra})
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.splitlines()

    piped = rows({})
    assert max(len(r) for r in piped) <= 100 and max(len(r) for r in piped) > 90
    assert max(len(r) for r in rows({"COLUMNS": "60"})) <= 60

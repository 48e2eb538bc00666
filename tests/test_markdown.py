"""Markdown for bug reports: root cause heading, fix, collapsed evidence, findings table, environment."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_redact import IDENTIFIERS, SEED, run_bootdiag, seed_with_identifiers

from bootdiag.render.markdown import escape, fix_step, markdown_text
from bootdiag.core.report import Evidence, Finding, Report
from bootdiag.core.rules import Candidate


def finding(rule_id: str, title: str, lines: list[int], **extra: object) -> Finding:
    fields: dict[str, object] = dict(
        id=rule_id, title=title, platform="esp-idf", confidence="high",
        explanation=f"{title}: see line {lines[0]}.",
        evidence=[Evidence(line=n, text=f"E ({n}) boot: line {n}", event="EspLog") for n in lines],
        fix=["espsecure.py sign_data --version 2 --keyfile <key.pem> --output signed.bin build/<app>.bin   (same key as the bootloader)"],
        first_line=lines[0], last_line=lines[-1],
    )
    fields.update(extra)
    return Finding(**fields)  # type: ignore[arg-type]


def details_blocks(md: str) -> list[str]:
    return re.findall(r"<details[^>]*><summary>.*?</summary>\n\n(.*?)\n\n</details>", md, re.S)


@pytest.mark.skipif(not SEED.is_file(), reason="shared/seeds is not beside the checkout")
def test_seed_003_with_identifiers_as_redacted_markdown(tmp_path: Path) -> None:
    proc = run_bootdiag("explain", str(seed_with_identifiers(tmp_path)), "--format", "markdown", "--redact")
    md = proc.stdout
    assert proc.returncode == 1, proc.stderr
    assert md.startswith("## Root cause: Image is not signed (`esp.unsigned_image`)\n")
    # The fix, with its command as code and the placeholders in it readable.
    assert "- `espsecure.py sign_data --version 1 --keyfile <app signing key.pem> --output app-signed.bin build/app.bin`" in md
    assert "ship the resulting build/&lt;app&gt;.bin" in md
    evidence = details_blocks(md)[0]
    assert evidence.startswith("```text\n") and evidence.endswith("\n```")
    assert re.search(r"^44  E \(296835\) secure_boot_v1: image has invalid signature version field 0xf6b60c7a$", evidence, re.M)
    assert "<summary>Evidence: 3 lines from /tmp" in md
    assert "| Chip | esp32 |" in md and "| esptool | 4.7.0 |" in md
    for secret in IDENTIFIERS:
        assert secret not in md


def test_several_findings_get_a_table_and_each_its_own_details() -> None:
    report = Report(
        source="boot.log", status="diagnosed",
        findings=[finding("esp.first", "First cause", [10, 12]), finding("esp.second", "Second | piped", [40], confidence="low")],
    )
    md = markdown_text(report)
    assert "### All findings" in md
    assert "| 1 | First cause | `esp.first` | high | 10, 12 |" in md
    assert "| 2 | Second \\| piped | `esp.second` | low | 40 |" in md
    assert "<summary>2. Second | piped (`esp.second`)</summary>" in md
    assert md.count("<details>") == md.count("</details>") == 3  # first's evidence, the second finding, its evidence


def test_single_finding_has_no_table() -> None:
    md = markdown_text(Report(source="b.log", status="diagnosed", findings=[finding("esp.only", "Only", [3])]))
    assert "All findings" not in md


def test_occurrences_candidates_docs_and_verification() -> None:
    f = finding(
        "esp.generic", "Generic failure", [5, 9], occurrences=3, last_line=90,
        candidates=[Candidate(cause="Key <a> differs", predicts="`digest` mismatch", check="bootdiag verify x.bin")],
        docs=["https://docs.espressif.com/x"],
    )
    report = Report(source="b.log", status="diagnosed", findings=[f], verification=[
        {"path": "app.bin", "format": "esp", "ok": False, "problems": [{"id": "esp.sbv2.digest_mismatch", "message": "digest | differs"}]},
        {"path": "boot.bin", "format": "esp", "ok": True, "problems": []},
    ])
    md = markdown_text(report)
    assert "seen 3 times (lines 5 to 90)" in md
    assert "1. Key &lt;a&gt; differs" in md and "Predicts: `digest` mismatch" in md
    assert "**Docs:** <https://docs.espressif.com/x>" in md
    assert "| app.bin | esp | `esp.sbv2.digest_mismatch`: digest \\| differs |" in md
    assert "| boot.bin | esp | valid |" in md


def test_environment_lists_versions_from_the_log_first() -> None:
    report = Report(
        source="b.log", status="healthy", findings=[], stats={"lines": 120, "events": 9, "sessions": 2},
        context={"zzz_custom": "1", "esp_idf": "v5.1.2", "chip": "esp32s3", "esptool": "4.7.0", "mcuboot": "2.1.0", "l4t": "R35.4.1", "tf-m": "v2.0.0"},
    )
    md = markdown_text(report)
    rows = re.findall(r"^\| (.+?) \| (.+?) \|$", md.split("### Environment")[1], re.M)
    assert [label for label, _ in rows] == ["bootdiag", "Chip", "ESP-IDF", "esptool", "MCUboot", "TF-M", "L4T", "zzz_custom", "Capture"]
    assert rows[0][1].endswith("(report schema bootdiag.report/1)")
    assert rows[-1][1] == "b.log: 120 lines, 2 boot/tool sessions"
    assert md.startswith("## bootdiag: no boot failure found")


def test_unexplained_and_nothing_to_judge() -> None:
    lines = [Evidence(line=7, text="E (7) boot: ```odd``` failure", event="EspLog")]
    md = markdown_text(Report(source="u.log", status="unexplained", findings=[], unexplained=lines, stats={"events": 1}))
    assert md.startswith("## bootdiag: unexplained failure")
    block = details_blocks(md)[0]
    assert block.startswith("````text\n7  E (7) boot: ```odd``` failure\n````"), "a fence longer than any backtick run inside"
    empty = markdown_text(Report(source="x.bin", status="unrecognised", findings=[], stats={"lines": 3, "events": 0}))
    assert empty.startswith("## bootdiag: nothing recognised")


def test_long_evidence_lines_are_cut() -> None:
    f = finding("esp.x", "X", [1])
    f.evidence = [Evidence(line=1, text="A" * 20000, event="EspLog")]
    md = markdown_text(Report(source="b.log", status="diagnosed", findings=[f]))
    assert "A" * 400 + " [...]" in md and "A" * 401 not in md


@pytest.mark.parametrize(
    "step,expected",
    [
        ("espsecure.py sign_data --keyfile <k.pem> app.bin   (same key)", "`espsecure.py sign_data --keyfile <k.pem> app.bin` (same key)"),
        ("Check: espsecure.py verify_signature --version 1|2 x.bin before sending it",
         "Check: `espsecure.py verify_signature --version 1|2 x.bin` before sending it"),
        ("List the ports: python -m serial.tools.list_ports -v, then pass it with -p",
         "List the ports: `python -m serial.tools.list_ports -v` , then pass it with -p"),
        ("Or: bootdiag verify signed.bin --efuse <summary>  (says which digest)", "Or: `bootdiag verify signed.bin --efuse <summary>` (says which digest)"),
        ("Flash encrypted with `idf.py encrypted-flash` (or <x>)", "Flash encrypted with `idf.py encrypted-flash` (or &lt;x&gt;)"),
        ("Raise the log level to see the ROM's reason * line", "Raise the log level to see the ROM's reason \\* line"),
        ("Release the pin and run esptool.py again", "Release the pin and run esptool.py again"),
    ],
)
def test_fix_step(step: str, expected: str) -> None:
    assert fix_step(step) == expected


def test_escape_keeps_code_spans_and_intraword_underscores() -> None:
    assert escape("CONFIG_SECURE_BOOT `a<b>_c` <mac-1> [x] _y_") == "CONFIG_SECURE_BOOT `a<b>_c` &lt;mac-1&gt; \\[x\\] \\_y\\_"


def test_rendered_markdown_has_no_stray_html() -> None:
    """Through a CommonMark parser, the only HTML is our own <details>/<summary>/<br>: every
    placeholder and <angle> word in prose or tables is text, so GitHub shows it instead of dropping it."""
    markdown_it = pytest.importorskip("markdown_it")
    f = finding(
        "esp.x", "Key <a> | b", [3], explanation="MAC <mac-1> at /home/<user>/x & `code <kept>`",
        candidates=[Candidate(cause="<c>", predicts="<p>", check="<k>")],
    )
    report = Report(source="/home/<user>/b.log", status="diagnosed", findings=[f, finding("esp.y", "<y>", [9])],
                    context={"chip": "<chip>"},
                    verification=[{"path": "<img>", "format": "esp", "ok": False, "problems": [{"id": "esp.image.bad_magic", "message": "<m>"}]}])
    parser = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table")
    tokens = parser.parse(markdown_text(report))
    html = [t.content for t in tokens if t.type == "html_block"]
    html += [c.content for t in tokens if t.children for c in t.children if c.type == "html_inline"]
    assert html and all(re.fullmatch(r"\s*(</?details( open)?>|<summary>|</summary>|<br>)[\s\S]*", h) for h in html), html
    text = parser.render(markdown_text(report))
    for word in ("&lt;mac-1&gt;", "/home/&lt;user&gt;/x", "<code>code &lt;kept&gt;</code>", "Key &lt;a&gt; | b", "&lt;chip&gt;", "&lt;m&gt;"):
        assert word in text

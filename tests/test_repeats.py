"""Boot loops: repeated lines are recognised without parsing, and repeats no rule reads are skipped.

Both are shortcuts, so the test is differential: every capture must give the same report with and
without them.
"""
from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from bootdiag.core.pipeline import Analyzer
from bootdiag.core.report import Report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from generate import capture_bytes  # noqa: E402

CAPTURES = sorted((ROOT / "corpus").glob("*/*.log"))


def made(data: bytes, shortcuts: bool) -> tuple[Report, int]:
    """The report, and how many events were made (a skipped repeat is counted, not made)."""
    analyzer = Analyzer("<capture>", every_event=not shortcuts)
    events = 0
    for start in range(0, len(data), 4096):  # blocks end mid-boot, as reads do
        events += len(analyzer.feed_bytes(data[start : start + 4096]))
    return analyzer.finish(), events


def report(data: bytes, shortcuts: bool) -> Report:
    return made(data, shortcuts)[0]


def comparable(r: Report) -> dict:
    return r.model_dump()  # stats included: a skipped repeat still counts as an event


@pytest.mark.parametrize("path", CAPTURES + ["bootloop", "healthy"], ids=lambda p: getattr(p, "stem", p))
def test_the_same_report_with_and_without_repeat_shortcuts(path: Path | str) -> None:
    data = capture_bytes(path, 3000) if isinstance(path, str) else path.read_bytes()
    # Twice over: the second copy is all repeats.
    assert comparable(report(data + data, True)) == comparable(report(data + data, False))


def test_a_boot_loop_skips_most_repeats_and_counts_every_boot() -> None:
    data = capture_bytes("bootloop", 3700)
    (fast, fast_made), (slow, slow_made) = made(data, True), made(data, False)
    assert fast_made < slow_made / 2
    assert fast.stats == slow.stats
    assert fast.findings[0].occurrences == slow.findings[0].occurrences == 100


def test_a_repeat_in_a_new_boot_counts_even_when_the_last_boot_had_it(tmp_path: Path) -> None:
    # A rule that needs an ordinary line (no failure) in every boot: each boot of a loop read in
    # one piece must count, though the line repeats the previous boot's word for word.
    from bootdiag.core.rules import load_rule_file

    rule_file = tmp_path / "r.toml"
    rule_file.write_text(
        '[[rule]]\nid = "t.flash_config_seen"\ntitle = "t"\nplatform = "esp-idf"\n'
        'when.all = [ { event = "BootFlashConfig", as = "cfg" } ]\nexplain = "seen at {cfg.line}"\nfix = ["none"]\n'
    )
    rules = load_rule_file(rule_file)
    data = capture_bytes("bootloop", 3700)  # 100 boots
    for size in (len(data), 4096, 1000):  # one block, or blocks that end inside a boot
        for every_event in (False, True):
            analyzer = Analyzer("<capture>", rules, every_event=every_event)
            for start in range(0, len(data), size):
                analyzer.feed_bytes(data[start : start + size])
            report = analyzer.finish()
            assert report.findings[0].occurrences == 100, (size, every_event)


def _app_capture(numbers: Iterable[int]) -> bytes:
    boot = capture_bytes("healthy", 40)  # a clean boot that reaches the app
    app = "".join(f"\x1b[0;33mW ({1000 + n}) wifi: no AP found, attempt {n}\x1b[0m\r\n" for n in numbers)
    return boot + app.encode()


def test_an_application_message_of_a_known_shape_is_read_the_long_way_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from bootdiag.core.parse import LineParser

    long_way: list[str] = []
    parse_new = LineParser._parse_new
    monkeypatch.setattr(LineParser, "_parse_new", lambda self, text, no: long_way.append(text) or parse_new(self, text, no))
    numbers = range(10, 70)  # numbers of one length: one shape
    data = _app_capture(numbers)
    fast = report(data, True)
    assert sum("attempt" in line for line in long_way) == 1, "the other messages have its shape"
    long_way.clear()
    assert comparable(fast) == comparable(report(data, False))
    assert sum("attempt" in line for line in long_way) == len(numbers)


def test_a_rule_that_reads_the_digits_of_a_message_of_a_known_shape_still_sees_them(tmp_path: Path) -> None:
    from bootdiag.core.rules import load_rule_file

    rule_file = tmp_path / "r.toml"
    rule_file.write_text(
        '[[rule]]\nid = "t.seventeenth"\ntitle = "t"\nplatform = "esp-idf"\n'
        'when.all = [ { event = "EspLog", where = { msg = { re = "attempt 17$" } }, as = "a" } ]\n'
        'explain = "at {a.line}"\nfix = ["none"]\n'
    )
    rules = load_rule_file(rule_file)
    data = _app_capture(range(1, 30))
    for every_event in (False, True):
        analyzer = Analyzer("<capture>", rules, every_event=every_event)
        analyzer.feed_bytes(data)
        found = analyzer.finish().findings
        assert [f.id for f in found] == ["t.seventeenth"], every_event
        assert data.decode().splitlines()[found[0].first_line - 1].endswith("attempt 17\x1b[0m")


def test_a_line_cut_short_counts_each_time_it_repeats() -> None:
    # The long way reads a cut line as the catalogue message it begins, not as the generic line
    # the envelope gives: a repeat of it must not be answered with the generic line.
    line = b"E (116) esp_image: image at 0x20000 has in\r\n"
    data = capture_bytes("healthy", 12) + line + b"rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n" + line
    fast, slow = report(data, True), report(data, False)
    assert comparable(fast) == comparable(slow)
    assert fast.findings and fast.findings[0].occurrences == 2


def test_a_shape_not_needed_in_one_session_is_needed_again_in_the_next(tmp_path: Path) -> None:
    # Lines of one shape that a rule reads once per session: after the first in a session, the
    # others are only counted (the shape is settled); a new boot must read the first one again.
    from bootdiag.core.rules import load_rule_file

    rule_file = tmp_path / "r.toml"
    rule_file.write_text(
        '[[rule]]\nid = "t.no_ap"\ntitle = "t"\nplatform = "esp-idf"\n'
        'when.all = [ { event = "EspLog", where = { tag = "wifi", msg = { re = "^no AP found, attempt \\\\d+$" } }, as = "a" } ]\n'
        'explain = "at {a.line}"\nfix = ["none"]\n'
    )
    rules = load_rule_file(rule_file)
    data = _app_capture(range(10, 70)) * 3  # three boots, each with its run of app lines
    answers = []
    for every_event in (False, True):
        analyzer = Analyzer("<capture>", rules, every_event=every_event)
        for start in range(0, len(data), 700):
            analyzer.feed_bytes(data[start : start + 700])
        answer = analyzer.finish()
        answers.append((comparable(answer), answer.stats["events"]))
        assert [(f.id, f.occurrences) for f in answer.findings] == [("t.no_ap", 3)], every_event
    assert answers[0] == answers[1]

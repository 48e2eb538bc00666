"""Repeated boot sessions are counted without reading their lines again, and the report is the same.

The shortcut is differential by nature: every corpus capture (real ones included) and both bench
captures must give the same report, as JSON, with it and without it, read in one block or in small
ones, alone or repeated so that its sessions repeat. A live view must see the same at every block.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bootdiag.core.lines import LineSplitter
from bootdiag.core.parse import LineParser
from bootdiag.core.pipeline import Analyzer, default_rules

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from generate import capture_bytes  # noqa: E402

CAPTURES = sorted((ROOT / "corpus").rglob("*.log"))


def analyse(data: bytes, counted: bool, block: int) -> Analyzer:
    # Read to the end, as explain reads: a session that may repeat and that a block ends inside
    # waits for the next block.
    analyzer = Analyzer("<capture>", repeated_sessions=counted, reads_to_end=counted)
    for start in range(0, len(data), block):
        analyzer.feed_bytes(data[start : start + block])
    return analyzer


def reports(data: bytes, block: int) -> tuple[dict, dict, int]:
    on, off = analyse(data, True, block), analyse(data, False, block)
    counted = on.repeats.counted if on.repeats is not None else 0
    return on.finish().to_json_dict(), off.finish().to_json_dict(), counted


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: str(p.relative_to(ROOT / "corpus")))
def test_every_corpus_capture_gives_the_same_report_with_repeats_counted(path: Path) -> None:
    data = path.read_bytes()
    if not data.endswith(b"\n"):
        data += b"\n"
    # Alone, and six times over (its sessions then repeat: read, learnt, counted), in one block
    # and in blocks that end inside sessions. Read without the shortcut, six copies are read once,
    # in one block: the counted reading must agree with it however its blocks are cut.
    on, off, _counted = reports(data, len(data))
    assert on == off
    six = data * 6
    off = analyse(six, False, len(six)).finish().to_json_dict()
    for block in (len(six), 4096):
        assert analyse(six, True, block).finish().to_json_dict() == off, block


@pytest.mark.parametrize("shape", ["bootloop", "healthy"])
def test_the_bench_captures_give_the_same_report_with_repeats_counted(shape: str) -> None:
    data = capture_bytes(shape, 20_000)
    for block in (1 << 16, 1000, len(data)):
        on, off, counted = reports(data, block)
        assert on == off, block
        if shape == "bootloop" and block > 1000:
            # 541 boots (the last cut short, before it fails): the first four are read (one to
            # say where a boot ends, one to learn it, and the ROM's count of restarts that ended a
            # started boot settles at two), and the last, still open at the end.
            assert counted == 536, block
            assert on["findings"][0]["occurrences"] == 540


def test_repeats_are_counted_in_nearly_every_capture_of_several_sessions() -> None:
    # Not a shortcut that never fires: six copies of a capture repeat its sessions (the last one
    # is still open at the end, so it is read). A capture whose copies open no session of their
    # own (no boot banner, a forum post) has nothing to count.
    several = counted = 0
    for path in CAPTURES:
        data = path.read_bytes().rstrip(b"\n") + b"\n"
        analyzer = analyse(data * 6, True, len(data) * 6)
        if analyzer.finish().stats["sessions"] > 1:
            several += 1
            counted += analyzer.repeats.counted > 0
    assert several > 150 and counted >= several * 0.95


@pytest.mark.parametrize("reads_to_end", [False, True])
def test_a_live_view_sees_the_same_report_at_every_block(reads_to_end: bool) -> None:
    # A session is counted only when the block holds it whole with the next one's first line, and
    # lines held back for the next block are read before a snapshot: what is pending at the end
    # of each block is what reading every line gives.
    data = capture_bytes("bootloop", 3_000)
    on = Analyzer("<live>", reads_to_end=reads_to_end)
    off = Analyzer("<live>", repeated_sessions=False)
    for start in range(0, len(data), 5000):
        chunk = data[start : start + 5000]
        on.feed_bytes(chunk)
        off.feed_bytes(chunk)
        assert on.snapshot().to_json_dict() == off.snapshot().to_json_dict(), start
        if not reads_to_end:
            assert on.session_starts[-1:] == off.session_starts[-1:]
    assert on.repeats.counted > 0
    assert on.finish().to_json_dict() == off.finish().to_json_dict()


LOOP = capture_bytes("bootloop", 37 * 12)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(LOOP) - 1), max_size=12))
def test_a_boot_loop_cut_anywhere_gives_the_report_of_one_block(cuts: list[int]) -> None:
    # Held-back ends of blocks wait for the next block, and a cut inside a line or a session only
    # moves where that happens: the same bytes give the same report however they arrive.
    whole = analyse(LOOP, True, len(LOOP)).finish().to_json_dict()
    analyzer = Analyzer("<capture>", reads_to_end=True)
    edges = [0, *sorted(set(cuts)), len(LOOP)]
    for start, end in zip(edges, edges[1:]):
        analyzer.feed_bytes(LOOP[start:end])
    assert analyzer.finish().to_json_dict() == whole


def test_a_session_that_differs_in_one_word_is_read() -> None:
    # The eleventh boot rejects its app for another reason: it is read, not counted as the others.
    lines = capture_bytes("bootloop", 37 * 20).decode().split("\r\n")
    boot = 11 * 37
    at = next(i for i in range(boot - 37, boot) if "Secure boot signature verification failed" in lines[i])
    lines[at] = lines[at].replace("Secure boot signature verification failed", "Checksum failure. Calculated 0x1 read 0x2")
    data = "\r\n".join(lines).encode()
    on, off, counted = reports(data, len(data))
    assert on == off and counted > 0
    assert [f["id"] for f in on["findings"]] == [f["id"] for f in off["findings"]]


def test_lines_that_differ_only_in_their_timestamp_read_alike() -> None:
    # What lets a boot loop be counted: a family's volatile part. Every ESP-IDF line of the corpus
    # read with another stamp gives the same event but for its time and text.
    parser = LineParser()
    (volatile,) = parser.volatile
    checked = 0
    for path in sorted((ROOT / "corpus").rglob("*.log")):
        for line in path.read_text(errors="replace").splitlines():
            m = volatile.search(line)
            if m is None:
                continue
            other = line[: m.start()] + "(987654" + line[m.end() :]
            assert volatile.sub("\0", other) == volatile.sub("\0", line)
            first, second = LineParser().parse_line(line, 7), LineParser().parse_line(other, 7)
            assert [type(e) for e in first] == [type(e) for e in second], line
            for a, b in zip(first, second):
                assert {**a.fields(), "ms": 0} == {**b.fields(), "ms": 0}, line
                assert a.is_failure() == b.is_failure() and a.completes() == b.completes()
                assert a.session_boundary() == b.session_boundary()
            checked += 1
    assert checked > 500


def test_no_rule_reads_the_time_of_a_log_line() -> None:
    # The stamp is volatile only while no rule reads it, in a condition or in its wording.
    for rule in default_rules():
        for when in rule.all_whens():
            for cond in (*when.all, *when.any, *when.none, *when.optional):
                assert "ms" not in cond.where, rule.id
        wording = " ".join([rule.explain, *rule.fix, *rule.notes.values()])
        assert not re.search(r"\.ms\b", wording), rule.id


def test_every_family_can_say_what_it_remembers() -> None:
    # A family that cannot would stop repeated sessions being counted in every capture.
    assert LineParser().remembers


def test_a_family_state_moves_with_its_line_numbers() -> None:
    # The ROM family remembers where its last hand-over was: as a distance, so a state taken at one
    # line and put back at another means the same there.
    parser = LineParser()
    splitter = LineSplitter()
    first = splitter.feed(b"ets Jul 29 2019 12:21:46\nrst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
                          b"entry 0x40080698\n")
    for block in (first, splitter.flush()):  # (a last row that may go on waits for the stream's end)
        if block is not None:
            list(parser.events_in_block(block))
    state = parser.state(3)
    for banner_at, restarted in ((104, True), (110, False)):
        other = LineParser()
        other.restore(state, 103)
        banner = other.parse_line("ets Jul 29 2019 12:21:46", banner_at)[0]
        assert banner.fields()["restarted_after_entry"] is restarted

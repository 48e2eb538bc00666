"""One reading path: a capture gives the same report however its bytes arrive.

A file is read in blocks, a pipe in whatever the writer flushed, ``tail`` in what the port had; the
lines, the events, the report and its ``stats`` must not depend on where the cuts fall, nor on
whether repeats are skipped (``explain``) or every line is parsed (``tail``'s live view).
"""
from __future__ import annotations

import json
import random
import sys
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bootdiag.core.pipeline import Analyzer, explain
from hostile_support import bootdiag, peak_memory

ROOT = Path(__file__).resolve().parents[1]
CAPTURES = sorted([*ROOT.glob("corpus/*/*.log"), *ROOT.glob("corpus/real/*/*.log")])
# A fixed seed, and one chunking per capture, seeded by its place in the list so that the captures
# are not all cut alike. Drawn with random.Random rather than a hypothesis strategy: the hypothesis
# pytest plugin chains one settings object per parametrized item, and with a thousand captures the
# chain outgrows Python's recursion limit.
def chunking(place: int) -> tuple[list[int], bool]:
    draw = random.Random(place)
    return [draw.randint(1, 700) for _ in range(draw.randint(1, 8))], draw.random() < 0.5


def cut(data: bytes, sizes: list[int]) -> list[bytes]:
    """``data`` in pieces of the given sizes, used in turn."""
    pieces, start, i = [], 0, 0
    while start < len(data):
        size = sizes[i % len(sizes)]
        pieces.append(data[start : start + size])
        start += size
        i += 1
    return pieces


def report_of(pieces: list[bytes], live: bool = False) -> dict:
    analyzer = Analyzer("<capture>", every_event=live)
    for piece in pieces:
        analyzer.feed_bytes(piece)
    return analyzer.finish().to_json_dict()


@lru_cache(maxsize=None)
def whole(path: Path) -> str:
    return json.dumps(report_of([path.read_bytes()]), sort_keys=True)


def test_the_corpus_is_all_there() -> None:
    assert len(CAPTURES) > 200


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_capture_gives_one_report_however_it_is_cut(path: Path) -> None:
    place = CAPTURES.index(path)
    sizes, live = chunking(place)
    data = path.read_bytes()
    assert json.dumps(report_of(cut(data, sizes), live ^ bool(place % 2)), sort_keys=True) == whole(path)


# Bytes that a block and a line treat specially, put where hypothesis likes.
_NOISE = [b"\x00", b"\x1b[m", b"\x1b[0;31m", b"\r", b"\r\n", b"\xff", b"\xc3", b"\n", b"\x1b"]
SMALL = [p for p in CAPTURES if p.stat().st_size < 6000]


@settings(max_examples=60, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(
    index=st.integers(0, len(SMALL) - 1),
    inserts=st.lists(st.tuples(st.integers(0, 1 << 20), st.sampled_from(_NOISE)), max_size=12),
    sizes=st.lists(st.integers(1, 64), min_size=1, max_size=6),
    live=st.booleans(),
)
def test_mutated_captures_give_one_report_however_they_are_cut(index: int, inserts: list[tuple[int, bytes]], sizes: list[int], live: bool) -> None:
    data = bytearray(SMALL[index].read_bytes())
    for position, noise in inserts:
        data[position % (len(data) + 1) : position % (len(data) + 1)] = noise
    data = bytes(data)
    assert report_of(cut(data, sizes), live) == report_of([data])


# The reproducer: a NUL in the first block, a colour code inside a word in a later one. Colour
# codes used to go from a block only when it had a NUL: the file and the pipe disagreed.
REPRODUCER = b"\x00\n" + b"x" * 4100 + b"\n" + b"i\x1b[mnvalid header: 0xffffffff\n"


def _explain_json(*args: str, stdin: bytes = b"") -> tuple[int, dict]:
    ran = bootdiag("explain", *args, "--format", "json", stdin=stdin)
    report = json.loads(ran.out)
    report.pop("source")
    return ran.code, report


def test_a_file_and_a_pipe_give_the_same_answer(tmp_path: Path) -> None:
    capture = tmp_path / "capture.log"
    capture.write_bytes(REPRODUCER)
    from_file = _explain_json(str(capture))
    from_pipe = _explain_json("-", stdin=REPRODUCER)
    assert from_file == from_pipe
    for size in (1, 3, 4096, 4097):
        assert report_of(cut(REPRODUCER, [size])) == report_of([REPRODUCER])


def test_stats_mean_the_same_with_and_without_the_live_view() -> None:
    data = (ROOT / "corpus" / "esp-idf" / "brownout-esp32-wifi-start.log").read_bytes()
    assert report_of([data])["stats"] == report_of(cut(data, [97]), live=True)["stats"]


def test_explain_of_a_long_string_streams_instead_of_copying_it() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import capture_bytes

    text = capture_bytes("healthy", 45_000).decode()  # about 3 MB
    explain(text[:200_000])  # rules, grammars, catalogue and the families' bounded caches are built
    report, peak = peak_memory(lambda: explain(text))
    assert report.stats["lines"] == 45_000
    # Not one copy of the input (a whole copy was made four times over, 438 MB for 12 MB); what
    # remains is the families' caches of recent messages, bounded by count.
    assert peak < len(text), f"{peak / 1e6:.1f} MB for {len(text) / 1e6:.1f} MB of text"

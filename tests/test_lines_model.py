"""The chunked splitter agrees with the plain definition of a line, however the bytes arrive."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bootdiag.core.lines import clean, iter_lines

_ALPHABET = st.sampled_from([b"a", b"b", b" ", b"\r", b"\n", b"\r\n", b"\x1b[0;31m", b"\x1b[0m", b"\x1b", b"\x00", b"\xc3\xa9", b"\xff"])


def model_lines(data: bytes, limit: int) -> list[str]:
    """Split the whole stream at CRLF, CR or LF; cut each line at ``limit`` bytes; then clean it."""
    pieces = re.split(rb"\r\n|\r|\n", data)
    if pieces and pieces[-1] == b"":
        pieces.pop()
    return [clean(p[:limit]) for p in pieces]


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    bounds = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]


@settings(max_examples=400, deadline=None)
@given(st.lists(_ALPHABET, max_size=80), st.lists(st.integers(min_value=0, max_value=400), max_size=8), st.integers(min_value=1, max_value=12))
def test_chunked_lines_equal_the_model(tokens: list[bytes], cuts: list[int], limit: int) -> None:
    data = b"".join(tokens)
    lines = list(iter_lines(chunked(data, cuts), max_line=limit))
    assert [line.text for line in lines] == model_lines(data, limit)
    assert [line.no for line in lines] == list(range(1, len(lines) + 1))


def test_long_lines_inside_big_chunks_are_cut() -> None:
    data = b"short\n" + b"x" * 50 + b"\r\nmid\r" + b"y" * 33 + b"\n" * 3 + b"z" * 70
    for size in (1, 7, 64, len(data)):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        assert [line.text for line in iter_lines(chunks, max_line=16)] == model_lines(data, 16)


def test_a_row_held_back_for_the_next_one_does_not_crowd_out_the_line_after_it() -> None:
    # a 56-column row ending in a bare LF may be a mail's broken line: it waits for the next row,
    # and the open line after it is still cut at the limit on its own, not with the row counted in
    data = b"a" * 7 + b"\x1b[0;31m" * 7 + b"\na"
    for limit in (1, 4, 60):
        assert [line.text for line in iter_lines([data], max_line=limit)] == model_lines(data, limit)
        assert [line.text for line in iter_lines([data[:30], data[30:]], max_line=limit)] == model_lines(data, limit)

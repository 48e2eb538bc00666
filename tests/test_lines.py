"""Bytes to lines: never fails, keeps numbering, bounded per line."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bootdiag.core.lines import MAX_LINE_BYTES, Line, iter_lines
from linear_time import assert_linear, best_cpu_times


def texts(chunks: list[bytes]) -> list[str]:
    return [line.text for line in iter_lines(chunks)]


def test_every_line_ending_ends_a_line_and_numbers_follow_an_editor() -> None:
    lines = list(iter_lines([b"a\r\nb\rc\nd"]))
    assert lines == [Line(1, "a"), Line(2, "b"), Line(3, "c"), Line(4, "d")]


def test_crlf_split_across_reads_counts_once() -> None:
    assert texts([b"one\r", b"\ntwo\r", b"\n"]) == ["one", "two"]


def test_ansi_colour_and_nul_are_removed() -> None:
    raw = b"\x1b[0;32mI (31) boot: ESP-IDF v5.1 2nd stage bootloader\x1b[0m\x00\r\n"
    assert texts([raw]) == ["I (31) boot: ESP-IDF v5.1 2nd stage bootloader"]


def test_invalid_utf8_becomes_replacement_characters() -> None:
    assert texts([b"ok \xff\xfe end\n"]) == ["ok \ufffd\ufffd end"]


def test_multibyte_character_split_between_reads_survives() -> None:
    data = "µs déjà\n".encode()
    assert texts([data[:1], data[1:2], data[2:]]) == ["µs déjà"]


def test_long_line_is_cut_and_following_lines_keep_their_numbers() -> None:
    long = b"x" * (MAX_LINE_BYTES * 3)
    lines = list(iter_lines([long[:5000], long[5000:], b"\nafter\n"]))
    assert len(lines[0].text) == MAX_LINE_BYTES
    assert lines[1] == Line(2, "after")


def test_twenty_megabyte_line_costs_linear_time() -> None:
    chunk = b"A" * (1 << 16)
    sizes = (32, 320)  # 2 MB, 20 MB
    counts: list[int] = []
    t_small, t_big = best_cpu_times(lambda n: counts.append(len(list(iter_lines([chunk] * n + [b"\n"])))), sizes)
    assert set(counts) == {1}
    assert_linear(t_small, t_big, 10)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=20))
def test_any_bytes_decode_and_line_numbers_are_consecutive(chunks: list[bytes]) -> None:
    lines = list(iter_lines(chunks))
    assert [line.no for line in lines] == list(range(1, len(lines) + 1))
    joined = b"".join(chunks)
    separators = joined.count(b"\n") + joined.count(b"\r") - joined.count(b"\r\n")
    assert len(lines) in (separators, separators + 1)


def test_blocks_keep_colour_and_crlf_until_a_line_is_read() -> None:
    from bootdiag.core.lines import LineSplitter, clean_line

    block = LineSplitter().feed(b"\x1b[0;32mI (31) boot: ok\x1b[0m\r\nplain\r\n")
    assert block is not None and block.count == 2
    assert block.text.split("\n")[0] == "\x1b[0;32mI (31) boot: ok\x1b[0m\r"  # the screen sees it as sent
    assert list(block.lines()) == ["I (31) boot: ok", "plain"]
    assert clean_line("a\x1b[1;31mb\r") == "ab"


def test_a_lone_carriage_return_still_ends_a_line_inside_a_crlf_capture() -> None:
    assert texts([b"one\r\ntwo\rthree\r\n"]) == ["one", "two", "three"]


def test_a_web_pages_escapes_read_as_the_characters_a_device_printed() -> None:
    raw = b"E (289) boot_comm: Image requires efuse blk rev &gt;= v128.50, but chip is v1.3\r\nHaven&#x27;t &amp; &quot;q&quot; &#10;\n"
    assert texts([raw]) == ["E (289) boot_comm: Image requires efuse blk rev >= v128.50, but chip is v1.3", "Haven't & \"q\" &#10;"]


def test_blanks_a_rich_text_copy_carries_read_as_spaces() -> None:
    nbsp = "E (116)\u00a0esp_image:\u00a0image at\u202f0x20000 has\u3000invalid magic byte".encode()
    zero_width = "I (5)\u200b boot:\ufeff ok \u00e9t\u00e9".encode()
    assert texts([nbsp + b"\n" + zero_width + b"\n"]) == [
        "E (116) esp_image: image at 0x20000 has invalid magic byte", "I (5) boot: ok \u00e9t\u00e9"]


def test_a_failure_pasted_with_no_break_spaces_is_read_as_when_pasted_plain() -> None:
    from bootdiag.core.pipeline import explain

    plain = ("rst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
             "E (123) esp_image: image at 0x10000 has invalid magic byte\n"
             "E (125) boot: OTA app partition slot 0 is not bootable\n")
    want = explain(plain)
    got = explain(plain.replace(" ", "\u00a0"))
    assert want.top is not None and got.top is not None and got.top.id == want.top.id
    assert [e.text for e in got.top.evidence] == [e.text for e in want.top.evidence]


def test_a_row_as_wide_as_a_terminal_waits_for_the_next_line_or_a_release() -> None:
    from bootdiag.core.lines import LineSplitter

    splitter = LineSplitter()
    row = b"E (628) spi_flash: Detected size(4096k) smaller than the size in the binary image he"[:80]
    assert splitter.feed(b"first line\n" + row + b"\r\n") is not None  # the first line only
    held = splitter.release()
    assert held is not None and (held.first_no, held.text, held.count) == (2, row.decode() + "\r", 1)
    assert splitter.release() is None
    after = splitter.feed(b"next\n")
    assert after is not None and after.first_no == 3


def test_a_block_is_numbered_from_the_count_its_reader_told_or_from_its_own() -> None:
    from bootdiag.core.lines import LineSplitter

    splitter = LineSplitter()
    first = splitter.feed(b"a\nb\nc\n")
    assert first is not None and first.first_no == 1
    first.counted(3)  # as a reader that numbered the lines found them
    second = splitter.feed(b"d\ne\n")
    assert second is not None and second.first_no == 4
    third = splitter.feed(b"f\n")  # nobody told the second block its count: it counts itself
    assert third is not None and (third.first_no, second.count) == (6, 2)
    assert splitter.next_no == 7


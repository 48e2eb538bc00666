"""Lines a terminal hard-wrapped at its width are read as the line the device printed."""
from __future__ import annotations

from bootdiag.core.parse import LineParser
from bootdiag.core.pipeline import explain

FAILURE = ("E (628) spi_flash: Detected size(4096k) smaller than the size in the binary image header(8192k). "
           "Probe failed.")
BOOT = [
    "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)",
    "I (29) boot: ESP-IDF v4.4.6 2nd stage bootloader",
    "I (573) cpu_start: Pro cpu up.",
]


def wrap(line: str, width: int = 80) -> list[str]:
    return [line[i : i + width] for i in range(0, len(line), width)]


def answer(lines: list[str]) -> tuple[str, list[str]]:
    report = explain("\n".join(lines) + "\n")
    return report.status, [f.id for f in report.findings]


def test_a_failure_a_terminal_wrapped_reads_as_the_line_it_was():
    whole = answer([*BOOT, FAILURE])
    assert whole == ("diagnosed", ["esp.flash_size_or_partition_mismatch"])
    assert answer([*BOOT, *wrap(FAILURE)]) == whole
    assert answer([*BOOT, *wrap(FAILURE, 100)]) == whole


def test_the_evidence_is_the_wrapped_lines_first_row():
    report = explain("\n".join([*BOOT, *wrap(FAILURE)]) + "\n")
    assert report.findings[0].evidence[0].line == len(BOOT) + 1


def test_a_row_at_a_width_no_terminal_is_set_to_is_a_whole_line():
    text = "\n".join([FAILURE[:83], FAILURE[83:]]) + "\n"
    assert [text[start:end] for _, start, end in LineParser().screened(text)][0] == FAILURE[:83]


def test_a_wrapped_line_reads_the_same_however_the_capture_was_cut_into_reads():
    from bootdiag.core.pipeline import Analyzer

    data = ("\n".join([*BOOT, *wrap(FAILURE), "I (700) main_task: Calling app_main()"]) + "\n").encode()
    answers = set()
    for size in (1, 7, 80, 81, 160, 161, len(data)):
        analyzer = Analyzer("<capture>")
        for at in range(0, len(data), size):
            analyzer.feed_bytes(data[at : at + size])
        report = analyzer.finish()
        answers.add((report.status, tuple(f.id for f in report.findings), report.stats["events"]))
    assert answers == {("diagnosed", ("esp.flash_size_or_partition_mismatch",), 5)}


def test_rows_a_terminal_filled_with_blanks_are_whole_lines():
    padded = [line.ljust(80) for line in ("[   16.157584] nvidia: loading out-of-tree module taints kernel.",
                                          "[   16.174898] imx219 9-0010: imx219_board_setup: error during i2c read probe",
                                          "[   16.187744] imx219 9-0010: board setup failed")]
    text = "\n".join([*padded, "login prompt follows", "jetson login:"]) + "\n"
    assert all("\n" not in text[start:end] for _, start, end in LineParser().screened(text))


def test_a_row_at_a_terminals_width_that_ends_a_sentence_is_a_whole_line():
    line = "E (305) boot: Factory app partition is not bootable, and its reason follows it!!"
    assert len(line) == 80
    text = "\n".join([line, "some output", line, "some output"]) + "\n"
    assert all("\n" not in text[start:end] for _, start, end in LineParser().screened(text))


def test_one_message_printed_again_with_other_numbers_is_no_wrap():
    lines = [f"[2023-07-22T10:40:{n:02d}Z INFO ] Unable to connect, retrying with {'extra' if n % 2 else 'default'} delay..."
             for n in range(30, 38)]
    text = "\n".join(lines) + "\n"
    assert all("\n" not in text[start:end] for _, start, end in LineParser().screened(text))

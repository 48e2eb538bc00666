"""Lines a terminal hard-wrapped at its width are read as the line the device printed."""
from __future__ import annotations

from bootdiag.core.lines import MAX_LINE_BYTES
from bootdiag.core.parse import LineParser
from bootdiag.core.parse.wrapped import wrapped_span
from bootdiag.core.pipeline import explain
from linear_time import assert_linear, best_cpu_times

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


# An espflash run (its own lines, as espflash 3 prints them) whose last progress bar and the line
# after it sit on one row: a terminal cuts that row wherever its width falls.
ESPFLASH = [
    "[2024-07-12T07:11:52Z INFO ] Serial port: '/dev/ttyUSB0'",
    "[2024-07-12T07:11:52Z INFO ] Connecting...",
    "[2024-07-12T07:11:52Z INFO ] Using flash stub",
    "Chip type:         esp32 (revision v3.1)",
    "Flash size:        4MB",
]
DONE = "[2024-07-12T07:13:05Z INFO ] Flashing has completed!"


def bar(width: int) -> str:
    """espflash's last progress bar, ``width`` characters wide."""
    return f"[00:01:07] [{'=' * (width - 23)}]  641/641 "


def test_a_completion_a_terminal_cut_in_two_reads_as_the_line_it_was():
    whole = answer([*ESPFLASH, f"{bar(20)}{DONE}"])
    assert whole == ("healthy", [])
    for cut in range(DONE.index("Flashing") + 1, len(DONE) - 1):  # the cut falls at every place in the message
        row = bar(80 - cut) + DONE
        assert row[80:] == DONE[cut:]
        assert answer([*ESPFLASH, *wrap(row)]) == whole, row[:80]


def test_a_cut_completion_on_the_first_row_of_a_capture_is_found():
    row = bar(40) + DONE
    assert answer([*wrap(row), *ESPFLASH]) == answer([row, *ESPFLASH])


def test_the_cut_completion_reads_the_same_however_the_capture_was_cut_into_reads():
    from bootdiag.core.pipeline import Analyzer

    row = bar(45) + DONE
    data = ("\n".join([*ESPFLASH, *wrap(row), "Commands:"]) + "\n").encode()
    answers = set()
    for size in (1, 7, 80, 81, 160, len(data)):
        analyzer = Analyzer("<capture>")
        for at in range(0, len(data), size):
            analyzer.feed_bytes(data[at : at + size])
        report = analyzer.finish()
        answers.add((report.status, report.stats["events"]))
    assert len(answers) == 1 and answers.pop()[0] == "healthy"


def test_a_row_that_opens_no_wrapped_line_keeps_its_words_apart():
    # an 80-column row whose next row begins a log line of its own: the two are never one line
    row = "I (100) app: some output that is exactly as wide as a terminal row, no more Flas"
    assert len(row) == 80
    text = "\n".join([row, "E (101) app: hing has completed!"]) + "\n"
    assert [text[start:end] for _, start, end in LineParser().screened(text)] == ["E (101) app: hing has completed!"]


def test_a_number_cut_after_its_point_is_one_line():
    # a terminal's stamp cut after its decimal point: the row ends with "." and the next begins with digits
    row = "[15:03:48.692] *** Booting Zephyr OS build v3.5.0 *** [15:03:48.953] I: Starting bo"
    text = row[:80] + "\n" + row[80:] + "otloader [15:03:49.001] I: Jumping to the first image slot\n"
    rows = [text[start:end] for _, start, end in LineParser().screened(text)]
    assert rows == [text.rstrip("\n")]
    line = "[15:03:48.953] I: Enter the serial recovery mode [15:03:48.953] I: Device suspended"
    cut = line.index("48.953] I: Device") + 3
    text = "\n".join(["x" * 10, line[:cut].rjust(80, "x"), line[cut:], ""])
    assert len(line[:cut].rjust(80, "x")) == 80
    assert [text[start:end] for _, start, end in LineParser().screened(text)] == [text[11:-1]]


def test_the_next_line_that_begins_as_the_row_did_numbers_aside_is_its_own():
    # rows that begin alike but for their numbers are two lines of one log: a level-less ESP-IDF
    # envelope, a terminal's stamp across a minute's change
    for first, second in (
        ("(72) flash_parts: partition 3 invalid - offset 0x100000 size 0x2000 exceeds flash chip size 0x100000",
         "(81) boot: Failed to verify partition table"),
        ("12:59:59.435305 E (628) spi_flash: Detected size(4096k) smaller than the size in",
         "13:00:00.001234 I (630) main_task: Calling app_main()"),
    ):
        assert len(first) in (80, 100)
        text = f"{first}\n{second}\n"
        assert [text[start:end] for _, start, end in LineParser().screened(text)] == [first, second]


def test_a_level_less_failure_a_terminal_width_wide_is_read_apart_from_the_next_line():
    lines = ["(69) boot: SPI Flash Size : 4MB",
             "(72) flash_parts: partition 3 invalid - offset 0x100000 size 0x2000 exceeds flash chip size 0x100000",
             "(81) boot: Failed to verify partition table", "(85) boot: load partition table error!"]
    assert answer(lines) == answer([f"E {line}" if line[1:3] != "69" else f"I {line}" for line in lines])


def test_thousands_of_rows_that_each_go_on_in_the_next_are_read_in_linear_time():
    # every row as wide as a terminal, cut inside a word, and the next begins otherwise: one long
    # wrapped line that no trigger matches joined, whose rows are each looked at once
    import random
    import string

    rng = random.Random(0)

    def capture(rows: int) -> str:
        return "".join("q" + "".join(rng.choice(string.ascii_lowercase + " ") for _ in range(77)) + "xy\n" for _ in range(rows))

    parser = LineParser()
    small, large = best_cpu_times(lambda text: list(parser.screened(text)), [capture(1000), capture(4000)])
    assert_linear(small, large, 4)
    # the rows join up to the longest line a device prints, and the rows after begin the next line
    text = capture(1000)
    end = wrapped_span(text, 0, text.index("\n"), 0, lambda text, at: False)[1]
    assert MAX_LINE_BYTES <= end < MAX_LINE_BYTES + 81 < len(text)


def test_a_row_cut_inside_a_quoted_value_goes_on_at_its_closing_quote_mark():
    command = ('~/zephyrproject$ mcumgr --conntype serial --connstring "/dev/ttyACM0,baud=115200" image upload '
               "build/zephyr/zephyr.signed.bin")
    rows = wrap(command)
    assert rows[1].startswith('"')
    text = "\n".join([*rows, " 0 B / 74.59 KiB [------------------------------]   0.00%"]) + "\n"
    assert [text[start:end] for _, start, end in LineParser().screened(text)][0] == "\n".join(rows)
    assert answer(text.splitlines()) == ("diagnosed", ["mcuboot.smp_upload_no_answer"])


def test_a_row_that_closed_its_quotes_is_apart_from_a_quoted_row_after_it():
    row = 'I (29) app: name="sensor-node-01" mode="station" channel=6 power=20 country=US01'
    assert len(row) == 80
    text = f'{row}\n"factory" partition selected\n'
    assert wrapped_span(text, 0, len(row), 0, lambda _text, _at: False) == (0, len(row))
    # the same row with a quote it left open goes on
    text = f'{row[:-3]}"US\n" partition selected\n'
    assert wrapped_span(text, 0, len(row), 0, lambda _text, _at: False) == (0, len(text) - 1)

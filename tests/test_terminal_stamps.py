"""The stamps terminal programs put before a line are known in each place a paste shows them: before
a line (taken off), between two lines a lost newline glued together (the line is cut there), and
left at a piece's end before the line that followed (taken off that piece)."""
from __future__ import annotations

import pytest

from bootdiag.core.parse import LineParser
from bootdiag.core.parse.unwrap import strip_wrapping
from bootdiag.core.pipeline import explain

LINE = "E (331) esp_image: image at 0x20000 has invalid magic byte"
NEXT = "I (340) boot: Loaded app from partition at offset 0x10000"

# (stamp as it stands before a line, whether a lost newline before it is found)
STAMPS = [
    ("[2024-03-01 10:00:00.123] ", True),
    ("[2024-03-01T10:00:00] ", True),
    ("[12:00:01.123] ", True),
    ("[22:02:10] ", True),
    ("12:00:01.123 -> ", True),
    ("12:00:01:123 -> ", True),
    ("9:5:07.123 -> ", True),  # Arduino IDE 2.x: no leading zero on the hour and the minute
    ("14:3:07.123 -> ", True),
    ("[Fri Sep 14 10:33:53.447 2018] ", True),  # Tera Term before 4.95
    ("[Sun Jun  4 21:54:47.123 2017] ", True),  # Tera Term 4.95's first format ("%e": the day padded with a blank)
    ("[0 00:00:01.234] ", True),  # Tera Term's elapsed time
    ("10:20:33 : ", True),  # STM32CubeProgrammer's log window
    ("16:24:25:038 : ", True),  # the same since v2.10, with milliseconds
    ("12:00:01] ", False),  # its "[" cut off by a quote
    ("14:56:33.435305 ", False),
    ("2024-01-02 12:00:00.123 ", False),
    ("2024-01-02T12:00:00.123Z ", False),
    ("2024-01-02T12:00:00.1234567Z ", False),  # a GitHub Actions log
    ("2024-01-02T12:00:00.123456789+02:00 ", False),  # docker compose logs --timestamps
    ("2019-12-12 09:45:36,678 # ", False),  # RIOT's pyterm
    ("2017-09-28 15:21:59,688 - INFO # ", False),  # RIOT's pyterm before 2018, with the logging level
    ("[   12.345678] ", False),
    # a Chinese serial assistant's direction mark right after its stamp: SSCOM's received and sent marks,
    # another assistant's block header (its bytes usually on the next line, sometimes on the same)
    ("[12:08:47.556]\u6536\u2190\u25c6", True),
    ("[15:37:11.116]\u53d1\u2192\u25c7", True),
    ("[2020-04-30 10:47:53.620]# RECV ASCII>", True),
    ("[2023-05-18 11:11:54.497]# RECV ASCII> ", True),
    ("[2019-07-13 11:21:44.870]# SEND HEX>", True),
]


@pytest.mark.parametrize(("stamp", "_glued"), STAMPS)
def test_a_stamp_before_a_line_is_taken_off(stamp: str, _glued: bool) -> None:
    assert strip_wrapping(stamp + LINE) == LINE


@pytest.mark.parametrize(("stamp", "glued"), STAMPS)
def test_a_line_glued_after_another_is_cut_at_its_stamp(stamp: str, glued: bool) -> None:
    pieces = LineParser().unwrapper.pieces(f"{stamp}{LINE} {stamp}{NEXT}", as_pasted=True)
    if glued:
        assert pieces == [LINE, NEXT]
    else:
        # cut at the next line's envelope: the stamp before it is the next line's, not this one's
        assert pieces[-1] == NEXT


def test_a_jetson_uart_stamp_stays_on_its_line() -> None:
    for line in ("[0360.204] E> LOADER: Failed to load the image", "[0002.581] Processing in cold boot mode"):
        assert strip_wrapping(line) == line


def test_a_serial_assistants_block_header_alone_is_no_line() -> None:
    assert strip_wrapping("[2020-04-30 10:47:53.620]# RECV ASCII>") == ""
    assert strip_wrapping("[12:08:47.556]\u6536\u2190\u25c6") == ""


def test_a_direction_mark_is_taken_off_only_right_after_a_stamp() -> None:
    # with no stamp before it, or inside a line, the mark is the line's own text
    assert strip_wrapping("# RECV ASCII>") == "# RECV ASCII>"
    assert strip_wrapping("I (5) at: got # RECV ASCII> 12") == "I (5) at: got # RECV ASCII> 12"
    # a blank between the stamp and the mark is not the assistant's layout: only the stamp goes
    assert strip_wrapping("[12:08:47.556] \u6536\u2190\u25c6" + LINE) == "\u6536\u2190\u25c6" + LINE


def test_the_received_marks_arrow_is_no_shown_escape() -> None:
    # a later line glued on keeps its stamp's mark whole, so that the cut there takes it off
    glued = f"\u2190[0;31m{LINE}\u2190[0m [12:08:47.860]\u6536\u2190\u25c6{NEXT}"
    assert LineParser().unwrapper.pieces(glued, as_pasted=True) == [LINE, NEXT]


def test_the_esp8266_hand_over_after_sscoms_mark_is_read() -> None:
    # "~ld" alone on its line is eboot's hand-over; the screen must hand it over after SSCOM's mark too.
    boot = ("ets Jan  8 2013,rst cause:2, boot mode:(3,6)\n\nload 0x4010f000, len 1384, room 16 \ntail 8\n"
            "chksum 0x2d\ncsum 0x2d\nv09f0c112\n~ld\nSetup done\n")
    stamped = "".join(f"[10:00:0{n}.007]收←◆{line}\n" for n, line in enumerate(boot.splitlines()))
    assert explain(stamped).status == "healthy"
    # Near-miss: the mark before another word that merely ends in "~ld" is no hand-over.
    assert explain(stamped.replace("◆~ld", "◆x~ld")).status == "incomplete"


@pytest.mark.parametrize("prefix", [
    "2024-01-02T12:00:00.123456+01:00 jetson kernel: ",  # rsyslog's RFC 3339 date, then the host and program
    "2024-01-02T12:00:00+0100 lab-pc picocom[4711]: ",  # journalctl -o short-iso
])
def test_a_syslog_date_host_and_program_are_taken_off(prefix: str) -> None:
    assert strip_wrapping(prefix + LINE) == LINE


@pytest.mark.parametrize("prefix", ["esp32-1  | ", "flasher-esp32-1     | ", "web_1 | ", "esphome    | ", "mcuboot_sim_12 | "])
def test_a_docker_compose_service_prefix_is_taken_off(prefix: str) -> None:
    assert strip_wrapping(prefix + LINE) == LINE
    assert strip_wrapping(prefix + "2024-01-02T12:00:00.123456789Z " + LINE) == LINE


@pytest.mark.parametrize("line", [
    "Saved PC:0x40379bee",  # two words and a colon: no syslog host and program without a date before them
    "2024-01-02T12:00:00.1234567Z Saved PC:0x40379bee",  # nor after a CI runner's UTC stamp
    "| Name | Type |",  # a table's row
    "Chip | ESP32 |",  # one blank before the bar and no service number: a table's cell
])
def test_what_only_looks_like_a_prefix_stays(line: str) -> None:
    assert strip_wrapping(line).endswith(line.split("Z ")[-1])


def test_a_compose_service_log_is_read_as_its_capture() -> None:
    capture = [
        "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)",
        "E (331) esp_image: image at 0x20000 has invalid magic byte",
        "E (337) boot: OTA app partition slot 0 is not bootable",
        "E (343) boot: No bootable app partitions in the partition table",
    ]
    plain = explain("\n".join(capture) + "\n")
    composed = explain("".join(f"flasher-1  | {line}\n" for line in capture))
    assert (composed.status, [f.id for f in composed.findings]) == (plain.status, [f.id for f in plain.findings])


def test_a_pyterm_line_with_nothing_after_its_mark_is_blank() -> None:
    assert strip_wrapping("2019-12-12 09:45:36,678 # ") == ""
    assert LineParser().unwrapper.pieces("2019-12-12 09:45:36,678 #") == []

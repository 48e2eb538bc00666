"""Marks a paste leaves around whole lines: markdown bold and italics, and line ends shown as
their escapes (a log copied out of a JSON or repr dump); and a one-word catalogue message, which
must be its line, not a word inside another message."""
from __future__ import annotations

import json

import pytest

from bootdiag.core.messages import catalogue
from bootdiag.core.parse.unwrap import strip_wrapping
from bootdiag.core.pipeline import explain


@pytest.mark.parametrize(("pasted", "printed"), [
    ("**[WRN] Cannot upgrade: not all sectors fit inside scratch**", "[WRN] Cannot upgrade: not all sectors fit inside scratch"),
    ("> ***E (31) esp_image: image at 0x110000 has invalid magic byte***", "E (31) esp_image: image at 0x110000 has invalid magic byte"),
    ("I> Busy Spin\\r", "I> Busy Spin"),
    ("Task: Prepare eeprom data (0x50017bd8)\\r\\n", "Task: Prepare eeprom data (0x50017bd8)"),
    ("[00:00:00.048,706] <err> mcuboot: Unable to find bootable image      \\r", "[00:00:00.048,706] <err> mcuboot: Unable to find bootable image"),
    ("******* Booting Zephyr OS 1.14.99 *******", "***** Booting Zephyr OS 1.14.99 *****"),  # a star-framed banner set in bold
    # A star-framed line in inline code keeps its frame: the span's backquotes go, the stars stay.
    ("`*** The target t186ref has been flashed successfully. ***`", "*** The target t186ref has been flashed successfully. ***"),
    ("`*** Booting Zephyr OS build v3.6.0 ***`", "*** Booting Zephyr OS build v3.6.0 ***"),
    ("rst:0xf (`**`BROWNOUT_RST`**`),boot:0xc", "rst:0xf (BROWNOUT_RST),boot:0xc"),  # bold breaking a span still goes
    # a line set in italics
    ("_E (116) esp_image: image at 0x20000 has invalid magic byte_", "E (116) esp_image: image at 0x20000 has invalid magic byte"),
    ("*A fatal error occurred: Failed to connect to ESP32: No serial data received.*",
     "A fatal error occurred: Failed to connect to ESP32: No serial data received."),
    # the last line of a block set in bold, itself set in bold: both closing marks go
    ("**ets Jul 29 2019 12:21:46****", "ets Jul 29 2019 12:21:46"),
    # italics set over several lines with underscores: the first line's opening mark, the last one's
    # closing mark; the underscores inside words stay
    ("_rst:0x1 (POWERON),boot:0x0 (USB_BOOT)", "rst:0x1 (POWERON),boot:0x0 (USB_BOOT)"),
    ("wait usb download_", "wait usb download"),
    # the block's closing marks before the line end a repr dump shows
    ("ets Jul 29 2019 12:21:46**\\r", "ets Jul 29 2019 12:21:46"),
    ("ets Jul 29 2019 12:21:46**   \\r\\n", "ets Jul 29 2019 12:21:46"),
])
def test_the_marks_around_a_line_are_taken_off(pasted: str, printed: str) -> None:
    assert strip_wrapping(pasted) == printed


@pytest.mark.parametrize("line", [
    "*** Booting Zephyr OS build v3.6.0 ***",  # stars the program printed
    "*** The target t186ref has been flashed successfully. ***",
    "load_image: reading C:\\\\build\\\\out",  # a path's backslashes are no line end
    "*ERROR* *",  # stars a program printed, no italics around its text
    "_",
    "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)",  # underscores inside words
    "0x40080400: _init at ??:?",  # a symbol's leading underscore after a blank, and no closing mark
    "__libc_init_array at ??:?",
])
def test_what_a_program_printed_stays(line: str) -> None:
    assert strip_wrapping(line) == line


def test_a_bold_pasted_failure_is_diagnosed_as_the_plain_one() -> None:
    plain = "[INF] Starting bootloader\n[WRN] Cannot upgrade: not all sectors fit inside scratch\n"
    bold = "".join(f"**{line}**\n" for line in plain.splitlines())
    assert [f.id for f in explain(bold).findings][:1] == [f.id for f in explain(plain).findings][:1] != []


def test_a_one_word_message_is_its_whole_line() -> None:
    # l4t_initrd_flash prints "Timeout" alone; MB1's I2C driver says "Timeout while polling ..."
    assert catalogue().find("Timeout").known.id == "tegra.initrd_timeout"
    for line in ("E> I2C: Timeout while polling for bus clear. Last value 0x00000000.", "Timeout while polling"):
        hit = catalogue().find(line)
        assert hit is None or hit.known.id != "tegra.initrd_timeout"


def test_stars_a_program_prints_are_no_bold() -> None:
    line = "***ERROR*** A stack overflow in task abc has been detected."
    assert strip_wrapping(line) == line


def test_rtt_viewer_index_left_between_glued_lines_goes() -> None:
    # SEGGER RTT Viewer puts "00> " before every line; a paste that lost its newlines leaves each
    # index at the end of the line before it, where it must not stay part of that message.
    lines = ["I: Starting bootloader", "I: Swap type: test", "I: Jumping to the first image slot",
             "*** Booting Zephyr OS build v3.0.99-ncs1 ***", "I: Starting bootloader", "I: Swap type: revert"]
    glued = "".join(f"00> {line} " for line in lines)
    report = explain(glued)
    assert [f.id for f in report.findings][:1] == ["mcuboot.update_not_confirmed"]
    assert report.findings[0].evidence[0].text == "I: Swap type: revert"


def test_a_line_ending_in_an_arrow_keeps_it() -> None:
    # only a piece cut from a glued line loses a trailing index; a whole line is as printed
    line = "[00:00:00.010,000] <inf> app: a value went 10>"
    assert strip_wrapping(line) == line


def test_line_ends_shown_as_names_read_the_same_when_a_forum_escaped_their_brackets() -> None:
    # A terminal program showed the control bytes as "<CR><LF>"; the forum then escaped the brackets.
    shown = ("rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)<CR><LF>\nflash read err, 1000<CR><LF>\n"
             "ets_main.c 371 <CR><LF>\nets Jun  8 2016 00:22:57<CR><LF>\n<CR><LF>\n"
             "rst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)<CR><LF>\nentry 0x40080764<CR><LF>\n")
    escaped = shown.replace("<", "&lt;").replace(">", "&gt;")
    plain, html = explain(shown), explain(escaped)
    assert [f.id for f in html.findings] == [f.id for f in plain.findings] == ["esp.flash_read_transient"]


def test_a_message_a_forum_html_escaped_inside_a_sentence_is_still_found() -> None:
    # the screen looks for the message's own characters (">="), which the escape hid
    text = ("The boot stops at `boot_comm: Image requires efuse blk rev &gt;= v128.50, but chip is v1.3`, "
            "after moving to a newer flasher.\n")
    assert [f.id for f in explain(text).findings] == [f.id for f in explain(text.replace("&gt;", ">")).findings] != []


def test_bold_set_over_several_lines_goes_from_its_first_and_last_line() -> None:
    # A post sets a whole block in bold: the marks open the first line and close the last one.
    lines = ["rst:0x3 (SW_RESET),boot:0x12 (SPI_FAST_FLASH_BOOT)", "configsip: 0, SPIWP:0xee",
             "mode:DIO, clock div:2", "load:0x3fff0030,len:1184", "entry 0x400805e4", "ets Jul 29 2019 12:21:46"]
    bold = "\n".join([" **" + lines[0], *lines[1:-1], lines[-1] + "**"]) + "\n"
    assert strip_wrapping(" **" + lines[0]) == lines[0]
    assert strip_wrapping(lines[-1] + "**") == lines[-1]
    assert [f.id for f in explain(bold).findings] == [f.id for f in explain("\n".join(lines) + "\n").findings] != []
    # the same block pasted again: each line set in bold, or each line end shown as its escape
    again = ["\n".join(f"**{line.strip()}**" for line in bold.splitlines()) + "\n",
             "\n".join(f"{line}\\r" for line in bold.splitlines()) + "\n"]
    for text in again:
        assert [f.id for f in explain(text).findings] == [f.id for f in explain(bold).findings]


@pytest.mark.parametrize("line", [
    "I (30) app: value**2 is large**",  # a pair of stars inside the line: not a block's bold
    "I (30) app: value**2 is large****",
    "I (30) app: a count of stars ********",
    "*** Booting Zephyr OS ***",
])
def test_a_line_with_its_own_pair_of_stars_keeps_them(line: str) -> None:
    assert strip_wrapping(line) == line


def test_an_installer_error_quoted_in_italics_is_read() -> None:
    pasted = ("_Failed to initialize. Try resetting your device or holding the BOOT button while selecting your serial port "
              "until it starts preparing the installation_\n")
    report = explain(pasted)
    assert report.status == "unexplained"
    assert "esptool.esphome_dashboard_failed_to_initialize" in json.dumps(report.to_json_dict())


def test_a_block_in_underscore_italics_reads_as_printed() -> None:
    pasted = "_rst:0x1 (POWERON),boot:0x0 (USB_BOOT)\nwait usb download_\n"
    plain = "rst:0x1 (POWERON),boot:0x0 (USB_BOOT)\nwait usb download\n"
    assert [f.id for f in explain(pasted).findings][:1] == [f.id for f in explain(plain).findings][:1] != []

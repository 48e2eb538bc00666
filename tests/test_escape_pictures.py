"""A colour code whose ESC byte a paste shows as a visible symbol reads as the line the device printed."""
from __future__ import annotations

import pytest

from bootdiag.core.parse.unwrap import strip_wrapping
from bootdiag.core.pipeline import explain

# An ESP-IDF bootloader failing on an empty OTA slot, as its lines come out of the UART.
LINES = [
    "\x1b[0;31mE (31) esp_image: image at 0x110000 has invalid magic byte\x1b[0m",
    "\x1b[0;33mW (32) esp_image: image at 0x110000 has invalid SPI mode 255\x1b[0m",
    "\x1b[0;31mE (40) boot: Failed to verify app image @ 0x110000 (8194)\x1b[0m",
]
# The ESC byte as pastes show it: Windows console copy (left arrow), Unicode's control picture for
# ESC (what editors and some forums put in its place), its name or code in angle brackets or a dot
# (terminal programs that show control bytes), an "e" (the escape "\\e" that lost its backslash, as in
# github.com/espressif/arduino-esp32/issues/342), lost altogether, its decimal code in angle brackets
# (loggers that print control bytes by number), caret notation (terminals and editors that show
# control characters), and its hex code in brackets (serial monitors that show control bytes as hex).
SHOWN = ["\u2190", "\u241b", "<ESC>", "<0x1b>", ".", "e", "", "<27>", "^[", "[1B]"]


@pytest.mark.parametrize("esc", SHOWN)
def test_a_shown_escape_is_taken_off(esc: str) -> None:
    line = LINES[0].replace("\x1b", esc)
    assert strip_wrapping(line) == "E (31) esp_image: image at 0x110000 has invalid magic byte"


@pytest.mark.parametrize("esc", SHOWN)
def test_the_capture_keeps_its_answer(esc: str) -> None:
    clean = explain("\n".join(LINES) + "\n")
    shown = explain("\n".join(line.replace("\x1b", esc) for line in LINES) + "\n")
    assert clean.status == shown.status != "healthy"
    assert [f.id for f in shown.findings][:1] == [f.id for f in clean.findings][:1] != []


def test_line_ends_shown_by_name_are_line_breaks() -> None:
    # "<CR><LF>" after each line, all of them on one pasted line: each is a line break.
    shown = "".join(line.replace("\x1b", "<ESC>") + "<CR><LF>" for line in LINES) + "\n"
    clean = explain("\n".join(LINES) + "\n")
    report = explain(shown)
    assert report.status == clean.status != "healthy"
    assert [f.id for f in report.findings][:1] == [f.id for f in clean.findings][:1] != []


def test_a_dot_is_taken_for_the_escape_only_before_a_colour_code() -> None:
    # A line of its own that starts with a dot is not touched; an ellipsis before a lost ESC stays.
    assert strip_wrapping(".[0;32mI (57) boot: Enabling RNG early entropy source....[0m") == "I (57) boot: Enabling RNG early entropy source..."
    assert strip_wrapping("[0;32mI (57) boot: Enabling RNG early entropy source...[0m") == "I (57) boot: Enabling RNG early entropy source..."


def test_an_e_is_taken_for_the_escape_only_in_a_line_that_opens_with_one() -> None:
    # A quoted line whose colour codes lost their backslash: every "e" before a code is the ESC.
    assert strip_wrapping("> e[0;31mE (30) esp_image: image at 0x1000 has invalid magic bytee[0m") == (
        "E (30) esp_image: image at 0x1000 has invalid magic byte")
    # A line whose codes lost the ESC altogether keeps the "e" that ends its last word.
    assert strip_wrapping("[0;31mE (30) esp_image: image at 0x1000 has invalid magic byte[0m") == (
        "E (30) esp_image: image at 0x1000 has invalid magic byte")
    # A word that begins a line and starts with "e" is no escape.
    assert strip_wrapping("entry 0x40080034") == "entry 0x40080034"


def test_a_line_end_shown_by_name_on_an_empty_line_is_no_output_after_a_hand_over():
    from bootdiag.core.pipeline import explain

    shown = "".join(f"<ESC>{line}<CR><LF>\n" for line in [
        "I: Starting bootloader", "I: Bootloader chainload address offset: 0x40000", "I: Jumping to the first image slot",
        "", "The board keeps resetting and the application never prints anything.",
    ])
    assert explain(shown).status != "healthy"


def test_line_ends_shown_as_bracketed_escapes_are_line_breaks() -> None:
    # "<\r>" closing each line and "<\n>" opening the next, the way some terminal programs show them:
    # each line reads as printed, and the ROM's lines keep their failure.
    rom = ["rst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)", "flash read err, 1000",
           "ets_main.c 371 ", "ets Jun  8 2016 00:22:57"]
    shown = "<\\n>".join(line + "<\\r>\n" for line in rom[:-1]) + "<\\n>" + rom[-1] + "\n"
    clean = explain("\n".join(rom) + "\n")
    report = explain(shown)
    assert report.status == clean.status == "diagnosed"
    assert [f.id for f in report.findings][:1] == [f.id for f in clean.findings][:1] != []
    # A path's backslash before an "n" in angle brackets elsewhere is not touched.
    assert strip_wrapping("load_image: reading <C:\\\\new>") == "load_image: reading <C:\\\\new>"


def test_an_escape_shown_by_code_or_caret_is_taken_only_before_a_colour_code() -> None:
    # An ESPHome line with its ESC shown in brackets, as a serial monitor that prints control bytes in hex shows it.
    assert strip_wrapping("[1B][0;35m[C][safe_mode:079]: There have been 3 suspected unsuccessful boot attempts[1B][0m") == (
        "[C][safe_mode:079]: There have been 3 suspected unsuccessful boot attempts")
    # The same characters that are text, not an escape before a colour code, stay as printed.
    assert strip_wrapping("I (312) app: table[1B] = 0x2a") == "I (312) app: table[1B] = 0x2a"
    assert strip_wrapping("I (312) app: key ^[ pressed") == "I (312) app: key ^[ pressed"
    assert strip_wrapping("I (312) app: level <27> of 30") == "I (312) app: level <27> of 30"

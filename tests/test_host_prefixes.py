"""Prefixes a host's tools put before each line of a capture: grep's line numbers (``grep -n``)
and a systemd journal's date, host and unit. They are taken off as a terminal's timestamp is, and a
time of day the device printed stays."""
from __future__ import annotations

import pytest

from bootdiag.core.parse.unwrap import strip_wrapping
from bootdiag.core.pipeline import explain
from test_restart_loops import MCUBOOT


@pytest.mark.parametrize(("pasted", "printed"), [
    ("12:E (116) esp_image: image at 0x20000 has invalid magic byte", "E (116) esp_image: image at 0x20000 has invalid magic byte"),
    ("7:rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)", "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)"),
    ("31:00> [00027311] <err> os: ***** HARD FAULT *****", "[00027311] <err> os: ***** HARD FAULT *****"),  # RTT's index after it
    ("Dec 04 14:00:07 ubuntu bash[1234]: Jumping to the image", "Jumping to the image"),
    ("Mar  1 09:12:33 jetson-orin nv-l4t-usb-device-mode-start.sh[812]: [ 0.1234 ] Boot Rom communication failed",
     "[ 0.1234 ] Boot Rom communication failed"),
    ("Dec 04 14:00:08 ubuntu bash[1234]: ", ""),  # a blank line the journal stamped
])
def test_a_host_prefix_is_taken_off(pasted: str, printed: str) -> None:
    assert strip_wrapping(pasted) == printed


@pytest.mark.parametrize("line", [
    "12:34:56 E (116) esp_image: image at 0x20000 has invalid magic byte",  # a time of day stays
    "Dec 2020 build of the bootloader",  # a month in a sentence
    "I (29) boot: ESP-IDF v4.4 2nd stage bootloader",
])
def test_what_is_no_host_prefix_stays(line: str) -> None:
    assert strip_wrapping(line).startswith(line.split()[0])


MCUBOOT_HANG = MCUBOOT + "\nNothing else is printed after this line and the board stays silent.\n"


@pytest.mark.parametrize("prefix", [
    lambda n: f"{n}:",
    lambda n: f"Dec 04 14:00:{n:02d} lab-pc picocom[4711]: ",
])
def test_a_prefixed_hang_after_the_jump_is_read_as_the_plain_one(prefix) -> None:
    plain = explain(MCUBOOT_HANG)
    pasted = explain("".join(prefix(n) + line + "\n" for n, line in enumerate(MCUBOOT_HANG.splitlines(), 1)))
    assert plain.status != "healthy"
    assert (pasted.status, [f.id for f in pasted.findings]) == (plain.status, [f.id for f in plain.findings])

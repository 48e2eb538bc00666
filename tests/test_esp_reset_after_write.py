"""esptool's reset after a verified write, and its revision check, read in the v4 and v5 wordings."""
from __future__ import annotations

import pytest

from bootdiag.core.pipeline import explain

# esptool v5.3.1 prints a write this way (esptool/cmds.py write_flash, loader.py), v4.7.0 with its own
# header lines; the write's end is the same in both.
V5_HEAD = [
    "esptool v5.3.1",
    "Serial port /dev/ttyACM0:",
    "Connecting....",
    "Connected to ESP32-S3 on /dev/ttyACM0:",
    "Chip type:          ESP32-S3 (QFN56) (revision v0.2)",
    "Stub flasher running.",
    "Configuring flash size...",
    "Wrote 983040 bytes (612004 compressed) at 0x00010000 in 8.1 seconds (970.9 kbit/s).",
    "Verifying written data...",
    "Hash of data verified.",
    "",
]
V4_HEAD = [
    "esptool.py v4.7.0",
    "Serial port COM3",
    "Connecting...",
    "Chip is ESP32-S3 (QFN56) (revision v0.2)",
    "Stub running...",
    "Wrote 983040 bytes (612004 compressed) at 0x00010000 in 8.1 seconds (970.9 kbit/s)...",
    "Hash of data verified.",
    "",
]
PORT_GONE = [
    "A serial exception error occurred: Could not configure port: (5, 'Input/output error')",
    "Note: This error originates from pySerial. It is likely not a problem with esptool, but with the hardware connection or drivers.",
]


def _top(lines: list[str]) -> tuple[str | None, str | None]:
    report = explain("\n".join(lines) + "\n")
    return (report.top.id, report.top.confidence) if report.top else (None, None)


@pytest.mark.parametrize("reset", [
    "Hard resetting via RTS pin...",  # v2-v5.3.1
    "Hard resetting with a watchdog...",  # v4.9.0-v5.3.1 on the S2/S3/C3/P4 USB ports
    "Hard resetting with RTC WDT...",  # v4.9 development releases (Arduino-ESP32 3.2.0)
])
@pytest.mark.parametrize("head", [V5_HEAD, V4_HEAD], ids=["v5", "v4"])
def test_a_port_error_after_the_reset_follows_a_completed_write(head: list[str], reset: str) -> None:
    assert _top([*head, "Leaving...", reset, "", *PORT_GONE]) == ("esp.port_lost_after_reset", "medium")


def test_the_v5_error_prefix_after_v5_3_1_is_read_the_same() -> None:
    # esptool after v5.3.1 prints errors through esp-pylib: "ERROR: " before the whole line
    lines = [*V5_HEAD, "Hard resetting with a watchdog...", "", "ERROR: " + PORT_GONE[0]]
    assert _top(lines)[0] == "esp.port_lost_after_reset"


def test_a_port_error_before_any_reset_is_the_port_failing_mid_run() -> None:
    lines = [*V5_HEAD, "Compressed 20144 bytes to 12986...", "", *PORT_GONE]
    assert _top(lines)[0] == "esp.serial_port_unavailable"


def test_a_reset_without_a_verified_write_is_no_completed_write() -> None:
    lines = ["esptool v5.3.1", "Serial port /dev/ttyACM0:", "Connecting....", "Hard resetting via RTS pin...", "", *PORT_GONE]
    assert _top(lines)[0] != "esp.port_lost_after_reset"


RANGE = ("A fatal error occurred: bootloader/bootloader.bin requires chip revision in range [v0.0 - v0.99] "
         "(this chip is revision v{}). Use --force to flash anyway.")


def test_a_revision_esptool_4_3_to_4_5_dev0_misread_is_told_with_little_certainty() -> None:
    report = explain(RANGE.format("2.8") + "\n")
    assert (report.top.id, report.top.confidence) == ("esp.chip_mismatch", "low")
    assert "vX.8" in report.top.explanation and report.top.fix[0].startswith("Read the chip's revision with a current esptool")


@pytest.mark.parametrize("revision", ["1.0", "1.1", "3.1"])
def test_a_newer_chip_than_the_range_is_told_with_certainty(revision: str) -> None:
    report = explain(RANGE.format(revision) + "\n")
    assert (report.top.id, report.top.confidence) == ("esp.chip_mismatch", "high")
    assert "predates this chip revision" in report.top.explanation


def test_the_end_of_a_write_glued_on_one_line_is_read_line_by_line() -> None:
    lines = ["Hash of data verified. Leaving... Hard resetting with a watchdog...", PORT_GONE[0]]
    assert _top(lines)[0] == "esp.port_lost_after_reset"


def test_a_fatal_line_with_the_next_command_glued_after_it_stays_the_fatal_error() -> None:
    line = (RANGE.format("1.1") + " `Executing task: C:\\esp\\esp-idf\\components\\esptool_py\\esptool\\esptool.py"
            " -p COM6 --chip esp32c3 write_flash 0x0 bootloader/bootloader.bin`")
    report = explain(line + "\n")
    assert (report.top.id, report.top.confidence) == ("esp.chip_mismatch", "high")

"""MCUboot's Zephyr port before Zephyr 1.14 logged through SYS_LOG, which prints the calling
function between the level and the message ("[MCUBOOT] [INF] main: Starting bootloader")."""
from __future__ import annotations

from bootdiag.core.pipeline import explain

BOOT = (
    "***** BOOTING ZEPHYR OS v1.11.99 - BUILD: Mar 31 2018 03:50:24 *****\n"
    "[MCUBOOT] [INF] main: Starting bootloader\n"
    "[MCUBOOT] [INF] boot_status_source: Boot source: slot 0\n"
    "[MCUBOOT] [INF] boot_swap_type: Swap type: none\n"
    "[MCUBOOT] [INF] main: Bootloader chainload address offset: 0xc000\n"
    "[MCUBOOT] [INF] main: Jumping to the first image slot\n"
)


def test_the_calling_function_before_the_message_is_read_past() -> None:
    report = explain(BOOT + "***** BOOTING ZEPHYR OS v1.11.99 - BUILD: Mar 31 2018 03:51:02 *****\nHello World! arm\n")
    assert report.status == "healthy"


def test_a_jump_into_silence_in_that_format_is_not_healthy() -> None:
    # The same boot again and again with nothing from the image: the bootloader restarts after each jump.
    report = explain(BOOT * 3)
    assert report.status == "diagnosed"
    assert report.findings[0].id == "mcuboot.bad_header_size"


def test_an_error_in_that_format_is_read() -> None:
    report = explain(BOOT.split("[MCUBOOT] [INF] main: Bootloader")[0]
                     + "[MCUBOOT] [ERR] main: Unable to find bootable image\n")
    assert report.status != "healthy"

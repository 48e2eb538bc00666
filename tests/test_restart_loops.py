"""An image that MCUboot starts and that then resets again and again is a failure; a reboot or two,
and an update's planned reboots, stay healthy."""
from __future__ import annotations

import pytest

from bootdiag.core.pipeline import Analyzer, explain
from bootdiag.platforms.mcuboot.restarts import banner_after_partitions

# A Zephyr build of MCUboot prints the kernel banner itself before "Starting bootloader".
MCUBOOT = (
    "*** Booting Zephyr OS build v3.5.0 ***\n"
    "I: Starting bootloader\n"
    "I: Primary image: magic=unset, swap_type=0x1, copy_done=0x3, image_ok=0x3\n"
    "I: Boot source: none\n"
    "I: Image index: 0, Swap type: none\n"
    "I: Bootloader chainload address offset: 0xc000\n"
    "I: Jumping to the first image slot\n"
)
APP = "*** Booting Zephyr OS build v3.5.0 ***\nHello World! nrf52840dk\n"
# MCUboot 2.x on Zephyr names itself; the application's banner follows the jump.
MCUBOOT2 = (
    "*** Booting MCUboot v2.1.0 ***\n"
    "*** Using Zephyr OS build v3.6.0 ***\n"
    "I: Starting bootloader\n"
    "I: Image index: 0, Swap type: none\n"
    "I: Bootloader chainload address offset: 0x10000\n"
    "I: Jumping to the first image slot\n"
)
APP2 = "*** Booting nRF Connect SDK v2.6.0 ***\n[00:00:00.000,457] <inf> app: sensor ready\n"
TFM = (
    "Booting TF-M v2.2.2\n"
    "[WRN] This device was provisioned with dummy keys. This device is NOT SECURE\n"
    "[Sec Thread] Secure image initializing!\n"
)


@pytest.mark.parametrize("boot", [MCUBOOT + APP, MCUBOOT2 + APP2, TFM])
def test_an_image_that_starts_over_again_and_again_is_a_failure(boot: str) -> None:
    report = explain(boot * 5)
    assert report.status == "unexplained" and report.exit_code == 3
    assert "started over" in (report.unexplained[0].meaning or "")


@pytest.mark.parametrize("boots", [1, 2, 3])
def test_a_reboot_or_two_stays_healthy(boots: int) -> None:
    for boot in (MCUBOOT + APP, MCUBOOT2 + APP2):
        report = explain(boot * boots)
        assert report.status == "healthy" and report.exit_code == 0


def test_a_jump_into_an_image_that_never_prints_is_not_counted_as_a_restart() -> None:
    # The banner after the jump is MCUboot's own, printed as it starts again: the image never ran,
    # which the jump-then-silence rule reads, not a loop of an image that runs.
    report = explain(MCUBOOT * 5)
    assert report.status == "diagnosed"
    assert report.findings[0].id == "mcuboot.bad_header_size"


def test_an_update_with_its_planned_reboots_stays_healthy() -> None:
    test_swap = MCUBOOT.replace("Swap type: none", "Swap type: test")
    capture = MCUBOOT + APP + MCUBOOT + APP + test_swap + APP + MCUBOOT + APP
    report = explain(capture)
    assert report.status == "healthy" and report.exit_code == 0


def test_a_long_loop_is_counted_as_repeats_and_still_reported() -> None:
    report = explain((MCUBOOT2 + APP2) * 200)
    assert report.status == "unexplained"
    assert report.stats["sessions"] == 200


def test_a_reset_between_tf_m_and_the_application_is_a_failure_even_once() -> None:
    # TF-M's secure image starts, and the device starts over before the application printed a line.
    report = explain(TFM * 2)
    assert report.status == "unexplained"
    assert "secure image" in (report.unexplained[0].meaning or "")


def test_tf_m_then_the_application_then_a_reset_stays_healthy() -> None:
    boot = TFM + "*** Booting Zephyr OS build v3.7.0 ***\nHello World! b_u585i_iot02a\n"
    report = explain(boot * 2)
    assert report.status == "healthy"


def test_tf_m_then_lines_nothing_reads_then_a_reset_stays_healthy() -> None:
    # A non-secure application that prints without a banner bootdiag knows still printed.
    boot = TFM + "Non-Secure system starting...\nHello from the non-secure side\n"
    report = explain(boot * 2)
    assert report.status == "healthy"


@pytest.mark.parametrize("boot", [MCUBOOT, MCUBOOT + APP, MCUBOOT2, MCUBOOT2 + APP2])
def test_a_long_loop_is_counted_as_repeats_once_the_count_stands(boot: str) -> None:
    # The count stops at the loop's threshold, so the boots after it leave the families as they found them.
    analyzer = Analyzer("<capture>", reads_to_end=True)
    analyzer.feed_bytes((boot * 300).encode())
    report = analyzer.finish()
    assert analyzer.repeats is not None and analyzer.repeats.counted > 250
    assert report.status != "healthy"


# TF-M up to 2.0 prints its banner after its first partition line (restarts.py says where).
OLD_TFM = "[Sec Thread] Secure image initializing!\nBooting TF-M v2.0.0\n"
OLDEST_TFM = "[Sec Thread] Secure image initializing!\n\x1b[1;34mBooting TFM v1.3.0\x1b[0m\n"


@pytest.mark.parametrize("secure", [OLD_TFM, OLDEST_TFM])
def test_the_banner_an_older_tf_m_prints_after_its_first_partition_line_is_the_same_start(secure: str) -> None:
    boot = ("[INF] Starting bootloader\n[INF] Jumping to the first image slot\n" + secure
            + "Non-Secure system starting...\nHello from the non-secure side\n")
    report = explain(boot)
    assert report.status == "healthy"
    assert explain(boot * 3).status == "healthy"


@pytest.mark.parametrize("secure", [OLD_TFM, OLDEST_TFM])
def test_an_older_tf_m_that_starts_over_before_the_application_is_still_a_failure(secure: str) -> None:
    report = explain(secure * 2)
    assert report.status == "unexplained"
    assert "secure image" in (report.unexplained[0].meaning or "")


def test_a_newer_tf_m_banner_after_its_partition_lines_is_a_start() -> None:
    # Near-miss: from 2.1 the banner opens the start, so one after partition lines opens another.
    report = explain("[Sec Thread] Secure image initializing!\nBooting TF-M v2.1.0\n[Sec Thread] Secure image initializing!\n")
    assert report.status == "unexplained"


@pytest.mark.parametrize("version, after", [
    ("v1.0", True), ("v1.3.0", True), ("v1.8.0", True), ("v2.0.0", True), ("v2.0.0+7e8bf2314", True),
    ("v2.1.0", False), ("v2.2.2+7e8bf2314", False), ("v10.0.0", False), ("", False), ("vX", False),
])
def test_which_tf_m_releases_print_their_banner_after_a_partition_line(version: str, after: bool) -> None:
    assert banner_after_partitions(version) is after


def test_a_tf_m_version_too_long_to_be_a_release_reads_as_a_newer_banner() -> None:
    # Hostile input: a number past Python's digit limit is no release's, and never a traceback.
    huge = "v" + "1" * 5000 + ".0.0"
    assert banner_after_partitions(huge) is False
    report = explain(f"[Sec Thread] Secure image initializing!\nBooting TF-M {huge}\n[Sec Thread] Secure image initializing!\n")
    assert report.status == "unexplained"


# An ESP32 that the ROM hands over to the bootloader and app, which then starts its radio.
ESP_ROM = (
    "ets Jul 29 2019 12:21:46\n\n"
    "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
    "configsip: 0, SPIWP:0xee\n"
    "mode:DIO, clock div:2\n"
    "load:0x3fff0030,len:7000\n"
    "load:0x40078000,len:15576\n"
    "load:0x40080400,len:3876\n"
    "entry 0x400806a8\n"
)
ESP_APP = (
    "I (29) boot: ESP-IDF v4.4.6 2nd stage bootloader\n"
    "I (133) boot: Loaded app from partition at offset 0x10000\n"
    "I (240) cpu_start: Starting scheduler on PRO CPU.\n"
    "I (290) wifi:wifi driver task: 3ffc08b4, prio:23, stack:6656, core=0\n"
)
ESPTOOL = (
    "esptool.py v4.7.0\n"
    "Serial port /dev/ttyUSB0\n"
    "Connecting....\n"
    "Chip is ESP32-D0WD-V3 (revision v3.0)\n"
    "Wrote 786432 bytes (501234 compressed) at 0x00010000 in 44.5 seconds (effective 141.4 kbit/s)...\n"
    "Hash of data verified.\n\n"
    "Leaving...\n"
    "Hard resetting via RTS pin...\n"
)


ESP_BOOTLOADER_ONLY = "".join(line + "\n" for line in ESP_APP.splitlines()[:2])  # handed over, no app line


@pytest.mark.parametrize("capture", [
    (ESP_ROM + ESP_BOOTLOADER_ONLY) * 3,  # the chip restarts as the bootloader hands over, twice
    (ESP_ROM + ESP_APP) * 4,  # as the app starts its radio, three times
])
def test_power_on_resets_that_end_each_started_boot_are_a_supply_loop(capture: str) -> None:
    report = explain(capture)
    assert report.status == "diagnosed"
    assert report.findings[0].id == "esp.poweron_reset_loop"


@pytest.mark.parametrize("capture", [
    ESP_ROM + ESP_APP + ESP_ROM + ESP_APP,  # one reset after the app ran (EN pressed once)
    (ESP_ROM + ESP_APP) * 3,  # EN pressed twice on a board whose app runs
    (ESPTOOL + ESP_ROM + ESP_APP) * 3,  # a flash, then the boot the flasher's reset starts, three times
    ESP_ROM.replace("entry 0x400806a8\n", "") * 4,  # restarts before the ROM handed over
])
def test_power_on_resets_that_do_not_end_started_boots_again_and_again_are_no_supply_loop(capture: str) -> None:
    report = explain(capture)
    assert "esp.poweron_reset_loop" not in [f.id for f in report.findings]

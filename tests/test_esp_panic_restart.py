"""A capture that begins with the panic handler's last line ("Rebooting...", esp-idf
components/esp_system/panic.c) and then the ROM's software CPU reset: the run before it crashed."""
from __future__ import annotations

import pytest

from bootdiag.core.parse import parse_text
from bootdiag.core.pipeline import explain

C6 = ("ESP-ROM:esp32c6-20220919\nBuild:Sep 19 2022\nrst:0xc (SW_CPU),boot:0xc (SPI_FAST_FLASH_BOOT)\n"
      "Saved PC:0x4001975a\nSPIWP:0xee\nmode:DIO, clock div:2\nload:0x4086c410,len:0xc24\n")
ESP32 = ("ets Jun  8 2016 00:22:57\n\nrst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
         "configsip: 0, SPIWP:0xee\nmode:DIO, clock div:1\nload:0x3fff0030,len:1184\n")
S3 = ("ESP-ROM:esp32s3-20210327\nBuild:Mar 27 2021\nrst:0xc (RTC_SW_CPU_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)\n"
      "Saved PC:0x40376c18\nSPIWP:0xee\nmode:DIO, clock div:1\n")


def _resets(text: str) -> list[bool]:
    return [e.after_panic for e in parse_text(text) if type(e).__name__ == "RomReset"]


@pytest.mark.parametrize("rom", [C6, ESP32, S3])
def test_a_software_reset_right_after_the_panic_handlers_last_line_is_a_crash(rom: str) -> None:
    text = "Rebooting...\n" + rom
    assert _resets(text) == [True]
    report = explain(text)
    assert report.status in ("unexplained", "diagnosed") and report.status != "incomplete"


@pytest.mark.parametrize("text", [
    C6,  # no panic line before the banner
    "Rebooting...\n" + C6.replace("rst:0xc (SW_CPU)", "rst:0x1 (POWERON)"),  # a power-on reset: not the handler's restart
    "Rebooting...\nwifi: connecting\nwifi: connected\nwifi: got ip\n" + C6,  # lines of a run in between
])
def test_a_reset_apart_from_the_panic_handlers_last_line_is_no_crash(text: str) -> None:
    assert _resets(text) == [False]
    assert explain(text).status not in ("unexplained", "diagnosed")


def test_zephyrs_own_rebooting_line_before_its_banner_stays_healthy() -> None:
    boot = ("*** Booting Zephyr OS build v3.2.99-ncs1 ***\nI: Starting bootloader\nI: Boot source: none\n"
            "I: Image index: 0, Swap type: none\nI: Jumping to the first image slot\n"
            "*** Booting Zephyr OS build v3.2.99-ncs1 ***\nI: sensor ready\n")
    assert explain(boot + "Rebooting...\n" + boot).status == "healthy"


def test_a_restart_a_sketch_asked_for_after_its_own_rebooting_line_is_no_failure_when_the_boot_completes() -> None:
    # "Rebooting..." then ESP.restart(): the same two lines as the panic handler's restart, but the
    # capture shows no crash and the next boot reaches the application, so nothing failed.
    boot = ("I (29) boot: ESP-IDF v5.1.3 2nd stage bootloader\nI (573) cpu_start: Pro cpu up.\n"
            "I (700) main_task: Calling app_main()\n")
    text = ESP32.replace("SW_CPU_RESET", "POWERON_RESET") + boot + "Saving settings\nRebooting...\n" + ESP32 + boot
    assert _resets(text) == [False, True]
    assert explain(text).status == "healthy"

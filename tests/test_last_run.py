"""A capture's last boot or flash decides whether it shows a healthy run: one that started after an
earlier run completed, and neither completed nor handed over, was cut off or hangs."""
from __future__ import annotations

from bootdiag.core.pipeline import explain
from test_restart_loops import APP, MCUBOOT

# an MCUboot boot that hands over to an app that prints (test_restart_loops.py's)
_MCUBOOT_TO_APP = MCUBOOT + APP
_MCUBOOT_STARTS = "*** Booting Zephyr OS build v3.5.0 ***\nI: Starting bootloader\n"

_ESP32_ROM = (
    "ets Jul 29 2019 12:21:46\n\n"
    "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
    "configsip: 0, SPIWP:0xee\n"
    "clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\n"
    "mode:DIO, clock div:2\n"
)
_ESP32_ROM_LOADS = (
    "load:0x3fff0030,len:4640\n"
    "load:0x40078000,len:15660\n"
    "load:0x40080400,len:3164\n"
    "entry 0x4008059c\n"
)
_ESP32_APP = "E (517) esp_core_dump_flash: No core dump partition found!\nhello from the app\n"


def test_a_bootloader_that_starts_again_after_the_app_ran_and_stops_is_not_healthy() -> None:
    healthy = explain(_MCUBOOT_TO_APP)
    assert healthy.status == "healthy" and "unfinished_from" not in healthy.stats
    report = explain(_MCUBOOT_TO_APP + _MCUBOOT_STARTS)
    assert report.status == "incomplete"
    # the report names where the run that never ended begins: MCUboot's "Starting bootloader"
    assert report.stats["unfinished_from"] == _MCUBOOT_TO_APP.count("\n") + 2


def test_the_bootloaders_own_driver_lines_before_it_starts_are_no_run_that_completed() -> None:
    # MCUboot built on Zephyr logs its flash driver before "Starting bootloader"; a capture that
    # stops there shows a bootloader that never got further.
    capture = ("[00:00:00.003,355] <inf> spi_nor: mx25r6435f@0: 8 MiBy flash\n"
               "[00:00:00.005,623] <inf> mcuboot: Starting bootloader\n")
    assert explain(capture).status == "incomplete"


def test_a_rom_boot_cut_before_its_hand_over_after_a_healthy_boot_is_incomplete() -> None:
    healthy = _ESP32_ROM + _ESP32_ROM_LOADS + _ESP32_APP
    assert explain(healthy).status == "healthy"
    assert explain(healthy + _ESP32_ROM).status == "incomplete"


def test_a_last_boot_that_completes_or_hands_over_keeps_the_capture_healthy() -> None:
    # Near-misses: the second boot reaches the app, or the ROM hands over (the capture then ends on
    # the next stage's start, as a paste of a power cycle does).
    assert explain(_MCUBOOT_TO_APP + _MCUBOOT_TO_APP).status == "healthy"
    healthy = _ESP32_ROM + _ESP32_ROM_LOADS + _ESP32_APP
    assert explain(healthy + _ESP32_ROM + _ESP32_ROM_LOADS).status == "healthy"


_ESP32_DOWNLOAD_WAIT = (
    "ets Jun  8 2016 00:22:57\n\n"
    "rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\n"
    "waiting for download\n"
)
_ESP32_WDT_ROM = (
    "ets Jun  8 2016 00:22:57\n\n"
    "rst:0x8 (TG1WDT_SYS_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
    "configsip: 0, SPIWP:0xee\n"
    "clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\n"
    "mode:DIO, clock div:2\n"
)


def test_a_download_wait_a_later_flash_boot_got_past_does_not_explain_that_boot() -> None:
    # The capture stops waiting for a download: the strapping pins are the finding.
    waiting = explain(_ESP32_DOWNLOAD_WAIT)
    assert waiting.findings[0].id == "esp.boot_strapped_to_download"
    # A later reset booted from flash and handed over, then restarted on a watchdog: the wait
    # ended (BOOT held, or the terminal's DTR/RTS at that reset) and is not the cause.
    later = explain(_ESP32_DOWNLOAD_WAIT + _ESP32_ROM + _ESP32_ROM_LOADS + _ESP32_WDT_ROM + _ESP32_ROM_LOADS
                    + "ets Jun  8 2016 00:22:57\n")
    assert "esp.boot_strapped_to_download" not in [f.id for f in later.findings]
    assert later.status != "healthy"
    # Near-miss: the wait comes after the flash boot, and the capture ends there.
    last = explain(_ESP32_ROM + _ESP32_ROM_LOADS + _ESP32_DOWNLOAD_WAIT)
    assert last.findings[0].id == "esp.boot_strapped_to_download"


# An Arduino-style boot: the ROM hands over and a sketch prints, with no second-stage bootloader
# or ESP-IDF line that shows the app running.
_SKETCH = "00:00:00.002 HDW: ESP32-D0WD-V3\n00:00:00.040 CFG: Loaded from File, Count 2\n"


def _restart(reason: str) -> str:
    return _ESP32_ROM.replace("rst:0x1 (POWERON_RESET)", reason)


def test_output_after_a_hand_over_is_no_run_that_lasted_when_an_earlier_one_restarted_itself() -> None:
    # The first boot handed over and printed, then the firmware reset the chip (a software reset,
    # no panic): the second boot printing as much shows no more that it lasts.
    first = _ESP32_ROM + _ESP32_ROM_LOADS + _SKETCH
    assert explain(first).status == "healthy"
    for reason in ("rst:0xc (SW_CPU_RESET)", "rst:0x3 (SW_RESET)"):
        capture = first + _restart(reason) + _ESP32_ROM_LOADS + _SKETCH
        report = explain(capture)
        assert report.status == "incomplete", reason


def test_a_power_cycle_between_boots_that_hand_over_keeps_the_capture_healthy() -> None:
    # Near-miss: a power-on reset (a power cycle, or EN pressed on an ESP32) is someone's doing.
    first = _ESP32_ROM + _ESP32_ROM_LOADS + _SKETCH
    assert explain(first + _ESP32_ROM + _ESP32_ROM_LOADS + _SKETCH).status == "healthy"

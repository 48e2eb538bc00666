"""Two readings of a ROM that did not boot from flash because it was in (or asked for) download mode:
the ROM refusing its download modes (an eFuse), and a download boot whose reset came over the chip's
USB-Serial/JTAG port, where the host's DTR stands for the boot pin."""
from __future__ import annotations

import pytest

from bootdiag.core.parse.unwrap import strip_wrapping
from bootdiag.core.pipeline import explain

C3 = "ESP-ROM:esp32c3-api1-20210207\nBuild:Feb  7 2021\n"
REFUSED = "rst:0x3 (RTC_SW_SYS_RST),boot:0x5 (DOWNLOAD(USB/UART0/1))\nSaved PC:0x40048b82\nDownload boot modes disabled\n"


def test_download_modes_disabled_is_the_efuse() -> None:
    report = explain((C3 + REFUSED) * 3)
    assert report.status == "diagnosed"
    assert report.top is not None and report.top.id == "esp.download_mode_disabled"
    assert report.top.confidence == "high"
    assert "DIS_DOWNLOAD_MODE" in report.top.explanation


def test_a_rom_waiting_for_download_is_not_the_efuse() -> None:
    report = explain(C3 + "rst:0x1 (POWERON),boot:0x4 (DOWNLOAD(USB/UART0/1))\nwaiting for download\n")
    assert all(f.id != "esp.download_mode_disabled" for f in report.findings)


USB_RESETS = [
    (C3, "rst:0x15 (USB_UART_CHIP_RESET),boot:0x5 (DOWNLOAD(USB/UART0/1))"),
    ("ESP-ROM:esp32c6-20220919\nBuild:Sep 19 2022\n", "rst:0x15 (USB_UART_HPSYS),boot:0x5 (DOWNLOAD(USB/UART0/SDIO_FEI_FEO))"),
]


@pytest.mark.parametrize(("banner", "reset"), USB_RESETS)
def test_a_download_boot_after_a_usb_serial_jtag_reset_is_a_low_reading(banner: str, reset: str) -> None:
    report = explain(banner + reset + "\nSaved PC:0x400462e2\nwaiting for download\n")
    assert report.top is not None and report.top.id == "esp.boot_strapped_to_download"
    assert report.top.confidence == "low"
    assert "USB-Serial/JTAG" in report.top.explanation


def test_a_download_boot_after_a_power_on_stays_a_high_reading() -> None:
    report = explain(C3 + "rst:0x1 (POWERON),boot:0x4 (DOWNLOAD(USB/UART0/1))\nwaiting for download\n")
    assert report.top is not None and report.top.id == "esp.boot_strapped_to_download"
    assert report.top.confidence == "high"


@pytest.mark.parametrize("end", ["\u240d\u240a", "\u240a", "\u240d"])
def test_line_ends_shown_as_control_pictures_are_taken_off(end: str) -> None:
    assert strip_wrapping("ESP-ROM:esp32c3-api1-20210207" + end) == "ESP-ROM:esp32c3-api1-20210207"


def test_usb_boot_after_a_usb_serial_jtag_reset_stays_a_high_reading() -> None:
    # boot:0x0 (USB_BOOT) names GPIO8 and GPIO9 both low at that reset: a pin level, whoever reset the chip.
    report = explain(C3 + "rst:0x15 (USB_UART_CHIP_RESET),boot:0x0 (USB_BOOT)\nwait usb download\n")
    assert report.top is not None and report.top.id == "esp.boot_strapped_to_download"
    assert report.top.confidence == "high"


ESP32_LOOP = "ets Jul 29 2019 12:21:46\n\nrst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n" + "invalid header: 0xffffffff\n" * 4
BOOT_HELD = "ets Jul 29 2019 12:21:46\n\nrst:0x10 (RTCWDT_RTC_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\nwaiting for download\n"


def test_a_download_wait_after_a_failed_flash_boot_ranks_below_that_failure() -> None:
    # BOOT held after the loop, to flash again: the loop is what the capture asks about.
    report = explain(ESP32_LOOP * 2 + BOOT_HELD)
    assert report.top is not None and report.top.id == "esp.bootloader_wrong_offset"
    assert "esp.boot_strapped_to_download" in [f.id for f in report.findings]


def test_a_download_wait_alone_is_still_the_cause() -> None:
    report = explain(BOOT_HELD)
    assert report.top is not None and report.top.id == "esp.boot_strapped_to_download"


def test_a_download_mode_nobody_asks_for_stays_first_after_a_failed_flash_boot() -> None:
    c6 = "ESP-ROM:esp32c6-20220919\nBuild:Sep 19 2022\n"
    loop = c6 + "rst:0x7 (TG0WDT_HPSYS),boot:0xc (SPI_FAST_FLASH_BOOT)\n" + "invalid header: 0xffffffff\n" * 4
    report = explain(loop * 2 + c6 + "rst:0x1 (POWERON),boot:0x0 (USB_BOOT)\nwait usb download\n")
    assert report.top is not None and report.top.id == "esp.boot_strapped_to_download"
    assert "USB_BOOT" in report.top.explanation

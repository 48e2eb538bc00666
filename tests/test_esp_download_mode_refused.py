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

"""esptool's "No serial data received." is weaker evidence of a chip outside download mode when the
same capture shows the ROM reset into download mode and waiting for a host: the port and the lines
between host and chip come first, and the reading says so at low confidence."""
from __future__ import annotations

import pytest

from bootdiag.core.pipeline import explain

SILENT = (
    "esptool.py v3.3.2\nSerial port /dev/ttyS19\nConnecting......................................\n"
    "A fatal error occurred: Failed to connect to ESP32: No serial data received.\n"
)
DOWNLOAD = [
    "ets Jun  8 2016 00:22:57\nrst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\n"
    "waiting for download\n",
    "ESP-ROM:esp32s3-20210327\nBuild:Mar 27 2021\nrst:0x1 (POWERON),boot:0x0 (DOWNLOAD(USB/UART0))\n"
    "waiting for download\n",
]


@pytest.mark.parametrize("rom", DOWNLOAD)
def test_silence_after_the_rom_waited_for_download_is_a_low_reading(rom: str) -> None:
    report = explain(rom + SILENT)
    assert report.top is not None and report.top.id == "esp.not_in_download_mode"
    assert report.top.confidence == "low"
    assert "reset into download mode" in report.top.explanation


def test_silence_alone_stays_a_medium_reading() -> None:
    report = explain(SILENT)
    assert report.top is not None and report.top.id == "esp.not_in_download_mode"
    assert report.top.confidence == "medium"


def test_silence_after_a_flash_boot_stays_a_medium_reading() -> None:
    rom = "ets Jun  8 2016 00:22:57\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
    report = explain(rom + SILENT)
    assert report.top is not None and report.top.id == "esp.not_in_download_mode"
    assert report.top.confidence == "medium"

"""`flash read err, 1000` is the ESP32 ROM failing on whatever sits at 0x1000. When the capture's own
write_flash put a file at 0x0 and nothing at 0x1000, the image at the wrong offset is the reading
that fits (medium); with a bootloader written at 0x1000, or no command in view, the line alone still
fits a failing supply or flash wiring as well (low)."""
from __future__ import annotations

import pytest

from bootdiag.core.pipeline import explain
from bootdiag.platforms.esp import events as ev
from bootdiag.core.parse import parse_text

ROM_LOOP = (
    "rst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
    "flash read err, 1000\n"
    "ets_main.c 371 \n"
    "ets Jun  8 2016 00:22:57\n"
)


@pytest.mark.parametrize("command", [
    "esptool.py --chip esp32 write_flash -z 0x00000 firmware.bin",
    "esptool.py write_flash 0 WLED_0.8.6_ESP32.bin",
    r".\esptool.exe --chip esp32 --port COM6 write_flash -z 0x0 C:\fw\tasmota32.bin",
])
def test_an_image_written_at_zero_without_a_bootloader_at_0x1000_is_the_offset(command: str) -> None:
    report = explain(command + "\n" + ROM_LOOP)
    assert report.top is not None and report.top.id == "esp.bootloader_wrong_offset"
    assert report.top.confidence == "medium"


@pytest.mark.parametrize("command", [
    "esptool.py --chip esp32 write_flash 0x1000 bootloader.bin 0x8000 partitions.bin 0x10000 app.bin",
    "esptool.py --chip esp32 write_flash 0x0 merged.bin 0x1000 bootloader.bin",
    "esptool.py --chip esp32 write_flash 0x10000 app.bin",
    "esptool.py --chip esp32 erase_flash",
    "",
])
def test_a_bootloader_written_at_0x1000_or_no_write_at_zero_leaves_the_line_alone_low(command: str) -> None:
    report = explain((command + "\n" if command else "") + ROM_LOOP)
    assert report.top is not None and report.top.id == "esp.bootloader_wrong_offset"
    assert report.top.confidence == "low"


@pytest.mark.parametrize("line,offsets", [
    ("esptool.py write_flash -z --flash_mode dio 0x1000 bootloader.bin 0x10000 app.bin", [0x1000, 0x10000]),
    ("esptool.py --chip esp32 --baud 460800 write_flash 0x0 factory.bin", [0]),
    ("esptool.py verify_flash 0x10000 app.bin", [0x10000]),
    ('esptool.py --chip esp32 write_flash -z --flash_mode dio --flash_freq 80m 0xe000 "C:\\core/boot_app0.bin" '
     '0x1000 "C:\\tmp/sketch.ino.bootloader.bin"', [0xE000, 0x1000]),
    ("esptool.py write_flash @flash_args", []),
    ("esptool.py read_flash 0 0x400000 dump.bin", []),
])
def test_the_offsets_a_write_command_names(line: str, offsets: list[int]) -> None:
    (event,) = parse_text(line + "\n")
    assert isinstance(event, ev.ToolCommand) and event.offsets == offsets

"""PSRAM that does not answer at start-up: on an ESP32 whose package has no PSRAM inside, the module
has none (or it is not reachable); packages with PSRAM inside, and ESP32-S3 line modes, are other causes."""
from __future__ import annotations

import pytest

from bootdiag.core.pipeline import explain

ROM = (
    "rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
    "mode:DIO, clock div:2\n"
    "entry 0x40080590\n"
)


def psram_start(package: str, psram_id: str, tag: str = "quad_psram") -> str:
    return (
        ROM
        + f"I (475) {tag}: This chip is {package}\n"
        + f"E (478) {tag}: PSRAM ID read error: {psram_id}\n"
        + "E (478) cpu_start: Failed to init external RAM!\n"
        + "abort() was called at PC 0x400818c4 on core 0\n"
    )


@pytest.mark.parametrize("tag", ["quad_psram", "psram"])
def test_an_esp32_d0wd_whose_psram_id_reads_all_ones_has_no_psram(tag: str) -> None:
    report = explain(psram_start("ESP32-D0WD", "0xffffffff", tag))
    assert report.status == "diagnosed"
    [top] = report.findings[:1]
    assert top.id == "esp.psram_not_fitted" and top.confidence == "medium"
    assert all(f.id != "esp.psram_mode_mismatch" for f in report.findings)


@pytest.mark.parametrize("package, psram_id", [
    ("ESP32-D0WDR2-V3", "0xffffffff"),  # PSRAM inside the chip: not a module without PSRAM
    ("ESP32-D0WD", "0x7ca9ae06"),  # something answered: not an empty bus
])
def test_near_misses_are_not_a_module_without_psram(package: str, psram_id: str) -> None:
    report = explain(psram_start(package, psram_id))
    assert all(f.id != "esp.psram_not_fitted" for f in report.findings)
    assert report.status != "healthy"


def test_a_psram_that_was_found_is_not_a_finding() -> None:
    report = explain(
        ROM
        + "I (228) psram: This chip is ESP32-D0WD\n"
        + "I (230) spiram: Found 64MBit SPI RAM device\n"
        + "I (1144) cpu_start: Pro cpu start user code\n"
    )
    assert report.status == "healthy" and report.findings == []


CLASSIC_ROM = "ets Jun  8 2016 00:22:57\n\nrst:0xc (SW_CPU_RESET),boot:0x17 (SPI_FAST_FLASH_BOOT)\nentry 0x400805f8\n"
S3_ROM = "ESP-ROM:esp32s3-20210327\nBuild:Mar 27 2021\nrst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)\nentry 0x403c98f4\n"


def test_without_the_package_line_a_classic_esp32_rom_is_a_weaker_reading() -> None:
    report = explain(CLASSIC_ROM + "E (151) psram: PSRAM ID read error: 0xffffffff\n")
    assert report.findings[0].id == "esp.psram_not_fitted" and report.findings[0].confidence == "low"


def test_the_same_line_on_an_s3_is_left_to_the_line_mode_reading() -> None:
    report = explain(S3_ROM + "E (243) psram: PSRAM ID read error: 0x00ffffff\n")
    assert all(f.id != "esp.psram_not_fitted" for f in report.findings)

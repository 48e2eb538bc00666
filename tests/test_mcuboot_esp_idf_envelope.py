"""MCUboot's Espressif port as Zephyr and NuttX build it logs through ESP-IDF's envelope
("I (36) soc_init: MCUboot 2nd stage bootloader"): its start, image checks and hand-over are
MCUboot's, so the restart-loop count applies; a boot is healthy only when the image's own output
follows the hand-over."""
from __future__ import annotations

from pathlib import Path

import pytest

from bootdiag.core.parse import LineParser
from bootdiag.core.pipeline import explain

REAL = Path(__file__).resolve().parent.parent / "corpus" / "real" / "mcuboot"

# Lines as the port prints them (zephyrproject-rtos/zephyr#92656, an esp32c3 sysbuild build).
PORT_BOOT = (
    "I (36) soc_init: MCUboot 2nd stage bootloader\n"
    "I (36) soc_init: compile time Jul  3 2025 15:28:00\n"
    "I (37) soc_init: chip revision: v1.1\n"
    "I (37) flash_init: SPI Speed      : 80MHz\n"
    "I (41) flash_init: SPI Mode       : DIO\n"
    "I (44) flash_init: SPI Flash Size : 4MB\n"
    "I (82) boot: Image index: 0, Swap type: none\n"
    "I (82) boot: Loading image 0 - slot 0 from flash, area id: 2\n"
    "I (82) boot: Application start=40382a7ah\n"
    "I (84) boot: DRAM segment: paddr=0003edc8h, vaddr=3fc9ed60h, size=02784h ( 10116) load\n"
    "I (93) boot: IRAM segment: paddr=00020080h, vaddr=40380000h, size=1ed48h (126280) load\n"
)
# What the Zephyr image prints once it runs.
IMAGE = (
    "I (115) boot: IROM segment: paddr=00050000h, vaddr=42000000h, size=538EAh (342250) map\n"
    "*** Booting Zephyr OS build v4.2.0 ***\n"
    "[00:00:00.010,000] <inf> main: sensor ready\n"
)


def _kinds(text: str) -> list[str]:
    parser = LineParser()
    return [e.kind for no, line in enumerate(text.splitlines(), 1) for e in parser.parse_line(line, no)]


def test_the_port_start_its_image_check_and_hand_over_are_mcuboot_events() -> None:
    kinds = _kinds(PORT_BOOT)
    assert kinds[0] == "McubootStart"
    assert kinds[6:9] == ["McubootSwapType", "McubootLog", "McubootEspEntry"]


@pytest.mark.parametrize("line", [
    "I (soc_init): MCUboot 2nd stage bootloader",  # newer trees print no time
    "I (36) boot: MCUboot 2nd stage bootloader",  # older trees log the banner under "boot"
])
def test_the_port_start_is_read_in_either_form(line: str) -> None:
    assert _kinds(line) == ["McubootStart"]


def test_esp_idf_own_bootloader_lines_stay_esp_idf_lines() -> None:
    kinds = _kinds("I (29) boot: ESP-IDF v5.1.2 2nd stage bootloader\nI (30) boot: chip revision: v0.3\n"
                   "E (40) boot: No bootable app partitions in the partition table\n")
    assert len(kinds) == 3 and not any(k.startswith(("Mcuboot", "Zephyr")) for k in kinds)


def test_an_image_that_starts_over_again_and_again_is_a_failure() -> None:
    report = explain((PORT_BOOT + IMAGE) * 4)
    assert report.status == "unexplained" and report.exit_code == 3
    assert "started over" in (report.unexplained[0].meaning or "")


def test_a_boot_is_healthy_only_when_the_image_prints_after_the_hand_over() -> None:
    assert explain(PORT_BOOT + IMAGE).status == "healthy"
    assert explain(PORT_BOOT).status != "healthy"
    # the image's start-up lines in the same envelope are not the image running to its own output
    assert explain(PORT_BOOT + "I (130) spi_flash: detected chip: generic\n").status != "healthy"
    assert explain(PORT_BOOT + "I (spi_flash): detected chip: mxic (opi)\nI (spi_flash): flash io: opi_dtr\n").status != "healthy"


def test_an_application_flash_line_with_no_mcuboot_before_it_stays_esp_idf_s() -> None:
    assert _kinds("I (spi_flash): detected chip: generic\n") != ["McubootImageStartUp"]


@pytest.mark.parametrize("case", [
    "esp32c3-sysbuild-wifi-shell-freeze-after-flash-io",
    "esp32c3-zephyr-port-hang-irom-load-regression",
    "esp32s3-nuttx-mcuboot-hand-made-config-rom-reset-loop-quoted",
    "esp32s3-mcuboot-psram-reloc-hang-after-psram-init",
])
def test_a_real_boot_that_stops_midway_is_never_healthy(case: str) -> None:
    report = explain((REAL / f"{case}.log").read_text())
    assert report.status != "healthy"


def test_the_ports_lines_without_a_time_are_cut_apart_when_a_paste_glued_them() -> None:
    # zephyrproject-rtos/zephyr#110630's ESP32-S3 capture, three lines to a line, as a paste that lost
    # its newlines leaves them: still the port's start and hand-over, then the image's start-up
    glued = (
        "I (soc_init): MCUboot 2nd stage bootloader I (soc_init): compile time Jun 10 2026 11:30:48 W (soc_init): Unicore bootloader\n"
        "I (flash_init): SPI Flash Size : 8MB I (boot): Loading image 0 - slot 0 from flash, area id: 2 I (boot): Application start=40376968h\n"
        "I (cache): Instruction cache: size 16KB, 8Ways, cache line size 32Byte I (MSPI Timing): Enter flash timing tuning I (spi_flash): detected chip: mxic (opi)\n"
    )
    kinds = _kinds(glued)
    assert kinds[0] == "McubootStart" and "McubootEspEntry" in kinds
    assert explain(glued).status == "incomplete"  # stopped in the image's start-up: never healthy


def test_a_start_up_line_that_lost_its_level_letter_is_still_the_ports() -> None:
    # zephyrproject-rtos/zephyr#86528's ESP32 simple boot, the level letters lost: after the ROM's hand-over the
    # port's lines begin and the capture stops; the next stage did not show it ran
    rom = ("rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\nload:0x3ffb0000,len:6380\n"
           "load:0x40080000,len:34864\nentry 0x40083840\n")
    port = "(29) soc_init: ESP Simple boot\n(29) soc_init: compile time Mar  2 2025 12:54:08\n"
    assert _kinds(port) == ["McubootLog", "McubootLog"]
    assert explain(rom + port).status == explain(rom + "I" + port.replace("\n(", "\nI (")).status == "incomplete"

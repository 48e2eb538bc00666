"""The ESP chips bootdiag knows: image chip id, bootloader offset, flash frequencies, flash mapping."""
from __future__ import annotations

from dataclasses import dataclass

# esptool targets/*.py FLASH_FREQUENCY (low nibble of byte 3), per chip family
FREQ_ESP32 = {0x0: "40m", 0x1: "26m", 0x2: "20m", 0xF: "80m"}
FREQ_C2 = {0x0: "30m", 0x1: "20m", 0x2: "15m", 0xF: "60m"}
FREQ_C6 = {0x0: "80m", 0x2: "20m"}  # esptool writes 0x0 for both 40m and 80m on the C6
FREQ_C5 = {0x0: "40m", 0x2: "20m", 0xF: "80m"}
FREQ_H2 = {0x0: "24m", 0x1: "16m", 0x2: "12m", 0xF: "48m"}
FREQ_H4 = {0x0: "24m", 0xF: "48m"}


@dataclass(frozen=True)
class Chip:
    name: str
    chip_id: int  # IDF esp_app_format.h esp_chip_id_t
    bootloader_offset: int  # esptool targets BOOTLOADER_FLASH_OFFSET
    flash_freqs: dict[int, str]
    flash_mapped: tuple[tuple[int, int], ...]  # esptool targets IROM_MAP/DROM_MAP ranges

    def maps_flash(self, addr: int) -> bool:
        return any(lo <= addr < hi for lo, hi in self.flash_mapped)


CHIPS: tuple[Chip, ...] = (
    Chip("esp32", 0x00, 0x1000, FREQ_ESP32, ((0x400D0000, 0x40400000), (0x3F400000, 0x3F800000))),
    Chip("esp32s2", 0x02, 0x1000, FREQ_ESP32, ((0x40080000, 0x40B80000), (0x3F000000, 0x3F3F0000))),
    Chip("esp32c3", 0x05, 0x0, FREQ_ESP32, ((0x42000000, 0x42800000), (0x3C000000, 0x3C800000))),
    Chip("esp32s3", 0x09, 0x0, FREQ_ESP32, ((0x42000000, 0x44000000), (0x3C000000, 0x3E000000))),
    Chip("esp32c2", 0x0C, 0x0, FREQ_C2, ((0x42000000, 0x42400000), (0x3C000000, 0x3C400000))),
    Chip("esp32c6", 0x0D, 0x0, FREQ_C6, ((0x42000000, 0x43000000),)),
    Chip("esp32h2", 0x10, 0x0, FREQ_H2, ((0x42000000, 0x43000000),)),
    Chip("esp32p4", 0x12, 0x2000, FREQ_ESP32, ((0x40000000, 0x4C000000),)),
    Chip("esp32c61", 0x14, 0x0, FREQ_C5, ((0x42000000, 0x43000000),)),
    Chip("esp32c5", 0x17, 0x2000, FREQ_C5, ((0x42000000, 0x44000000),)),
    Chip("esp32h21", 0x19, 0x0, FREQ_H4, ((0x42000000, 0x43000000),)),
    Chip("esp32h4", 0x1C, 0x2000, FREQ_H4, ((0x42000000, 0x44000000),)),
    Chip("esp32e22", 0x1F, 0x0, FREQ_ESP32, ((0x3C000000, 0x40000000),)),
    Chip("esp32s31", 0x20, 0x2000, FREQ_C5, ((0x40000000, 0x54000000),)),
)
CHIPS_BY_ID = {chip.chip_id: chip for chip in CHIPS}
CHIPS_BY_NAME = {chip.name: chip for chip in CHIPS}


def normalize_chip_name(name: str) -> str:
    return name.strip().lower().replace("-", "").replace("_", "")


def chip_from_option(name: str | None) -> Chip | None:
    return CHIPS_BY_NAME.get(normalize_chip_name(name)) if name else None




# Address ranges that are flash mapped through the cache on every chip that has them, and internal
# RAM on none (unlike 0x40xxxxxx, IRAM on some chips and flash on others): a ROM that loads a segment
# there is loading an application (esptool targets/*.py IROM_MAP/DROM_MAP; ESP32 DROM, S2 DROM, and
# the IROM/DROM of ESP32-C2/C3/C6/H2/S3).
APP_ONLY_RANGES = ((0x42000000, 0x44000000), (0x3C000000, 0x3E000000), (0x3F000000, 0x3F800000))


def app_only_address(address: int) -> bool:
    return any(lo <= address < hi for lo, hi in APP_ONLY_RANGES)

"""The ESP chips bootdiag knows: image chip id, bootloader offset, flash frequencies, flash mapping."""
from __future__ import annotations

from bootdiag.core.value import Frozen, set_fields

# esptool targets/*.py FLASH_FREQUENCY (low nibble of byte 3), per chip family
FREQ_ESP32 = {0x0: "40m", 0x1: "26m", 0x2: "20m", 0xF: "80m"}
FREQ_C2 = {0x0: "30m", 0x1: "20m", 0x2: "15m", 0xF: "60m"}
FREQ_C6 = {0x0: "80m", 0x2: "20m"}  # esptool writes 0x0 for both 40m and 80m on the C6
FREQ_C5 = {0x0: "40m", 0x2: "20m", 0xF: "80m"}
FREQ_H2 = {0x0: "24m", 0x1: "16m", 0x2: "12m", 0xF: "48m"}
FREQ_H4 = {0x0: "24m", 0xF: "48m"}


class Chip(Frozen):
    name: str
    chip_id: int  # IDF esp_app_format.h esp_chip_id_t
    bootloader_offset: int  # esptool targets BOOTLOADER_FLASH_OFFSET
    flash_freqs: dict[int, str]
    flash_mapped: tuple[tuple[int, int], ...]  # esptool targets IROM_MAP/DROM_MAP ranges
    # Memory a loader may copy segments into: esptool targets MEMORY_MAP DRAM, IRAM, D/IRAM, RTC and
    # internal-memory ranges (ESP32 also its cache-as-IRAM and external RAM windows)
    ram: tuple[tuple[int, int], ...]
    _fields = ("name", "chip_id", "bootloader_offset", "flash_freqs", "flash_mapped", "ram")

    def __init__(self, name: str, chip_id: int, bootloader_offset: int, flash_freqs: dict[int, str],
                 flash_mapped: tuple[tuple[int, int], ...], ram: tuple[tuple[int, int], ...] = ()) -> None:
        set_fields(self, name=name, chip_id=chip_id, bootloader_offset=bootloader_offset, flash_freqs=flash_freqs,
                   flash_mapped=flash_mapped, ram=ram)

    def maps_flash(self, addr: int) -> bool:
        return any(lo <= addr < hi for lo, hi in self.flash_mapped)

    def loads_into_ram(self, start: int, end: int) -> bool:
        """[start, end) lies inside one RAM range (a range given as two touching ones counts as one)."""
        return any(lo <= start and end <= hi for lo, hi in self.ram)


_RTC_C6 = (0x50000000, 0x50004000)
_LP_C6 = (0x600FE000, 0x60100000)

CHIPS: tuple[Chip, ...] = (
    Chip("esp32", 0x00, 0x1000, FREQ_ESP32, ((0x400D0000, 0x40400000), (0x3F400000, 0x3F800000)),
         ((0x3F800000, 0x3FC00000), (0x3FF80000, 0x3FF82000), (0x3FF90000, 0x40000000), (0x40070000, 0x400C0000),
          (0x400C0000, 0x400C2000), (0x50000000, 0x50002000))),
    Chip("esp32s2", 0x02, 0x1000, FREQ_ESP32, ((0x40080000, 0x40B80000), (0x3F000000, 0x3F3F0000)),
         ((0x3FF9E000, 0x40072000), (0x50000000, 0x50002000))),
    Chip("esp32c3", 0x05, 0x0, FREQ_ESP32, ((0x42000000, 0x42800000), (0x3C000000, 0x3C800000)),
         ((0x3FC80000, 0x3FD00000), (0x4037C000, 0x403E0000), (0x50000000, 0x50002000), _LP_C6)),
    Chip("esp32s3", 0x09, 0x0, FREQ_ESP32, ((0x42000000, 0x44000000), (0x3C000000, 0x3E000000)),
         ((0x3FC88000, 0x3FD00000), (0x40370000, 0x403E0000), (0x50000000, 0x50002000), _LP_C6)),
    Chip("esp32c2", 0x0C, 0x0, FREQ_C2, ((0x42000000, 0x42400000), (0x3C000000, 0x3C400000)),
         ((0x3FC88000, 0x3FD00000), (0x4037C000, 0x403C0000))),
    Chip("esp32c6", 0x0D, 0x0, FREQ_C6, ((0x42000000, 0x43000000),), ((0x40800000, 0x40880000), _RTC_C6, _LP_C6)),
    Chip("esp32h2", 0x10, 0x0, FREQ_H2, ((0x42000000, 0x43000000),), ((0x40800000, 0x40880000), _RTC_C6, _LP_C6)),
    Chip("esp32p4", 0x12, 0x2000, FREQ_ESP32, ((0x40000000, 0x4C000000),),
         ((0x4FF00000, 0x50000000), (0x50108000, 0x50110000), _LP_C6)),
    Chip("esp32c61", 0x14, 0x0, FREQ_C5, ((0x42000000, 0x43000000),), ((0x40800000, 0x40860000), _RTC_C6, _LP_C6)),
    Chip("esp32c5", 0x17, 0x2000, FREQ_C5, ((0x42000000, 0x44000000),), ((0x40800000, 0x40860000), _RTC_C6, _LP_C6)),
    Chip("esp32h21", 0x19, 0x0, FREQ_H4, ((0x42000000, 0x43000000),), ((0x40800000, 0x40850000), (0x50000000, 0x50001000))),
    Chip("esp32h4", 0x1C, 0x2000, FREQ_H4, ((0x42000000, 0x44000000),), ((0x40810000, 0x40860000),)),
    Chip("esp32e22", 0x1F, 0x0, FREQ_ESP32, ((0x3C000000, 0x40000000),), ((0x30FE0000, 0x31200000), (0xC0000000, 0xC0008000))),
    Chip("esp32s31", 0x20, 0x2000, FREQ_C5, ((0x40000000, 0x54000000),), ((0x2F000000, 0x2F080000), (0x2E000000, 0x2E008000))),
)
# ESP-IDF Kconfig PARTITION_TABLE_OFFSET default: where the partition table sits unless a project moves it
DEFAULT_PARTITION_TABLE_OFFSET = 0x8000
MMU_PAGE_SIZE = 0x10000  # IDF SPI_FLASH_MMU_PAGE_SIZE: flash is mapped into the cache in 64 KB pages
FIRST_LOADED_ADDRESS = 0x10000000  # IDF esp_image_format.c should_load: lower load addresses are never loaded
CHIPS_BY_ID = {chip.chip_id: chip for chip in CHIPS}
# Chip ids of pre-release chips an image header could still carry: ESP-IDF release/v5.0 Kconfig
# IDF_FIRMWARE_CHIP_ID gives 0x000A for ESP32-H2 beta 1 and 0x000E for ESP32-H2 beta 2, which
# release/v5.1 components/bootloader_support/include/esp_app_format.h calls ESP32-H4 beta 1 and 2
# (ESP_CHIP_ID_ESP32H4 under CONFIG_IDF_TARGET_ESP32H4_BETA_VERSION_1/_2); the released H2 is 0x0010.
BETA_CHIP_IDS = frozenset({0x0A, 0x0E})
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


# Every address some chip's ROM loader can copy a segment to or some chip maps flash at: the union of the
# chips' RAM and flash-mapped ranges above (esptool targets/*.py MEMORY_MAP, IROM_MAP, DROM_MAP). A
# segment header that names an address outside all of them (load:0x0780000) belongs to no image for any
# chip: what the ROM read as a header is other data, or flash read back wrong.
_MAPPED_SOMEWHERE = tuple(sorted({r for chip in CHIPS for r in (*chip.ram, *chip.flash_mapped)}))


def mapped_by_some_chip(address: int) -> bool:
    return any(lo <= address < hi for lo, hi in _MAPPED_SOMEWHERE)

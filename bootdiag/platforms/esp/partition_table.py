"""The ESP-IDF partition table: where the bootloader finds the apps and data in flash.

Format (ESP-IDF components/partition_table/gen_esp32part.py, esp_partition.h): at
CONFIG_PARTITION_TABLE_OFFSET (0x8000 by default), up to 0xC00 bytes of 32-byte entries
``<2sBBLL16sL``: magic b"\\xAA\\x50", type, subtype, offset, size, label (NUL-padded), flags (bit 0
encrypted, bit 1 readonly); then an MD5 entry (b"\\xEB\\xEB" + 14 x 0xFF + the MD5 of the entries
before it); 0xFF fills the rest. gen_esp32part aligns app partitions to 0x10000.
"""
from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from bootdiag.platforms.esp.chips import DEFAULT_PARTITION_TABLE_OFFSET

ENTRY_SIZE = 32
ENTRY_MAGIC = b"\xaa\x50"
MD5_MAGIC = b"\xeb\xeb" + b"\xff" * 14
MAX_LENGTH = 0xC00
DEFAULT_OFFSET = DEFAULT_PARTITION_TABLE_OFFSET
TABLE_SECTOR = 0x1000

APP, DATA, BOOTLOADER, PARTITION_TABLE = 0x00, 0x01, 0x02, 0x03
APP_SUBTYPES = {0x00: "factory", 0x20: "test", **{0x10 + n: f"ota_{n}" for n in range(16)}}
DATA_SUBTYPES = {
    0x00: "ota", 0x01: "phy", 0x02: "nvs", 0x03: "coredump", 0x04: "nvs_keys", 0x05: "efuse", 0x06: "undefined",
    0x80: "esphttpd", 0x81: "fat", 0x82: "spiffs", 0x83: "littlefs",
}
FLAG_ENCRYPTED = 0x1


@dataclass(frozen=True)
class Partition:
    label: str
    type: int
    subtype: int
    offset: int
    size: int
    flags: int

    @property
    def is_app(self) -> bool:
        return self.type == APP

    @property
    def encrypted(self) -> bool:
        return bool(self.flags & FLAG_ENCRYPTED)

    def kind(self) -> str:
        if self.type == APP:
            return f"app {APP_SUBTYPES.get(self.subtype, f'0x{self.subtype:02x}')}"
        if self.type == DATA:
            return f"data {DATA_SUBTYPES.get(self.subtype, f'0x{self.subtype:02x}')}"
        return {BOOTLOADER: "bootloader", PARTITION_TABLE: "partition table"}.get(self.type, f"type 0x{self.type:02x}")


@dataclass
class PartitionTable:
    partitions: list[Partition]
    md5: str  # "ok" | "mismatch" | "absent"
    length: int  # bytes of entries, MD5 entry included
    bad_entry: int | None = None  # index of an entry with a bad magic before the end marker


def starts_table(data: bytes, at: int) -> bool:
    """A first entry that reads as one: the magic, a known type, and a 4 KB-aligned offset."""
    entry = data[at : at + ENTRY_SIZE]
    if len(entry) < ENTRY_SIZE or entry[:2] != ENTRY_MAGIC:
        return False
    kind, _, offset, size = struct.unpack_from("<BBLL", entry, 2)
    return kind <= 0x3F and offset % TABLE_SECTOR == 0 and 0 < size < 1 << 30


def read_table(data: bytes, at: int) -> PartitionTable:
    partitions: list[Partition] = []
    md5 = "absent"
    bad: int | None = None
    length = 0
    for index in range(MAX_LENGTH // ENTRY_SIZE):
        entry = data[at + index * ENTRY_SIZE : at + (index + 1) * ENTRY_SIZE]
        if len(entry) < ENTRY_SIZE or entry == b"\xff" * ENTRY_SIZE:
            break
        if entry[:16] == MD5_MAGIC:
            md5 = "ok" if hashlib.md5(data[at : at + index * ENTRY_SIZE]).digest() == entry[16:] else "mismatch"
            length = (index + 1) * ENTRY_SIZE
            break
        if entry[:2] != ENTRY_MAGIC:
            bad = index
            break
        kind, subtype, offset, size, label, flags = struct.unpack("<2xBBLL16sL", entry)
        name = label.split(b"\0", 1)[0].decode("ascii", errors="replace")
        partitions.append(Partition(name, kind, subtype, offset, size, flags))
        length = (index + 1) * ENTRY_SIZE
    return PartitionTable(partitions, md5, length, bad)

"""The ESP-IDF partition table binary (build/partition_table/partition-table.bin).

Format (IDF components/partition_table/gen_esp32part.py, esp_partition.h): 32-byte entries
``<2sBBLL16sL`` = magic 0xAA 0x50, type, subtype, offset, size, label, flags; an optional MD5 entry
(0xEB 0xEB, 14 bytes 0xFF, the MD5 of the entries before it); then 0xFF up to 0xC00 bytes.
"""
from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

ENTRY_LEN = 32
ENTRY_MAGIC = b"\xaa\x50"  # ESP_PARTITION_MAGIC 0x50AA, little-endian
MD5_MAGIC = b"\xeb\xeb"  # ESP_PARTITION_MAGIC_MD5
MAX_TABLE_LEN = 0xC00  # ESP_PARTITION_TABLE_MAX_LEN
TYPE_APP = 0x00
SUBTYPE_FACTORY = 0x00
SUBTYPE_OTA_FIRST, SUBTYPE_OTA_LAST = 0x10, 0x1F  # ota_0 .. ota_15
SUBTYPE_TEST = 0x20
FLAG_ENCRYPTED = 0x01


@dataclass(frozen=True)
class Partition:
    index: int
    type: int
    subtype: int
    offset: int
    size: int
    label: str
    flags: int

    @property
    def end(self) -> int:
        return self.offset + self.size

    @property
    def is_app(self) -> bool:
        return self.type == TYPE_APP

    @property
    def is_ota_slot(self) -> bool:
        return self.is_app and SUBTYPE_OTA_FIRST <= self.subtype <= SUBTYPE_OTA_LAST

    def describe(self) -> str:
        return f"'{self.label}' at 0x{self.offset:x} (0x{self.size:x} bytes)"


class PartitionTableError(ValueError):
    pass


def parse_partition_table(data: bytes) -> list[Partition]:
    """The entries of a partition table binary; raises PartitionTableError when it is not one."""
    partitions: list[Partition] = []
    for at in range(0, min(len(data), MAX_TABLE_LEN), ENTRY_LEN):
        raw = data[at : at + ENTRY_LEN]
        if len(raw) < ENTRY_LEN or raw == b"\xff" * ENTRY_LEN:
            break
        if raw[:2] == MD5_MAGIC:
            if hashlib.md5(data[:at]).digest() != raw[16:32]:
                raise PartitionTableError(f"the MD5 entry at 0x{at:x} does not match the entries before it")
            break
        if raw[:2] != ENTRY_MAGIC:
            raise PartitionTableError(f"entry {len(partitions)} at 0x{at:x} starts with 0x{raw[:2].hex()}, not the partition magic aa50")
        _, ptype, subtype, offset, size, label, flags = struct.unpack("<2sBBLL16sL", raw)
        partitions.append(Partition(len(partitions), ptype, subtype, offset, size, label.split(b"\0", 1)[0].decode("ascii", "replace"), flags))
    if not partitions:
        raise PartitionTableError("no partition entries")
    return partitions


def first_boot_app(partitions: list[Partition]) -> Partition | None:
    """The partition the bootloader boots when otadata is blank: factory if there is one, else the
    first OTA slot (IDF bootloader_utility.c bootloader_utility_get_selected_boot_partition)."""
    factory = next((p for p in partitions if p.is_app and p.subtype == SUBTYPE_FACTORY), None)
    if factory is not None:
        return factory
    return next((p for p in sorted(partitions, key=lambda p: p.subtype) if p.is_ota_slot), None)

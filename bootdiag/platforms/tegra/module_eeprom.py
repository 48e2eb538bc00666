"""The Jetson module (CVM) EEPROM as flash.sh saves it in ``bootloader/cvm.bin``: which module is attached.

flash.sh (L4T r35.3.1, ``get_board_version``, flash.sh l.759-829) has tegraflash dump the module EEPROM
into ``bootloader/cvm.bin`` and reads board ID, FAB, SKU and revision from it with ``chkbdinfo -i/-f/-k/-r``
(a binary; it leaves the file in ``bootloader/``). The layout: NVIDIA edk2-nvidia
``Silicon/NVIDIA/Include/Protocol/Eeprom.h`` (bfc08b4a; T194_EEPROM_DATA / T234_EEPROM_DATA, 256 bytes,
version 1 on T194, 2 on T234, the part number at bytes 20-49, CRC-8 of bytes 0-254 in byte 255), and OE4T
tegra-eeprom-tool ``eeprom.c`` (21902b9b, ``calc_crc8``: the Dallas/Maxim CRC-8; a part number that starts
with 0xCC is the customer's) and ``boardspec.c`` (28edc88c: the part number is ``699-8bbbb-ssss-fff RRR``,
board ID at [5:9], SKU at [10:14], FAB at [15:18], revision after the blank at [18]).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bootdiag.core.files import read_regular
from bootdiag.verify.model import UnusableInput

EEPROM_SIZE = 256
LAYOUT_VERSIONS = (1, 2)  # T194 and earlier, T234
PART_NUMBER = slice(20, 42)  # the 22 characters tegra-eeprom-tool reads; bytes 42-49 are padding
CUSTOMER_PART = 0xCC
_PART = re.compile(r"(?:699|600)-\d(\d{4})-(\d{4})-([0-9A-Za-z]{3})(?: ([0-9A-Za-z.]{1,3}))?")


@dataclass(frozen=True)
class ModuleId:
    """The module an EEPROM names: ``P3668-0001`` FAB ``301`` revision ``B.0``."""

    board_id: str  # "3668"
    sku: str  # "0001"
    fab: str  # "301"
    revision: str  # "B.0", or "" when the EEPROM has none
    part_number: str  # "699-13668-0001-301 B.0"

    @property
    def name(self) -> str:
        return f"P{self.board_id}-{self.sku}"


def crc8(data: bytes) -> int:
    """Dallas/Maxim CRC-8 (reflected polynomial 0x8C), the checksum of the module EEPROM."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8C if crc & 1 else crc >> 1
    return crc


def parse_module_eeprom(data: bytes, where: str) -> ModuleId | None:
    """The module a CVM EEPROM dump names; ``None`` when the part number is a customer's own
    (0xCC first: board ID and SKU are then not in NVIDIA's form). Raises UnusableInput for a file
    that is not such a dump."""
    if len(data) < EEPROM_SIZE:
        raise UnusableInput(f"{where}: {len(data)} bytes; a module EEPROM dump (cvm.bin) is {EEPROM_SIZE}")
    block = data[:EEPROM_SIZE]
    if block.count(0xFF) == EEPROM_SIZE or not any(block):
        raise UnusableInput(f"{where}: the module EEPROM is blank (all 0x{block[0]:02X}): the module does not say what it is")
    version = int.from_bytes(block[0:2], "little")
    if version not in LAYOUT_VERSIONS:
        raise UnusableInput(f"{where}: layout version {version}, not a Jetson module EEPROM dump (version 1 or 2)")
    if crc8(block[:255]) != block[255]:
        raise UnusableInput(f"{where}: its CRC-8 (byte 255, 0x{block[255]:02X}) does not match bytes 0-254 "
                            f"(0x{crc8(block[:255]):02X}): not a complete module EEPROM dump")
    raw = block[PART_NUMBER]
    if raw[0] == CUSTOMER_PART:
        return None
    text = raw.rstrip(b"\x00\xff").decode("ascii", "replace")
    m = _PART.match(text)
    if m is None:
        raise UnusableInput(f"{where}: part number {text!r} is not NVIDIA's 699-8bbbb-ssss-fff form")
    return ModuleId(m.group(1), m.group(2), m.group(3), m.group(4) or "", text)


def read_module_eeprom(path: str) -> ModuleId | None:
    return parse_module_eeprom(read_regular(path, 64 * 1024, "module EEPROM", UnusableInput), path)

"""The loadable segments of an ELF file, as a programmer (pyOCD, OpenOCD, J-Link) writes them to flash.

ELF layout (System V ABI, "ELF-64 Object File Format" and the 32-bit original): ``e_ident`` (class at 4:
1 = 32-bit, 2 = 64-bit; data at 5: 1 = little-, 2 = big-endian), ``e_phoff``, ``e_phentsize`` and
``e_phnum`` locate the program headers; a PT_LOAD (1) header puts ``p_filesz`` bytes from ``p_offset``
at the physical address ``p_paddr``.
"""
from __future__ import annotations

import struct

from bootdiag.verify.model import UnusableInput
from bootdiag.verify.regions import Region, merge_runs

MAGIC = b"\x7fELF"
PT_LOAD = 1


def looks_like_elf(data: bytes) -> bool:
    return data[:4] == MAGIC and len(data) >= 52 and data[4] in (1, 2) and data[5] in (1, 2)


def read_elf(data: bytes, source: str) -> list[Region]:
    """The PT_LOAD segments with file bytes, by physical address; a broken file is UnusableInput."""
    wide, endian = data[4] == 2, "<" if data[5] == 1 else ">"
    try:
        if wide:
            phoff, = struct.unpack_from(endian + "Q", data, 0x20)
            phentsize, phnum = struct.unpack_from(endian + "HH", data, 0x36)
            layout = endian + "IIQQQQQQ"  # p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, ...
        else:
            phoff, = struct.unpack_from(endian + "I", data, 0x1C)
            phentsize, phnum = struct.unpack_from(endian + "HH", data, 0x2A)
            layout = endian + "IIIIII"  # p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz
        runs = []
        for index in range(phnum):
            fields = struct.unpack_from(layout, data, phoff + index * phentsize)
            if wide:
                kind, _, offset, _, paddr, filesz = fields[:6]
            else:
                kind, offset, _, paddr, filesz = fields[:5]
            if kind != PT_LOAD or filesz == 0:
                continue
            if offset + filesz > len(data):
                raise UnusableInput(f"{source}: ELF segment {index} runs past the end of the file")
            runs.append((paddr, data[offset : offset + filesz]))
    except struct.error:
        raise UnusableInput(f"{source}: ELF program headers run past the end of the file") from None
    if not runs:
        raise UnusableInput(f"{source}: ELF file has no loadable segment with contents")
    return merge_runs(runs, source)

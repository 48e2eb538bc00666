"""A small Intel HEX reader: the records a programmer writes to flash, as address/bytes regions.

Record format (Intel, "Hexadecimal Object File Format Specification", rev. A, 1988): ``:LLAAAATT<data>CC``,
LL data bytes at offset AAAA, record type TT, and a checksum CC that makes all the record's bytes sum to
0 mod 256. Types: 00 data, 01 end of file, 02 extended segment address (base = value * 16), 03 start
segment address, 04 extended linear address (the upper 16 bits), 05 start linear address.
"""
from __future__ import annotations

import re

from bootdiag.verify.model import UnusableInput
from bootdiag.verify.regions import Region, merge_runs

_RECORD = re.compile(rb"^:([0-9A-Fa-f]{2})+$")


def looks_like_intel_hex(data: bytes) -> bool:
    """The file's first non-blank line is a well-formed record."""
    head = data[:600].lstrip(b"\xef\xbb\xbf \t\r\n")
    first = head.split(b"\n", 1)[0].rstrip(b"\r \t")
    return len(first) >= 11 and bool(_RECORD.match(first)) and len(first) % 2 == 1


def read_intel_hex(data: bytes, source: str) -> list[Region]:
    """The data records as contiguous regions, sorted by address; a broken file is UnusableInput."""
    runs: list[tuple[int, bytes]] = []
    upper = 0  # from type 04 (linear) or 02 (segment) records
    ended = False
    for number, raw in enumerate(data.splitlines(), 1):
        line = raw.strip()
        if number == 1:
            line = line.lstrip(b"\xef\xbb\xbf")
        if not line:
            continue
        if ended:
            raise UnusableInput(f"{source}: line {number}: data after the end-of-file record")
        record = _decode(line, number, source)
        kind, offset, payload = record[3], int.from_bytes(record[1:3], "big"), record[4:-1]
        if kind == 0x00:
            runs.append((upper + offset, payload))
        elif kind == 0x01:
            ended = True
        elif kind in (0x02, 0x04):
            if len(payload) != 2:
                raise UnusableInput(f"{source}: line {number}: address record with {len(payload)} data bytes, not 2")
            value = int.from_bytes(payload, "big")
            upper = value << 16 if kind == 0x04 else value << 4
        elif kind not in (0x03, 0x05):
            raise UnusableInput(f"{source}: line {number}: unknown record type 0x{kind:02x}")
    if not runs:
        raise UnusableInput(f"{source}: Intel HEX file holds no data records")
    return merge_runs(runs, source)


def _decode(line: bytes, number: int, source: str) -> bytes:
    if not _RECORD.match(line) or len(line) % 2 == 0:
        raise UnusableInput(f"{source}: line {number}: not an Intel HEX record")
    record = bytes.fromhex(line[1:].decode("ascii"))
    if len(record) < 5 or len(record) != record[0] + 5:
        raise UnusableInput(f"{source}: line {number}: record length byte says {record[0]} data bytes, "
                            f"the line holds {max(len(record) - 5, 0)}")
    if sum(record) & 0xFF:
        expected = (-sum(record[:-1])) & 0xFF
        raise UnusableInput(f"{source}: line {number}: checksum 0x{record[-1]:02x}, expected 0x{expected:02x}")
    return record

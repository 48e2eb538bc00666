"""Address/bytes regions: what a container file (Intel HEX, ELF) puts where in flash."""
from __future__ import annotations

from dataclasses import dataclass

from bootdiag.verify.model import UnusableInput

ERASED = 0xFF  # NOR flash reads erased bytes as 0xFF: the fill between regions
# Regions further apart than this are not laid out as one flash image (a UICR or option-byte
# record far above the code, say): they are read separately rather than padded into one buffer.
MAX_GAP = 16 << 20


@dataclass(frozen=True)
class Region:
    address: int
    data: bytes

    @property
    def end(self) -> int:
        return self.address + len(self.data)


def merge_runs(runs: list[tuple[int, bytes]], source: str) -> list[Region]:
    """Runs of bytes (in any order) as contiguous regions; the same address given two values is an error."""
    runs.sort(key=lambda run: run[0])
    regions: list[tuple[int, bytearray]] = []
    for address, payload in runs:
        if regions and address <= regions[-1][0] + len(regions[-1][1]):
            start, buffer = regions[-1]
            end = start + len(buffer)
            if address < end:
                overlap = min(end - address, len(payload))
                if bytes(buffer[address - start : address - start + overlap]) != payload[:overlap]:
                    raise UnusableInput(f"{source}: two records give different bytes for address 0x{address:x}")
                payload = payload[overlap:]
            buffer.extend(payload)
        else:
            regions.append((address, bytearray(payload)))
    return [Region(address, bytes(buffer)) for address, buffer in regions if buffer]


def flatten(regions: list[Region]) -> bytes:
    """The regions laid out from the first one's address, gaps filled as erased flash."""
    base = regions[0].address
    out = bytearray()
    for region in regions:
        out.extend(bytes([ERASED]) * (region.address - base - len(out)))
        out.extend(region.data)
    return bytes(out)


def groups(regions: list[Region]) -> list[list[Region]]:
    """Regions close enough to lay out as one buffer (gaps up to MAX_GAP), in address order."""
    found: list[list[Region]] = []
    for region in regions:
        if found and region.address - found[-1][-1].end <= MAX_GAP:
            found[-1].append(region)
        else:
            found.append([region])
    return found

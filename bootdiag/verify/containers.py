"""Container files: Intel HEX and ELF put bytes at addresses; the images are found in what they lay out.

Regions close together are laid out as one flash buffer from the first one's address (gaps read as
erased flash, as a programmer leaves them), and the platforms are asked what starts there: a platform
may take the whole buffer (a flash layout it knows) or one image, whose ``length`` says where it ends;
the regions after it are looked at in turn. Regions that hold no image bootdiag reads (a bootloader's
raw code, configuration words) are listed in ``info["container"]`` and do not change the verdict.
"""
from __future__ import annotations

from typing import Any

from bootdiag.verify.elf import looks_like_elf, read_elf
from bootdiag.verify.intel_hex import looks_like_intel_hex, read_intel_hex
from bootdiag.verify.model import ImageReport, UnusableInput, VerifyOptions
from bootdiag.verify.regions import Region, flatten, groups


class Unwrapped:
    def __init__(self, kind: str, regions: list[Region]) -> None:
        self.kind = kind  # "intel-hex" | "elf"
        self.regions = regions


def unwrap(data: bytes, path: str) -> Unwrapped | None:
    """The regions of an Intel HEX or ELF file; None for any other file (taken as raw bytes)."""
    if looks_like_intel_hex(data):
        return Unwrapped("intel-hex", read_intel_hex(data, path))
    if looks_like_elf(data):
        return Unwrapped("elf", read_elf(data, path))
    return None


def verify_container(unwrapped: Unwrapped, path: str, options: VerifyOptions) -> ImageReport:
    from bootdiag.verify import recognised_kinds, verify_part

    parts: list[ImageReport] = []
    listing: list[dict[str, Any]] = []
    for group in groups(unwrapped.regions):
        pending = list(group)
        while pending:
            start = pending[0].address
            buffer = flatten(pending)
            report = verify_part(buffer, path, options.model_copy(update={"address": start, "offset": None}))
            if report is None:
                listing.append(_region_entry(pending[0], None))
                pending = pending[1:]
                continue
            report.offset, report.address = start - unwrapped.regions[0].address, start
            parts.append(report)
            end = start + (report.length or len(buffer))
            covered = [r for r in pending if r.address < end]
            listing.extend(_region_entry(r, report.format) for r in covered)
            pending = [r for r in pending if r.address >= end]
    if not parts:
        what = "Intel HEX file" if unwrapped.kind == "intel-hex" else "ELF file's loadable segments"
        raise UnusableInput(f"{path}: the {what} hold no recognised image ({recognised_kinds()})")
    container = {"format": unwrapped.kind, "regions": listing}
    if len(parts) == 1 and all(entry["holds"] for entry in listing):
        only = parts[0]
        only.container = unwrapped.kind
        only.info = {"container": container, **only.info}
        return only
    return ImageReport(format=unwrapped.kind, path=path, parts=parts, info={"container": container},
                       checked=[f"{len(parts)} image{'s' if len(parts) != 1 else ''} found in the {unwrapped.kind} regions"])


def _region_entry(region: Region, holds: str | None) -> dict[str, Any]:
    return {"address": f"0x{region.address:x}", "length": len(region.data), "holds": holds}

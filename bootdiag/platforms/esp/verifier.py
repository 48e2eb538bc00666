"""ESP flash contents as users flash them: one image, a merged flash image, a dump read back from a chip.

- A merged image (`esptool merge-bin`, raw or through an Intel HEX) holds the bootloader at the chip's
  bootloader offset, the partition table (0x8000 by default) and the apps at their partitions: every
  image is checked at its flash address, each app against the partition that holds it.
- A file whose content is ciphertext where a header should be looks flash-encrypted: it is named, not
  checked (that needs the flash encryption key).
- An image that starts a few bytes into the file (a header or padding added by some tool) is found and
  its offset named: flashed as it is, the ROM or bootloader reads the wrong bytes as its header.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

from bootdiag.platforms.esp import partition_table as pt
from bootdiag.platforms.esp.chips import CHIPS, CHIPS_BY_ID, Chip, chip_from_option
from bootdiag.platforms.esp.image import (
    HEADER_LEN, IMAGE_MAGIC, MAX_SEGMENTS, SEGMENT_HEADER_LEN, _ends_with_sbv2_sector, _says_esp, check_image,
    header_is_plausible, locate_image, parse_header,
)
from bootdiag.verify.entropy import bits_per_byte, looks_encrypted
from bootdiag.verify.model import Findings, ImageReport, Problem, VerifyOptions

FORMAT_FLASH = "esp-flash"
FORMAT_ENCRYPTED = "esp-flash-encrypted"
SHIFT_SEARCH = 0x10000  # how far into a file an image that does not start at 0 is looked for
IMAGE_SCAN_STEP = 0x1000  # images in a flash image start on a flash sector
ERASED = 0xFF
FLASH_ENCRYPTION_KEY = ("the flash encryption key: the content looks flash-encrypted (read back from a chip "
                        "with flash encryption on); decrypt it with espsecure decrypt-flash-data, or check the "
                        "plaintext build output")


# ---------------------------------------------------------------------------------------------------------
# What the file holds


@dataclass
class FlashLayout:
    base: int  # flash address of the file's first byte
    chip: Chip | None
    bootloader_at: int | None = None  # file offsets
    table_at: int | None = None
    images: list[int] = field(default_factory=list)  # other ESP image headers, found on sector boundaries


def matches(data: bytes, options: VerifyOptions | None = None) -> bool:
    options = options or VerifyOptions()
    if options.offset is not None:
        return data[options.offset : options.offset + 1] == bytes([IMAGE_MAGIC]) or _says_esp(options)
    if data[:1] == bytes([IMAGE_MAGIC]) or flash_layout(data, options) is not None:
        return True
    if shifted_image(data) is not None or encrypted_at(data, options) is not None:
        return True
    return _ends_with_sbv2_sector(data) or _says_esp(options)


def verify(data: bytes, path: str, options: VerifyOptions) -> ImageReport:
    data = bytes(data)
    if options.offset is not None:
        return _single(data, path, options, locate_image(data, options))
    layout = flash_layout(data, options)
    if layout is not None:
        return _flash_report(data, path, options, layout)
    # Ciphertext starts with the image magic once in 256 dumps: only a plausible header is an image.
    if data[:1] != bytes([IMAGE_MAGIC]) or not plausible_image_at(data, 0):
        shifted = shifted_image(data)
        if shifted is not None:
            return _shifted_report(data, path, options, shifted)
        encrypted = encrypted_at(data, options)
        if encrypted is not None:
            return _encrypted_report(data, path, encrypted)
    return _single(data, path, options, 0)


def _single(data: bytes, path: str, options: VerifyOptions, start: int) -> ImageReport:
    address = None if options.address is None else options.address + start
    return check_image(data, path, options, start, address)


def plausible_image_at(data: bytes, at: int) -> bool:
    """An image header a real tool would write: magic, segment count, a known chip, a first segment
    whose length and load address fit that chip."""
    header_bytes = data[at : at + HEADER_LEN + SEGMENT_HEADER_LEN]
    if len(header_bytes) < HEADER_LEN + SEGMENT_HEADER_LEN or header_bytes[0] != IMAGE_MAGIC:
        return False
    header = parse_header(header_bytes)
    chip = CHIPS_BY_ID.get(header.chip_id)
    if chip is None or not header_is_plausible(header) or header.segment_count > MAX_SEGMENTS:
        return False
    load_addr, length = struct.unpack_from("<II", header_bytes, HEADER_LEN)
    in_memory = chip.maps_flash(load_addr) or chip.loads_into_ram(load_addr, load_addr + length)
    return length % 4 == 0 and 0 < length < 1 << 24 and in_memory


def flash_layout(data: bytes, options: VerifyOptions) -> FlashLayout | None:
    """The file as a stretch of flash holding more than one thing (a bootloader off offset 0, a partition
    table, several images); None for a file that is one image (or nothing ESP)."""
    base = options.address or 0
    chip = chip_from_option(options.chip)
    layout = FlashLayout(base, chip)
    offsets = [chip.bootloader_offset] if chip else sorted({c.bootloader_offset for c in CHIPS})
    for offset in offsets:
        at = offset - base
        if at >= 0 and plausible_image_at(data, at):
            layout.bootloader_at = at
            layout.chip = layout.chip or CHIPS_BY_ID[parse_header(data[at : at + HEADER_LEN]).chip_id]
            break
    layout.table_at = _find_table(data, base)
    first = layout.bootloader_at if layout.bootloader_at is not None else -1
    layout.images = [at for at in range(IMAGE_SCAN_STEP, len(data), IMAGE_SCAN_STEP)
                     if at > first and data[at] == IMAGE_MAGIC and plausible_image_at(data, at)]
    if layout.table_at is not None or (layout.bootloader_at or 0) > 0:
        return layout
    if layout.bootloader_at == 0 and options.address is not None and layout.images:
        return layout
    if data[:1] == bytes([IMAGE_MAGIC]) or not layout.images:
        return None
    return layout  # images past an erased start (an app merged at 0x10000, say)


def _find_table(data: bytes, base: int) -> int | None:
    default = pt.DEFAULT_OFFSET - base
    if default >= 0 and pt.starts_table(data, default):
        return default
    # CONFIG_PARTITION_TABLE_OFFSET may move it (a large bootloader): any sector in the first megabyte
    for at in range(0, min(len(data), 1 << 20), pt.TABLE_SECTOR):
        if at != default and pt.starts_table(data, at):
            return at
    return None


def shifted_image(data: bytes) -> int | None:
    """Where an image starts when it does not start at 0 (within the first 64 KB)."""
    at = data.find(bytes([IMAGE_MAGIC]), 1, SHIFT_SEARCH)
    while at != -1:
        if plausible_image_at(data, at) and _parses_cleanly(data, at):
            return at
        at = data.find(bytes([IMAGE_MAGIC]), at + 1, SHIFT_SEARCH)
    return None


def _parses_cleanly(data: bytes, at: int) -> bool:
    from bootdiag.platforms.esp.image import parse_layout, xor_checksum

    found = Findings("esp")
    layout = parse_layout(data[at:], found)
    if layout is None or layout.checksum_offset is None or found.problems:
        return False
    return data[at + layout.checksum_offset] == xor_checksum(data[at:], layout.segments)


def encrypted_at(data: bytes, options: VerifyOptions) -> int | None:
    """Where ciphertext sits in place of an image header: at 0, or (a whole-flash dump) at a
    bootloader offset after erased flash."""
    if looks_encrypted(data[:4096]):
        return 0
    chip = chip_from_option(options.chip)
    base = options.address or 0
    for offset in [chip.bootloader_offset] if chip else sorted({c.bootloader_offset for c in CHIPS} - {0}):
        at = offset - base
        if at > 0 and data[:at].count(ERASED) == at and looks_encrypted(data[at : at + 4096]):
            return at
    return None


# ---------------------------------------------------------------------------------------------------------
# Reports


def _encrypted_report(data: bytes, path: str, at: int) -> ImageReport:
    entropy = round(bits_per_byte(data[at : at + 4096]), 2)
    return ImageReport(
        format=FORMAT_ENCRYPTED, path=path, missing=[FLASH_ENCRYPTION_KEY],
        info={"offset": at, "bits_per_byte": entropy,
              "note": f"this looks flash-encrypted: {entropy} bits per byte at 0x{at:x}, where an image header "
                      "should be (plaintext images have an 0xE9 header and far less randomness)"},
    )


def _shifted_report(data: bytes, path: str, options: VerifyOptions, at: int) -> ImageReport:
    inner = check_image(data, path, options, at, None if options.address is None else options.address + at,
                        name=f"image at 0x{at:x}")
    found = Findings("esp")
    found.add("image.shifted",
              f"an ESP image starts at 0x{at:x} in this file, not at 0: flashed as it is, the ROM or bootloader "
              f"reads 0x{data[0]:02x} where the 0xE9 header should be (image at 0x{at:x} has invalid magic byte); "
              f"remove the first 0x{at:x} bytes, or flash the file 0x{at:x} bytes lower",
              offset=at, found=f"0x{data[0]:02x}")
    return found.report(inner.format, path, parts=[inner])


def _flash_report(data: bytes, path: str, options: VerifyOptions, layout: FlashLayout) -> ImageReport:
    found = Findings("esp")
    parts: list[ImageReport] = []
    base = layout.base
    if layout.bootloader_at is not None:
        parts.append(check_image(data, path, options, layout.bootloader_at, base + layout.bootloader_at,
                                 name="bootloader"))
        _check_bootloader_offset(layout, found)
    table = pt.read_table(data, layout.table_at) if layout.table_at is not None else None
    starts: set[int] = set()  # file offsets of app partitions: the bootloader reads an app there
    if table is not None:
        assert layout.table_at is not None
        parts.append(_table_report(path, table, layout.table_at, base))
        for partition in table.partitions:
            if partition.is_app:
                starts.add(partition.offset - base)
                part = _partition_part(data, path, options, partition, base)
                if part is not None:
                    parts.append(part)
    for at in layout.images:
        if at in starts or _inside_image(parts, at):
            continue
        app = check_image(data, path, options, at, base + at, name="app")
        parts.append(app)
        if table is not None:
            found.add("flash.outside_partition",
                      f"an app image sits at 0x{base + at:x}, at the start of no app partition of the partition "
                      "table: the bootloader never boots it", address=f"0x{base + at:x}")
    if table is not None and not any(p.name and p.name.startswith("app") for p in parts):
        _check_some_app(data, table, base, found)
    found.info.update(flash_address=f"0x{base:x}", chip=layout.chip.name if layout.chip else None,
                      size=len(data))
    found.check(f"{len(parts)} part{'s' if len(parts) != 1 else ''} found, each checked at its flash address")
    return found.report(FORMAT_FLASH, path, parts=parts, length=len(data))


def _inside_image(parts: list[ImageReport], at: int) -> bool:
    """``at`` lies within an image already found (an 0xE9 byte in its data, say)."""
    return any(p.offset is not None and p.length and p.offset < at < p.offset + p.length for p in parts)


def _check_bootloader_offset(layout: FlashLayout, found: Findings) -> None:
    assert layout.bootloader_at is not None
    address = layout.base + layout.bootloader_at
    if layout.chip is not None and address != layout.chip.bootloader_offset:
        found.add("flash.bootloader_offset",
                  f"the bootloader sits at 0x{address:x}, but the {layout.chip.name} ROM loads it from "
                  f"0x{layout.chip.bootloader_offset:x}", address=f"0x{address:x}",
                  expected=f"0x{layout.chip.bootloader_offset:x}")


def _table_report(path: str, table: pt.PartitionTable, at: int, base: int) -> ImageReport:
    found = Findings("esp", base=at)
    found.info["entries"] = [
        {"label": p.label, "kind": p.kind(), "offset": f"0x{p.offset:x}", "size": f"0x{p.size:x}",
         **({"encrypted": True} if p.encrypted else {})}
        for p in table.partitions
    ]
    found.info["md5"] = table.md5
    if table.bad_entry is not None:
        found.add("partition_table.bad_entry",
                  f"partition table entry {table.bad_entry} at 0x{base + at + table.bad_entry * pt.ENTRY_SIZE:x} "
                  "has no 0xAA50 magic and is not the end marker", entry=table.bad_entry)
    if table.md5 == "mismatch":
        found.add("partition_table.md5_mismatch", "Partition table MD5 mismatch: the entries changed after "
                  "the table was generated", offset=base + at)
    elif table.md5 == "ok":
        found.check("MD5 of the entries")
    found.check(f"{len(table.partitions)} entries")
    return found.report("esp-partition-table", path, offset=at, address=base + at, name="partition table",
                        length=pt.TABLE_SECTOR)


def _partition_part(data: bytes, path: str, options: VerifyOptions, partition: pt.Partition,
                    base: int) -> ImageReport | None:
    """What an app partition holds: None when it is erased or past the end of the file."""
    at = partition.offset - base
    region = data[at : at + partition.size]
    subtype = partition.kind().removeprefix("app ")
    name = f"app {partition.label}" + (f" ({subtype})" if subtype != partition.label else "")
    if at < 0 or not region or region.count(ERASED) == len(region):
        return None
    # (ciphertext starts with the image magic once in 256 partitions: only a plausible header is an image)
    if region[0] == IMAGE_MAGIC and (plausible_image_at(region, 0) or not looks_encrypted(region[:4096])):
        report = check_image(data, path, options, at, partition.offset, name=name)
        if report.length is not None and report.length > partition.size:
            # IDF esp_image_format.c process_appended_hash: "Image length %d doesn't fit in partition length %d"
            report.problems.append(Problem(
                id="esp.flash.image_too_large",
                message=f"Image length {report.length} doesn't fit in partition length {partition.size} "
                        f"({partition.label})",
                detail={"length": report.length, "partition_size": partition.size}))
        return report
    if looks_encrypted(region[:4096]):
        report = ImageReport(format=FORMAT_ENCRYPTED, path=path, missing=[FLASH_ENCRYPTION_KEY], offset=at,
                             address=partition.offset, name=name,
                             info={"bits_per_byte": round(bits_per_byte(region[:4096]), 2),
                                   "partition_flag_encrypted": partition.encrypted})
        return report
    from bootdiag.verify import verify_part

    other = verify_part(region, path, options.model_copy(update={"address": partition.offset, "offset": None}))
    if other is not None and other.format != "esp-flash":
        other.offset, other.address, other.name = at, partition.offset, name
        return other
    found = Findings("esp", base=at)
    # IDF esp_image_format.c verify_image_header: "image at 0x%x has invalid magic byte (nothing flashed here?)"
    found.add("image.bad_magic", f"image at 0x{partition.offset:x} has invalid magic byte 0x{region[0]:02x} "
              f"(expected 0xe9; nothing flashed here?) in app partition {partition.label}",
              offset=at, found=f"0x{region[0]:02x}")
    return found.report("esp-app", path, offset=at, address=partition.offset, name=name)


def _check_some_app(data: bytes, table: pt.PartitionTable, base: int, found: Findings) -> None:
    apps = [p for p in table.partitions if p.is_app]
    if apps and all(p.offset - base < len(data) for p in apps):
        found.add("flash.no_app", "no app partition holds an image: the bootloader has nothing to boot "
                  f"({', '.join(p.label for p in apps)} are erased)")


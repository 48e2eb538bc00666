"""ESP app / bootloader image files, checked the way the ROM and the 2nd-stage bootloader check them.

Layout (IDF esp_app_format.h, esptool docs firmware-image-format.rst): 24-byte header, up to 16 segments
(8-byte header + data each), zero padding to the last byte of a 16-byte block holding the XOR checksum,
optionally a 32-byte SHA-256 of everything before it, then the signature (see ``esp_secure_boot``).

``format`` is ``esp-app`` or ``esp-bootloader``, decided by content:
1. the app descriptor magic 0xABCD5432 at 0x20 (start of the first segment's data) means an app;
2. otherwise any segment loaded into the chip's flash-mapped (cache) address range means an app,
   because apps run from flash while the 2nd-stage bootloader is loaded wholly into IRAM/DRAM;
3. otherwise it is a bootloader.
When not even the header can be read, an image at file offset 0 is called an app and one found further in
(a merged dump's bootloader offset, or --offset) a bootloader.
"""
from __future__ import annotations

import hashlib
import itertools
import struct
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from bootdiag.platforms.esp import secure_boot as esp_secure_boot
from bootdiag.platforms.esp.chips import (
    CHIPS, CHIPS_BY_ID, FIRST_LOADED_ADDRESS, FREQ_ESP32, MMU_PAGE_SIZE, Chip, chip_from_option, normalize_chip_name,
)
from bootdiag.platforms.esp.image_head import IMAGE_MAGIC, MAX_SEGMENTS
from bootdiag.verify.model import Findings, ImageReport, UnusableInput, VerifyOptions

HEADER_LEN = 24  # IDF esp_app_format.h: esp_image_header_t is 24 bytes (static-asserted)
SEGMENT_HEADER_LEN = 8  # IDF esp_image_segment_header_t: load_addr u32, data_len u32
CHECKSUM_SEED = 0xEF  # IDF ESP_ROM_CHECKSUM_INITIAL / esptool ESP_CHECKSUM_MAGIC
SHA256_LEN = 32
APP_DESC_MAGIC = 0xABCD5432  # IDF esp_app_desc.h ESP_APP_DESC_MAGIC_WORD
DESC_OFFSET = HEADER_LEN + SEGMENT_HEADER_LEN  # descriptors sit at the start of the first segment's data
BOOTLOADER_DESC_MAGIC = 0x50  # IDF esp_bootloader_desc.h ESP_BOOTLOADER_DESC_MAGIC_BYTE (80)

# IDF esp_app_format.h esp_image_spi_mode_t
FLASH_MODES = {0: "QIO", 1: "QOUT", 2: "DIO", 3: "DOUT", 4: "FAST_READ", 5: "SLOW_READ"}
# IDF esp_image_flash_size_t (high nibble of byte 3)
FLASH_SIZES = {0: "1MB", 1: "2MB", 2: "4MB", 3: "8MB", 4: "16MB", 5: "32MB", 6: "64MB", 7: "128MB"}

# ---------------------------------------------------------------------------------------------------------
# Parsing


@dataclass(frozen=True)
class ImageHeader:
    magic: int
    segment_count: int
    flash_mode: int
    flash_size_freq: int  # byte 3: size code << 4 | frequency code
    entry: int
    wp_pin: int
    chip_id: int
    min_rev_legacy: int
    min_rev_full: int
    max_rev_full: int
    hash_appended: int

    @property
    def chip(self) -> Chip | None:
        return CHIPS_BY_ID.get(self.chip_id)


def parse_header(buf: bytes) -> ImageHeader:
    # IDF esp_image_header_t: magic, segment_count, spi_mode, spi_speed:4 | spi_size:4, entry_addr (LE)
    magic, count, mode, size_freq, entry = struct.unpack_from("<BBBBI", buf, 0)
    # extended part at 8: wp_pin, spi_pin_drv[3], chip_id u16, min_chip_rev u8, min/max_chip_rev_full u16,
    # reserved[4], hash_appended
    wp_pin, chip_id, min_rev, min_full, max_full, hash_appended = struct.unpack_from("<B3xHBHH4xB", buf, 8)
    return ImageHeader(
        magic, count, mode, size_freq, entry, wp_pin, chip_id, min_rev, min_full, max_full, hash_appended
    )


def header_is_plausible(header: ImageHeader) -> bool:
    return 1 <= header.segment_count <= MAX_SEGMENTS and header.hash_appended in (0, 1)


@dataclass(frozen=True)
class Segment:
    index: int
    header_offset: int
    load_addr: int
    length: int

    @property
    def data_offset(self) -> int:
        return self.header_offset + SEGMENT_HEADER_LEN

    @property
    def end(self) -> int:
        return self.data_offset + self.length


@dataclass
class ImageLayout:
    """Where things are, relative to the image start. ``length`` is None when the file is cut short."""

    header: ImageHeader
    segments: list[Segment]
    checksum_offset: int | None = None
    sha_offset: int | None = None
    length: int | None = None  # through the appended SHA-256: the bootloader's image_len


def parse_layout(buf: bytes, found: Findings) -> ImageLayout | None:
    if len(buf) < HEADER_LEN:
        found.add("image.truncated", f"file ends {len(buf)} bytes into the 24-byte image header", length=len(buf))
        return None
    header = parse_header(buf)
    if header.magic != IMAGE_MAGIC:
        found.add(
            "image.bad_magic",
            f"image at 0x{found.base:x} has invalid magic byte 0x{header.magic:02x} "
            "(expected 0xe9; nothing flashed here?)",
            offset=found.base,
            found=f"0x{header.magic:02x}",
        )
        if not header_is_plausible(header):
            return None
    if not _header_fields_ok(header, found):
        return None
    layout = ImageLayout(header, [])
    if not _parse_segments(buf, layout, found):
        return layout
    _parse_footer(buf, layout, found)
    return layout


def _header_fields_ok(header: ImageHeader, found: Findings) -> bool:
    if header.segment_count > MAX_SEGMENTS:
        found.add(
            "image.bad_header",
            f"segment count {header.segment_count} exceeds max {MAX_SEGMENTS}",
            segment_count=header.segment_count,
        )
        return False
    if header.hash_appended not in (0, 1):
        # esptool: "Invalid value for append_digest field"; the flag decides where the image ends
        found.add(
            "image.bad_header",
            f"hash_appended byte (offset 23) is 0x{header.hash_appended:02x}, must be 0 or 1",
            hash_appended=header.hash_appended,
        )
        return False
    return True


def _parse_segments(buf: bytes, layout: ImageLayout, found: Findings) -> bool:
    offset = HEADER_LEN
    for index in range(layout.header.segment_count):
        if offset + SEGMENT_HEADER_LEN > len(buf):
            found.add(
                "image.truncated",
                f"file ends inside the header of segment {index} at 0x{found.base + offset:x}",
                segment=index,
                offset=found.base + offset,
            )
            return False
        load_addr, length = struct.unpack_from("<II", buf, offset)
        segment = Segment(index, offset, load_addr, length)
        if segment.end > len(buf):
            found.add(
                "image.truncated",
                f"segment {index} needs 0x{length:x} bytes at 0x{found.base + segment.data_offset:x} "
                f"but the file ends at 0x{found.base + len(buf):x}",
                segment=index,
                length=length,
                file_end=found.base + len(buf),
            )
            return False
        if length % 4:
            message = f"segment {index}: unaligned segment length 0x{length:x}"
            found.add("image.bad_segment", message, segment=index, length=length)
        layout.segments.append(segment)
        offset = segment.end
    return True


def _parse_footer(buf: bytes, layout: ImageLayout, found: Findings) -> None:
    end = layout.segments[-1].end if layout.segments else HEADER_LEN
    # IDF process_checksum: the checksum is the last byte of the 16-byte block after the segments
    checksum_offset = end + (15 - end % 16)
    if checksum_offset >= len(buf):
        at = found.base + checksum_offset
        found.add("image.truncated", f"file ends before the checksum byte at 0x{at:x}", offset=at)
        return
    layout.checksum_offset = checksum_offset
    image_end = checksum_offset + 1
    if layout.header.hash_appended == 1:
        layout.sha_offset = image_end
        image_end += SHA256_LEN
        if image_end > len(buf):
            at = found.base + layout.sha_offset
            found.add("image.truncated", f"file ends inside the appended SHA-256 at 0x{at:x}", offset=at)
            return
    layout.length = image_end


def xor_checksum(buf: bytes, segments: list[Segment]) -> int:
    folded = 0
    for segment in segments:
        # XOR whole 4 KB chunks as big integers, then fold the chunk-wide result down to one byte
        data = buf[segment.data_offset : segment.end]
        for at in range(0, len(data), 4096):
            folded ^= int.from_bytes(data[at : at + 4096].ljust(4096, b"\0"), "little")
    result = CHECKSUM_SEED
    for byte in folded.to_bytes(4096, "little"):
        result ^= byte
    return result


# ---------------------------------------------------------------------------------------------------------
# Locating the image in a file


def matches(data: bytes, options: VerifyOptions | None = None) -> bool:
    """An ESP image at the given offset, at 0, at a bootloader offset of a merged dump, or a signed ESP file."""
    options = options or VerifyOptions()
    if options.offset is not None:
        return data[options.offset : options.offset + 1] == bytes([IMAGE_MAGIC]) or _says_esp(options)
    if data[:1] == bytes([IMAGE_MAGIC]):
        return True
    if _merged_bootloader_offset(data, chip_from_option(options.chip)) is not None:
        return True
    return _ends_with_sbv2_sector(data) or _says_esp(options)


def _says_esp(options: VerifyOptions) -> bool:
    return chip_from_option(options.chip) is not None


def _ends_with_sbv2_sector(data: bytes) -> bool:
    if len(data) < 2 * esp_secure_boot.SECTOR_SIZE or len(data) % esp_secure_boot.SECTOR_SIZE:
        return False
    block = data[-esp_secure_boot.SECTOR_SIZE :][: esp_secure_boot.BLOCK_SIZE]
    return block[0] == esp_secure_boot.BLOCK_MAGIC and esp_secure_boot.block_crc_ok(block)


def _merged_bootloader_offset(data: bytes, chip: Chip | None) -> int | None:
    candidates = [chip.bootloader_offset] if chip else []
    candidates += sorted({c.bootloader_offset for c in CHIPS} - {0})
    for offset in candidates:
        if offset == 0 or len(data) < offset + HEADER_LEN or data[offset] != IMAGE_MAGIC:
            continue
        header = parse_header(data[offset : offset + HEADER_LEN])
        if header_is_plausible(header) and header.chip is not None:
            return offset
    return None


def locate_image(data: bytes, options: VerifyOptions) -> int:
    if options.offset is not None:
        if not 0 <= options.offset < len(data):
            raise UnusableInput(f"offset 0x{options.offset:x} is outside the file ({len(data)} bytes)")
        return options.offset
    if data[:1] == bytes([IMAGE_MAGIC]):
        return 0
    merged = _merged_bootloader_offset(data, chip_from_option(options.chip))
    return merged if merged is not None else 0


# ---------------------------------------------------------------------------------------------------------
# Describing what was found


def flash_params(mode: int, size_freq: int, chip: Chip | None) -> dict[str, str]:
    size_code, freq_code = size_freq >> 4, size_freq & 0xF
    freqs = chip.flash_freqs if chip else FREQ_ESP32
    return {
        "flash_mode": FLASH_MODES.get(mode, f"unknown (0x{mode:02x})"),
        "flash_size": FLASH_SIZES.get(size_code, f"unknown (0x{size_code:x})"),
        "flash_freq": freqs.get(freq_code, f"unknown (0x{freq_code:x})"),
    }


def flash_params_text(params: dict[str, str]) -> str:
    return f"{params['flash_mode']}/{params['flash_size']}/{params['flash_freq']}"


def _revision(full: int) -> str:
    # IDF: min/max_chip_rev_full = major * 100 + minor
    return f"v{full // 100}.{full % 100}"


def header_info(header: ImageHeader) -> dict[str, Any]:
    chip = header.chip
    return {
        "chip": chip.name if chip else f"unknown (chip id 0x{header.chip_id:04x})",
        "chip_id": header.chip_id,
        "min_rev": _revision(header.min_rev_full),
        "max_rev": _revision(header.max_rev_full),
        "min_rev_full": header.min_rev_full,
        "max_rev_full": header.max_rev_full,
        **flash_params(header.flash_mode, header.flash_size_freq, chip),
        "flash_params": f"0x{header.flash_mode:02x}{header.flash_size_freq:02x}",
        "entry": f"0x{header.entry:08x}",
        "segment_count": header.segment_count,
        "hash_appended": header.hash_appended == 1,
    }


def segment_info(segment: Segment, chip: Chip | None, base: int) -> dict[str, Any]:
    return {
        "index": segment.index,
        "load_addr": f"0x{segment.load_addr:08x}",
        "length": segment.length,
        "file_offset": base + segment.data_offset,
        "flash_mapped": chip.maps_flash(segment.load_addr) if chip else None,
    }


def _c_string(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", errors="replace")


def app_descriptor(buf: bytes) -> dict[str, Any] | None:
    # IDF esp_app_desc.h esp_app_desc_t: magic, secure_version, reserv1[2], version[32], project_name[32],
    # time[16], date[16], idf_ver[32], app_elf_sha256[32]
    raw = buf[DESC_OFFSET : DESC_OFFSET + 176]
    if len(raw) < 176 or struct.unpack_from("<I", raw, 0)[0] != APP_DESC_MAGIC:
        return None
    fields = struct.unpack_from("<4xI8x32s32s16s16s32s32s", raw, 0)
    secure_version, version, project, time, date, idf_ver, elf_sha = fields
    return {
        "project": _c_string(project),
        "version": _c_string(version),
        "idf_ver": _c_string(idf_ver),
        "secure_version": secure_version,
        "compile_time": f"{_c_string(date)} {_c_string(time)}".strip(),
        "elf_sha256": elf_sha.hex(),
    }


def bootloader_descriptor(buf: bytes) -> dict[str, Any] | None:
    # IDF esp_bootloader_desc.h: magic_byte, reserved[3], version u32, idf_ver[32], date_time[24]
    raw = buf[DESC_OFFSET : DESC_OFFSET + 64]
    if len(raw) < 64 or raw[0] != BOOTLOADER_DESC_MAGIC:
        return None
    version, idf_ver, date_time = struct.unpack_from("<4xI32s24s", raw, 0)
    return {"version": version, "idf_ver": _c_string(idf_ver), "date_time": _c_string(date_time)}


def image_format(buf: bytes, layout: ImageLayout | None, start: int) -> str:
    if app_descriptor(buf) is not None:
        return "esp-app"
    chip = layout.header.chip if layout else None
    if layout and chip and any(chip.maps_flash(s.load_addr) for s in layout.segments):
        return "esp-app"
    if layout is None and start == 0:
        return "esp-app"
    return "esp-bootloader"


# ---------------------------------------------------------------------------------------------------------
# Header rewrite search


def _candidate_flash_params(chip: Chip | None) -> Iterator[bytes]:
    freqs = chip.flash_freqs if chip else {code: "" for code in range(16)}
    for mode, size, freq in itertools.product(FLASH_MODES, FLASH_SIZES, freqs):
        yield bytes([mode, size << 4 | freq])


def find_header_rewrite(
    region: bytes, layout: ImageLayout, sha_valid: bool | None, accepts: Callable[[bytes], bool]
) -> tuple[bytes, str] | None:
    """Original bytes 2-3 (and how the appended SHA was treated) for which ``accepts(region')`` holds.

    esptool write-flash / merge-bin rewrite bytes 2-3 of a bootloader; <= 3.x leaves the appended SHA-256
    stale, >= 4.8 recomputes it (reference esp.md §3.2). Every mode/size/frequency combination is tried,
    with the SHA both as found and recomputed.
    """
    current = region[2:4]
    sha_at = layout.sha_offset
    if sha_at is not None and sha_at + SHA256_LEN > len(region):
        sha_at = None
    variants = ["absent"] if sha_at is None else (["recomputed", "stale"] if sha_valid else ["stale", "recomputed"])
    for params in _candidate_flash_params(layout.header.chip):
        if params == current:
            continue
        candidate = bytearray(region)
        candidate[2:4] = params
        for variant in variants:
            if variant == "recomputed" and sha_at is not None:
                candidate[sha_at : sha_at + SHA256_LEN] = hashlib.sha256(candidate[:sha_at]).digest()
            elif variant == "stale" and sha_at is not None:
                candidate[sha_at : sha_at + SHA256_LEN] = region[sha_at : sha_at + SHA256_LEN]
            if accepts(bytes(candidate)):
                return params, variant
    return None


_SHA_STORY = {
    "recomputed": "appended SHA-256 recomputed, as esptool >= 4.8 does",
    "stale": "appended SHA-256 left stale, as esptool <= 3.x does",
    "absent": "no appended SHA-256, so every esptool version rewrites it",
}


def describe_rewrite(signed: bytes, current: bytes, sha: str, chip: Chip | None) -> tuple[str, dict[str, Any]]:
    before = flash_params(signed[0], signed[1], chip)
    after = flash_params(current[0], current[1], chip)
    sentence = (
        f"signed as {flash_params_text(before)}, header now {flash_params_text(after)}: "
        f"rewritten by esptool write-flash/merge-bin after signing ({_SHA_STORY[sha]})"
    )
    detail = {
        "signed": {**before, "header_bytes": f"0x{signed.hex()}"},
        "current": {**after, "header_bytes": f"0x{current.hex()}"},
        "appended_sha256": sha,
    }
    return sentence, detail


def _rewrite_explainer(buf: bytes, layout: ImageLayout, footer: FooterState) -> esp_secure_boot.RewriteExplainer:
    def explain(accepts: Callable[[bytes], bool], region_end: int) -> tuple[str, dict[str, Any]] | None:
        # A rewrite touches only bytes 2-3 and the appended SHA-256; the checksum covers neither, so a bad
        # checksum means the segment data changed too and no header rewrite can explain the mismatch.
        if footer.checksum_ok is not True:
            return None
        region = buf[:region_end]
        found = find_header_rewrite(region, layout, footer.sha_ok, accepts)
        if found is None:
            return None
        signed, sha = found
        return describe_rewrite(signed, region[2:4], sha, layout.header.chip)

    return explain


# ---------------------------------------------------------------------------------------------------------
# Entry point


def verify(data: bytes, path: str, options: VerifyOptions) -> ImageReport:
    """One image at ``--offset`` (or 0) of a raw file; see :mod:`bootdiag.platforms.esp.verifier` for files."""
    start = locate_image(data, options)
    address = None if options.address is None else options.address + start
    return check_image(data, path, options, start, address)


def check_image(data: bytes, path: str, options: VerifyOptions, start: int, address: int | None,
                name: str | None = None) -> ImageReport:
    """The image at file offset ``start``, written at flash ``address`` (None: unknown, taken to be on the
    64 KB grid an app partition starts on), checked the way the ROM / 2nd-stage bootloader check it."""
    buf = bytes(data[start:])
    found = Findings("esp", base=start)
    info: dict[str, Any] = {"offset": start}
    if address is not None:
        info["address"] = f"0x{address:x}"
    layout = parse_layout(buf, found)
    if layout is not None:
        info.update(header_info(layout.header))
        info["segments"] = [segment_info(s, layout.header.chip, start) for s in layout.segments]
        _check_chip(layout.header, options, found)
        _check_segment_addresses(layout, address, found)
    _describe_descriptors(buf, info)
    length = None
    if layout is not None and layout.length is not None:
        footer = _check_footer(buf, layout, found, info)
        info["image_length"] = length = layout.length
        explainer = _rewrite_explainer(buf, layout, footer)
        result = esp_secure_boot.check_secure_boot(buf, layout.length, layout.header.chip_id, options, start, explainer)
        found.problems.extend(result.problems)
        found.checked.extend(result.checked)
        found.missing.extend(result.missing)
        info["signature"] = result.info
        length = result.end or length
    found.info = info
    return found.report(image_format(buf, layout, start), path, length=length, offset=start if name else None,
                        address=address if name else None, name=name)


def _check_segment_addresses(layout: ImageLayout, address: int | None, found: Findings) -> None:
    """What IDF esp_image_format.c checks of each segment's load address: a flash-mapped segment must sit
    at the same place in its 64 KB MMU page as in flash (verify_segment_header), and a loaded one must
    land in RAM (verify_load_addresses "bad load address range")."""
    chip = layout.header.chip
    if chip is None:
        return
    mapped = False
    for segment in layout.segments:
        if segment.length == 0:
            continue
        if chip.maps_flash(segment.load_addr):
            mapped = True
            flash_at = (address or 0) + segment.data_offset
            if flash_at % MMU_PAGE_SIZE != segment.load_addr % MMU_PAGE_SIZE:
                where = f"at 0x{address:x}" if address is not None else "at any 64 KB-aligned address"
                found.add(
                    "image.mmu_misaligned",
                    f"Segment {segment.index} load address 0x{segment.load_addr:08x}, doesn't match data "
                    f"0x{flash_at:08x}: the image {where} is off the 64 KB flash-mapping grid "
                    "(app partitions start on a 64 KB boundary)",
                    segment=segment.index, load_addr=f"0x{segment.load_addr:08x}", flash_offset=f"0x{flash_at:08x}",
                    image_address=None if address is None else f"0x{address:x}",
                )
                return
        elif segment.load_addr >= FIRST_LOADED_ADDRESS:
            end = segment.load_addr + segment.length
            if not chip.loads_into_ram(segment.load_addr, end):
                found.add(
                    "image.bad_load_address",
                    f"Segment {segment.index} 0x{segment.load_addr:08x}-0x{end:08x} invalid: bad load address "
                    f"range (not {chip.name} RAM, and not flash-mapped)",
                    segment=segment.index, load_addr=f"0x{segment.load_addr:08x}", end=f"0x{end:08x}",
                )
    if not found.problems:
        found.check("header and segments" + (" (flash mapping on the 64 KB grid" +
                    (f" at 0x{address:x})" if address is not None else ")") if mapped else ""))


def _check_chip(header: ImageHeader, options: VerifyOptions, found: Findings) -> None:
    if not options.chip:
        return
    wanted = normalize_chip_name(options.chip)
    actual = header.chip.name if header.chip else f"chip id 0x{header.chip_id:04x}"
    if wanted != actual:
        # IDF bootloader_common_loader.c: "mismatch chip ID, expected %d, found %d"
        found.add(
            "image.wrong_chip",
            f"image is built for {actual}, but the target is {wanted}",
            image_chip=actual,
            image_chip_id=header.chip_id,
            expected_chip=wanted,
        )


@dataclass(frozen=True)
class FooterState:
    checksum_ok: bool
    sha_ok: bool | None  # None: no SHA-256 appended


def _check_footer(buf: bytes, layout: ImageLayout, found: Findings, info: dict[str, Any]) -> FooterState:
    """Checksum and appended SHA-256 of a fully present image."""
    assert layout.checksum_offset is not None
    stored = buf[layout.checksum_offset]
    computed = xor_checksum(buf, layout.segments)
    info["checksum"] = {"stored": f"0x{stored:02x}", "computed": f"0x{computed:02x}", "ok": stored == computed}
    found.check("checksum")
    if stored != computed:
        found.add(
            "image.checksum_mismatch",
            f"Checksum failed. Calculated 0x{computed:02x} read 0x{stored:02x}",
            offset=found.base + layout.checksum_offset,
            stored=f"0x{stored:02x}",
            computed=f"0x{computed:02x}",
        )
    if layout.sha_offset is None:
        info["sha256"] = None
        return FooterState(stored == computed, None)
    stored_sha = buf[layout.sha_offset : layout.sha_offset + SHA256_LEN]
    computed_sha = hashlib.sha256(buf[: layout.sha_offset]).digest()
    ok = stored_sha == computed_sha
    info["sha256"] = {"stored": stored_sha.hex(), "computed": computed_sha.hex(), "ok": ok}
    found.check("appended SHA-256")
    if not ok:
        found.add(
            "image.hash_mismatch",
            f"appended SHA-256 does not match the image "
            f"(stored {stored_sha.hex()[:16]}…, computed {computed_sha.hex()[:16]}…)",
            offset=found.base + layout.sha_offset,
            stored=stored_sha.hex(),
            computed=computed_sha.hex(),
        )
    return FooterState(stored == computed, ok)


def _describe_descriptors(buf: bytes, info: dict[str, Any]) -> None:
    app = app_descriptor(buf)
    if app is not None:
        info["app_desc"] = app
        return
    boot = bootloader_descriptor(buf)
    if boot is not None:
        info["bootloader_desc"] = boot

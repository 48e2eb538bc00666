"""Whether the start of a file is a binary file rather than a capture: firmware images and other
files that sit beside logs in a folder someone scans.

Known by their magic numbers, or by a share of NUL bytes no serial capture has (a capture at a
wrong baud rate is garbled text, with a NUL here and there: it stays a capture, "unrecognised").
"""
from __future__ import annotations

HEAD_BYTES = 4096  # how much of a file the test reads
_NUL_SHARE = 0.3  # of the head, from at least _MIN_HEAD bytes
_MIN_HEAD = 512

# ESP image header: magic 0xE9, segment count, flash mode (esptool docs, "Firmware Image Format":
# espressif/esptool docs/en/advanced-topics/firmware-image-format.rst; at most 16 segments, modes
# QIO..FAST_READ = 0..5).
_ESP_IMAGE_MAGIC = 0xE9
_ESP_MAX_SEGMENTS = 16
_ESP_MAX_FLASH_MODE = 5
# MCUboot image header: ih_magic IMAGE_MAGIC 0x96f3b83d, little-endian (mcuboot boot/bootutil/include/
# bootutil/image.h).
_MCUBOOT_MAGIC = (0x96F3B83D).to_bytes(4, "little")
_MAGICS = (
    (b"\x7fELF", "ELF executable"),
    (_MCUBOOT_MAGIC, "MCUboot image"),
    (b"UF2\n", "UF2 image"),  # microsoft/uf2 README: first magic 0x0A324655, little-endian
    (b"PK\x03\x04", "zip archive"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"%PDF-", "PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Office document"),
)


def binary_kind(head: bytes) -> str | None:
    """What binary file ``head`` (a file's first bytes) opens, or ``None`` for what may be a capture."""
    for magic, kind in _MAGICS:
        if head.startswith(magic):
            return kind
    if (len(head) >= 8 and head[0] == _ESP_IMAGE_MAGIC and 0 < head[1] <= _ESP_MAX_SEGMENTS
            and head[2] <= _ESP_MAX_FLASH_MODE):
        return "ESP firmware image"
    if len(head) >= _MIN_HEAD and head.count(0) >= _NUL_SHARE * len(head):
        return "binary data"
    return None

"""Whether a file's first bytes are an MCUboot image (light: no verifier imports)."""
from __future__ import annotations

import struct

# mcuboot boot/bootutil/include/bootutil/image.h: IMAGE_MAGIC, IMAGE_MAGIC_V1 (legacy, rejected by
# boot_check_header_valid)
IMAGE_MAGIC = 0x96F3B83D
IMAGE_MAGIC_V1 = 0x96F3B83C


def image_kind(head: bytes) -> str | None:
    """"MCUboot image" when ``head`` opens with the image magic (either byte order), else None."""
    if len(head) >= 4 and any(struct.unpack_from(e + "I", head)[0] in (IMAGE_MAGIC, IMAGE_MAGIC_V1) for e in "<>"):
        return "MCUboot image"
    return None

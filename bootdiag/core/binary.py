"""Whether the start of a file is a binary file rather than a capture: firmware images and other
files that sit beside logs in a folder someone scans.

Known by a platform's image header (``Platform.image_kind``), by common file magic numbers, or by a
share of NUL bytes no serial capture has (a capture at a wrong baud rate is garbled text, with a
NUL here and there: it stays a capture, "unrecognised").
"""
from __future__ import annotations

from functools import cache
from typing import Callable

HEAD_BYTES = 4096  # how much of a file the test reads
_NUL_SHARE = 0.3  # of the head, from at least _MIN_HEAD bytes
_MIN_HEAD = 512
_MAGICS = (
    (b"\x7fELF", "ELF executable"),
    (b"UF2\n", "UF2 image"),  # microsoft/uf2 README: first magic 0x0A324655, little-endian
    (b"PK\x03\x04", "zip archive"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"%PDF-", "PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Office document"),
)


@cache
def _platform_kinds() -> tuple[Callable[[bytes], str | None], ...]:
    from bootdiag import platforms as registry
    from bootdiag.core.platform import load_function

    return tuple(load_function(p.image_kind) for p in registry.platforms() if p.image_kind)


def binary_kind(head: bytes) -> str | None:
    """What binary file ``head`` (a file's first bytes) opens, or ``None`` for what may be a capture."""
    for magic, kind in _MAGICS:
        if head.startswith(magic):
            return kind
    for image_kind in _platform_kinds():
        if (kind := image_kind(head)) is not None:
            return kind
    if len(head) >= _MIN_HEAD and head.count(0) >= _NUL_SHARE * len(head):
        return "binary data"
    return None

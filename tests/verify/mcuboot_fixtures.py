"""Keys and images made by imgtool itself (run in-process through its click CLI), plus tampering helpers.

imgtool is the reference here: bootdiag must agree with ``imgtool verify -k KEY IMG``.
Everything is generated once per test session and cached.
"""
from __future__ import annotations

import random
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from click.testing import CliRunner
from imgtool.main import imgtool as imgtool_cli

KEY_TYPES = ("rsa-2048", "rsa-3072", "ecdsa-p256", "ecdsa-p384", "ed25519")
IMAGE_MAGIC = 0x96F3B83D
HEADER_SIZE = 0x200
SLOT_SIZE = 0x20000

_WORKDIR = tempfile.TemporaryDirectory(prefix="bootdiag-mcuboot-tests-")
WORKDIR = Path(_WORKDIR.name)


@dataclass(frozen=True)
class ImgtoolResult:
    rc: int
    output: str


def imgtool(*args: object) -> ImgtoolResult:
    result = CliRunner().invoke(imgtool_cli, [str(a) for a in args])
    return ImgtoolResult(result.exit_code, result.output)


def key_path(key_type: str, name: str = "a") -> Path:
    """A private key made by ``imgtool keygen``; ``name`` tells apart two keys of one type."""
    return _generated_key(key_type, name)


@cache
def _generated_key(key_type: str, name: str) -> Path:
    path = WORKDIR / f"{key_type}-{name}.pem"
    result = imgtool("keygen", "-k", path, "-t", key_type)
    assert result.rc == 0, result.output
    return path


@cache
def payload_path(size: int = 3000, seed: int = 1, gap: int = 0, vector_table: bool = False) -> Path:
    """Random firmware bytes; ``gap`` zero bytes first (a linked-in header gap), optionally a Cortex-M vector table."""
    rng = random.Random(seed)
    body = bytearray(rng.randbytes(size))
    if vector_table:
        # initial SP 0x20010000, reset 0x00000411|1, NMI and HardFault handlers with the Thumb bit
        body[0:16] = struct.pack("<IIII", 0x20010000, 0x00000411, 0x00000421, 0x00000431)
    path = WORKDIR / f"payload-{size}-{seed}-{gap}-{int(vector_table)}.bin"
    path.write_bytes(bytes(gap) + bytes(body))
    return path


@cache
def signed_image(
    key_type: str | None,
    key_format: str = "hash",
    boot_record: str | None = None,
    security_counter: str | None = None,
    extra: tuple[str, ...] = (),
    payload: Path | None = None,
) -> bytes:
    """``imgtool sign`` output as bytes."""
    source = payload or payload_path()
    out = WORKDIR / f"img-{abs(hash((key_type, key_format, boot_record, security_counter, extra, source)))}.bin"
    args: list[object] = ["sign", "-v", "1.2.3+4", "-S", hex(SLOT_SIZE)]
    if "-H" not in extra:
        args += ["-H", hex(HEADER_SIZE), "--pad-header"]
    if key_type is not None:
        args += ["-k", key_path(key_type), "--public-key-format", key_format]
    if boot_record is not None:
        args += ["--boot-record", boot_record]
    if security_counter is not None:
        args += ["-s", security_counter]
    result = imgtool(*args, *extra, source, out)
    assert result.rc == 0, result.output
    return out.read_bytes()


@cache
def public_key_path(private_key: Path) -> Path:
    """``imgtool getpub -e pem``: imgtool verifies as well with the public half, and loads it much faster."""
    path = private_key.with_suffix(".pub.pem")
    result = imgtool("getpub", "-k", private_key, "-e", "pem", "-o", path)
    assert result.rc == 0, result.output
    return path


def imgtool_verify(image: bytes, key: Path) -> ImgtoolResult:
    path = WORKDIR / "verify-input.bin"
    path.write_bytes(image)
    return imgtool("verify", "-k", public_key_path(key), path)


# ---------------------------------------------------------------------------------------------- tampering
# Written independently of bootdiag's parser so that a parser bug cannot hide in the test data.


@dataclass(frozen=True)
class RawTlv:
    offset: int  # entry header offset
    type: int
    length: int


def header_fields(image: bytes) -> tuple[int, int, int]:
    """(hdr_size, protect_tlv_size, img_size) of a little-endian image."""
    _, _, hdr_size, prot_size, img_size = struct.unpack_from("<IIHHI", image, 0)
    return hdr_size, prot_size, img_size


def unprotected_area(image: bytes) -> tuple[int, int]:
    """(offset of the 0x6907 info header, its tlv_tot)."""
    hdr_size, prot_size, img_size = header_fields(image)
    offset = hdr_size + img_size + prot_size
    magic, total = struct.unpack_from("<HH", image, offset)
    assert magic == 0x6907
    return offset, total


def unprotected_tlvs(image: bytes) -> list[RawTlv]:
    start, total = unprotected_area(image)
    tlvs, offset = [], start + 4
    while offset < start + total:
        tlv_type, length = struct.unpack_from("<BxH", image, offset)
        tlvs.append(RawTlv(offset, tlv_type, length))
        offset += 4 + length
    return tlvs


def flip_byte(image: bytes, offset: int) -> bytes:
    data = bytearray(image)
    data[offset] ^= 0x5A
    return bytes(data)


def rewrite_unprotected(image: bytes, entry: Callable[[RawTlv, bytes], bytes]) -> bytes:
    """The image with each unprotected TLV replaced by ``entry(tlv, its bytes)`` (``b""`` drops it) and
    the area's tlv_tot fixed; the signed hash does not cover this area."""
    start, total = unprotected_area(image)
    entries = b"".join(entry(t, image[t.offset : t.offset + 4 + t.length]) for t in unprotected_tlvs(image))
    return image[:start] + struct.pack("<HH", 0x6907, 4 + len(entries)) + entries + image[start + total :]


def strip_tlvs(image: bytes, types: set[int]) -> bytes:
    """Remove unprotected TLVs of the given types, as if imgtool never wrote them."""
    return rewrite_unprotected(image, lambda tlv, raw: b"" if tlv.type in types else raw)


def signature_tlv(image: bytes) -> RawTlv:
    return next(t for t in unprotected_tlvs(image) if t.type in (0x20, 0x22, 0x23, 0x24))

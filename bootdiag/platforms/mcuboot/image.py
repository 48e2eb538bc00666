"""Re-check an MCUboot image (imgtool output) the way bootutil does, and say precisely what is wrong.

Format facts come from MCUboot ``boot/bootutil/include/bootutil/image.h``, ``tlv.c``,
``image_validate.c``, ``boot_record.c`` and imgtool ``image.py``; each constant names its source.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import hashlib
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.serialization import load_der_public_key

from bootdiag.platforms.mcuboot import cbor
from bootdiag.platforms.mcuboot.image_head import IMAGE_MAGIC, IMAGE_MAGIC_V1
from bootdiag.platforms.mcuboot.encryption import (
    ENC_TLVS, EncKeyMismatch, EncryptionKey, aes_ctr, aes_key_length, load_encryption_key, unwrap_aes_key,
)
from bootdiag.verify.keys import KeyMaterial, PublicKey, key_algorithm, load_key, public_der
from bootdiag.verify.model import Findings, ImageReport, VerifyOptions

if TYPE_CHECKING:
    from bootdiag.platforms.mcuboot import McubootVerifyOptions


def _own(options: VerifyOptions) -> "McubootVerifyOptions":
    """This platform's own verify options."""
    return options.of("mcuboot")


FORMAT = "mcuboot"

# image.h: IMAGE_HEADER_SIZE (IMAGE_MAGIC and IMAGE_MAGIC_V1: image_head.py)
IMAGE_HEADER_SIZE = 32
# image.h: struct image_tlv_info { u16 it_magic; u16 it_tlv_tot; } and struct image_tlv { u16 it_type; u16 it_len; }
IMAGE_TLV_INFO_MAGIC = 0x6907
IMAGE_TLV_PROT_INFO_MAGIC = 0x6908
TLV_INFO_SIZE = 4
TLV_ENTRY_SIZE = 4

# image.h IMAGE_TLV_* ids
TLV_KEYHASH, TLV_PUBKEY = 0x01, 0x02
TLV_SHA256, TLV_SHA384, TLV_SHA512 = 0x10, 0x11, 0x12
TLV_RSA2048_PSS, TLV_ECDSA224, TLV_ECDSA_SIG, TLV_RSA3072_PSS = 0x20, 0x21, 0x22, 0x23
TLV_ED25519, TLV_SIG_PURE = 0x24, 0x25
TLV_DEPENDENCY, TLV_SEC_CNT, TLV_BOOT_RECORD = 0x40, 0x50, 0x60

TLV_NAMES: dict[int, str] = {
    0x01: "KEYHASH", 0x02: "PUBKEY",
    0x10: "SHA256", 0x11: "SHA384", 0x12: "SHA512",
    0x20: "RSA2048_PSS", 0x21: "ECDSA224", 0x22: "ECDSA_SIG", 0x23: "RSA3072_PSS", 0x24: "ED25519", 0x25: "SIG_PURE",
    0x30: "ENC_RSA2048", 0x31: "ENC_KW", 0x32: "ENC_EC256", 0x33: "ENC_X25519", 0x34: "ENC_X25519_SHA512",
    0x40: "DEPENDENCY", 0x50: "SEC_CNT", 0x60: "BOOT_RECORD",
    0x70: "DECOMP_SIZE", 0x71: "DECOMP_SHA", 0x72: "DECOMP_SIGNATURE", 0x73: "COMP_DEC_SIZE",
    0x74: "UUID_VID", 0x75: "UUID_CID",
}

# image.h IMAGE_F_* header flags
FLAG_NAMES: dict[int, str] = {
    0x001: "PIC", 0x004: "ENCRYPTED_AES128", 0x008: "ENCRYPTED_AES256", 0x010: "NON_BOOTABLE",
    0x020: "RAM_LOAD", 0x100: "ROM_FIXED", 0x200: "COMPRESSED_LZMA1", 0x400: "COMPRESSED_LZMA2",
    0x800: "COMPRESSED_ARM_THUMB_FLT",
}
FLAGS_ENCRYPTED = 0x004 | 0x008

HASH_ALGORITHMS: dict[int, Callable[[], Any]] = {
    TLV_SHA256: hashlib.sha256,
    TLV_SHA384: hashlib.sha384,
    TLV_SHA512: hashlib.sha512,
}
SIGNATURE_TLVS = (TLV_RSA2048_PSS, TLV_ECDSA224, TLV_ECDSA_SIG, TLV_RSA3072_PSS, TLV_ED25519)

# bootutil_public.c boot_img_magic (BOOT_MAX_ALIGN == 8) and the tail used when max_align > 8
TRAILER_MAGIC = bytes.fromhex("77c295f360d2ef7f3552500f2cb67980")
TRAILER_MAGIC_TAIL = bytes.fromhex("2de15d29410b8d77679c110f1f8a")

# PSA attestation sw-component claim keys as written by imgtool boot_record.py
BOOT_RECORD_CLAIMS = {1: "sw_type", 2: "measurement_value", 4: "version", 5: "signer_id", 6: "measurement_description"}

# MAX_BOOT_RECORD_SZ per port: Zephyr CONFIG_MEASURED_BOOT_MAX_CBOR_SIZE default 64 (boot/zephyr/Kconfig);
# TF-M mcuboot_config.h.in: 132, or 164 for EC-P384. Mynewt has no default.
BOOT_RECORD_LIMITS: dict[str, int] = {"zephyr": 64, "tfm": 132}
BOOT_RECORD_LIMIT_TFM_P384 = 164

# sha256 (sha384 for P-384) of imgtool get_public_bytes() for the published development keys
KNOWN_KEY_HASHES: dict[str, str] = {
    "fc5701dc6135e1323847bdc40f04d2e5bee5833b23c29f93593d00018cfa9994": "MCUboot/TF-M dev key root-rsa-2048.pem",
    "449793fb65cd7698753d5b3f35fab15f1e3a45111ff24e1d46741de5ae12d59e": "MCUboot dev key root-rsa-3072.pem",
    "bfe6d86f8826f4ff97fb96c4e6fbc4993e4619fc565da26adf34c329489adc38": "TF-M S-image dev key root-RSA-3072.pem",
    "b360caf5c98c6b942a4882fa9d4823efb166a9ef6a6e4aa37c1919ed1fccc049": "TF-M NS-image dev key root-RSA-3072_1.pem",
    "e18015993d6d2760b499274baef264b83af229e9a785f3d5bf00b9d32c1f0396": "TF-M NS-image dev key root-RSA-2048_1.pem",
    "e30466f6b8470c1f29070b17f1e2d3e94d445e3f608087fdc711e4382bb538b6": "MCUboot/TF-M dev key root-ec-p256.pem",
    "82a5b443594853d4bf0fdd89a914a5dc16f867548207d7077e74d80c063efda9": "TF-M NS-image dev key root-EC-P256_1.pem",
    "85b7bd5f5dff9a03a99927adaf6ca6febde822c1a480928324a8e60323715c57"
    "79461c496a95aee8c4f90b99779f848a": "MCUboot/TF-M dev key root-ec-p384.pem",
    "ae13b71dae49a7b89d4d8ee5095cb8d45a32bd9c7d501cd3b8f86cbc8b41439b"
    "1b225cc36a5ba8081df071e0cbbc6192": "TF-M NS-image dev key root-EC-P384_1.pem",
    "c1907fa4eac7fae3840a78902b6f0710b037e9968e5c6274a12a28790c7d4e3c": "MCUboot dev key root-ed25519.pem",
}


@dataclass(frozen=True)
class Header:
    magic: int
    load_addr: int
    hdr_size: int
    protect_tlv_size: int
    img_size: int
    flags: int
    version: tuple[int, int, int, int]
    endian: str  # "<" or ">"

    @property
    def tlv_offset(self) -> int:
        # bootutil_priv.h BOOT_TLV_OFF: the TLV areas follow the payload
        return self.hdr_size + self.img_size

    def version_text(self) -> str:
        major, minor, revision, build = self.version
        return f"{major}.{minor}.{revision}+{build}"


@dataclass(frozen=True)
class Tlv:
    area: str  # "protected" | "unprotected"
    offset: int  # of the 4-byte entry header
    type: int
    value: bytes

    @property
    def name(self) -> str:
        return tlv_name(self.type)


@dataclass
class TlvLayout:
    tlvs: list[Tlv] = field(default_factory=list)
    end: int | None = None  # end of the unprotected area, None if it could not be read

    def find(self, tlv_type: int, area: str | None = None) -> list[Tlv]:
        return [t for t in self.tlvs if t.type == tlv_type and (area is None or t.area == area)]


def tlv_name(tlv_type: int) -> str:
    if tlv_type in TLV_NAMES:
        return TLV_NAMES[tlv_type]
    if 0x00A0 <= tlv_type <= 0xFFFE and (tlv_type & 0xFF) >= 0xA0:  # image.h: vendor reserved xxA0-xxFF
        return f"VENDOR_{tlv_type:04X}"
    return f"UNKNOWN_{tlv_type:04X}"


# ---------------------------------------------------------------------------------------------- detection


def matches(data: bytes, options: VerifyOptions | None = None) -> bool:
    """An MCUboot image: its magic, or (magic damaged) a header whose sizes lead to a well-formed TLV chain."""
    if len(data) < 4:
        return False
    if _endian_from_magic(data) is not None:
        return True
    return any(_tlv_chain_is_consistent(data, endian) for endian in ("<", ">"))


def _endian_from_magic(data: bytes) -> str | None:
    for endian in ("<", ">"):
        if struct.unpack_from(endian + "I", data, 0)[0] in (IMAGE_MAGIC, IMAGE_MAGIC_V1):
            return endian
    return None


def _tlv_chain_is_consistent(data: bytes, endian: str) -> bool:
    if len(data) < IMAGE_HEADER_SIZE:
        return False
    header = _unpack_header(data, endian)
    if header.hdr_size < IMAGE_HEADER_SIZE:
        return False
    offset = header.tlv_offset
    magic, total = _info_at(data, offset, endian)
    if magic == IMAGE_TLV_PROT_INFO_MAGIC and total == header.protect_tlv_size and total >= TLV_INFO_SIZE:
        magic, total = _info_at(data, offset + total, endian)
        return magic == IMAGE_TLV_INFO_MAGIC
    return magic == IMAGE_TLV_INFO_MAGIC and header.protect_tlv_size == 0


def _info_at(data: bytes, offset: int, endian: str) -> tuple[int | None, int]:
    if offset + TLV_INFO_SIZE > len(data):
        return None, 0
    magic, total = struct.unpack_from(endian + "HH", data, offset)
    return magic, total


# ---------------------------------------------------------------------------------------------- verify


def verify(data: bytes, path: str, options: VerifyOptions) -> ImageReport:
    keys = [load_key(p) for p in options.keys]
    enc_key = load_encryption_key(_own(options).enc_key) if _own(options).enc_key else None
    found = Findings("mcuboot")
    found.info["tlvs"] = []  # MCUboot images are judged by their TLVs: always listed, even when none could be read
    length = _check_image(bytes(data), options, keys, enc_key, found)
    return found.report(FORMAT, path, length=length)


def check_options(options: VerifyOptions) -> None:
    """--enc-key names a readable private encryption key (UnusableInput otherwise)."""
    if _own(options).enc_key:
        load_encryption_key(_own(options).enc_key)


def _check_image(data: bytes, options: VerifyOptions, keys: list[KeyMaterial], enc_key: EncryptionKey | None,
                 found: Findings) -> int | None:
    """Every check bootutil makes; returns how many bytes of ``data`` the image takes (None: unknown)."""
    header = _read_header(data, found)
    if header is None:
        return None
    _check_header(header, options, found)
    layout = _read_tlv_areas(data, header, found)
    found.info["tlvs"] = [_tlv_entry(t) for t in layout.tlvs]
    if layout.end is not None and not found.problems:
        found.check(f"header and TLV area ({len(layout.tlvs)} TLVs)")
    plaintext = _plaintext(data, header, layout, enc_key, found)
    digest = _check_hash(plaintext, header, layout, found)
    _check_signer(data if plaintext is None else plaintext, header, layout, digest, keys, found)
    _check_security_counter(header, layout, options, found)
    _check_boot_record(layout, options, found)
    found.info["dependencies"] = [_dependency(t, header.endian) for t in layout.find(TLV_DEPENDENCY)]
    found.info["trailer"] = _read_trailer(data, layout.end)
    if plaintext is not None:
        _check_vector_table(plaintext, header, found)
    return len(data) if found.info["trailer"].get("magic") == "good" else layout.end


def _read_header(data: bytes, found: Findings) -> Header | None:
    if len(data) < IMAGE_HEADER_SIZE:
        found.add("truncated", f"file is {len(data)} bytes, shorter than the {IMAGE_HEADER_SIZE}-byte MCUboot header",
                  size=len(data), needed=IMAGE_HEADER_SIZE)
        if len(data) >= 4 and _endian_from_magic(data) is None:
            found.add("bad_magic", f"magic 0x{struct.unpack_from('<I', data)[0]:08x} is not 0x{IMAGE_MAGIC:08x}")
        return None
    endian = _endian_from_magic(data) or next((e for e in ("<", ">") if _tlv_chain_is_consistent(data, e)), "<")
    header = _unpack_header(data, endian)
    found.info["header"] = _header_info(header)
    return header


def _unpack_header(data: bytes, endian: str) -> Header:
    # image.h struct image_header: magic, load_addr, hdr_size, protect_tlv_size, img_size, flags, ver{u8,u8,u16,u32}
    magic, load, hdr, prot, size, flags, major, minor, rev, build = struct.unpack_from(endian + "IIHHIIBBHI", data, 0)
    return Header(magic, load, hdr, prot, size, flags, (major, minor, rev, build), endian)


def _header_info(header: Header) -> dict[str, Any]:
    return {
        "magic": f"0x{header.magic:08x}",
        "load_addr": header.load_addr,
        "hdr_size": header.hdr_size,
        "protect_tlv_size": header.protect_tlv_size,
        "img_size": header.img_size,
        "flags": header.flags,
        "flag_names": [name for bit, name in FLAG_NAMES.items() if header.flags & bit],
        "version": header.version_text(),
        "endian": "little" if header.endian == "<" else "big",
    }


def _check_header(header: Header, options: VerifyOptions, found: Findings) -> None:
    if header.magic == IMAGE_MAGIC_V1:
        found.add("bad_magic", f"legacy magic 0x{IMAGE_MAGIC_V1:08x}; MCUboot only boots 0x{IMAGE_MAGIC:08x}",
                  magic=f"0x{header.magic:08x}")
    elif header.magic != IMAGE_MAGIC:
        found.add("bad_magic", f"magic 0x{header.magic:08x} is not 0x{IMAGE_MAGIC:08x}: not a signed MCUboot image",
                  magic=f"0x{header.magic:08x}")
    if header.hdr_size < IMAGE_HEADER_SIZE:
        found.add("header_size", f"ih_hdr_size 0x{header.hdr_size:x} is smaller than the 32-byte header itself",
                  hdr_size=header.hdr_size)
    if _own(options).header_size is not None and header.hdr_size != _own(options).header_size:
        found.add(
            "header_size",
            f"ih_hdr_size is 0x{header.hdr_size:x} but the firmware expects 0x{_own(options).header_size:x}: "
            f"MCUboot jumps to slot + 0x{header.hdr_size:x}",
            hdr_size=header.hdr_size, expected=_own(options).header_size,
        )


# ---------------------------------------------------------------------------------------------- TLV areas


def _read_tlv_areas(data: bytes, header: Header, found: Findings) -> TlvLayout:
    layout = TlvLayout()
    offset = header.tlv_offset
    if offset + TLV_INFO_SIZE > len(data):
        found.add("truncated", f"file ends at 0x{len(data):x}; the TLV area should start at 0x{offset:x}",
                  size=len(data), tlv_offset=offset)
        return layout
    magic, total = struct.unpack_from(header.endian + "HH", data, offset)
    if magic == IMAGE_TLV_PROT_INFO_MAGIC:
        _check_protected_size(header, total, found)
        if not _read_area(data, offset, total, "protected", header.endian, layout, found):
            return layout
        offset += total
    elif header.protect_tlv_size:
        found.add("bad_tlv_info",
                  f"header announces {header.protect_tlv_size} bytes of protected TLVs but there is no 0x6908 area",
                  protect_tlv_size=header.protect_tlv_size)
    _read_unprotected(data, offset, header.endian, layout, found)
    return layout


def _check_protected_size(header: Header, total: int, found: Findings) -> None:
    # tlv.c bootutil_tlv_iter_begin: it_tlv_tot of the 0x6908 area must equal ih_protect_tlv_size
    if total != header.protect_tlv_size:
        found.add("bad_tlv_info",
                  f"protected TLV area is {total} bytes but ih_protect_tlv_size says {header.protect_tlv_size}",
                  tlv_tot=total, protect_tlv_size=header.protect_tlv_size)


def _read_unprotected(data: bytes, offset: int, endian: str, layout: TlvLayout, found: Findings) -> None:
    if offset + TLV_INFO_SIZE > len(data):
        found.add("truncated", f"file ends at 0x{len(data):x}, before the TLV info header at 0x{offset:x}",
                  size=len(data), tlv_offset=offset)
        return
    magic, total = struct.unpack_from(endian + "HH", data, offset)
    if magic != IMAGE_TLV_INFO_MAGIC:
        found.add("bad_tlv_info", f"TLV info magic at 0x{offset:x} is 0x{magic:04x}, not 0x{IMAGE_TLV_INFO_MAGIC:04x}",
                  offset=offset, magic=f"0x{magic:04x}")
        return
    if _read_area(data, offset, total, "unprotected", endian, layout, found):
        layout.end = offset + total
        _check_entries_after_area(data, layout.end, endian, found)


def _check_entries_after_area(data: bytes, end: int, endian: str, found: Findings) -> None:
    """Known TLV entries right after the area's end: it_tlv_tot was cut short, and MCUboot never reads them."""
    beyond: list[Tlv] = []
    offset = end
    while offset + TLV_ENTRY_SIZE <= len(data):
        entry = _read_entry(data, offset, len(data), "unprotected", endian)
        if entry is None or entry.type not in TLV_NAMES or not entry.value:
            break
        beyond.append(entry)
        offset += TLV_ENTRY_SIZE + len(entry.value)
    if beyond:
        names = ", ".join(t.name for t in beyond)
        found.add("tlv_area_too_short",
                  f"the TLV area's length ends at 0x{end:x}, but {names} follow{'s' if len(beyond) == 1 else ''} "
                  f"right after it: it_tlv_tot is too small, and MCUboot reads no entry past it",
                  area_end=end, beyond=[t.name for t in beyond])


def _read_area(data: bytes, start: int, total: int, area: str, endian: str, layout: TlvLayout, found: Findings) -> bool:
    """Append the entries of one TLV area; False if the area is cut off or malformed."""
    if total < TLV_INFO_SIZE:
        found.add("bad_tlv_info", f"{area} TLV area at 0x{start:x} claims {total} bytes, less than its own header",
                  offset=start, tlv_tot=total)
        return False
    end = start + total
    if end > len(data):
        found.add("truncated", f"file ends at 0x{len(data):x}, inside the {area} TLV area (0x{start:x}-0x{end:x})",
                  size=len(data), area=area, area_end=end)
        end = len(data)
    offset = start + TLV_INFO_SIZE
    while offset < end:
        entry = _read_entry(data, offset, end, area, endian)
        if entry is None:
            if not found.has("truncated"):
                found.add("bad_tlv_info", f"TLV entry at 0x{offset:x} runs past the end of the {area} area",
                          offset=offset, area=area)
            return False
        layout.tlvs.append(entry)
        offset += TLV_ENTRY_SIZE + len(entry.value)
    return end == start + total


def _read_entry(data: bytes, offset: int, end: int, area: str, endian: str) -> Tlv | None:
    if offset + TLV_ENTRY_SIZE > end:
        return None
    tlv_type, length = struct.unpack_from(endian + "HH", data, offset)
    if endian == ">" and tlv_type & 0xFF == 0 and (tlv_type >> 8) in TLV_NAMES:
        # imgtool packs known types as 'BBH' (type byte, pad byte), also with -e big
        tlv_type >>= 8
    value_start = offset + TLV_ENTRY_SIZE
    if value_start + length > end:
        return None
    return Tlv(area, offset, tlv_type, data[value_start : value_start + length])


def _tlv_entry(tlv: Tlv) -> dict[str, Any]:
    return {"area": tlv.area, "offset": tlv.offset, "type": tlv.type, "name": tlv.name, "length": len(tlv.value)}


# ---------------------------------------------------------------------------------------------- hash


def _plaintext(data: bytes, header: Header, layout: TlvLayout, enc_key: EncryptionKey | None,
               found: Findings) -> bytes | None:
    """The image as its hash covers it: ``data`` unless the payload is encrypted; with the encryption key,
    ``data`` with the payload decrypted; None when it stays encrypted (its hash cannot be checked)."""
    if not header.flags & FLAGS_ENCRYPTED:
        return data
    enc_tlvs = [t for t in layout.tlvs if t.type in ENC_TLVS]
    key_len = aes_key_length(header.flags)
    info: dict[str, Any] = {"cipher": f"AES-{key_len * 8}-CTR", "key_tlv": enc_tlvs[0].name if enc_tlvs else None}
    found.info["encryption"] = info
    if _stored_hash_matches(data, header, layout):
        # imgtool sign --clear: flag and ENC TLV set, payload left in plaintext. bootutil hashes the primary
        # slot as it is (it decrypts only images in the secondary slot), so this image is checked as plaintext.
        info["payload"] = "plaintext (imgtool --clear): valid as it is in the primary slot"
        found.check("encrypted flag set, payload in plaintext (imgtool --clear): checked as plaintext")
        return data
    if not enc_tlvs:
        found.add("enc_tlv_missing", "the header flags say the payload is encrypted, but no ENC TLV carries "
                  "its AES key: MCUboot cannot decrypt it", flags=header.flags)
        return None
    if enc_key is None:
        info["payload"] = "encrypted"
        found.lack("an encryption key (--enc-key): encrypted: payload hash not checked")
        return None
    tlv = enc_tlvs[0]
    try:
        aes_key = unwrap_aes_key(tlv.type, tlv.value, key_len, enc_key)
    except EncKeyMismatch as exc:
        info["payload"] = "encrypted"
        found.add("enc_key_mismatch", f"{tlv.name}: {exc}", tlv=tlv.name, key=enc_key.source)
        return None
    found.check(f"AES-{key_len * 8} key unwrapped from {tlv.name} with {enc_key.source}")
    info["payload"] = f"decrypted with {enc_key.source}"
    start, end = header.hdr_size, min(header.tlv_offset, len(data))
    if start >= end:
        return data
    return data[:start] + aes_ctr(aes_key, data[start:end]) + data[end:]


def _stored_hash_matches(data: bytes, header: Header, layout: TlvLayout) -> bool:
    hash_tlvs = [t for t in layout.tlvs if t.type in HASH_ALGORITHMS]
    region_end = header.tlv_offset + header.protect_tlv_size
    if not hash_tlvs or region_end > len(data):
        return False
    return HASH_ALGORITHMS[hash_tlvs[0].type](data[:region_end]).digest() == hash_tlvs[0].value


def _check_hash(data: bytes | None, header: Header, layout: TlvLayout, found: Findings) -> bytes | None:
    """Compare the first hash TLV with a fresh digest of ``data`` (None: encrypted, not checked);
    return the stored digest (what a signature covers)."""
    hash_tlvs = [t for t in layout.tlvs if t.type in HASH_ALGORITHMS]
    pure = bool(layout.find(TLV_SIG_PURE))
    if not hash_tlvs:
        if not pure and layout.end is not None:
            found.add("missing_hash", "no SHA256/SHA384/SHA512 TLV: MCUboot rejects the image before any "
                      "signature check")
        return None
    stored = hash_tlvs[0]
    algorithm = HASH_ALGORITHMS[stored.type]
    # bootutil_img_hash.c: the digest covers header, payload and the whole protected TLV area
    region_end = header.tlv_offset + header.protect_tlv_size
    result: dict[str, Any] = {"type": stored.name, "stored": stored.value.hex(), "region_size": region_end}
    found.info["hash"] = result
    if data is None:
        result["checked"] = False
        result["note"] = "encrypted: payload hash not checked"
        return stored.value
    if region_end > len(data):
        result["checked"] = False
        return stored.value
    computed = algorithm(data[:region_end]).digest()
    result.update(checked=True, computed=computed.hex(), matches=computed == stored.value)
    decrypted = " (payload decrypted)" if "decrypted" in found.info.get("encryption", {}).get("payload", "") else ""
    found.check(f"{stored.name} of header, payload and protected TLVs{decrypted}")
    if computed != stored.value:
        found.add("hash_mismatch", f"{stored.name} TLV does not match the image{decrypted}: header, payload or "
                  "protected TLVs changed after signing",
                  stored=stored.value.hex(), computed=computed.hex(), hash=stored.name)
    return stored.value


# ---------------------------------------------------------------------------------------------- key and signature


def mcuboot_public_bytes(public_key: PublicKey) -> bytes:
    """The key bytes imgtool hashes into KEYHASH: PKCS#1 DER for RSA, SubjectPublicKeyInfo DER otherwise."""
    # imgtool keys/rsa.py get_public_bytes (PKCS1); keys/ecdsa.py, keys/ed25519.py (SubjectPublicKeyInfo)
    return public_der(public_key, "pkcs1" if isinstance(public_key, rsa.RSAPublicKey) else "spki")


def key_digests(key: KeyMaterial) -> dict[str, str]:
    """What MCUboot compiles in for this key: the KEYHASH an image signed with it carries."""
    return {"mcuboot_key_hash": mcuboot_key_hash(key.public_key).hex()}


def mcuboot_key_hash(public_key: PublicKey, digest_size: int = 32) -> bytes:
    """KEYHASH as imgtool writes it: the image hash algorithm over mcuboot_public_bytes()."""
    algorithm = {32: hashlib.sha256, 48: hashlib.sha384, 64: hashlib.sha512}.get(digest_size, hashlib.sha256)
    return algorithm(mcuboot_public_bytes(public_key)).digest()


def _check_signer(data: bytes, header: Header, layout: TlvLayout, digest: bytes | None,
                  keys: list[KeyMaterial], found: Findings) -> None:
    region = data[: header.tlv_offset + header.protect_tlv_size]
    signatures = [t for t in layout.tlvs if t.type in SIGNATURE_TLVS]
    key_tlv = _key_tlv(layout)
    found.info["signer"] = _signer_info(key_tlv, keys)
    found.info["signatures"] = [{"type": s.name, "length": len(s.value)} for s in signatures]
    found.info["keys_given"] = [{"path": k.source, "algorithm": k.algorithm} for k in keys]
    if not signatures:
        if layout.end is not None and not found.has("tlv_area_too_short"):
            found.add("no_signature", "no signature TLV (RSA2048_PSS, ECDSA_SIG, RSA3072_PSS or ED25519): "
                      "the image was built without -k, so MCUboot rejects it")
        return
    pure = bool(layout.find(TLV_SIG_PURE))
    names = "/".join(s.name for s in signatures)
    if pure and "encrypted" == found.info.get("encryption", {}).get("payload"):
        found.info["signature_check"] = "not checked: a pure signature covers the encrypted payload's plaintext"
        found.lack(f"an encryption key (--enc-key) to check the pure {names} signature over the plaintext")
        return
    if keys:
        _check_signature_with_keys(signatures, key_tlv, keys, digest, region, pure, found)
        return
    if key_tlv is not None and key_tlv.type == TLV_PUBKEY:
        _check_signature_with_embedded_key(signatures, key_tlv, digest, region, pure, found)
    else:
        found.info["signature_check"] = "not checked: no key given"
    if not found.has("signature_invalid"):
        found.lack(f"a trusted key (--key) to check the {names} signature against")


def _key_tlv(layout: TlvLayout) -> Tlv | None:
    candidates = layout.find(TLV_KEYHASH) + layout.find(TLV_PUBKEY)
    return candidates[0] if candidates else None


def _signer_info(key_tlv: Tlv | None, keys: list[KeyMaterial]) -> dict[str, Any]:
    if key_tlv is None:
        return {"key_tlv": None}
    info: dict[str, Any] = {"key_tlv": key_tlv.name}
    if key_tlv.type == TLV_KEYHASH:
        info["key_hash"] = key_tlv.value.hex()
    else:
        embedded = _embedded_public_key(key_tlv.value)
        info["pubkey_algorithm"] = key_algorithm(embedded) if embedded is not None else None
        info["pubkey_hash"] = _key_fingerprint(key_tlv)
    info["known_as"] = KNOWN_KEY_HASHES.get(_key_fingerprint(key_tlv))
    info["matching_keys"] = [k.source for k in keys if _key_tlv_matches(key_tlv, k.public_key)]
    return info


def _key_fingerprint(key_tlv: Tlv) -> str:
    """KEYHASH as stored, or the hash MCUboot's HW-key check takes of a PUBKEY (sha384 for P-384 images)."""
    if key_tlv.type == TLV_KEYHASH:
        return key_tlv.value.hex()
    embedded = _embedded_public_key(key_tlv.value)
    p384 = embedded is not None and key_algorithm(embedded) == "ecdsa-p384"
    return (hashlib.sha384 if p384 else hashlib.sha256)(key_tlv.value).hexdigest()


def _embedded_public_key(value: bytes) -> PublicKey | None:
    try:
        return load_der_public_key(value)
    except (ValueError, UnsupportedAlgorithm):
        return None


def _key_tlv_matches(key_tlv: Tlv, public_key: PublicKey) -> bool:
    if key_tlv.type == TLV_KEYHASH:
        return mcuboot_key_hash(public_key, len(key_tlv.value)) == key_tlv.value
    if key_tlv.value == mcuboot_public_bytes(public_key):
        return True
    embedded = _embedded_public_key(key_tlv.value)
    return embedded is not None and public_der(embedded) == public_der(public_key)


def _check_signature_with_keys(signatures: list[Tlv], key_tlv: Tlv | None, keys: list[KeyMaterial],
                               digest: bytes | None, region: bytes, pure: bool, found: Findings) -> None:
    verified = _first_verifying_key(signatures, keys, digest, region, pure)
    if verified is not None:
        found.info["signature_check"] = f"verified with {verified.source}"
        found.check(f"{'/'.join(s.name for s in signatures)} signature verified with {verified.source}")
        if key_tlv is not None and not _key_tlv_matches(key_tlv, verified.public_key):
            found.add("wrong_key", f"the signature verifies with {verified.source} but the {key_tlv.name} TLV names "
                      "another key, so MCUboot never tries this key", key_tlv=key_tlv.name, key=verified.source)
        return
    found.info["signature_check"] = "failed"
    matching = [k for k in keys if key_tlv is not None and _key_tlv_matches(key_tlv, k.public_key)]
    if matching:
        found.add("signature_invalid", f"the image names {matching[0].source} as its key ({key_tlv.name}) but the "
                  "signature does not verify with it: the signature TLV is corrupt", key=matching[0].source)
    elif key_tlv is not None or not _any_key_fits(signatures, keys):
        found.add("wrong_key", _wrong_key_message(signatures, key_tlv, keys),
                  signature_types=[s.name for s in signatures], keys=[k.algorithm for k in keys],
                  image_key=_key_fingerprint(key_tlv) if key_tlv is not None else None)
    else:
        found.add("signature_invalid", "the signature does not verify with any given key, and the image has no "
                  "KEYHASH/PUBKEY TLV that would tell which key signed it",
                  keys=[k.source for k in keys])


def _check_signature_with_embedded_key(signatures: list[Tlv], key_tlv: Tlv, digest: bytes | None,
                                       region: bytes, pure: bool, found: Findings) -> None:
    embedded = _embedded_public_key(key_tlv.value)
    if embedded is None:
        found.add("signature_invalid", "the PUBKEY TLV is not a readable public key")
        return
    if any(_signature_verifies(s, embedded, digest, region, pure) for s in signatures):
        found.info["signature_check"] = "verified with the embedded PUBKEY (no trusted key given)"
        found.check("signature verifies with the image's own PUBKEY TLV (which proves no trust)")
        return
    found.info["signature_check"] = "failed"
    found.add("signature_invalid", "the signature does not verify even with the image's own PUBKEY TLV")


def _first_verifying_key(signatures: list[Tlv], keys: list[KeyMaterial], digest: bytes | None,
                         region: bytes, pure: bool) -> KeyMaterial | None:
    for key in keys:
        if any(_signature_verifies(s, key.public_key, digest, region, pure) for s in signatures):
            return key
    return None


def _any_key_fits(signatures: list[Tlv], keys: list[KeyMaterial]) -> bool:
    return any(_signature_type_fits(s.type, k.public_key) for s in signatures for k in keys)


def _wrong_key_message(signatures: list[Tlv], key_tlv: Tlv | None, keys: list[KeyMaterial]) -> str:
    given = ", ".join(f"{k.source} ({k.algorithm})" for k in keys)
    sig_types = "/".join(s.name for s in signatures)
    if not _any_key_fits(signatures, keys):
        return f"the image carries a {sig_types} signature; the given key(s) cannot make one: {given}"
    known = KNOWN_KEY_HASHES.get(_key_fingerprint(key_tlv)) if key_tlv is not None else None
    signer = f" ({known})" if known else ""
    return f"the image was signed by another key{signer}, not by {given}"


def _signature_type_fits(sig_type: int, public_key: PublicKey) -> bool:
    # image.h: RSA2048_PSS / RSA3072_PSS by modulus size, ECDSA_SIG for P-256 and P-384, ED25519
    if isinstance(public_key, rsa.RSAPublicKey):
        return (sig_type, public_key.key_size) in ((TLV_RSA2048_PSS, 2048), (TLV_RSA3072_PSS, 3072))
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return sig_type == TLV_ECDSA_SIG and public_key.curve.name in ("secp256r1", "secp384r1")
    return sig_type == TLV_ED25519 and isinstance(public_key, ed25519.Ed25519PublicKey)


def _signature_verifies(sig: Tlv, public_key: PublicKey, digest: bytes | None, region: bytes, pure: bool) -> bool:
    if not _signature_type_fits(sig.type, public_key):
        return False
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            _verify_rsa_pss(sig.value, public_key, _digest_for(hashes.SHA256(), digest, region))
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            algorithm = hashes.SHA384() if public_key.curve.name == "secp384r1" else hashes.SHA256()
            prehashed = ec.ECDSA(Prehashed(algorithm))
            public_key.verify(_strip_der_padding(sig.value), _digest_for(algorithm, digest, region), prehashed)
        else:
            # image_ed25519.c: Ed25519 signs the image digest as its message (the raw region with SIG_PURE)
            message = region if pure else digest
            if message is None:
                return False
            public_key.verify(sig.value, message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _verify_rsa_pss(signature: bytes, public_key: rsa.RSAPublicKey, digest: bytes) -> None:
    # image_rsa.c: RSASSA-PSS, MGF1-SHA256, salt length 32 (the only one bootutil accepts)
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    public_key.verify(signature, digest, pss, Prehashed(hashes.SHA256()))


def _digest_for(algorithm: hashes.HashAlgorithm, stored: bytes | None, region: bytes) -> bytes:
    """The stored digest when it has the signature's hash size (it is what was signed), else a fresh one."""
    if stored is not None and len(stored) == algorithm.digest_size:
        return stored
    hasher = hashes.Hash(algorithm)
    hasher.update(region)
    return hasher.finalize()


def _strip_der_padding(signature: bytes) -> bytes:
    # imgtool --pad-sig appends zeros after the DER SEQUENCE; bootutil parses only the SEQUENCE
    if len(signature) >= 2 and signature[0] == 0x30 and signature[1] < 0x80:
        return signature[: 2 + signature[1]]
    if len(signature) >= 3 and signature[0] == 0x30 and signature[1] == 0x81:
        return signature[: 3 + signature[2]]
    return signature


# ---------------------------------------------------------------------------------------------- protected TLVs


def _check_security_counter(header: Header, layout: TlvLayout, options: VerifyOptions, found: Findings) -> None:
    # image_validate.c: SEC_CNT is read from the protected area only and must be a u32
    counters = layout.find(TLV_SEC_CNT, "protected")
    valid = [t for t in counters if len(t.value) == 4]
    found.info["security_counter"] = struct.unpack(header.endian + "I", valid[0].value)[0] if valid else None
    if not _own(options).security_counter or valid:
        return
    if counters:
        message = f"SEC_CNT TLV is {len(counters[0].value)} bytes, MCUboot expects a 4-byte counter"
    elif layout.find(TLV_SEC_CNT):
        message = "SEC_CNT sits in the unprotected TLV area, where MCUboot does not look for it"
    else:
        message = "no SEC_CNT TLV: a bootloader with MCUBOOT_HW_ROLLBACK_PROT rejects the image (sign with -s)"
    found.add("missing_security_counter", message)


def _check_boot_record(layout: TlvLayout, options: VerifyOptions, found: Findings) -> None:
    records = layout.find(TLV_BOOT_RECORD, "protected")
    hash_size = next((len(t.value) for t in layout.tlvs if t.type in HASH_ALGORITHMS), 32)
    record = records[0].value if records else None
    found.info["boot_record"] = _describe_boot_record(record, hash_size) if record is not None else None
    limit = _boot_record_limit(options, hash_size)
    if not _own(options).measured_boot and _own(options).max_record_size is None:
        return
    if record is None:
        unprotected = layout.find(TLV_BOOT_RECORD)
        where = " (there is one in the unprotected area, where MCUboot does not look)" if unprotected else ""
        found.add("missing_boot_record", "no BOOT_RECORD TLV" + where + ": with MCUBOOT_MEASURED_BOOT the boot stops "
                  "at 'Failed to add image data to shared area' (sign with --boot-record SW_TYPE)")
        return
    if limit is not None and len(record) > limit:
        found.add("boot_record_too_large", f"BOOT_RECORD is {len(record)} bytes, more than MAX_BOOT_RECORD_SZ "
                  f"{limit}: the boot stops at 'Failed to add image data to shared area'",
                  size=len(record), max=limit)
    if len(record) < hash_size:
        # boot_record.c: the measurement is written over the record's last digest-size bytes
        found.add("bad_boot_record", f"BOOT_RECORD is {len(record)} bytes, shorter than the {hash_size}-byte "
                  "measurement MCUboot writes into it", size=len(record))
    elif "error" in found.info["boot_record"]:
        found.add("bad_boot_record", f"BOOT_RECORD is not valid CBOR: {found.info['boot_record']['error']}")


def _boot_record_limit(options: VerifyOptions, hash_size: int) -> int | None:
    if _own(options).max_record_size is not None:
        return _own(options).max_record_size
    port = (_own(options).mcuboot_port or "").lower().replace("-", "")
    if port == "tfm" and hash_size == 48:
        return BOOT_RECORD_LIMIT_TFM_P384
    return BOOT_RECORD_LIMITS.get(port)


def _describe_boot_record(record: bytes, hash_size: int) -> dict[str, Any]:
    info: dict[str, Any] = {"size": len(record)}
    tfm_limit = BOOT_RECORD_LIMIT_TFM_P384 if hash_size == 48 else BOOT_RECORD_LIMITS["tfm"]
    info["fits"] = {"zephyr_default": len(record) <= BOOT_RECORD_LIMITS["zephyr"], "tfm": len(record) <= tfm_limit}
    try:
        claims = cbor.decode(record)
    except cbor.CborError as exc:
        info["error"] = str(exc)
        return info
    if not isinstance(claims, dict):
        info["error"] = f"top-level CBOR item is a {type(claims).__name__}, not a map"
        return info
    for key, name in BOOT_RECORD_CLAIMS.items():
        if key in claims:
            info[name] = _jsonable(claims[key])
    measurement = claims.get(2)
    if isinstance(measurement, bytes):
        info["measurement_is_placeholder"] = not any(measurement)
        info["measurement_last"] = list(claims)[-1] == 2 and record.endswith(measurement)
    return info


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def _dependency(tlv: Tlv, endian: str) -> dict[str, Any]:
    # imgtool DEPENDENCY payload 'B3x' + 'BBHI': image id, 3 pad bytes, minimum version
    if len(tlv.value) != 12:
        return {"length": len(tlv.value)}
    image_id, major, minor, rev, build = struct.unpack(endian + "B3xBBHI", tlv.value)
    return {"image_id": image_id, "min_version": f"{major}.{minor}.{rev}+{build}"}


# ---------------------------------------------------------------------------------------------- trailer


def _read_trailer(data: bytes, tlv_end: int | None) -> dict[str, Any]:
    """The swap trailer at the end of a padded slot (imgtool --pad/--confirm); 'absent' if the file ends at the TLVs."""
    if tlv_end is None or len(data) - tlv_end < 16:
        return {"magic": "absent"}
    tail = data[-16:]
    if tail == TRAILER_MAGIC:
        max_align = 8
    elif tail[2:] == TRAILER_MAGIC_TAIL:
        max_align = int.from_bytes(tail[:2], "little")
        if max_align not in (16, 32):
            max_align = int.from_bytes(tail[:2], "big")
    elif tail in (b"\xff" * 16, b"\x00" * 16):
        return {"magic": "erased"}
    else:
        return {"magic": "bad"}
    magic_area = (16 + max_align - 1) // max_align * max_align
    image_ok_at = len(data) - magic_area - max_align
    copy_done_at = image_ok_at - max_align
    if copy_done_at < tlv_end:
        return {"magic": "good", "max_align": max_align}
    return {
        "magic": "good",
        "max_align": max_align,
        "image_ok": _flag(data[image_ok_at]),
        "copy_done": _flag(data[copy_done_at]),
    }


def _flag(byte: int) -> str:
    # bootutil_public.h BOOT_FLAG_SET = 1; erased flash reads 0xff (or 0x00 with imgtool -R 0)
    return {0x01: "set", 0xFF: "unset", 0x00: "unset"}.get(byte, f"bad (0x{byte:02x})")


# ---------------------------------------------------------------------------------------------- vector table


def _check_vector_table(data: bytes, header: Header, found: Findings) -> None:
    """MCUboot jumps to slot + ih_hdr_size: a Cortex-M vector table must sit exactly there."""
    if header.endian != "<" or header.hdr_size < IMAGE_HEADER_SIZE:
        return
    body_end = min(header.tlv_offset, len(data))
    at_entry = _vector_table_at(data, header.hdr_size, body_end)
    if at_entry is not None:
        found.info["vector_table"] = {"offset": header.hdr_size, **at_entry}
        return
    entry_words = data[header.hdr_size : header.hdr_size + 8]
    if len(entry_words) < 8 or entry_words not in (b"\x00" * 8, b"\xff" * 8):
        return  # not Cortex-M, or code we cannot judge: say nothing
    elsewhere = _find_vector_table(data, header.hdr_size, body_end)
    if elsewhere is None:
        return
    offset, table = elsewhere
    found.info["vector_table"] = {"offset": offset, **table}
    found.add(
        "header_size",
        f"MCUboot jumps to slot + ih_hdr_size (0x{header.hdr_size:x}), where the image holds "
        f"{'zeros' if entry_words[0] == 0 else 'erased bytes'}; the vector table is at 0x{offset:x} "
        "(wrong -H, or --pad-header on an image that already has the header gap)",
        hdr_size=header.hdr_size, vector_table_offset=offset,
    )


def _find_vector_table(data: bytes, hdr_size: int, body_end: int) -> tuple[int, dict[str, int]] | None:
    # ARMv7-M/ARMv8-M: VTOR needs at least 128-byte alignment; look in the first 64 KiB after the header
    start = (hdr_size + 0x7F) // 0x80 * 0x80
    for offset in range(max(start, 0x80), min(body_end, hdr_size + 0x10000), 0x80):
        table = _vector_table_at(data, offset, body_end)
        if table is not None:
            return offset, table
    return None


def _vector_table_at(data: bytes, offset: int, body_end: int) -> dict[str, int] | None:
    """Initial SP in RAM, reset/NMI/HardFault handlers with the Thumb bit, in the code or SRAM regions."""
    if offset + 16 > body_end:
        return None
    initial_sp, reset, nmi, hard_fault = struct.unpack_from("<IIII", data, offset)
    sp_in_ram = 0x10000000 <= initial_sp <= 0x40000000 and initial_sp % 4 == 0
    handlers_thumb = reset & 1 and hard_fault & 1 and (nmi & 1 or nmi == 0)
    handlers_in_range = reset < 0x40000000 and hard_fault < 0x40000000 and nmi < 0x40000000
    if sp_in_ram and handlers_thumb and handlers_in_range:
        return {"initial_sp": initial_sp, "reset_handler": reset}
    return None

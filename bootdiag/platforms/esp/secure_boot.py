"""ESP32 Secure Boot checks: the V2 signature sector, the V1 appended signature, key digests and eFuse summaries.

Everything here works on the bytes of one image that starts at index 0 of ``image`` (the caller has already
cut a merged flash dump at the image offset). ``image_len`` is what the bootloader calls the image length:
header + segments + checksum padding + appended SHA-256.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import hashlib
import re
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from bootdiag.core.files import SUMMARY_LIMIT, read_regular_text
from bootdiag.core.numbers import parse_int
from bootdiag.core.structured import decode_json_at
from bootdiag.verify.keys import KeyMaterial, load_key
from bootdiag.verify.model import Findings, Problem, UnusableInput, VerifyOptions

if TYPE_CHECKING:
    from bootdiag.platforms.esp.options import EspVerifyOptions


def _own(options: VerifyOptions) -> "EspVerifyOptions":
    """This platform's own verify options."""
    return options.of("esp")


# IDF esp_rom/*/rom/secure_boot.h: one 4 KB sector after the image, three 1216-byte blocks, 0xFF elsewhere
SECTOR_SIZE = 4096
BLOCK_SIZE = 1216
MAX_BLOCKS = 3
BLOCK_MAGIC = 0xE7  # ETS_SECURE_BOOT_V2_SIGNATURE_MAGIC
CRC_COVERED_LEN = 1196  # CRC_SIGN_BLOCK_LEN: the CRC32 at 1196 covers bytes [0, 1196)
VERSION_RSA = 0x02  # ESP_SECURE_BOOT_V2_RSA
VERSION_ECDSA = 0x03  # ESP_SECURE_BOOT_V2_ECDSA
ECDSA_SHA384_LAYOUT = 1  # byte 2 of an ECDSA block: 0 = SHA-256 layout, 1 = SHA-384 layout (P-384)

# IDF esp_secure_boot.h esp_secure_boot_sig_block_t: u32 version (0) + r||s, 32 bytes each, big-endian
SBV1_SIG_LEN = 68

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # SEC 2, secp256r1 n

# curve_id byte of an ECDSA block (espsecure CURVE_ID_P192/P256/P384): name, curve, coordinate length
CURVES: dict[int, tuple[str, ec.EllipticCurve, int]] = {
    1: ("P192", ec.SECP192R1(), 24),
    2: ("P256", ec.SECP256R1(), 32),
    3: ("P384", ec.SECP384R1(), 48),
}
CURVE_IDS_BY_NAME = {name: curve_id for curve_id, (name, _, _) in CURVES.items()}

ESP32_CHIP_ID = 0  # IDF esp_app_format.h ESP_CHIP_ID_ESP32; its ROM/IDF use block 0 only (SECURE_BOOT_NUM_BLOCKS 1)

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

# (accepts, region_end) -> (sentence, detail) describing a flash-parameter rewrite of header bytes 2-3 that
# makes ``accepts`` true for image[:region_end], or None.
RewriteExplainer = Callable[[Callable[[bytes], bool], int], "tuple[str, dict[str, Any]] | None"]


# ---------------------------------------------------------------------------------------------------------
# Keys


@dataclass(frozen=True)
class LoadedKey:
    path: str
    key: PublicKey


def secure_boot_keys(paths: list[str]) -> tuple[list[LoadedKey], list[str]]:
    """The given keys that can be Secure Boot keys (RSA-3072, ECDSA P-192/P-256/P-384), and the names of
    the others (an MCUboot key given for another part of a merged image, say), which are passed over."""
    usable: list[LoadedKey] = []
    others: list[str] = []
    for path in paths:
        material = load_key(path)
        if can_sign_secure_boot(material.public_key):
            usable.append(LoadedKey(path, material.public_key))  # type: ignore[arg-type]
        else:
            others.append(f"{Path(path).name} ({material.algorithm})")
    return usable, others


def can_sign_secure_boot(key: Any) -> bool:
    if isinstance(key, rsa.RSAPublicKey):
        return key.key_size == 3072
    return isinstance(key, ec.EllipticCurvePublicKey) and _curve_short_name(key.curve) in CURVE_IDS_BY_NAME


def _key_kind(key: Any) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA-{key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"ECDSA {key.curve.name}"
    return type(key).__name__.lstrip("_").replace("PublicKey", "") or "unknown"


def sbv2_key_digest(loaded: LoadedKey) -> bytes:
    """SHA-256 of the key exactly as a signature block carries it: the value burned into eFuse."""
    key = loaded.key
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size != 3072:
            raise UnusableInput(f"{loaded.path}: {_key_kind(key)} key; Secure Boot V2 RSA keys are RSA-3072")
        return hashlib.sha256(_rsa_key_fields(key.public_numbers().n, key.public_numbers().e)).digest()
    curve_id = CURVE_IDS_BY_NAME.get(_curve_short_name(key.curve))
    if curve_id is None:
        raise UnusableInput(f"{loaded.path}: {_key_kind(key)} key; Secure Boot V2 ECDSA uses P-192, P-256 or P-384")
    return hashlib.sha256(_ecdsa_key_fields(curve_id, key.public_numbers())).digest()


def key_digests(key: KeyMaterial) -> dict[str, str]:
    """What an ESP burns in eFuse or compiles into its bootloader for this key: the Secure Boot V2 key
    digest (as `espsecure digest-sbv2-public-key` prints it); for a P-256 key, the Secure Boot V1 public
    key the bootloader embeds (`espsecure extract-public-key --version 1`: X||Y big-endian) and, from
    the private key, the reflashable-mode bootloader key burned in BLOCK2 (`espsecure
    digest-private-key`: SHA-256 of the private scalar)."""
    public_key = key.public_key
    found: dict[str, str] = {}
    if can_sign_secure_boot(public_key):
        found["esp_sbv2_key_digest"] = sbv2_key_digest(LoadedKey(key.source, public_key)).hex()  # type: ignore[arg-type]
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name == "secp256r1":
        numbers = public_key.public_numbers()
        found["esp_sbv1_public_key"] = (numbers.x.to_bytes(32, "big") + numbers.y.to_bytes(32, "big")).hex()
        if isinstance(key.private_key, ec.EllipticCurvePrivateKey):
            scalar = key.private_key.private_numbers().private_value.to_bytes(32, "big")
            found["esp_sbv1_reflashable_key"] = hashlib.sha256(scalar).hexdigest()
    return found


def key_check(key: KeyMaterial, options: VerifyOptions) -> Findings | None:
    """A key file against the trusted digests the options give (--key-digest, --efuse): is it one of them?"""
    own = _own(options)
    if not own.key_digests and not own.efuse_summary:
        return None
    found = Findings("esp")
    if not can_sign_secure_boot(key.public_key):
        found.add("sbv2.wrong_key", f"a {key.algorithm} key cannot be a Secure Boot V2 key (RSA-3072 or ECDSA)",
                  algorithm=key.algorithm)
        return found
    digest = sbv2_key_digest(LoadedKey(key.source, key.public_key))  # type: ignore[arg-type]
    efuse = read_efuse_summary(own.efuse_summary) if own.efuse_summary else None
    trust = Trust([parse_key_digest(t) for t in own.key_digests] + (efuse.digests if efuse else []), known=True)
    match = trust.lookup(digest)
    found.info["sbv2_key_digest"] = digest.hex()
    found.info["trusted"] = trust.describe()
    if match is not None and not match.revoked:
        found.check(f"Secure Boot V2 key digest matches {match.source}")
    else:
        why = f"matches {match.source}, which is revoked" if match is not None else "is none of them"
        found.add("sbv2.wrong_key", f"the key's Secure Boot V2 digest {digest.hex()[:16]}… {why} "
                  f"(trusted: {trust.describe()})", key_digest=digest.hex())
    return found


def check_options(options: VerifyOptions) -> None:
    """--key-digest values are digests and --efuse an `espefuse summary` (UnusableInput otherwise)."""
    for text in _own(options).key_digests:
        parse_key_digest(text)
    if _own(options).efuse_summary:
        read_efuse_summary(_own(options).efuse_summary)


def _curve_short_name(curve: ec.EllipticCurve) -> str:
    return {"secp192r1": "P192", "secp256r1": "P256", "secp384r1": "P384"}.get(curve.name, curve.name)


def _rsa_key_fields(n: int, e: int) -> bytes:
    # IDF rom/secure_boot.h ets_rsa_pubkey_t: n, e, rinv = 2^(2*3072) mod n, mdash = -n^-1 mod 2^32, all LE
    rinv = pow(2, 2 * 3072, n)
    mdash = (-pow(n, -1, 1 << 32)) & 0xFFFFFFFF
    return n.to_bytes(384, "little") + struct.pack("<I", e) + rinv.to_bytes(384, "little") + struct.pack("<I", mdash)


def _ecdsa_key_fields(curve_id: int, numbers: ec.EllipticCurvePublicNumbers) -> bytes:
    # IDF rom/secure_boot.h: curve_id then X, Y little-endian in a 64-byte (96 for P-384) point field
    _, _, coord_len = CURVES[curve_id]
    point = numbers.x.to_bytes(coord_len, "little") + numbers.y.to_bytes(coord_len, "little")
    field_len = 96 if curve_id == 3 else 64
    return bytes([curve_id]) + point.ljust(field_len, b"\0")


def is_sbv1_key(loaded: LoadedKey) -> bool:
    return isinstance(loaded.key, ec.EllipticCurvePublicKey) and loaded.key.curve.name == "secp256r1"


# ---------------------------------------------------------------------------------------------------------
# Trusted key digests: --key-digest, key files, eFuse summary


@dataclass(frozen=True)
class TrustedDigest:
    digest: bytes  # 32 bytes, or the 16-byte prefix ESP32-C2 keeps in eFuse
    source: str
    revoked: bool = False

    def matches(self, key_digest: bytes) -> bool:
        return key_digest[: len(self.digest)] == self.digest


@dataclass
class EfuseSecureBoot:
    """What an `espefuse summary` says about secure boot."""

    digests: list[TrustedDigest] = field(default_factory=list)
    sbv1_enabled: bool = False
    sbv2_enabled: bool = False


def parse_key_digest(text: str) -> TrustedDigest:
    cleaned = re.sub(r"[\s:]", "", text.strip()).lower().removeprefix("0x")
    try:
        digest = bytes.fromhex(cleaned)
    except ValueError:
        raise UnusableInput(f"key digest {text!r} is not hex") from None
    if len(digest) not in (16, 32):
        raise UnusableInput(
            f"key digest {text!r} is {len(digest)} bytes; a Secure Boot key digest is 32 (16 on ESP32-C2)"
        )
    return TrustedDigest(digest, f"--key-digest {cleaned[:16]}…")


def read_efuse_summary(path: str) -> EfuseSecureBoot:
    return efuse_secure_boot(read_efuse_fields(path))


def read_efuse_fields(path: str) -> dict[str, str]:
    """eFuse name -> value as `espefuse summary` (text or --format json) shows it."""
    text = read_regular_text(path, SUMMARY_LIMIT, "eFuse summary", UnusableInput)
    fields = _efuse_fields_from_json(text)
    if fields is None:
        fields = _efuse_fields_from_text(text)
    if not any(name.startswith(("BLOCK", "KEY_PURPOSE", "ABS_DONE", "SECURE_BOOT")) for name in fields):
        raise UnusableInput(f"{path}: does not look like `espefuse summary` output (text or --format json)")
    return fields


def _efuse_fields_from_json(text: str) -> dict[str, str] | None:
    # `espefuse summary --format json` prints a banner before the JSON object when writing to stdout
    match = re.search(r"^\{", text, re.MULTILINE)
    if match is None:
        return None
    try:
        obj = decode_json_at(text, match.start())
    except ValueError:  # not JSON, a number too long, or nested past any summary
        return None
    if not isinstance(obj, dict):
        return None
    fields: dict[str, str] = {}
    for name, entry in obj.items():
        if isinstance(entry, dict) and "value" in entry:
            fields[name] = str(entry["value"])
    return fields


_EFUSE_ENTRY = re.compile(r"^([A-Z][A-Z0-9_]*) \((BLOCK\d+)\):?")
_EFUSE_ACCESS = re.compile(r"(?<!\s)\s++[R-]/[W-](\s|$)")  # from the start of a blank run: linear


def _efuse_fields_from_text(text: str) -> dict[str, str]:
    """Name -> value from the human-readable summary ('NAME (BLOCKn)  description = value R/W (0x..)')."""
    fields: dict[str, str] = {}
    current: str | None = None
    for line in text.splitlines():
        entry = _EFUSE_ENTRY.match(line)
        if entry:
            current = entry.group(1)
            if " = " in line:  # value on the same line; descriptions may contain '=', values here don't
                _store_efuse_value(fields, current, line.rsplit(" = ", 1)[1])
            continue
        stripped = line.strip()
        if current and stripped.startswith("= "):
            _store_efuse_value(fields, current, stripped[2:])
        elif current and stripped.startswith("Purpose:"):
            fields.setdefault(f"{current}.purpose", stripped.split(":", 1)[1].strip())
    return fields


def _store_efuse_value(fields: dict[str, str], name: str, rest: str) -> None:
    access = _EFUSE_ACCESS.search(rest)
    fields[name] = (rest[: access.start()] if access else rest).strip()


def efuse_secure_boot(fields: dict[str, str]) -> EfuseSecureBoot:
    state = EfuseSecureBoot(
        sbv1_enabled=_is_true(fields.get("ABS_DONE_0")),
        sbv2_enabled=_is_true(fields.get("ABS_DONE_1")) or _is_true(fields.get("SECURE_BOOT_EN")),
    )
    state.digests.extend(_purpose_digests(fields))
    state.digests.extend(_esp32_block2_digest(fields, state.sbv1_enabled))
    state.digests.extend(_esp32c2_digest(fields))
    return state


def _is_true(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("true", "1")


def _purpose_digests(fields: dict[str, str]) -> list[TrustedDigest]:
    # espefuse esp32s3 etc.: KEY_PURPOSE_n = SECURE_BOOT_DIGESTk puts digest k in BLOCK_KEYn;
    # SECURE_BOOT_KEY_REVOKEk revokes it.
    found: list[TrustedDigest] = []
    for n in range(6):
        purpose = fields.get(f"KEY_PURPOSE_{n}") or fields.get(f"BLOCK_KEY{n}.purpose") or ""
        slot = re.search(r"SECURE_BOOT_DIGEST(\d)", purpose)
        digest = _hex_bytes(fields.get(f"BLOCK_KEY{n}"))
        if slot is None or digest is None:
            continue
        k = parse_int(slot.group(1))  # one digit, by the pattern
        revoked = _is_true(fields.get(f"SECURE_BOOT_KEY_REVOKE{k}"))
        found.append(TrustedDigest(digest, f"eFuse BLOCK_KEY{n} (SECURE_BOOT_DIGEST{k})", revoked))
    return found


def _esp32_block2_digest(fields: dict[str, str], sbv1_enabled: bool) -> list[TrustedDigest]:
    # ESP32 ECO3: espefuse burn_key_digest writes the SBv2 digest to BLOCK2; with ABS_DONE_0 BLOCK2 is the V1 AES key
    digest = _hex_bytes(fields.get("BLOCK2"))
    if sbv1_enabled or digest is None or len(digest) != 32 or not any(digest):
        return []
    return [TrustedDigest(digest, "eFuse BLOCK2")]


def _esp32c2_digest(fields: dict[str, str]) -> list[TrustedDigest]:
    # espefuse esp32c2 burn_key_digest: digest[:16] goes to BLOCK_KEY0_HI_128
    digest = _hex_bytes(fields.get("BLOCK_KEY0_HI_128"))
    if digest is None or len(digest) != 16 or not any(digest):
        return []
    return [TrustedDigest(digest, "eFuse BLOCK_KEY0_HI_128")]


def _hex_bytes(value: str | None) -> bytes | None:
    """'af 67 3a …' or '0xaf673a…' -> bytes; None for read-protected ('?? ??') or non-hex values."""
    if not value:
        return None
    cleaned = value.strip().lower().removeprefix("0x").replace(" ", "")
    if not re.fullmatch(r"(?:[0-9a-f]{2})+", cleaned):
        return None
    return bytes.fromhex(cleaned)


@dataclass
class Trust:
    """Which key digests the device would accept. ``known`` is False when the caller told us nothing."""

    digests: list[TrustedDigest]
    known: bool

    def lookup(self, key_digest: bytes) -> TrustedDigest | None:
        return next((d for d in self.digests if d.matches(key_digest)), None)

    def describe(self) -> str:
        usable = [f"{d.source} {d.digest.hex()[:16]}…" for d in self.digests if not d.revoked]
        return ", ".join(usable) if usable else "none"


def build_trust(keys: list[LoadedKey], options: VerifyOptions, efuse: EfuseSecureBoot | None) -> Trust:
    digests = [TrustedDigest(sbv2_key_digest(k), f"key {Path(k.path).name}") for k in keys]
    digests += [parse_key_digest(text) for text in _own(options).key_digests]
    if efuse is not None:
        digests += efuse.digests
    # An eFuse summary with no digest and SB off means first boot: the bootloader burns whatever key signed it.
    efuse_constrains = efuse is not None and (bool(efuse.digests) or efuse.sbv2_enabled)
    return Trust(digests, known=bool(keys or _own(options).key_digests or efuse_constrains))


# ---------------------------------------------------------------------------------------------------------
# Secure Boot V2 signature blocks


@dataclass(frozen=True)
class DecodedBlock:
    scheme: str  # "RSA-3072", "ECDSA-P256", ...
    hash_name: str  # "sha256" or "sha384": what the image digest is
    image_digest: bytes  # as stored in the block
    key_digest: bytes  # SHA-256 of the block's key fields, as burned in eFuse
    signature_error: str | None  # None when the block's signature verifies with the block's own key


class BlockFormatError(ValueError):
    """A CRC-valid block whose version, digest type or curve is none of the documented ones."""


def block_crc_ok(raw: bytes) -> bool:
    (stored,) = struct.unpack_from("<I", raw, CRC_COVERED_LEN)
    return zlib.crc32(raw[:CRC_COVERED_LEN]) == stored


def decode_block(raw: bytes) -> DecodedBlock:
    version = raw[1]
    if version == VERSION_RSA:
        return _decode_rsa_block(raw)
    if version == VERSION_ECDSA:
        return _decode_ecdsa_block(raw)
    raise BlockFormatError(f"unknown signature block version 0x{version:02x} (2 = RSA, 3 = ECDSA)")


def _decode_rsa_block(raw: bytes) -> DecodedBlock:
    # IDF rom/secure_boot.h ets_secure_boot_sig_block_t (RSA): digest@4, n@36, e@420, rinv@424, mdash@808, sig@812
    digest = raw[4:36]
    n = int.from_bytes(raw[36:420], "little")
    (e,) = struct.unpack_from("<I", raw, 420)
    signature = raw[812:1196][::-1]  # stored little-endian for the RSA peripheral
    key_digest = hashlib.sha256(raw[36:812]).digest()
    return DecodedBlock("RSA-3072", "sha256", digest, key_digest, _rsa_signature_error(raw, n, e, signature, digest))


def _rsa_signature_error(raw: bytes, n: int, e: int, signature: bytes, digest: bytes) -> str | None:
    if n.bit_length() != 3072 or n % 2 == 0:
        return f"embedded modulus is not an RSA-3072 modulus ({n.bit_length()} bits)"
    if raw[36:812] != _rsa_key_fields(n, e):
        return "precomputed Montgomery values (rinv, M') in the block do not belong to its modulus"
    try:
        key = rsa.RSAPublicNumbers(e, n).public_key()
        # IDF secure_boot_rsa_signature.c / docs: RSA-PSS, SHA-256, MGF1-SHA256, 32-byte salt
        key.verify(signature, digest, padding.PSS(padding.MGF1(hashes.SHA256()), 32), utils.Prehashed(hashes.SHA256()))
    except InvalidSignature:
        return "RSA-PSS signature does not verify"
    except (ValueError, UnsupportedAlgorithm) as exc:
        return f"embedded RSA key is unusable ({exc})"
    return None


def _decode_ecdsa_block(raw: bytes) -> DecodedBlock:
    # espsecure generate_ecdsa_signature_block: "<BBBx32sB64s64s" (SHA-256) / "<BBBx48sB96s96s" (SHA-384)
    if raw[2] == ECDSA_SHA384_LAYOUT:
        digest_len, hash_name, key_field_len = 48, "sha384", 97
    elif raw[2] == 0:
        digest_len, hash_name, key_field_len = 32, "sha256", 65
    else:
        raise BlockFormatError(f"unknown ECDSA digest type {raw[2]} (0 = SHA-256, 1 = SHA-384)")
    key_at = 4 + digest_len
    curve_id = raw[key_at]
    if curve_id not in CURVES or (curve_id == 3) != (hash_name == "sha384"):
        raise BlockFormatError(f"ECDSA curve id {curve_id} does not fit a {hash_name.upper()} block")
    name, curve, coord_len = CURVES[curve_id]
    digest = raw[4:key_at]
    key_fields = raw[key_at : key_at + key_field_len]
    point = key_fields[1:]
    sig_at = key_at + key_field_len
    signature = raw[sig_at : sig_at + 2 * coord_len]
    error = _ecdsa_signature_error(curve, coord_len, point, signature, digest, hash_name)
    return DecodedBlock(f"ECDSA-{name}", hash_name, digest, hashlib.sha256(key_fields).digest(), error)


def _ecdsa_signature_error(
    curve: ec.EllipticCurve, coord_len: int, point: bytes, signature: bytes, digest: bytes, hash_name: str
) -> str | None:
    x = int.from_bytes(point[:coord_len], "little")
    y = int.from_bytes(point[coord_len : 2 * coord_len], "little")
    try:
        key = ec.EllipticCurvePublicNumbers(x, y, curve).public_key()
    except ValueError:
        return f"embedded public key is not a point on {curve.name}"
    r = int.from_bytes(signature[:coord_len], "little")
    s = int.from_bytes(signature[coord_len:], "little")
    algorithm = hashes.SHA384() if hash_name == "sha384" else hashes.SHA256()
    try:
        key.verify(utils.encode_dss_signature(r, s), digest, ec.ECDSA(utils.Prehashed(algorithm)))
    except InvalidSignature:
        return "ECDSA signature does not verify"
    except ValueError as exc:
        return f"ECDSA signature is malformed ({exc})"
    return None


@dataclass
class BlockVerdict:
    index: int
    offset: int  # within the image
    status: str  # "valid", "absent", "crc_mismatch", "truncated", "unsupported"
    reason: str = ""
    decoded: DecodedBlock | None = None
    digest_ok: bool | None = None
    trusted_by: TrustedDigest | None = None
    trusted: bool | None = None  # None: nothing to compare the key against

    @property
    def passes(self) -> bool:
        return (
            self.decoded is not None
            and self.digest_ok is True
            and self.decoded.signature_error is None
            and self.trusted is not False
        )

    def info(self, base: int) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "offset": base + self.offset, "status": self.status}
        if self.reason:
            out["reason"] = self.reason
        if self.decoded is not None:
            out.update(
                scheme=self.decoded.scheme,
                key_digest=self.decoded.key_digest.hex(),
                image_digest=self.decoded.image_digest.hex(),
                digest_ok=self.digest_ok,
                signature_ok=self.decoded.signature_error is None,
                trusted=self.trusted,
            )
            if self.trusted_by is not None:
                out["trusted_by"] = self.trusted_by.source
        return out


def read_blocks(image: bytes, sector_offset: int) -> list[BlockVerdict]:
    verdicts = []
    for index in range(MAX_BLOCKS):
        offset = sector_offset + index * BLOCK_SIZE
        raw = image[offset : offset + BLOCK_SIZE]
        verdicts.append(_read_block(index, offset, raw))
    return verdicts


def _read_block(index: int, offset: int, raw: bytes) -> BlockVerdict:
    if not raw or raw[0] != BLOCK_MAGIC:
        return BlockVerdict(index, offset, "absent")
    if len(raw) < BLOCK_SIZE:
        return BlockVerdict(index, offset, "truncated", f"file ends {len(raw)} bytes into the block")
    if not block_crc_ok(raw):
        (stored,) = struct.unpack_from("<I", raw, CRC_COVERED_LEN)
        computed = zlib.crc32(raw[:CRC_COVERED_LEN])
        reason = f"CRC mismatch (stored 0x{stored:08x}, computed 0x{computed:08x})"
        return BlockVerdict(index, offset, "crc_mismatch", reason)
    try:
        return BlockVerdict(index, offset, "valid", decoded=decode_block(raw))
    except BlockFormatError as exc:
        return BlockVerdict(index, offset, "unsupported", str(exc))


# ---------------------------------------------------------------------------------------------------------
# Entry point


@dataclass
class SecureBootResult:
    problems: list[Problem]
    info: dict[str, Any]
    checked: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    end: int | None = None  # where the signature ends in the image (None: unsigned, the image ends it)


@dataclass
class _Context:
    image: bytes
    image_len: int
    base: int  # file offset of the image, for messages
    chip_id: int | None
    options: VerifyOptions
    explain_rewrite: RewriteExplainer | None
    keys: list[LoadedKey]
    efuse: EfuseSecureBoot | None
    other_keys: list[str] = field(default_factory=list)  # given keys that cannot be Secure Boot keys


def check_secure_boot(
    image: bytes,
    image_len: int,
    chip_id: int | None,
    options: VerifyOptions,
    base_offset: int = 0,
    explain_rewrite: RewriteExplainer | None = None,
) -> SecureBootResult:
    """Find and check the image's signature (V2 sector, else V1 appended signature) against the caller's keys."""
    keys, others = secure_boot_keys(options.keys)
    efuse = read_efuse_summary(_own(options).efuse_summary) if _own(options).efuse_summary else None
    ctx = _Context(image, image_len, base_offset, chip_id, options, explain_rewrite, keys, efuse, others)
    sector_offset = align_up(image_len, SECTOR_SIZE)
    blocks = read_blocks(image, sector_offset)
    if any(b.status != "absent" for b in blocks):
        return _check_sbv2(ctx, sector_offset, blocks)
    v1_signature = read_sbv1_signature(image, image_len)
    if v1_signature is not None:
        return _check_sbv1(ctx, v1_signature)
    return _check_unsigned(ctx, sector_offset)


def align_up(value: int, alignment: int) -> int:
    return (value + alignment - 1) // alignment * alignment


def _check_sbv2(ctx: _Context, sector_offset: int, blocks: list[BlockVerdict]) -> SecureBootResult:
    trust = build_trust(ctx.keys, ctx.options, ctx.efuse)
    region = ctx.image[:sector_offset]
    digests: dict[str, bytes] = {}
    for block in blocks:
        if block.decoded is None:
            continue
        if block.decoded.hash_name not in digests:
            digests[block.decoded.hash_name] = hashlib.new(block.decoded.hash_name, region).digest()
        block.digest_ok = digests[block.decoded.hash_name] == block.decoded.image_digest
        _apply_trust(block, trust)
    counted = blocks[:1] if ctx.chip_id == ESP32_CHIP_ID else blocks
    info: dict[str, Any] = {
        "scheme": "sbv2",
        "sector_offset": ctx.base + sector_offset,
        "blocks": [b.info(ctx.base) for b in blocks if b.status != "absent"],
        "trusted_keys": trust.describe() if trust.known else None,
    }
    if ctx.chip_id == ESP32_CHIP_ID and any(b.status != "absent" for b in blocks[1:]):
        info["note"] = "the ESP32 ROM uses only signature block 0"
    problems = _sector_cut_short(ctx, sector_offset)
    result = SecureBootResult(problems, info, end=sector_offset + SECTOR_SIZE)
    passing = next((b for b in counted if b.passes), None)
    if passing is None:
        problems += _sbv2_problems(ctx, counted, trust, sector_offset, digests)
        return result
    assert passing.decoded is not None
    result.checked.append(f"Secure Boot V2 signature block {passing.index} ({passing.decoded.scheme}): "
                          "image digest and signature")
    if passing.trusted_by is not None:
        result.checked.append(f"signing key trusted by {passing.trusted_by.source}")
    elif ctx.efuse is not None and not trust.known:
        result.checked.append("no key digest burned yet (eFuse summary): the bootloader burns this key's on first boot")
    else:
        passed_over = f"; {', '.join(ctx.other_keys)} cannot be Secure Boot keys" if ctx.other_keys else ""
        result.missing.append("a trusted key (--key, --key-digest or --efuse): the signature verifies with "
                              f"the key in its own block, which proves no trust{passed_over}")
    return result


def _sector_cut_short(ctx: _Context, sector_offset: int) -> list[Problem]:
    present = len(ctx.image) - sector_offset
    if present >= SECTOR_SIZE:
        return []
    return [
        Problem(
            id="esp.image.truncated",
            message=f"file ends {present} bytes into the 4096-byte signature sector at 0x{ctx.base + sector_offset:x}",
            detail={"sector_offset": ctx.base + sector_offset, "present": present},
        )
    ]


def _apply_trust(block: BlockVerdict, trust: Trust) -> None:
    if not trust.known or block.decoded is None:
        return
    match = trust.lookup(block.decoded.key_digest)
    block.trusted_by = match
    block.trusted = match is not None and not match.revoked


def _sbv2_problems(
    ctx: _Context, blocks: list[BlockVerdict], trust: Trust, sector_offset: int, digests: dict[str, bytes]
) -> list[Problem]:
    if all(b.decoded is None for b in blocks):
        return [_no_valid_block_problem(ctx, blocks, sector_offset)]
    problems: list[Problem] = []
    explained: dict[bytes, tuple[str, dict[str, Any]] | None] = {}
    for block in blocks:
        decoded = block.decoded
        if decoded is None:
            continue
        if block.digest_ok is False:
            problems.append(_digest_mismatch_problem(ctx, block, decoded, digests, sector_offset, explained))
        if decoded.signature_error is not None:
            problems.append(_signature_invalid_problem(ctx, block, decoded))
        elif block.trusted is False:
            problems.append(_wrong_key_problem(ctx, block, decoded, trust))
    return problems


def _no_valid_block_problem(ctx: _Context, blocks: list[BlockVerdict], sector_offset: int) -> Problem:
    reasons = "; ".join(f"block {b.index} {b.reason or b.status}" for b in blocks)
    at = ctx.base + sector_offset
    return Problem(
        id="esp.sbv2.no_signature_block",
        message=f"no valid Secure Boot V2 signature block in the sector at 0x{at:x}: {reasons}",
        detail={"sector_offset": at, "blocks": [b.info(ctx.base) for b in blocks if b.status != "absent"]},
    )


def _digest_mismatch_problem(
    ctx: _Context,
    block: BlockVerdict,
    decoded: DecodedBlock,
    digests: dict[str, bytes],
    sector_offset: int,
    explained: dict[bytes, tuple[str, dict[str, Any]] | None],
) -> Problem:
    actual = digests[decoded.hash_name]
    if decoded.image_digest not in explained:
        explained[decoded.image_digest] = _explain(ctx, decoded, sector_offset)
    rewrite = explained[decoded.image_digest]
    detail: dict[str, Any] = {
        "block": block.index,
        "offset": ctx.base + block.offset,
        "hash": decoded.hash_name,
        "signed_digest": decoded.image_digest.hex(),
        "image_digest": actual.hex(),
    }
    message = (
        f"signature block {block.index}: image digest does not match "
        f"(signed {decoded.image_digest.hex()[:16]}…, image is {actual.hex()[:16]}…)"
    )
    if rewrite is not None:
        sentence, rewrite_detail = rewrite
        message += f"; {sentence}"
        detail["header_rewrite"] = rewrite_detail
    else:
        message += "; the image changed after signing"
    return Problem(id="esp.sbv2.digest_mismatch", message=message, detail=detail)


def _explain(ctx: _Context, decoded: DecodedBlock, region_end: int) -> tuple[str, dict[str, Any]] | None:
    if ctx.explain_rewrite is None:
        return None
    wanted, hash_name = decoded.image_digest, decoded.hash_name
    return ctx.explain_rewrite(lambda candidate: hashlib.new(hash_name, candidate).digest() == wanted, region_end)


def _signature_invalid_problem(ctx: _Context, block: BlockVerdict, decoded: DecodedBlock) -> Problem:
    return Problem(
        id="esp.sbv2.signature_invalid",
        message=f"signature block {block.index} ({decoded.scheme}) does not verify with its own public key: "
        f"{decoded.signature_error}",
        detail={
            "block": block.index,
            "offset": ctx.base + block.offset,
            "scheme": decoded.scheme,
            "reason": decoded.signature_error,
        },
    )


def _wrong_key_problem(ctx: _Context, block: BlockVerdict, decoded: DecodedBlock, trust: Trust) -> Problem:
    match = block.trusted_by
    revoked = match is not None and match.revoked
    why = f"matches {match.source}, which is revoked" if match is not None and revoked else "is not a trusted key"
    return Problem(
        id="esp.sbv2.wrong_key",
        message=f"signature block {block.index} ({decoded.scheme}) is signed by key "
        f"{decoded.key_digest.hex()[:16]}…, which {why} (trusted: {trust.describe()})",
        detail={
            "block": block.index,
            "scheme": decoded.scheme,
            "key_digest": decoded.key_digest.hex(),
            "revoked": revoked,
            "trusted_digests": [
                {"source": d.source, "digest": d.digest.hex(), "revoked": d.revoked} for d in trust.digests
            ],
        },
    )


# ---------------------------------------------------------------------------------------------------------
# Secure Boot V1


@dataclass(frozen=True)
class Sbv1Signature:
    offset: int
    r: int
    s: int


def read_sbv1_signature(image: bytes, image_len: int) -> Sbv1Signature | None:
    """The 68 bytes right after the image, if they look like a V1 signature (version 0, non-zero r||s)."""
    raw = image[image_len : image_len + SBV1_SIG_LEN]
    if len(raw) < SBV1_SIG_LEN:
        return None
    (version,) = struct.unpack_from("<I", raw, 0)
    if version != 0 or not any(raw[4:]):
        return None
    return Sbv1Signature(image_len, int.from_bytes(raw[4:36], "big"), int.from_bytes(raw[36:68], "big"))


def _sbv1_signature_cut_short(ctx: _Context) -> Problem | None:
    """A V1 signature block that starts (version 0, non-zero signature bytes) but ends with the file."""
    raw = ctx.image[ctx.image_len : ctx.image_len + SBV1_SIG_LEN]
    if not 8 <= len(raw) < SBV1_SIG_LEN or raw[:4] != bytes(4) or not any(raw[4:]):
        return None
    at = ctx.base + ctx.image_len
    return Problem(
        id="esp.sbv1.signature_truncated",
        message=f"the Secure Boot V1 signature block at 0x{at:x} is {len(raw)} bytes, not {SBV1_SIG_LEN}: "
        "the file was cut inside it",
        detail={"offset": at, "present": len(raw), "needed": SBV1_SIG_LEN},
    )


def _check_sbv1(ctx: _Context, sig: Sbv1Signature) -> SecureBootResult:
    v1_keys = [(k, k.key) for k in ctx.keys if is_sbv1_key(k)]
    info: dict[str, Any] = {
        "scheme": "sbv1",
        "signature_offset": ctx.base + sig.offset,
        "r": f"{sig.r:064x}",
        "s": f"{sig.s:064x}",
    }
    end = sig.offset + SBV1_SIG_LEN
    if not (0 < sig.r < P256_ORDER and 0 < sig.s < P256_ORDER):
        info["verified"] = False
        reason = "r or s is outside 1..n-1, so no P-256 key can verify it"
        return SecureBootResult([_sbv1_invalid(ctx, sig, reason, {})], info, end=end)
    if not v1_keys:
        given = [Path(k.path).name + f" ({_key_kind(k.key)})" for k in ctx.keys] + ctx.other_keys
        if given:
            info["verified"] = False
            reason = "none of the given keys is an ECDSA P-256 key: " + ", ".join(given)
            return SecureBootResult([_sbv1_invalid(ctx, sig, reason, {})], info, end=end)
        info["verified"] = None
        info["note"] = "no key given, so the signature was not checked"
        return SecureBootResult([], info, missing=["the Secure Boot V1 public key (--key) to check the signature"],
                                end=end)
    signed = ctx.image[: sig.offset]
    signature = utils.encode_dss_signature(sig.r, sig.s)

    def verifies(data: bytes) -> bool:
        return any(_ecdsa_verifies(key, signature, data) for _, key in v1_keys)

    good = next((loaded for loaded, key in v1_keys if _ecdsa_verifies(key, signature, signed)), None)
    info["verified"] = good is not None
    if good is not None:
        info["verified_with"] = Path(good.path).name
        return SecureBootResult([], info, checked=[f"Secure Boot V1 signature verified with {Path(good.path).name}"],
                                end=end)
    rewrite = ctx.explain_rewrite(verifies, sig.offset) if ctx.explain_rewrite else None
    reason = "not signed by " + ", ".join(Path(k.path).name for k, _ in v1_keys)
    detail: dict[str, Any] = {}
    if rewrite is not None:
        reason = f"{rewrite[0]} (it verifies with the original header)"
        detail["header_rewrite"] = rewrite[1]
    return SecureBootResult([_sbv1_invalid(ctx, sig, reason, detail)], info, end=end)


def _ecdsa_verifies(key: ec.EllipticCurvePublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def _sbv1_invalid(ctx: _Context, sig: Sbv1Signature, reason: str, detail: dict[str, Any]) -> Problem:
    return Problem(
        id="esp.sbv1.signature_invalid",
        message=f"Secure Boot V1 signature at 0x{ctx.base + sig.offset:x} is invalid: {reason}",
        detail={"offset": ctx.base + sig.offset, **detail},
    )


# ---------------------------------------------------------------------------------------------------------
# Unsigned images


def _check_unsigned(ctx: _Context, sector_offset: int) -> SecureBootResult:
    info: dict[str, Any] = {"scheme": "none"}
    truncated = _sbv1_signature_cut_short(ctx)
    if truncated is not None:
        return SecureBootResult([truncated], info)
    expected = _expected_scheme(ctx)
    if expected is None:
        return SecureBootResult([], info, checked=["no signature: fine unless secure boot is on (--efuse or --key "
                                                   "say whether a signature is needed)"])
    if expected == 1:
        return SecureBootResult([_sbv1_missing(ctx)], info)
    found = ctx.image[sector_offset : sector_offset + 1]
    found_text = f"found 0x{found[0]:02x}, not 0xe7" if found else "file ends there"
    at = ctx.base + sector_offset
    problem = Problem(
        id="esp.sbv2.no_signature_block",
        message=f"image is not signed: no Secure Boot V2 signature sector at 0x{at:x} ({found_text})",
        detail={"sector_offset": at},
    )
    return SecureBootResult([problem], info)


def _expected_scheme(ctx: _Context) -> int | None:
    """Which secure boot version the caller's keys/eFuses imply, or None if they imply none."""
    if ctx.efuse is not None and ctx.efuse.sbv1_enabled:
        return 1
    if _own(ctx.options).key_digests or (ctx.efuse is not None and (ctx.efuse.digests or ctx.efuse.sbv2_enabled)):
        return 2
    if not ctx.keys:
        return None
    # ESP32 ECO3 Secure Boot V2 is RSA-only, so P-256 keys for an ESP32 image mean V1 (the only chip with V1)
    all_p256 = all(isinstance(k.key, ec.EllipticCurvePublicKey) and k.key.curve.name == "secp256r1" for k in ctx.keys)
    return 1 if ctx.chip_id == ESP32_CHIP_ID and all_p256 else 2


def _sbv1_missing(ctx: _Context) -> Problem:
    raw = ctx.image[ctx.image_len : ctx.image_len + 4]
    field_text = f"0x{struct.unpack('<I', raw)[0]:08x}" if len(raw) == 4 else "missing (file ends)"
    at = ctx.base + ctx.image_len
    # IDF secure_boot_v1: "image has invalid signature version field 0x%08x (image without a signature?)"
    return Problem(
        id="esp.sbv1.no_signature",
        message=f"image has no Secure Boot V1 signature: version field at 0x{at:x} is {field_text} "
        "(image without a signature?)",
        detail={"offset": at, "version_field": field_text},
    )

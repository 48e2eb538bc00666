"""Jetson (T186/T194/T234) secure-boot material: PKC key files and signed (``*.signed`` / ``*.encrypt``) files.

A key file (through the generic key report's hooks, :func:`key_digests` and :func:`key_check`) is reported
with the PublicKeyHash fuse value odmfuse would burn for it on each chip; a signed file with the key its
header carries. Both are compared with a fuse value or an odmfuseread.sh fuse_info.txt. The signature
itself is not verified: a PKC-signed file is at best partly checked.
Recipes and header layouts: L4T r35.3.1 odmfuse.sh, tegrakeyhash, tegrasign_v3.py, tegrahost_v2 and cboot
``tegrabl_sigheader.h``, as re-derived in the bootdiag Jetson reference (§3.1, §3.5, Appendix A).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import hashlib
import re
import struct
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from bootdiag.core.files import SUMMARY_LIMIT, read_regular_text
from bootdiag.core.numbers import int_or_none
from bootdiag.verify.keys import KeyMaterial, PublicKey, key_algorithm, load_key
from bootdiag.platforms.tegra import CHIP_ALIASES as _CHIP_ALIASES
from bootdiag.verify.model import Findings, ImageReport, UnusableInput, VerifyOptions

if TYPE_CHECKING:
    from bootdiag.platforms.tegra.options import TegraVerifyOptions


def _own(options: VerifyOptions) -> "TegraVerifyOptions":
    """This platform's own verify options."""
    return options.of("tegra")


FORMAT_SIGNED = "tegra-signed"
CHIPS = ("t186", "t194", "t234")


# Which PKC key types each chip's BootROM takes (odmfuse get_pkc_keytype; DG38: no RSA-2048 on Orin)
SUPPORTED_KEYS: dict[str, tuple[str, ...]] = {
    "t186": ("rsa-2048",),
    "t194": ("rsa-2048", "rsa-3072"),
    "t234": ("rsa-3072", "ecdsa-p256", "ecdsa-p521"),
}

# odmfuse.sh BootSecurityInfo for PKC / PKC+SBK; T234 bits [2:0] = auth scheme, bit 3 = SBK, bit 9 = ODM key valid
BOOT_SECURITY_INFO: dict[tuple[str, str], tuple[int, int]] = {
    ("t186", "rsa-2048"): (0x1, 0x5),
    ("t194", "rsa-2048"): (0x1, 0x5),
    ("t194", "rsa-3072"): (0x2, 0x6),
    ("t234", "rsa-3072"): (0x201, 0x209),
    ("t234", "ecdsa-p256"): (0x202, 0x20A),
    ("t234", "ecdsa-p521"): (0x203, 0x20B),
}
T234_AUTH_SCHEMES = {1: "rsa-3072", 2: "ecdsa-p256", 3: "ecdsa-p521", 4: "ed25519", 5: "xmss"}
T194_AUTH_SCHEMES = {1: "rsa-2048", 2: "rsa-3072"}

# PCP sizes: T186 tegrakeyhash hashes 896 bytes, T194 NvBootPublicCryptoParameters 1216, T234 PCP_SIZE 384
PCP_SIZE = {"t186": 896, "t194": 1216, "t234": 384}

# cboot tegrabl_sigheader.h: T186 signtype enum, read by tegraflash at offset 388 (sign_type_offset)
T186_SIGN_TYPES = {0: "none", 1: "oem-rsa", 2: "oem-ecc", 3: "nvidia-rsa", 4: "nvidia-ecc", 5: "sbk", 6: "oem-rsa-sbk"}
T186_BINARYMAGIC_OFFSET = 0x180
T186_SIGNTYPE_OFFSET = 388
T186_SIGHEADER_SIZE = 400


class TegraKeyError(ValueError):
    """A key for which no PublicKeyHash recipe exists on the requested chip."""


# ---------------------------------------------------------------------------------------------- fuse hash recipes


def public_crypto_parameters(public_key: PublicKey, chip: str) -> bytes:
    """The public-key block the chip hashes into PublicKeyHash (and a BCH carries), zero-padded to its size."""
    kind = key_algorithm(public_key)
    if isinstance(public_key, rsa.RSAPublicKey) and (kind, chip) in (
        ("rsa-2048", "t186"), ("rsa-2048", "t194"), ("rsa-3072", "t194"), ("rsa-3072", "t234"),
        ("rsa-2048", "t234"),  # Orin rejects RSA-2048, but tegrasign_v3 still computes this value
    ):
        block = _reversed_modulus(public_key)
        if (kind, chip) == ("rsa-3072", "t194"):
            block += _montgomery_values(public_key)
    elif isinstance(public_key, ec.EllipticCurvePublicKey) and kind in ("ecdsa-p256", "ecdsa-p521") and chip == "t234":
        block = _tegra_ec_point(public_key)
    else:
        raise TegraKeyError(f"no {chip.upper()} PublicKeyHash recipe for a {kind} key")
    return block + bytes(PCP_SIZE[chip] - len(block))


def fuse_hash(public_key: PublicKey, chip: str) -> bytes:
    """PublicKeyHash as odmfuse burns it: SHA-256 of the PCP on T186/T194, SHA-512 on T234."""
    pcp = public_crypto_parameters(public_key, chip)
    return hashlib.sha512(pcp).digest() if chip == "t234" else hashlib.sha256(pcp).digest()


def _reversed_modulus(public_key: rsa.RSAPublicKey) -> bytes:
    # tegrasign_v3 swapbytes(): the big-endian modulus fully byte-reversed
    return public_key.public_numbers().n.to_bytes(public_key.key_size // 8, "little")


def _montgomery_values(public_key: rsa.RSAPublicKey) -> bytes:
    # tegraopenssl --isPkcKey mont.bin: (-n^-1 mod 2^3072) LE || (R^2 mod n, R = 2^3072) LE
    n = public_key.public_numbers().n
    r = 1 << 3072
    return ((-pow(n, -1, r)) % r).to_bytes(384, "little") + (r * r % n).to_bytes(384, "little")


def _tegra_ec_point(public_key: ec.EllipticCurvePublicKey) -> bytes:
    # tegrasign_v3: rev(X) || rev(Y); P-521 coordinates take 66 bytes, each padded by 2 zero bytes
    numbers = public_key.public_numbers()
    if public_key.curve.name == "secp521r1":
        return numbers.x.to_bytes(66, "little") + bytes(2) + numbers.y.to_bytes(66, "little") + bytes(2)
    return numbers.x.to_bytes(32, "little") + numbers.y.to_bytes(32, "little")


def word_swapped(value: bytes) -> bytes:
    """Each 4-byte group reversed: the fuse-bypass FAB_ENTRY / sysfs order of a printed hash."""
    return b"".join(value[i : i + 4][::-1] for i in range(0, len(value), 4))


def normalise_chip(chip: str | None) -> str | None:
    return _CHIP_ALIASES.get((chip or "").strip().lower())


# ---------------------------------------------------------------------------------------------- fuse values


@dataclass(frozen=True)
class FusedValue:
    source: str  # "--fuse-hash" or the fuse_info.txt path
    public_key_hash: bytes
    fuses: dict[str, str] = field(default_factory=dict)

    @property
    def burned(self) -> bool:
        return any(self.public_key_hash)

    @property
    def chip_family(self) -> tuple[str, ...]:
        return ("t234",) if len(self.public_key_hash) == 64 else ("t186", "t194")


def parse_fuse_hash(text: str, source: str = "--fuse-hash") -> bytes:
    """A hash written as 0x-hex, plain hex, or 0x-prefixed 32-bit words."""
    cleaned = re.sub(r"0x|[\s,:]", "", text.strip(), flags=re.IGNORECASE)
    if not cleaned or len(cleaned) % 2 or not re.fullmatch(r"[0-9a-fA-F]+", cleaned):
        raise UnusableInput(f"{source}: {text.strip()[:40]!r} is not a hex fuse value")
    value = bytes.fromhex(cleaned)
    if len(value) not in (32, 64):
        raise UnusableInput(f"{source}: {len(value)}-byte value; PublicKeyHash is 32 (T186/T194) or 64 (T234) bytes")
    return value


def parse_fuse_info(text: str) -> dict[str, str]:
    """``Name: hex`` lines of an odmfuseread.sh fuse_info.txt (tegraflash readfuses output)."""
    fuses: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*:\s*(?:0x)?([0-9a-fA-F]+)\s*$", line)
        if match:
            fuses[match.group(1)] = match.group(2).lower()
    return fuses


def read_fuse_info(path: str) -> FusedValue:
    text = read_regular_text(path, SUMMARY_LIMIT, "fuse_info", UnusableInput)
    fuses = parse_fuse_info(text)
    if "PublicKeyHash" not in fuses:
        raise UnusableInput(f"{path}: no 'PublicKeyHash: <hex>' line (is this odmfuseread.sh's fuse_info.txt?)")
    return FusedValue(path, parse_fuse_hash(fuses["PublicKeyHash"], path), fuses)


def _fused_values(options: VerifyOptions) -> list[FusedValue]:
    values = []
    if _own(options).fuse_hash:
        values.append(FusedValue("--fuse-hash", parse_fuse_hash(_own(options).fuse_hash)))
    if _own(options).fuse_info:
        values.append(read_fuse_info(_own(options).fuse_info))
    return values


# ---------------------------------------------------------------------------------------------- detection


@dataclass(frozen=True)
class BchLayout:
    """Where a tegrahost_v2 header keeps its parts (reference §3.5, r35.3.1 tools)."""

    chip: str
    header_size: int
    pcp_offset: int
    marker_offset: int  # u32 = 1 at the start of the signed section
    magic_id_offset: int  # followed by u32 payload length


T194_BCH = BchLayout("t194", 4096, 496, 0xBA0, 0xBB0)
T234_BCH = BchLayout("t234", 8192, 2976, 0xFE0, 0x1400)


def matches(data: bytes, options: VerifyOptions | None = None) -> bool:
    """A BCH/sigheader by its header content; never by file name."""
    return _bch_layout(data) is not None or _is_t186_sigheader(data)


def _bch_layout(data: bytes) -> BchLayout | None:
    if data[:4] != b"NVDA":
        return None
    scores = {layout: _layout_score(data, layout) for layout in (T234_BCH, T194_BCH)}
    best = max(scores, key=lambda layout: scores[layout])
    return best if scores[best] > 0 else None


def _layout_score(data: bytes, layout: BchLayout) -> int:
    if len(data) < layout.header_size:
        return 0
    marker = struct.unpack_from("<I", data, layout.marker_offset)[0] == 1
    return int(marker) + int(_is_magic_id(data[layout.magic_id_offset : layout.magic_id_offset + 4]))


def _is_magic_id(raw: bytes) -> bool:
    # tegrahost_v2 --magicid values: MB1B, MB2B, MEMB, BPMF, ... (upper-case ASCII and digits)
    return bool(re.fullmatch(rb"[A-Z0-9]{3}[A-Z0-9\x00]", raw))


def _is_t186_sigheader(data: bytes) -> bool:
    # cboot tegrabl_sigheader.h: headermagic "GSHV" (cboot also accepts "NVDA"), signtype enum 0..6
    if len(data) < T186_SIGHEADER_SIZE or data[:4] not in (b"GSHV", b"NVDA"):
        return False
    if data[:4] == b"NVDA" and not _is_magic_id(data[T186_BINARYMAGIC_OFFSET : T186_BINARYMAGIC_OFFSET + 4]):
        return False  # "NVDA" alone is shared with the T194/T234 BCH; want the signed section's binary magic too
    return struct.unpack_from("<I", data, T186_SIGNTYPE_OFFSET)[0] in T186_SIGN_TYPES


# ---------------------------------------------------------------------------------------------- verify


def verify(data: bytes, path: str, options: VerifyOptions) -> ImageReport:
    data = bytes(data)
    layout = _bch_layout(data)
    found = _check_bch(data, layout, options) if layout is not None else _check_t186_sigheader(data, options)
    return found.report(FORMAT_SIGNED, path, length=len(data))


def check_options(options: VerifyOptions) -> None:
    """--fuse-hash and --fuse-info are readable fuse values, --board-info a module EEPROM dump (UnusableInput otherwise)."""
    _fused_values(options)
    if _own(options).board_info:
        from bootdiag.platforms.tegra.module_eeprom import read_module_eeprom

        read_module_eeprom(_own(options).board_info)


# ---------------------------------------------------------------------------------------------- key files


def key_digests(key: KeyMaterial) -> dict[str, str]:
    """The PublicKeyHash odmfuse burns for this key, per chip whose BootROM takes its type."""
    return {f"tegra_public_key_hash_{chip}": value.hex() for chip, value in _fuse_hashes(key.public_key).items()}


def key_check(key: KeyMaterial, options: VerifyOptions) -> Findings | None:
    """Fuse hashes per chip; compared with --fuse-hash / --fuse-info, and judged for a Jetson --chip.

    Nothing is a problem unless a Jetson chip or fuse value is given: the key may serve another platform.
    """
    chip = normalise_chip(options.chip)
    fused_values = _fused_values(options)
    found = Findings("tegra")
    kind = key_algorithm(key.public_key)
    hashes = _fuse_hashes(key.public_key)
    found.info.update(
        fuse_hashes={c: "0x" + value.hex() for c, value in hashes.items()},
        unsupported_chips={c: f"{kind} is not a {c.upper()} PKC key type" for c in CHIPS if c not in hashes},
        boot_security_info=_boot_security_info(kind),
    )
    if key.has_private and kind.startswith("rsa") and key.container == "pkcs8":
        # tegrakeyhash rejects PKCS#8 ("Invalid key format"); tegrasign_v3 accepts it
        found.info["tegrakeyhash"] = ("rejects this PKCS#8 key with 'Invalid key format'; convert with "
                                      "openssl rsa -in KEY -out KEY_traditional.pem -traditional")
    if chip is not None or fused_values:
        _check_key_support(kind, hashes, chip, found)
    for fused in fused_values:
        _compare_with_fuse(hashes, fused, chip, found)
        _check_boot_security_info(kind, fused, found)
    return found


def _fuse_hashes(public_key: PublicKey) -> dict[str, bytes]:
    kind = key_algorithm(public_key)
    return {chip: fuse_hash(public_key, chip) for chip in CHIPS if kind in SUPPORTED_KEYS[chip]}


def _boot_security_info(kind: str) -> dict[str, dict[str, str]]:
    return {
        chip: {"pkc": f"0x{pkc:x}", "pkc_sbk": f"0x{sbk:x}"}
        for (chip, key), (pkc, sbk) in BOOT_SECURITY_INFO.items()
        if key == kind
    }


def _check_key_support(kind: str, hashes: dict[str, bytes], chip: str | None, found: Findings) -> None:
    if not hashes:
        found.add("unsupported_key", f"{kind} is not a Jetson PKC key (T186: RSA-2048; T194: RSA-2048/3072; "
                  "T234: RSA-3072, ECDSA P-256/P-521)", algorithm=kind)
    elif chip is not None and chip not in hashes:
        found.add("unsupported_key", f"{kind} is not a {chip.upper()} PKC key type "
                  f"({chip.upper()} takes {', '.join(SUPPORTED_KEYS[chip])})", algorithm=kind, chip=chip)


def _compare_with_fuse(hashes: dict[str, bytes], fused: FusedValue, chip: str | None, found: Findings) -> None:
    chips = [c for c in fused.chip_family if c in hashes and (chip is None or c == chip)]
    comparison: dict[str, Any] = {"source": fused.source, "fused": "0x" + fused.public_key_hash.hex()}
    found.info.setdefault("fuse_comparison", []).append(comparison)
    for candidate in chips:
        order = _match_order(hashes[candidate], fused.public_key_hash)
        if order is not None:
            comparison.update(matches=True, chip=candidate, order=order)
            found.check(f"{candidate.upper()} PublicKeyHash matches {fused.source}")
            return
    comparison["matches"] = False
    if not fused.burned:
        message = f"PublicKeyHash in {fused.source} is all zero: the PKC fuse is not burned, the board is not secured"
    elif not chips:
        message = (f"{fused.source} holds a {len(fused.public_key_hash)}-byte PublicKeyHash "
                   f"({'/'.join(c.upper() for c in fused.chip_family)}), for which this key has no fuse hash")
    else:
        message = f"the key's fuse hash differs from the PublicKeyHash in {fused.source}: another key was fused"
    found.add("key_hash_mismatch", message, fused="0x" + fused.public_key_hash.hex(),
              computed={c: "0x" + hashes[c].hex() for c in chips}, source=fused.source)


def _match_order(computed: bytes, fused: bytes) -> str | None:
    if computed == fused:
        return "as printed by tegrakeyhash / tegrasign_v3"
    if word_swapped(computed) == fused:
        return "32-bit words byte-swapped (fuse-bypass / sysfs order)"
    return None


def _check_boot_security_info(kind: str, fused: FusedValue, found: Findings) -> None:
    raw = fused.fuses.get("BootSecurityInfo")
    if raw is None or not fused.burned:
        return
    value = int_or_none(raw, 16)
    if value is None:
        return
    t234 = fused.chip_family == ("t234",)
    scheme = T234_AUTH_SCHEMES.get(value & 0x7) if t234 else T194_AUTH_SCHEMES.get(value & 0x3)
    found.info["boot_security_info_fused"] = {"value": f"0x{value:x}", "auth_scheme": scheme}
    if scheme is not None and scheme != kind:
        found.add("boot_security_info_mismatch", f"BootSecurityInfo 0x{value:x} selects {scheme} authentication "
                  f"but the key is {kind}", fused=f"0x{value:x}", auth_scheme=scheme, key=kind)


# ---------------------------------------------------------------------------------------------- signed files


def _check_bch(data: bytes, layout: BchLayout, options: VerifyOptions) -> Findings:
    found = Findings("tegra")
    pcp = data[layout.pcp_offset : layout.pcp_offset + PCP_SIZE[layout.chip]]
    magic_id = data[layout.magic_id_offset : layout.magic_id_offset + 4].rstrip(b"\x00").decode("ascii", "replace")
    payload_length = struct.unpack_from("<I", data, layout.magic_id_offset + 4)[0]
    found.info.update(
        chip=layout.chip,
        header_magic="NVDA",
        header_size=layout.header_size,
        magic_id=magic_id,
        payload_length=payload_length,
        pcp_offset=layout.pcp_offset,
    )
    if not any(pcp):
        _report_zero_key(found, options, "zero-key")
        return found
    found.info["sign_mode"] = "pkc"
    found.info["suffix_convention"] = ".signed"
    kind = _pcp_key_algorithm(pcp, layout.chip)
    found.check(f"{layout.chip.upper()} header read: PKC key block ({kind or 'undecodable'})")
    digest = hashlib.sha512(pcp).digest() if layout.chip == "t234" else hashlib.sha256(pcp).digest()
    found.info["key"] = {"algorithm": kind, "fuse_hash": "0x" + digest.hex()}
    if kind is None:
        found.add("unsupported_key", f"the {layout.chip.upper()} header's key block does not decode as any "
                  f"{layout.chip.upper()} PKC key type", chip=layout.chip)
    _match_signing_key(pcp, layout.chip, options, found)
    fused_values = _fused_values(options)
    for fused in fused_values:
        _compare_with_fuse({layout.chip: digest}, fused, layout.chip, found)
    if not options.keys and not fused_values:
        found.lack("a trusted key or fuse value (--key, --fuse-hash, --fuse-info) to compare the header's key with")
    found.lack(_SIGNATURE_NOT_VERIFIED)
    return found


# The PKC signature covers the payload with the BootROM's own padding and hashing: bootdiag reads which
# key the header carries and says so, but does not claim more.
_SIGNATURE_NOT_VERIFIED = "a check of the PKC signature itself (bootdiag compares the header's key, not the signature)"


def _report_zero_key(found: Findings, options: VerifyOptions, mode: str) -> None:
    found.check(f"header read: {mode}, no PKC key")
    found.info["sign_mode"] = mode
    found.info["suffix_convention"] = ".encrypt"
    found.info["key"] = None
    fused = [f for f in _fused_values(options) if f.burned]
    if _fused_values(options) and not fused:
        found.check("fuses are not burned: the board takes zero-key images")
    if fused:
        found.add("zero_key_image", f"the header carries no PKC key (zero-key, tegrasign --key None), but "
                  f"{fused[0].source} shows a burned PublicKeyHash: the BootROM/MB1 rejects it",
                  fused="0x" + fused[0].public_key_hash.hex())
    elif options.keys:
        found.add("zero_key_image", "the header carries no PKC key (zero-key, tegrasign --key None): it was not "
                  "signed with " + ", ".join(options.keys))


def _pcp_key_algorithm(pcp: bytes, chip: str) -> str | None:
    """Which key type a header's public-key block holds (its used length and a consistency check)."""
    used = len(pcp.rstrip(b"\x00"))
    if chip == "t234":
        if used <= 64:
            return "ecdsa-p256" if _is_on_curve(pcp[0:32], pcp[32:64], ec.SECP256R1()) else None
        if used <= 136:
            return "ecdsa-p521" if _is_on_curve(pcp[0:66], pcp[68:134], ec.SECP521R1()) else None
        return "rsa-3072" if int.from_bytes(pcp[:384], "little").bit_length() == 3072 else None
    if used <= 256:
        return "rsa-2048" if int.from_bytes(pcp[:256], "little").bit_length() == 2048 else None
    if chip == "t194" and int.from_bytes(pcp[:384], "little").bit_length() == 3072:
        return "rsa-3072"
    return None


def _is_on_curve(x_le: bytes, y_le: bytes, curve: ec.EllipticCurve) -> bool:
    numbers = ec.EllipticCurvePublicNumbers(int.from_bytes(x_le, "little"), int.from_bytes(y_le, "little"), curve)
    try:
        numbers.public_key()
    except ValueError:
        return False
    return True


def _match_signing_key(pcp: bytes, chip: str, options: VerifyOptions, found: Findings) -> None:
    keys = [load_key(p) for p in options.keys]
    signed_by = [k.source for k in keys if _key_block(k.public_key, chip) == pcp]
    found.info["signed_by"] = signed_by
    if signed_by:
        found.check(f"the header carries the key of {', '.join(signed_by)}")
    if keys and not signed_by:
        found.add("key_hash_mismatch", "the header's key is none of the given keys: "
                  + ", ".join(f"{k.source} ({key_algorithm(k.public_key)})" for k in keys),
                  keys=[k.source for k in keys])


def _key_block(public_key: PublicKey, chip: str) -> bytes | None:
    try:
        return public_crypto_parameters(public_key, chip)
    except TegraKeyError:
        return None


def _check_t186_sigheader(data: bytes, options: VerifyOptions) -> Findings:
    found = Findings("tegra")
    sign_type = struct.unpack_from("<I", data, T186_SIGNTYPE_OFFSET)[0]
    found.info.update(
        chip="t186",
        header_magic=data[:4].decode("ascii"),
        header_size=T186_SIGHEADER_SIZE,
        sign_type=T186_SIGN_TYPES.get(sign_type, f"unknown ({sign_type})"),
        payload_length=struct.unpack_from("<I", data, T186_SIGNTYPE_OFFSET + 4)[0],
        note="T186 sigheaders do not carry the public key; it sits in br_bct_BR.bct at offset 12 (256 bytes)",
    )
    if sign_type in (0, 5):
        # L4T has no SBK-only mode: signtype SBK means the zero SBK (reference §1.1, §3.3)
        _report_zero_key(found, options, "zero-key" if sign_type == 5 else "unsigned")
    else:
        found.info["sign_mode"] = "pkc"
        found.info["suffix_convention"] = ".signed"
        found.check(f"T186 sigheader read: {T186_SIGN_TYPES[sign_type]}")
        found.lack("the public key, which T186 sigheaders do not carry (it is in br_bct_BR.bct)")
        found.lack(_SIGNATURE_NOT_VERIFIED)
    return found

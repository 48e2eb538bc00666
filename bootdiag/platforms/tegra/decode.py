"""Jetson identifiers decoded: BR_CID into chip and fuse state, file names into signing mode.

BR_CID tables: L4T r35.3.1 ``flash.sh`` (``get_fuse_level``), which reads the string with the
leading ``0x``: ``flval = ECID[2]``, ``id1 = ECID[3:5]``, ``chiprev = ECID[5]``, ``id2 = ECID[6:8]``.
File suffixes: L4T r35.3.1 ``bootloader/odmsign.func`` and ``tegraflash_internal.py`` (zero key
-> ``.encrypt``, PKC -> ``.signed``, PKC+SBK -> ``.encrypt.signed`` / ``_encrypt.<ext>.signed``).
"""
import re
from typing import NamedTuple

from bootdiag.core.numbers import hex_int

CHIP_IDS = {"0x18": "t186", "0x19": "t194", "0x23": "t234", "0x21": "t210"}
CHIP_NAMES = {
    "t186": "T186 (Jetson TX2)",
    "t194": "T194 (Jetson AGX Xavier / Xavier NX)",
    "t234": "T234 (Jetson AGX Orin / Orin NX / Orin Nano)",
    "t210": "T210 (Jetson Nano / TX1)",
}
SECURED_AUTH = frozenset({"PKC", "SBKPKC", "SBK"})

# T234: (flval & 0x8) and (id1 & 0xf0) -> auth (flash.sh comments: 810 RSA-3K, 820 ECDSA P-256,
# 830 ECDSA P-521, 840 ED25519, 850 XMSS; 89x..8dx the same with SBK).
_T234_CODES = {"000": (None, "nofuse"), "800": ("NS", "production")}
_T234_CODES.update({f"8{d}0": ("PKC", "production") for d in "12345"})
_T234_CODES.update({f"8{d}0": ("SBKPKC", "production") for d in "9abcd"})
_T234_KEY_TYPES = {"1": "RSA-3072", "2": "ECDSA P-256", "3": "ECDSA P-521", "4": "ED25519", "5": "XMSS",
                   "9": "RSA-3072", "a": "ECDSA P-256", "b": "ECDSA P-521", "c": "ED25519", "d": "XMSS"}
# T194: 0-2 nofuse, 8 NS, 9 PKC RSA-2K, a PKC RSA-3K, d SBK+RSA-2K, e SBK+RSA-3K.
_T194_LEVELS = {"8": "NS", "9": "PKC", "a": "PKC", "d": "SBKPKC", "e": "SBKPKC"}
_T194_KEY_TYPES = {"9": "RSA-2048", "a": "RSA-3072", "d": "RSA-2048", "e": "RSA-3072"}
# T186 (flash.sh r35 table; b and f come from the R32 odmfuse.sh table, both PKC with SBK).
_T186_LEVELS = {"8": "NS", "c": "NS", "9": "SBK", "d": "SBK", "a": "PKC", "b": "SBKPKC", "e": "SBKPKC", "f": "SBKPKC"}
# T210: 0-2 nofuse, 3 production, 4 NS, 5 SBK, 6 PKC.
_T210_LEVELS = {"3": None, "4": "NS", "5": "SBK", "6": "PKC"}


class BrCid(NamedTuple):
    chip: str | None
    revision: str | None
    fuse_level: str  # nofuse | production | unknown
    auth: str | None  # NS | PKC | SBKPKC | SBK | None (not fused, or unknown)
    key_type: str | None
    code: str  # the digits flash.sh switches on, for the explanation


def decode_br_cid(value: str) -> BrCid:
    """Chip, fuse level and boot authentication from a ``BR_CID: 0x...`` value (32 hex digits)."""
    ecid = value.lower()
    if not ecid.startswith("0x"):
        ecid = "0x" + ecid
    flval, id1, rev, id2 = ecid[2:3], ecid[3:5], ecid[5:6], ecid[6:8]
    if id2 == "23":
        code = f"{hex_int(flval) & 0x8:x}{hex_int(id1) & 0xF0:02x}"
        auth, level = _T234_CODES.get(code, (None, "unknown"))
        key = _T234_KEY_TYPES.get(code[1]) if auth in ("PKC", "SBKPKC") else None
        return BrCid("t234", rev, level, auth, key, code)
    if id1 in ("21", "12") or (id1 == "00" and id2 == "21"):
        level = "nofuse" if flval in "012" else ("production" if flval in _T210_LEVELS else "unknown")
        return BrCid("t210", None, level, _T210_LEVELS.get(flval), None, flval)
    if id1 == "80" and id2 == "19":
        level = "nofuse" if flval in "012" else ("production" if flval in _T194_LEVELS else "unknown")
        return BrCid("t194", rev, level, _T194_LEVELS.get(flval), _T194_KEY_TYPES.get(flval), flval)
    level = "nofuse" if flval in "012" else ("production" if flval in _T186_LEVELS else "unknown")
    chip = "t186" if id1 == "18" else None
    return BrCid(chip, None, level, _T186_LEVELS.get(flval), "RSA-2048" if _T186_LEVELS.get(flval) in ("PKC", "SBKPKC") else None, flval)


def secured(auth: str | None, fuse_level: str | None) -> bool | None:
    """Does the BootROM demand a PKC/SBK key? ``None`` when the fuse state is unknown."""
    if auth in SECURED_AUTH:
        return True
    if auth == "NS" or fuse_level in ("nofuse", "pre-production"):
        return False
    return None


# A file sent to or written by the device, by how tegrasign/tegrahost named it.
_RCM_KEYED = re.compile(r"rcm_\d+_signed\.rcm$")
_RCM_ZERO = re.compile(r"rcm_\d+_encrypt\.rcm$")
_SIGN_MODE_WORDS = {"zerosbk": "zero-key", "oem-rsa": "pkc", "oem-ecc": "pkc", "oem-eddsa": "pkc", "oem-xmss": "pkc"}


def file_signing(name: str) -> str | None:
    """``zero-key``, ``pkc`` or ``sbkpkc`` for a signed/encrypted file name; ``None`` otherwise."""
    base = name.strip("\"'").rsplit("/", 1)[-1].lower()
    if base.endswith(".signed"):
        return "sbkpkc" if "encrypt" in base else "pkc"
    if base.endswith(".encrypt") or _RCM_ZERO.search(base):
        return "zero-key"
    if _RCM_KEYED.search(base):
        return "pkc"
    return None


_RANK = {"zero-key": 0, "pkc": 1, "sbkpkc": 2}
_LIST_SEPARATORS = re.compile(r"[\s;,]+")


def strongest(modes: list[str | None]) -> str | None:
    """The signing mode a set of files shows: any keyed file outranks zero-key files."""
    found = [m for m in modes if m]
    return max(found, key=_RANK.__getitem__) if found else None


def args_signing(tool: str, args: list[str]) -> str | None:
    """Signing mode a tool command line reveals (files it sends, or the key it signs with)."""
    # a quoted list (--bins "mb2_bootloader x.bin.encrypt; kernel_dtb y.dtb") names several files
    modes = [file_signing(f) for a in args for f in _LIST_SEPARATORS.split(a)]
    modes += [_SIGN_MODE_WORDS.get(a) for a in args]
    if tool.startswith(("tegrasign", "tegraflash")):
        key = option_value(args, "--key")
        if key is not None:
            if key == "None":
                modes.append("zero-key")
            elif key.endswith(".pem"):
                modes.append("sbkpkc" if option_value(args, "--encrypt_key") else "pkc")
            else:  # an SBK file given to the encryption pass
                modes.append("sbkpkc")
    return strongest(modes)


def option_value(args: list[str], option: str) -> str | None:
    """The value after ``--option`` (or in ``--option=value``)."""
    for i, arg in enumerate(args):
        if arg == option and i + 1 < len(args):
            return args[i + 1].strip("\"'")
        if arg.startswith(option + "="):
            return arg.split("=", 1)[1].strip("\"'")
    return None


def chip_of(value: str | None) -> str | None:
    """``0x19`` / ``0x19 0`` -> ``t194``."""
    if not value:
        return None
    return CHIP_IDS.get(value.split()[0].lower())


def downloads(args: list[str]) -> list[str]:
    """``--download <slot> <file>`` pairs as ``slot=file``."""
    found = []
    for i, arg in enumerate(args):
        if arg == "--download" and i + 2 < len(args):
            found.append(f"{args[i + 1]}={args[i + 2]}")
    return found

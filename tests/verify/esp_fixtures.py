"""Test helpers for the ESP verifier: images built with esptool, keys and signatures made by espsecure.

esptool/espsecure/espefuse are the reference tools here; bootdiag itself never imports them.
Everything expensive (RSA-3072 key generation above all) is cached for the whole test session.
"""
from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import io
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import espsecure
from cryptography.hazmat.primitives import serialization
from esptool import bin_image

from bootdiag.platforms.esp import image as esp_image
from bootdiag.verify.model import ImageReport, VerifyOptions

ESP32 = "esp32"
IMAGE_CLASSES = {
    "esp32": bin_image.ESP32FirmwareImage,
    "esp32s3": bin_image.ESP32S3FirmwareImage,
    "esp32c3": bin_image.ESP32C3FirmwareImage,
    "esp32c2": bin_image.ESP32C2FirmwareImage,
    "esp32c6": bin_image.ESP32C6FirmwareImage,
}
# Load addresses a 2nd-stage bootloader uses (DRAM, IRAM) and an app's flash-mapped DROM/IROM, per chip.
BOOTLOADER_ADDRS = {
    "esp32": (0x3FFF0030, 0x40078000, 0x40080400),
    "esp32s3": (0x3FCD7E00, 0x403CB700, 0x403CD700),
    "esp32c3": (0x3FCD5820, 0x403CC710, 0x403CE710),
    "esp32c2": (0x3FCD5820, 0x403AC000, 0x403AE000),
    "esp32c6": (0x40875720, 0x4086C410, 0x4086E610),
}
APP_ADDRS = {
    "esp32": (0x3F400020, 0x3FFB0000, 0x400D0020),
    "esp32s3": (0x3C000020, 0x3FC90000, 0x42000020),
    "esp32c3": (0x3C000020, 0x3FC90000, 0x42000020),
    "esp32c2": (0x3C000020, 0x3FCA0000, 0x42000020),
    "esp32c6": (0x42800020, 0x40810000, 0x42000020),
}


@functools.lru_cache(maxsize=None)
def work_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="bootdiag-esp-"))
    atexit.register(shutil.rmtree, path, True)
    return path


_counter = iter(range(10**9))


def scratch(data: bytes, suffix: str = ".bin") -> Path:
    path = work_dir() / f"f{next(_counter)}{suffix}"
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------------------------------------------------
# Reference tools


def run_espsecure(*args: str) -> str:
    """espsecure's own CLI entry point, in-process (fast); raises on any failure, returns what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        espsecure.main([str(a) for a in args])
    return out.getvalue()


@functools.lru_cache(maxsize=None)
def public_key_file(key: Path) -> Path:
    """The public half of a signing key as PEM (espsecure then skips the slow RSA private-key check)."""
    private = serialization.load_pem_private_key(key.read_bytes(), None)
    path = key.with_suffix(".pub.pem")
    pem = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    path.write_bytes(pem)
    return path


def espsecure_verifies(version: int, key: Path, data: bytes) -> bool:
    """`espsecure verify-signature` verdict. Any failure counts as 'not valid' (espsecure 5.6 even raises
    AssertionError instead of a clean error when an ECDSA key meets an RSA block)."""
    path = scratch(data)
    try:
        run_espsecure("verify-signature", "--version", str(version), "--keyfile", public_key_file(key), path)
    except BaseException as exc:  # noqa: BLE001 - SystemExit, FatalError, AssertionError all mean "invalid"
        if isinstance(exc, KeyboardInterrupt):
            raise
        return False
    return True


def run_tool(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], capture_output=True, text=True, timeout=120)


def image_info(data: bytes) -> str:
    """`esptool image-info` on the bytes, in-process (fast): what it printed."""
    from esptool.cmds import image_info as esptool_image_info

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        esptool_image_info(data)
    return out.getvalue()


def merge(parts: dict[int, bytes], chip: str = ESP32, fmt: str = "raw") -> bytes:
    """`esptool merge-bin` (flash parameters kept), in-process: the raw image or the Intel HEX file's text."""
    from esptool.cmds import merge_bin as esptool_merge_bin

    out = work_dir() / f"merged{next(_counter)}.{'hex' if fmt == 'hex' else 'bin'}"
    with contextlib.redirect_stdout(io.StringIO()):
        esptool_merge_bin(sorted(parts.items()), chip, str(out), format=fmt)
    return out.read_bytes()


def merge_bin(parts: dict[int, bytes], *flash_args: str, chip: str = ESP32) -> tuple[bytes, str]:
    out = work_dir() / f"merged{next(_counter)}.bin"
    args = ["--chip", chip, "merge-bin", *flash_args, "-o", out]
    for offset, data in sorted(parts.items()):
        args += [hex(offset), scratch(data)]
    result = run_tool("esptool", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return out.read_bytes(), result.stdout


# ---------------------------------------------------------------------------------------------------------
# Keys


@functools.lru_cache(maxsize=None)
def signing_key(scheme: str, name: str = "a") -> Path:
    """'v1' (Secure Boot V1 P-256) or a V2 scheme: rsa3072, ecdsa192, ecdsa256, ecdsa384."""
    path = work_dir() / f"{scheme}-{name}.pem"
    if path.exists():  # signing_key("x") and signing_key("x", "a") are different cache entries
        return path
    if scheme == "v1":
        run_espsecure("generate-signing-key", "--version", "1", path)
    else:
        run_espsecure("generate-signing-key", "--version", "2", "--scheme", scheme, path)
    return path


@functools.lru_cache(maxsize=None)
def sbv2_key_digest_hex(key: Path) -> str:
    out = work_dir() / f"{key.stem}.digest"
    run_espsecure("digest-sbv2-public-key", "--keyfile", key, "--output", out)
    return out.read_bytes().hex()


# ---------------------------------------------------------------------------------------------------------
# Images


def _section(addr: int, data: bytes) -> bin_image.ELFSection:
    return bin_image.ELFSection(b".seg", addr, data, 0)


def build_image(
    sections: list[tuple[int, bytes]],
    chip: str = ESP32,
    flash_mode: int = 2,
    flash_size_freq: int = 0x20,
    append_digest: bool = True,
    min_rev_full: int = 0,
    max_rev_full: int = 399,
) -> bytes:
    image = IMAGE_CLASSES[chip](append_digest=append_digest)
    image.flash_mode = flash_mode
    image.flash_size_freq = flash_size_freq
    image.min_rev_full = min_rev_full
    image.max_rev_full = max_rev_full
    image.entrypoint = sections[-1][0]
    image.segments = [_section(addr, data) for addr, data in sections]
    out = image.save(None)
    assert out is not None
    return out


def bootloader_descriptor() -> bytes:
    # IDF esp_bootloader_desc_t: magic 0x50, reserved[3], version, idf_ver[32], date_time[24], reserved2[16]
    return struct.pack("<B3xI32s24s16x", 0x50, 1, b"v5.3.1", b"Jan  1 2025 12:00:00")


def build_bootloader(chip: str = ESP32, **kwargs: object) -> bytes:
    dram, iram_a, iram_b = BOOTLOADER_ADDRS[chip]
    sections = [
        (dram, bootloader_descriptor() + bytes(range(256)) * 3),
        (iram_a, b"\x11\x22\x33\x44" * 250),
        (iram_b, bytes((7 * i) & 0xFF for i in range(2000))),
    ]
    return build_image(sections, chip, **kwargs)  # type: ignore[arg-type]


def app_descriptor(project: bytes = b"demo", version: bytes = b"1.2.3", secure_version: int = 7) -> bytes:
    # IDF esp_app_desc_t (256 bytes): magic, secure_version, reserv1[2], version, project_name, time, date,
    # idf_ver, app_elf_sha256, then fields this test leaves zero
    texts = (version, project, b"12:00:00", b"Jan  1 2025", b"v5.3.1", bytes(range(32)))
    head = struct.pack("<II8x32s32s16s16s32s32s", 0xABCD5432, secure_version, *texts)
    return head.ljust(256, b"\0")


def build_app(chip: str = ESP32, with_descriptor: bool = True, **kwargs: object) -> bytes:
    drom, dram, irom = APP_ADDRS[chip]
    rodata = (app_descriptor() if with_descriptor else b"") + b"\x5a" * 700
    sections = [(drom, rodata), (dram, b"\x44" * 400), (irom, bytes((3 * i) & 0xFF for i in range(3000)))]
    return build_image(sections, chip, **kwargs)  # type: ignore[arg-type]


def sign(data: bytes, version: int, *keys: Path) -> bytes:
    src = scratch(data)
    out = work_dir() / f"signed{next(_counter)}.bin"
    # --keyfile takes several values, so the data file goes first
    run_espsecure("sign-data", src, "--version", str(version), "--output", out, "--keyfile", *keys)
    return out.read_bytes()


# ---------------------------------------------------------------------------------------------------------
# Byte surgery and bootdiag


def flipped(data: bytes, offset: int, mask: int = 0x01) -> bytes:
    out = bytearray(data)
    out[offset] ^= mask
    return bytes(out)


def patched(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new) :]


def verify(data: bytes, **options: object) -> ImageReport:
    return esp_image.verify(data, "test.bin", VerifyOptions(**options))  # type: ignore[arg-type]


def problem_ids(report: ImageReport) -> set[str]:
    return {p.id for p in report.problems}


def image_info_field(info_text: str, label: str) -> str:
    match = re.search(rf"^{re.escape(label)}:\s*(.+)$", info_text, re.MULTILINE)
    assert match, f"{label!r} not in esptool image-info output:\n{info_text}"
    return match.group(1).strip()


# ---------------------------------------------------------------------------------------------------------
# eFuse summaries from espefuse's virtual chips


def _espefuse(chip: str, efuse_file: Path, *args: str | Path) -> str:
    result = run_tool("espefuse", "--virt", "--chip", chip, "--path-efuse-file", efuse_file, "--do-not-confirm", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _digest_file(key: Path) -> Path:
    path = work_dir() / f"{key.stem}.digest"
    sbv2_key_digest_hex(key)  # writes it
    return path


def _s3_summaries(trusted: Path) -> dict[str, Path]:
    fuses = work_dir() / "s3.efuse"
    _espefuse("esp32s3", fuses, "burn-key", "BLOCK_KEY1", _digest_file(trusted), "SECURE_BOOT_DIGEST0")
    text = work_dir() / "s3-summary.txt"
    text.write_text(_espefuse("esp32s3", fuses, "summary"))
    as_json = work_dir() / "s3-summary.json"
    _espefuse("esp32s3", fuses, "summary", "--format", "json", "--file", as_json)
    return {"s3_text": text, "s3_json": as_json}


def _s3_revoked_summary(trusted: Path) -> dict[str, Path]:
    fuses = work_dir() / "s3-revoked.efuse"
    _espefuse("esp32s3", fuses, "burn-key", "BLOCK_KEY1", _digest_file(trusted), "SECURE_BOOT_DIGEST0",
              "burn-efuse", "SECURE_BOOT_KEY_REVOKE0", "1")
    text = work_dir() / "s3-revoked.txt"
    text.write_text(_espefuse("esp32s3", fuses, "summary"))
    return {"s3_revoked": text}


def _esp32_summary(trusted: Path) -> dict[str, Path]:
    fuses = work_dir() / "esp32.efuse"
    # Secure Boot V2 on ESP32 needs chip revision v3.0 (espefuse refuses burn-key-digest otherwise)
    _espefuse("esp32", fuses, "burn-efuse", "CHIP_VER_REV1", "1", "CHIP_VER_REV2", "1")
    _espefuse("esp32", fuses, "burn-key-digest", trusted)
    text = work_dir() / "esp32-summary.txt"
    text.write_text(_espefuse("esp32", fuses, "summary"))
    return {"esp32_text": text}


def _c2_summary(trusted: Path) -> dict[str, Path]:
    fuses = work_dir() / "c2.efuse"
    _espefuse("esp32c2", fuses, "burn-key-digest", trusted)
    as_json = work_dir() / "c2-summary.json"  # stdout form: banner lines, then the JSON object
    as_json.write_text(_espefuse("esp32c2", fuses, "summary", "--format", "json"))
    return {"c2_json_stdout": as_json}


def _fresh_summary() -> dict[str, Path]:
    text = work_dir() / "fresh-summary.txt"
    text.write_text(_espefuse("esp32s3", work_dir() / "fresh.efuse", "summary"))
    return {"fresh": text}


@functools.lru_cache(maxsize=None)
def efuse_summaries() -> dict[str, Path]:
    """espefuse summary files (text and JSON) for virtual chips with a burned Secure Boot key digest.

    s3_*: ecdsa256 key 'a' as SECURE_BOOT_DIGEST0 (revoked in s3_revoked); esp32: rsa3072 key 'a' in BLOCK2;
    c2: ecdsa256 key 'a' (16-byte digest); fresh: nothing burned.
    """
    from concurrent.futures import ThreadPoolExecutor

    p256, rsa = signing_key("ecdsa256"), signing_key("rsa3072")
    jobs = [
        lambda: _s3_summaries(p256),
        lambda: _s3_revoked_summary(p256),
        lambda: _esp32_summary(rsa),
        lambda: _c2_summary(p256),
        _fresh_summary,
    ]
    summaries: dict[str, Path] = {}
    with ThreadPoolExecutor(len(jobs)) as pool:
        for result in pool.map(lambda job: job(), jobs):
            summaries.update(result)
    return summaries


# ---------------------------------------------------------------------------------------------------------
# Partition tables and flash encryption


def partition_table(*entries: tuple[str, int, int, int, int], md5: bool = True) -> bytes:
    """A partition table binary as ESP-IDF gen_esp32part.py writes it (no installable package ships that
    tool): (label, type, subtype, offset, size) entries of '<2sBBLL16sL', the MD5 entry, 0xFF to 0xC00."""
    body = b"".join(
        struct.pack("<2sBBLL16sL", b"\xaa\x50", kind, subtype, offset, size, label.encode(), 0)
        for label, kind, subtype, offset, size in entries
    )
    if md5:
        body += b"\xeb\xeb" + b"\xff" * 14 + hashlib.md5(body).digest()
    return body.ljust(0xC00, b"\xff")


FACTORY_TABLE = (("nvs", 1, 2, 0x9000, 0x6000), ("phy_init", 1, 1, 0xF000, 0x1000), ("factory", 0, 0, 0x10000, 0x100000))
OTA_TABLE = (
    ("nvs", 1, 2, 0x9000, 0x4000), ("otadata", 1, 0, 0xD000, 0x2000), ("phy_init", 1, 1, 0xF000, 0x1000),
    ("ota_0", 0, 0x10, 0x10000, 0x40000), ("ota_1", 0, 0x11, 0x50000, 0x40000),
)


def encrypt_flash(data: bytes, address: int, chip: str = ESP32) -> bytes:
    """`espsecure encrypt-flash-data`: what a chip with flash encryption on holds at ``address``."""
    key = work_dir() / "flash-encryption-key.bin"
    if not key.exists():
        run_espsecure("generate-flash-encryption-key", key)
    out = work_dir() / f"encrypted{next(_counter)}.bin"
    extra = ["--aes-xts"] if chip != ESP32 else []
    run_espsecure("encrypt-flash-data", *extra, "--keyfile", key, "--address", hex(address), "--output", out, scratch(data))
    return out.read_bytes()

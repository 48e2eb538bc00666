"""ESP-IDF-shaped build folders: images made by esptool, signed by espsecure, laid out as idf.py build does.

A folder holds flasher_args.json, config/sdkconfig.json, partition_table/partition-table.bin,
bootloader/bootloader.bin and the app, each written as ESP-IDF v5 writes them. The partition table
binary follows IDF gen_esp32part.py (no packaged tool makes one outside ESP-IDF).
"""
from __future__ import annotations

import functools
import hashlib
import json
import struct
from dataclasses import dataclass, replace
from pathlib import Path

import esp_fixtures as esp

CHIP = "esp32s3"
FLASH_CODES = {"1MB": 0x00, "2MB": 0x10, "4MB": 0x20, "8MB": 0x30, "16MB": 0x40}  # header byte 3, high nibble
FREQ_80M = 0x0F  # header byte 3, low nibble (esptool targets FLASH_FREQUENCY)


@dataclass(frozen=True)
class Part:
    label: str
    type: int
    subtype: int
    offset: int
    size: int


DEFAULT_TABLE = (
    Part("nvs", 1, 0x02, 0x9000, 0x6000),
    Part("phy_init", 1, 0x01, 0xF000, 0x1000),
    Part("factory", 0, 0x00, 0x10000, 0x100000),
)


@dataclass(frozen=True)
class EspBuildSpec:
    """One build folder; the defaults give a signed Secure Boot V2 (ECDSA P-256) ESP32-S3 build that boots."""

    chip: str = CHIP
    secure_boot: bool = True
    version: int = 2  # Secure Boot V1 (ESP32 only: the bootloader is not signed, the app is, with a P-256 key) or V2
    scheme: str = "ecdsa256"  # the configured V2 scheme: ecdsa256 or rsa3072
    bootloader_key: str | None = "a"  # key name signing the bootloader (None: unsigned)
    app_key: str | None = "a"
    sign_scheme: str | None = None  # the scheme the images are signed with (default: the configured one)
    flash_size: str = "4MB"  # in flasher_args.json and sdkconfig
    header_flash_size: str | None = None  # what the bootloader was signed with (default: flash_size)
    table: tuple[Part, ...] = DEFAULT_TABLE
    table_offset: int = 0x8000
    bootloader_offset: int | None = None  # default: the chip's
    app_offset: int = 0x10000
    app_padding: int = 0  # bytes added to the app before signing (makes it bigger)
    bootloader_padding: int = 0
    app_chip: str | None = None  # an app built for another chip
    app_min_rev: int = 0
    flash_encryption: str | None = None  # None, "development" or "release"
    tamper_app: bool = False  # change the app after signing
    bad_app_signature: bool = False  # a signature block whose signature does not verify


# One build per way an ESP-IDF build can be broken before flashing:
# name: (spec changes, extra arguments of `bootdiag check`, the cause, the check that fails).
BROKEN = {
    "partitions-beyond-flash": (dict(flash_size="2MB", table=(Part("factory", 0, 0, 0x10000, 0x200000),)), (), "esp.flash_size_or_partition_mismatch", "esp.partitions_fit_flash"),
    "app-too-large": (dict(table=(Part("factory", 0, 0, 0x10000, 0x10000),)), (), "esp.flash_size_or_partition_mismatch", "esp.app_fits_partition"),
    "bootloader-at-0x1000": (dict(bootloader_offset=0x1000), (), "esp.bootloader_wrong_offset", "esp.bootloader_offset"),
    "bootloader-over-table": (dict(bootloader_padding=0x8000), (), "esp.flash_read_error", "esp.bootloader_fits"),
    "bootloader-sector-over-table": (dict(bootloader_padding=0x6200), (), "esp.unsigned_image", "esp.bootloader_signature_fits"),
    "app-at-wrong-offset": (dict(app_offset=0x20000), (), "esp.app_partition_empty", "esp.app_offset"),
    "app-for-esp32": (dict(app_chip="esp32"), (), "esp.chip_mismatch", "esp.chip"),
    "app-needs-rev2": (dict(app_min_rev=200), ("--efuse", "s3_text"), "esp.chip_mismatch", "esp.chip_revision"),
    "app-unsigned": (dict(app_key=None), (), "esp.unsigned_image", "esp.signed"),
    "rsa-configured-ecdsa-signed": (dict(scheme="rsa3072", sign_scheme="ecdsa256"), (), "esp.unsigned_image", "esp.signed"),
    "app-changed-after-signing": (dict(tamper_app=True), (), "esp.image_modified_after_signing", "esp.image_digest"),
    "header-rewritten-by-esptool": (dict(header_flash_size="2MB"), ("--efuse", "fresh"), "esp.image_modified_after_signing", "esp.header_kept"),
    "app-signature-corrupted": (dict(bad_app_signature=True), (), "esp.signature_invalid", "esp.signature"),
    "app-key-not-in-bootloader": (dict(app_key="b"), (), "esp.app_key_not_in_bootloader", "esp.app_key_in_bootloader"),
    "signed-with-untrusted-key": (dict(bootloader_key="b", app_key="b"), ("--efuse", "s3_text"), "esp.wrong_signing_key", "esp.key_trusted"),
    "v1-app-unsigned": (dict(chip="esp32", version=1, bootloader_key=None, app_key=None), (), "esp.unsigned_image", "esp.signed"),
    "v1-app-other-key": (dict(chip="esp32", version=1, bootloader_key=None, app_key="b"), (), "esp.wrong_signing_key", "esp.key_trusted"),
    "plaintext-release-mode-on-encrypted-device": (dict(flash_encryption="release"), ("--efuse", "fe"), "esp.plaintext_on_encrypted_flash", "esp.flash_encryption"),
}


@functools.lru_cache(maxsize=None)
def _bootloader(chip: str, flash_size: str, padding: int) -> bytes:
    dram, iram_a, iram_b = esp.BOOTLOADER_ADDRS[chip]
    sections = [
        (dram, esp.bootloader_descriptor() + bytes(range(256)) * 3),
        (iram_a, b"\x11\x22\x33\x44" * 250 + b"\x00" * padding),
        (iram_b, bytes((7 * i) & 0xFF for i in range(2000))),
    ]
    return esp.build_image(sections, chip, flash_size_freq=FLASH_CODES[flash_size] | FREQ_80M)


@functools.lru_cache(maxsize=None)
def _app(chip: str, padding: int, min_rev: int) -> bytes:
    drom, dram, irom = esp.APP_ADDRS[chip]
    rodata = esp.app_descriptor() + b"\x5a" * 700
    sections = [(drom, rodata), (dram, b"\x44" * 400), (irom, bytes((3 * i) & 0xFF for i in range(3000)) + b"\x00" * padding)]
    return esp.build_image(sections, chip, flash_size_freq=0x20 | FREQ_80M, min_rev_full=min_rev)


@functools.lru_cache(maxsize=None)
def _signed(data: bytes, scheme: str, key: str) -> bytes:
    return esp.sign(data, 2, esp.signing_key(scheme, key))


@functools.lru_cache(maxsize=None)
def _v1_signed(data: bytes, key: str) -> bytes:
    return esp.sign(data, 1, esp.signing_key("v1", key))


def key_digest(scheme: str, key: str) -> str:
    return esp.sbv2_key_digest_hex(esp.signing_key(scheme, key))


def partition_table(parts: tuple[Part, ...]) -> bytes:
    # IDF gen_esp32part.py: "<2sBBLL16sL" per entry, then the MD5 entry, then 0xFF to 0xC00
    body = b"".join(struct.pack("<2sBBLL16sL", b"\xaa\x50", p.type, p.subtype, p.offset, p.size, p.label.encode(), 0) for p in parts)
    body += b"\xeb\xeb" + b"\xff" * 14 + hashlib.md5(body).digest()
    return body.ljust(0xC00, b"\xff")


def settings(spec: EspBuildSpec) -> dict[str, object]:
    values: dict[str, object] = {
        "IDF_TARGET": spec.chip,
        "ESPTOOLPY_FLASHSIZE": spec.flash_size,
        "ESPTOOLPY_FLASHMODE": "dio",
        "ESPTOOLPY_FLASHFREQ": "80m",
        "PARTITION_TABLE_OFFSET": spec.table_offset,
        "SECURE_BOOT": spec.secure_boot,
        "SECURE_BOOT_V2_ENABLED": spec.secure_boot and spec.version == 2,
        "SECURE_BOOT_V1_ENABLED": spec.secure_boot and spec.version == 1,
        "SECURE_SIGNED_APPS_ECDSA_SCHEME": spec.secure_boot and spec.version == 1,
        "SECURE_BOOT_BUILD_SIGNED_BINARIES": spec.secure_boot,
        "SECURE_BOOT_SIGNING_KEY": "secure_boot_signing_key.pem",
        "SECURE_FLASH_ENC_ENABLED": spec.flash_encryption is not None,
        "SECURE_FLASH_ENCRYPTION_MODE_DEVELOPMENT": spec.flash_encryption == "development",
        "SECURE_FLASH_ENCRYPTION_MODE_RELEASE": spec.flash_encryption == "release",
    }
    if spec.secure_boot and spec.version == 2:
        values["SECURE_BOOT_V2_RSA_ENABLED"] = spec.scheme == "rsa3072"
        values["SECURE_BOOT_V2_ECC_ENABLED"] = spec.scheme != "rsa3072"
        values["SECURE_BOOT_ECDSA_KEY_LEN_256_BITS"] = spec.scheme == "ecdsa256"
    return values


def write_build(folder: Path, spec: EspBuildSpec = EspBuildSpec()) -> Path:
    """Write the build folder ``spec`` describes into ``folder`` (created); returns it."""
    from bootdiag.platforms.esp.chips import CHIPS_BY_NAME

    folder.mkdir(parents=True, exist_ok=True)
    scheme = spec.sign_scheme or spec.scheme
    loader = _bootloader(spec.chip, spec.header_flash_size or spec.flash_size, spec.bootloader_padding)
    if spec.bootloader_key:
        loader = _signed(loader, scheme, spec.bootloader_key)
    app = _app(spec.app_chip or spec.chip, spec.app_padding, spec.app_min_rev)
    (folder / "bootloader").mkdir(exist_ok=True)
    if spec.version == 1:
        # IDF's V1 build embeds the public key in the bootloader and writes it beside it
        esp.run_espsecure("extract-public-key", "--version", "1", "--keyfile", esp.signing_key("v1", "a"),
                          folder / "bootloader" / "signature_verification_key.bin")
        if spec.app_key:
            app = _v1_signed(app, spec.app_key)
    elif spec.app_key:
        app = _signed(app, scheme, spec.app_key)
    if spec.bad_app_signature:
        app = corrupt_signature(app)
    if spec.tamper_app:
        app = esp.flipped(app, 0x100)
    (folder / "bootloader").mkdir(exist_ok=True)
    (folder / "bootloader" / "bootloader.bin").write_bytes(loader)
    (folder / "demo.bin").write_bytes(app)
    (folder / "partition_table").mkdir(exist_ok=True)
    (folder / "partition_table" / "partition-table.bin").write_bytes(partition_table(spec.table))
    (folder / "config").mkdir(exist_ok=True)
    (folder / "config" / "sdkconfig.json").write_text(json.dumps(settings(spec), indent=4))
    loader_offset = spec.bootloader_offset if spec.bootloader_offset is not None else CHIPS_BY_NAME[spec.chip].bootloader_offset
    encrypted = "true" if spec.flash_encryption == "development" else "false"
    roles = {
        "bootloader": (loader_offset, "bootloader/bootloader.bin"),
        "app": (spec.app_offset, "demo.bin"),
        "partition-table": (spec.table_offset, "partition_table/partition-table.bin"),
    }
    args = {
        "write_flash_args": ["--flash_mode", "dio", "--flash_size", spec.flash_size, "--flash_freq", "80m"],
        "flash_settings": {"flash_mode": "dio", "flash_size": spec.flash_size, "flash_freq": "80m"},
        "flash_files": {hex(offset): name for offset, name in roles.values()},
        **{role: {"offset": hex(offset), "file": name, "encrypted": encrypted} for role, (offset, name) in roles.items()},
        "extra_esptool_args": {"after": "no_reset", "before": "default_reset", "stub": True, "chip": spec.chip},
    }
    (folder / "flasher_args.json").write_text(json.dumps(args, indent=4))
    return folder


def spec(**changes: object) -> EspBuildSpec:
    return replace(EspBuildSpec(), **changes)  # type: ignore[arg-type]


def corrupt_signature(signed: bytes) -> bytes:
    """Change one byte of the ECDSA signature in block 0 and fix the block's CRC: a well-formed block
    whose signature no longer verifies (layout: espsecure generate_ecdsa_signature_block, SHA-256 form)."""
    import zlib

    sector = len(signed) - 4096
    block = bytearray(signed[sector : sector + 1216])
    block[4 + 32 + 65 + 10] ^= 0x01  # r, past the version, digest and key fields
    block[1196:1200] = struct.pack("<I", zlib.crc32(bytes(block[:1196])))
    return signed[:sector] + bytes(block) + signed[sector + 1216 :]


@functools.lru_cache(maxsize=None)
def efuse_flash_encrypted() -> Path:
    """`espefuse summary` of a virtual ESP32-S3 with flash encryption enabled (SPI_BOOT_CRYPT_CNT = 1)."""
    fuses = esp.work_dir() / "s3-fe.efuse"
    esp._espefuse("esp32s3", fuses, "burn-efuse", "SPI_BOOT_CRYPT_CNT", "1")
    text = esp.work_dir() / "s3-fe-summary.txt"
    text.write_text(esp._espefuse("esp32s3", fuses, "summary"))
    return text

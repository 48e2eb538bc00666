"""Merged flash images (esptool merge-bin, raw and Intel HEX), partition tables, the bootloader's address
rules, shifted and flash-encrypted content: bootdiag against esptool image-info, espsecure and the
ESP-IDF bootloader's own checks. Every image is built once per module."""
from __future__ import annotations

import functools
import re

import pytest

from bootdiag.verify import verify_bytes, verify_file
from bootdiag.verify.model import ImageReport, VerifyOptions

from esp_fixtures import (
    FACTORY_TABLE, OTA_TABLE, build_app, build_bootloader, build_image, encrypt_flash, espsecure_verifies,
    flipped, image_info, merge, partition_table, sign, signing_key,
)

# chip -> Secure Boot V2 scheme it signs with here (ESP32 V2 is RSA-only; the C2 is ECDSA-only)
CHIPS = {"esp32": "rsa3072", "esp32s3": "rsa3072", "esp32c3": "rsa3072", "esp32c2": "ecdsa256", "esp32c6": "ecdsa384"}
BOOTLOADER_AT = {"esp32": 0x1000, "esp32s3": 0x0, "esp32c3": 0x0, "esp32c2": 0x0, "esp32c6": 0x0}


@functools.cache
def signed_parts(chip: str) -> tuple[bytes, bytes]:
    key = signing_key(CHIPS[chip])
    return sign(build_bootloader(chip), 2, key), sign(build_app(chip), 2, key)


@functools.cache
def merged(chip: str, fmt: str = "raw") -> bytes:
    bootloader, app = signed_parts(chip)
    parts = {BOOTLOADER_AT[chip]: bootloader, 0x8000: partition_table(*FACTORY_TABLE), 0x10000: app}
    return merge(parts, chip, fmt)


def check(data: bytes, name: str = "flash.bin", **options: object) -> ImageReport:
    return verify_bytes(data, name, VerifyOptions(**options))


def ids(report: ImageReport) -> set[str]:
    return {p.id for p in report.all_problems()}


def image_info_valid(data: bytes) -> bool:
    """esptool image-info's verdict: checksum and (when appended) the validation hash both valid."""
    text = image_info(data)
    return "invalid" not in " ".join(re.findall(r"^(?:Checksum|Validation hash):.*$", text, re.MULTILINE))


# ---------------------------------------------------------------------------------------------------------
# Merged images: every part found, each checked at its address against the right key


@pytest.mark.parametrize("fmt", ["raw", "hex"])
@pytest.mark.parametrize("chip", list(CHIPS))
def test_merged_image_agrees_with_the_reference_tools(chip: str, fmt: str) -> None:
    bootloader, app = signed_parts(chip)
    key = signing_key(CHIPS[chip])
    assert image_info_valid(bootloader) and image_info_valid(app)
    assert espsecure_verifies(2, key, bootloader) and espsecure_verifies(2, key, app)
    report = check(merged(chip, fmt), f"merged.{fmt}", keys=[str(key)])
    assert report.verdict == "valid", [(p.name, p.all_problems(), p.missing) for p in report.parts]
    assert [(p.name, p.format, p.address) for p in report.parts] == [
        ("bootloader", "esp-bootloader", BOOTLOADER_AT[chip]),
        ("partition table", "esp-partition-table", 0x8000),
        ("app factory", "esp-app", 0x10000),
    ]
    assert report.container == ("intel-hex" if fmt == "hex" else None)
    # without a trusted key nothing is wrong, but nothing says the device trusts the signer
    unchecked = check(merged(chip, fmt), f"merged.{fmt}")
    assert (unchecked.verdict, ids(unchecked)) == ("not_checked", set())


@pytest.mark.parametrize("chip", ["esp32", "esp32c3"])
def test_corrupted_app_in_a_merged_image_is_named(chip: str) -> None:
    bootloader, app = signed_parts(chip)
    at = 0x10000 + 0x300  # inside the app's first segment
    data = flipped(merged(chip), at)
    assert not image_info_valid(data[0x10000 : 0x10000 + len(app)])
    report = check(data, keys=[str(signing_key(CHIPS[chip]))])
    assert report.verdict == "invalid"
    (bad,) = [p for p in report.parts if p.verdict == "invalid"]
    assert bad.name == "app factory" and bad.address == 0x10000
    assert {"esp.image.checksum_mismatch", "esp.image.hash_mismatch"} <= ids(bad)


def test_wrong_key_is_named_for_each_signed_part() -> None:
    report = check(merged("esp32s3"), keys=[str(signing_key("rsa3072", "b"))])
    assert [p.name for p in report.parts if p.has("esp.sbv2.wrong_key")] == ["bootloader", "app factory"]


def test_ota_slots_are_checked_each() -> None:
    bootloader, app = signed_parts("esp32")
    second = sign(build_app("esp32", flash_size_freq=0x10), 2, signing_key("rsa3072"))
    parts = {0x1000: bootloader, 0x8000: partition_table(*OTA_TABLE), 0x10000: app, 0x50000: flipped(second, 0x400)}
    report = check(merge(parts), keys=[str(signing_key("rsa3072"))])
    assert [(p.name, p.verdict) for p in report.parts] == [
        ("bootloader", "valid"), ("partition table", "valid"), ("app ota_0", "valid"), ("app ota_1", "invalid"),
    ]
    assert not image_info_valid(flipped(second, 0x400))


def test_partition_table_md5_mismatch() -> None:
    table = bytearray(partition_table(*FACTORY_TABLE))
    table[0x20 + 8] ^= 0x01  # phy_init's offset, after the MD5 was taken
    bootloader, app = signed_parts("esp32")
    report = check(merge({0x1000: bootloader, 0x8000: bytes(table), 0x10000: app}))
    assert "esp.partition_table.md5_mismatch" in ids(report)


def test_bootloader_at_the_wrong_offset() -> None:
    bootloader, app = signed_parts("esp32")
    data = merge({0x0: bootloader, 0x8000: partition_table(*FACTORY_TABLE), 0x10000: app})
    report = check(data, keys=[str(signing_key("rsa3072"))])
    assert ids(report) == {"esp.flash.bootloader_offset"}
    assert "0x1000" in report.problems[0].message


def test_empty_app_partitions() -> None:
    bootloader, _ = signed_parts("esp32c3")
    data = merge({0x0: bootloader, 0x8000: partition_table(*FACTORY_TABLE)}) + b"\xff" * 0x20000
    assert "esp.flash.no_app" in ids(check(data))


def test_app_image_longer_than_its_partition() -> None:
    bootloader, app = signed_parts("esp32")
    small = (("factory", 0, 0, 0x10000, 0x10000),)
    report = check(merge({0x1000: bootloader, 0x8000: partition_table(*small), 0x10000: app}))
    assert "esp.flash.image_too_large" in ids(report) and len(app) > 0x10000


# ---------------------------------------------------------------------------------------------------------
# The bootloader's own address rules


def test_app_off_the_64k_grid_is_rejected_as_the_bootloader_does() -> None:
    bootloader, app = signed_parts("esp32")
    at_18000 = merge({0x1000: bootloader, 0x18000: app})
    report = check(at_18000, keys=[str(signing_key("rsa3072"))])
    (placed,) = [p for p in report.parts if p.address == 0x18000]
    assert ids(placed) == {"esp.image.mmu_misaligned"}
    assert "doesn't match data 0x00018020" in placed.problems[0].message
    # the same app at 0x10000 is fine, and a raw app given its address is judged the same way
    assert check(app, "app.bin", address=0x10000, keys=[str(signing_key("rsa3072"))]).ok
    assert ids(check(app, "app.bin", address=0x18000)) == {"esp.image.mmu_misaligned"}


def test_app_at_0x18000_with_a_partition_table_saying_0x10000() -> None:
    bootloader, app = signed_parts("esp32")
    data = merge({0x1000: bootloader, 0x8000: partition_table(*FACTORY_TABLE), 0x18000: app})
    assert {"esp.image.bad_magic", "esp.flash.outside_partition", "esp.image.mmu_misaligned"} <= ids(check(data))


def test_segment_loaded_outside_ram() -> None:
    drom, _, irom = (0x3F400020, 0x3FFB0000, 0x400D0020)
    data = build_image([(drom, b"\x5a" * 700), (0x60000000, b"\x44" * 400), (irom, b"\x33" * 3000)])
    assert image_info_valid(data)  # image-info does not judge load addresses; the bootloader does
    report = check(data, "app.bin")
    assert ids(report) == {"esp.image.bad_load_address"}
    assert "bad load address range" in report.problems[0].message


# ---------------------------------------------------------------------------------------------------------
# Content that is not where it should be


def test_image_shifted_in_the_file_is_found_and_its_offset_named() -> None:
    _, app = signed_parts("esp32")
    report = check(b"\x00" * 0x100 + app, "app.bin", keys=[str(signing_key("rsa3072"))])
    assert ids(report) == {"esp.image.shifted"}
    assert "0x100" in report.problems[0].message
    (inner,) = report.parts
    assert (inner.offset, inner.verdict) == (0x100, "valid")


@pytest.mark.parametrize("chip", ["esp32", "esp32c3"])
def test_flash_encrypted_content_is_named(chip: str) -> None:
    _, app = signed_parts(chip)
    encrypted = encrypt_flash(app, 0x10000, chip)
    report = check(encrypted, "dump.bin")
    assert (report.format, report.verdict) == ("esp-flash-encrypted", "not_checked")
    assert "looks flash-encrypted" in report.missing[0] + report.info["note"]
    bootloader, _ = signed_parts(chip)
    partly = merge({BOOTLOADER_AT[chip]: bootloader, 0x8000: partition_table(*FACTORY_TABLE), 0x10000: encrypted},
                   chip)
    report = check(partly, keys=[str(signing_key(CHIPS[chip]))])
    assert report.verdict == "not_checked"
    assert [p.format for p in report.parts][-1] == "esp-flash-encrypted"


def test_ciphertext_that_starts_with_the_image_magic_is_still_named_encrypted() -> None:
    # one key in 256 encrypts the first byte to 0xE9: the rest of the header is then no image's
    _, app = signed_parts("esp32")
    encrypted = bytearray(encrypt_flash(app, 0x10000, "esp32"))
    encrypted[0] = 0xE9
    report = check(bytes(encrypted), "dump.bin")
    assert (report.format, report.verdict) == ("esp-flash-encrypted", "not_checked")


def test_an_encrypted_app_partition_whose_ciphertext_starts_with_the_image_magic_is_named_encrypted() -> None:
    # the same one key in 256, with the app inside a whole flash dump: no image check of ciphertext
    chip = "esp32c3"
    bootloader, app = signed_parts(chip)
    encrypted = bytearray(encrypt_flash(app, 0x10000, chip))
    encrypted[0] = 0xE9
    dump = merge({BOOTLOADER_AT[chip]: bootloader, 0x8000: partition_table(*FACTORY_TABLE), 0x10000: bytes(encrypted)},
                 chip)
    report = check(dump, keys=[str(signing_key(CHIPS[chip]))])
    assert report.verdict == "not_checked"
    assert [p.format for p in report.parts][-1] == "esp-flash-encrypted"


def test_sbv1_signature_one_byte_short() -> None:
    key = signing_key("v1")
    signed = sign(build_bootloader("esp32"), 1, key)
    short = signed[:-1]
    assert espsecure_verifies(1, key, signed) and not espsecure_verifies(1, key, short)
    assert ids(check(short, "boot.bin", keys=[str(key)])) == {"esp.sbv1.signature_truncated"}


def test_merged_hex_through_the_file_api(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "merged.hex"
    path.write_bytes(merged("esp32s3", "hex"))
    report = verify_file(path, VerifyOptions(keys=[str(signing_key("rsa3072"))]))
    assert (report.format, report.container, report.verdict) == ("esp-flash", "intel-hex", "valid")

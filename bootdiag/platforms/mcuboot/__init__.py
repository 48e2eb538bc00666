"""MCUboot in its ports (Zephyr, TF-M BL2, Espressif, mbed, Mynewt): the bootloader's log lines,
and the verifier for MCUboot images (header, TLVs, hash, signature, boot record)."""
from __future__ import annotations

import re

from bootdiag.platforms.mcuboot.paste import LINE_STARTS, MID_WORD_STARTS
from bootdiag.core.platform import LevelStyle, Platform, VerifyOption


def _families():
    from bootdiag.platforms.mcuboot.log import McubootFamily
    from bootdiag.platforms.mcuboot.smp_cli import SmpCliFamily
    from bootdiag.platforms.mcuboot.imgtool_out import ImgtoolFamily
    from bootdiag.platforms.mcuboot.west import WestFamily

    return [McubootFamily(), WestFamily(), SmpCliFamily(), ImgtoolFamily()]


PROBLEMS = {
    "truncated": "The file ends inside the header, the image or its TLV area.",
    "bad_magic": "The header magic is not MCUboot's: not a signed MCUboot image.",
    "header_size": "ih_hdr_size does not match where the firmware's code starts (MCUboot jumps to slot + ih_hdr_size).",
    "bad_tlv_info": "The TLV area is malformed: bad magic, a length that overruns the file, or entries that do not fit.",
    "missing_hash": "No SHA-256/384/512 TLV: MCUboot cannot validate the image.",
    "hash_mismatch": "The image hash TLV does not match the header and payload: changed after signing or corrupted.",
    "no_signature": "No signature TLV: the image is unsigned.",
    "signature_invalid": "The signature TLV does not verify with the key whose hash the image carries.",
    "wrong_key": "The image is signed with a key other than the given ones.",
    "missing_security_counter": "No SEC_CNT TLV, and the bootloader requires one (hardware rollback protection).",
    "missing_boot_record": "No BOOT_RECORD TLV, and measured boot requires one.",
    "bad_boot_record": "The BOOT_RECORD TLV is not the CBOR map measured boot expects.",
    "boot_record_too_large": "The BOOT_RECORD TLV is larger than the bootloader's MAX_BOOT_RECORD_SZ.",
    "tlv_area_too_short": "The TLV area's length (it_tlv_tot) ends before entries that follow it (a signature or hash MCUboot never reads).",
    "enc_tlv_missing": "The header says the payload is encrypted, but no ENC TLV carries the AES key to decrypt it.",
    "enc_key_mismatch": "The given encryption key cannot unwrap the image's AES key from its ENC TLV (another key or key type).",
}

# What `bootdiag check` compares in an MCUboot build folder (bootdiag/platforms/mcuboot/build_check.py).
CHECKS = {
    "format": "The signed file is an MCUboot image.",
    "intact": "The image hash TLV matches header, payload and protected TLVs.",
    "signed": "The image carries a signature.",
    "key": "The image is signed with the key the bootloader is built with.",
    "header_size": "The image header is as large as the offset the firmware is linked at (CONFIG_ROM_START_OFFSET).",
    "fits_slot": "Image and trailer fit the primary slot (swap mode, write size, BOOT_MAX_IMG_SECTORS).",
    "sectors": "The slot has no more sectors than BOOT_MAX_IMG_SECTORS.",
    "security_counter": "With hardware rollback protection, the image carries a security counter (SEC_CNT).",
    "boot_record": "With measured boot, the image carries a BOOT_RECORD.",
    "boot_record_size": "The BOOT_RECORD fits the bootloader's MAX_BOOT_RECORD_SZ.",
    "encryption": "An encrypted image's key is wrapped the way the bootloader unwraps it.",
    "image_count": "The build signed as many images as the bootloader boots.",
    "downgrade": "With downgrade prevention, the image is not older than the running one.",
    "bootloader_config": "The bootloader's configuration is in the folder.",
}

PLATFORM = Platform(
    name="mcuboot",
    title="MCUboot: Zephyr / nRF Connect SDK, TF-M BL2, Espressif, mbed and Mynewt ports; imgtool",
    families=_families,
    event_modules=("bootdiag.platforms.mcuboot.events",),
    grammars={"mcuboot": "mcuboot.lark"},
    message_files=("mcuboot.toml", "imgtool.toml", "stm32cubeprogrammer.toml", "flash-runners.toml"),
    rule_files=("mcuboot.toml", "mcuboot-check.toml"),
    problems=PROBLEMS,
    verifier="bootdiag.platforms.mcuboot.image",
    verifies="MCUboot image",
    verify_order=10,
    # Before ESP's: the Espressif port logs in ESP-IDF's envelope ("I (36) soc_init: ..."), and its
    # family leaves every line of that envelope that is not MCUboot's to ESP-IDF's reader.
    line_order=10,
    image_kind="bootdiag.platforms.mcuboot.image_head:image_kind",
    key_digests="bootdiag.platforms.mcuboot.image:key_digests",
    check_options="bootdiag.platforms.mcuboot.image:check_options",
    file_view="bootdiag.platforms.mcuboot.file_view:file_view",
    verify_options="bootdiag.platforms.mcuboot.options:McubootVerifyOptions",
    options=(
        VerifyOption("--measured-boot", "measured_boot", "The bootloader has MCUBOOT_MEASURED_BOOT: require a boot record."),
        VerifyOption("--max-record-size", "max_record_size", "Largest boot record the bootloader accepts, in bytes.", "BYTES", number=True),
        VerifyOption("--security-counter", "security_counter", "Hardware rollback protection is on: require SEC_CNT."),
        VerifyOption("--header-size", "header_size", "Expected image header size (e.g. 0x400).", "BYTES", number=True),
        VerifyOption("--enc-key", "enc_key", "Private encryption key (the pair of `imgtool sign -E`; RSA-2048, EC P-256, "
                     "X25519, or a 16/32-byte AES key-wrap key): decrypt the payload and check its hash.", "FILE"),
    ),
    facts={
        "mcuboot": "MCUboot",
        "mcuboot_signature": "MCUboot signature",
        "tf-m": "TF-M",
        "tfm": "TF-M",
        "zephyr": "Zephyr",
        "bootloader_os": "OS",
        "imgtool": "imgtool",
    },
    tools=("imgtool", "west", "STM32_Programmer_CLI", "openocd", "nrfutil"),
    settings=r"MCUBOOT|MEASURED_BOOT|BOOT_|TFM_|BL2|PLATFORM_DEFAULT_NV|CRYPTO_HW|SIGNATURE_|IMAGE_",
    # MCUboot's own "[ERR] msg"; Zephyr logging "<err> mcuboot: msg"
    levels=(
        LevelStyle(re.compile(r"\[(?P<level>ERR|WRN|INF|DBG)\]"), {"ERR": "error", "WRN": "warning", "INF": "info", "DBG": "debug"}),
        LevelStyle(re.compile(r"<(?P<level>err|wrn|inf|dbg)>"), {"err": "error", "wrn": "warning", "inf": "info", "dbg": "debug"}),
    ),
    check="bootdiag.platforms.mcuboot.build_check:check_build",
    checks=CHECKS,
    line_starts=LINE_STARTS,
    mid_word_starts=MID_WORD_STARTS,
    normalise="bootdiag.platforms.mcuboot.paste:normalise",
    canonical="bootdiag.platforms.mcuboot.paste:canonical",
)

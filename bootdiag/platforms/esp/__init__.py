"""ESP32 family: the mask ROM, the ESP-IDF bootloader and app start-up, esptool/espsecure/espefuse,
and the verifier for ESP images and their Secure Boot V1/V2 signatures."""
from __future__ import annotations

import re

from bootdiag.platforms.esp.paste import LINE_STARTS, MID_WORD_STARTS
from bootdiag.core.platform import LevelStyle, Platform, Redaction, VerifyOption
from bootdiag.platforms.esp.chips import CHIPS
from bootdiag.platforms.esp.efuse_redaction import EFUSE_REDACTIONS


def _families():
    from bootdiag.platforms.esp.esptool import EsptoolFamily
    from bootdiag.platforms.esp.idf import EspIdfFamily
    from bootdiag.platforms.esp.rom import EspRomFamily

    return [EspIdfFamily(), EsptoolFamily(), EspRomFamily()]


# ESP-IDF log.h level letters
LEVELS = {"E": "error", "W": "warning", "I": "info", "D": "debug", "V": "debug"}


PROBLEMS = {
    "image.bad_magic": "The first byte is not 0xE9: no ESP image starts here.",
    "image.bad_header": "The 24-byte image header holds values no ESP image has (segment count, chip id, flash fields).",
    "image.bad_segment": "A segment's length or load address is impossible: the image is corrupted or not an ESP image.",
    "image.truncated": "The file ends inside the image (header, a segment, the checksum or the appended SHA-256).",
    "image.checksum_mismatch": "The XOR checksum byte after the segments does not match them.",
    "image.hash_mismatch": "The SHA-256 appended to the image does not match its bytes: changed after it was built.",
    "image.wrong_chip": "The image header names another chip than the target.",
    "image.mmu_misaligned": "A flash-mapped segment is not where the 64 KB MMU grid puts it: the app is not at a 64 KB-aligned flash address.",
    "image.bad_load_address": "A segment loads outside the chip's RAM and is not flash-mapped: the bootloader refuses to load it.",
    "image.shifted": "The image starts some bytes into the file, not at its start: flashed as it is, the header is not where the ROM or bootloader reads it.",
    "flash.bootloader_offset": "The bootloader is not at the offset the chip's ROM loads it from.",
    "flash.outside_partition": "An app image lies in no app partition of the partition table: the bootloader never boots it.",
    "flash.image_too_large": "An app image (with its signature) is longer than the partition that holds it.",
    "flash.no_app": "No app partition holds an image: the bootloader has nothing to boot.",
    "partition_table.md5_mismatch": "The partition table's MD5 entry does not match its entries: the bootloader refuses the table.",
    "partition_table.bad_entry": "A partition table entry has no 0xAA50 magic before the end of the table.",
    "sbv1.no_signature": "Secure Boot V1 expects a signature block after the image and finds none.",
    "sbv1.signature_truncated": "The Secure Boot V1 signature block after the image is cut short (the file ends inside its 68 bytes).",
    "sbv1.signature_invalid": "The Secure Boot V1 ECDSA signature does not verify with the given key.",
    "sbv2.no_signature_block": "No valid Secure Boot V2 signature block in the signature sector.",
    "sbv2.digest_mismatch": "A Secure Boot V2 signature block signs another digest: the image changed after signing.",
    "sbv2.signature_invalid": "A Secure Boot V2 signature does not verify with the public key in its own block.",
    "sbv2.wrong_key": "The image is signed by a key the device does not trust (eFuse digests or given keys).",
}

# What `bootdiag check` compares in an ESP-IDF build folder (bootdiag/platforms/esp/build_check.py).
CHECKS = {
    "partition_table": "The partition table binary is one the bootloader can read.",
    "partitions_fit_flash": "Every partition ends within the flash size the build is for.",
    "bootloader_offset": "The bootloader is flashed where this chip's ROM loads it from.",
    "bootloader_fits": "The bootloader image ends before the partition table.",
    "bootloader_signature_fits": "The bootloader's signature sector ends before the partition table.",
    "app_offset": "The app is flashed at the app partition the bootloader boots first.",
    "app_fits_partition": "The app (with its signature sector) fits its partition and every OTA slot.",
    "chip": "Every image is built for the build's target chip.",
    "chip_revision": "The device's chip revision is one the images run on.",
    "signed": "Every image carries the signature the configured secure boot version and scheme check.",
    "image_digest": "Every signature block signs the image as it is now.",
    "signature": "Every signature verifies with the public key in its own block.",
    "app_key_in_bootloader": "The app is signed with a key the bootloader carries (first secure boot enable).",
    "key_trusted": "Every image is signed with a key whose digest the device trusts.",
    "header_kept": "Flashing leaves the signed bootloader's header (flash mode, size, frequency) as signed.",
    "flash_encryption": "The images are written the way the device's flash encryption state needs.",
}

# Functions only a crash's backtrace passes through, as a decoder names its frames:
# - ESP-IDF's panic and abort path (espressif/esp-idf v4.4-v5.x: components/esp_system/panic.c
#   esp_panic_handler, panic_abort; components/esp_system/esp_system.c esp_system_abort;
#   components/esp_system/port/panic_handler.c panic_handler, and panicHandler in v4.x;
#   components/esp_common/src/esp_err.c _esp_error_check_failed; task_wdt.c task_wdt_isr);
# - FreeRTOS's stack overflow hook as ESP-IDF's ports define it (vApplicationStackOverflowHook);
# - newlib's abort and __assert_func, which the ESP-IDF and Arduino toolchains link;
# - the ESP8266 Arduino core's crash report (cores/esp8266/core_esp8266_postmortem.cpp:
#   __wrap_system_restart_local, postmortem_report).
CRASH_FUNCTIONS = frozenset({
    "esp_panic_handler", "panic_abort", "esp_system_abort", "panicHandler", "panic_handler", "_esp_error_check_failed",
    "task_wdt_isr", "vApplicationStackOverflowHook", "abort", "__assert_func", "__wrap_system_restart_local",
    "postmortem_report",
})


PLATFORM = Platform(
    name="esp",
    title="ESP32 family: ROM, ESP-IDF bootloader and start-up, esptool / espsecure / espefuse",
    families=_families,
    event_modules=("bootdiag.platforms.esp.events",),
    grammars={"esp_idf": "esp_idf.lark", "esp_rom": "esp_rom.lark", "esptool": "esptool.lark"},
    message_files=("esp-rom.toml", "esp-idf.toml", "esptool.toml", "esp-espflash.toml", "esptool-ck.toml", "esp8266-arduino.toml", "esp-zboss.toml", "esphome.toml"),
    rule_files=("esp-idf.toml", "esp-check.toml"),
    # esptool 3.x rewrote a signed bootloader's header: the failure the README opens with
    example="esp-idf/sb2-bootloader-header-rewritten-esptool3",
    problems=PROBLEMS,
    verifier="bootdiag.platforms.esp.verifier",
    verifies="ESP app, bootloader or merged flash image",
    verify_order=20,
    image_kind="bootdiag.platforms.esp.image_head:image_kind",
    key_digests="bootdiag.platforms.esp.secure_boot:key_digests",
    key_check="bootdiag.platforms.esp.secure_boot:key_check",
    check_options="bootdiag.platforms.esp.secure_boot:check_options",
    verify_options="bootdiag.platforms.esp.options:EspVerifyOptions",
    options=(
        VerifyOption("--efuse", "efuse_summary", "`espefuse summary` output (text or JSON): the key digests the device trusts.", "FILE", beside_log=True),
        VerifyOption("--key-digest", "key_digests", "A trusted public-key digest in hex, as burned in eFuse (repeatable).", "HEX", repeat=True),
    ),
    chips=tuple(chip.name for chip in CHIPS),
    crash_functions=CRASH_FUNCTIONS,
    facts={
        "esp_idf": "ESP-IDF",
        "esptool": "esptool",
        "espsecure": "espsecure",
        "espefuse": "espefuse",
        "flash_mode": "Flash mode",
        "flash_size": "Flash size",
        "flash_speed": "Flash speed",
        "efuse_summary": "eFuse summary",  # bootdiag check: where the device's eFuses were read
    },
    tools=("esptool", "espsecure", "espefuse", r"idf\.py"),
    adapt="bootdiag.platforms.esp.wording:adapt",
    file_view="bootdiag.platforms.esp.file_view:file_view",
    settings=r"SECURE_|ESPTOOLPY_FLASH|ESPTOOLPY_HEADER|BOOTLOADER_|PARTITION_TABLE_|ESP32_REV_MIN|ESP_REV_MIN",
    redactions=(
        # ESP-IDF Wi-Fi driver: `wifi:connected with <ssid>, aid = 1, channel 6, ...`;
        # protocol_examples_common: `Connecting to <ssid>...`.
        Redaction("ssid", "connected with", re.compile(r"(wifi:connected with )(.{1,96}?)(, aid = )"), remember=True),
        Redaction("ssid", "connecting to", re.compile(r"(example_connect: Connecting to )(.{1,96}?)(\.\.\.)"), remember=True),
        *EFUSE_REDACTIONS,
    ),
    # ESP-IDF log.h: "E (296835) tag: msg"
    levels=(
        LevelStyle(re.compile(r"^(?P<level>[EWIDV]) \(\d+\) "), LEVELS),
        # esp_system panic handler and heap checker print these without an envelope
        LevelStyle(re.compile(r"Guru Meditation|CORRUPT HEAP"), level="error"),
    ),
    check="bootdiag.platforms.esp.build_check:check_build",
    checks=CHECKS,
    line_starts=LINE_STARTS,
    mid_word_starts=MID_WORD_STARTS,
    normalise="bootdiag.platforms.esp.paste:normalise",
    canonical="bootdiag.platforms.esp.paste:canonical",
)

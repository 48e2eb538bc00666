"""MCUboot lines as pastes and other log backends leave them."""
from __future__ import annotations

import re
from typing import Any

# What begins a line of MCUboot output in each backend (boot/bootutil/include/bootutil/bootutil_log.h
# and the ports' logging): MCUboot's own "[ERR]", Zephyr's "[00:00:00.004,000] <err>" and minimal
# "E: ", mbed-trace "[ERR ][MCUb]:", the Espressif port "[esp32] [ERR]", and the Zephyr banners.
LINE_STARTS = (
    r"\[(?:ERR|WRN|INF|DBG|NOT|VER)\] ",
    r"\[\d\d:\d\d:\d\d\.\d{3},\d{3}\] <(?:err|wrn|inf|dbg)> ",
    r"(?<![\w:])[EWID]: (?=[A-Za-z*])",
    r"\*\*\* (?:Booting|Using) ",
    r"FATAL ERROR: ", r"assertion failed: ",  # TF-M's and the Espressif port's console lines
    r"\[esp32\w*\] \[(?:ERR|WRN|INF|DBG)\]",
    r"\[(?:ERR|WRN|WARN|INFO?|DBG) ?\]\[\w+\]:",
)
# mbed-trace: "[ERR ][MCUb]: msg", "[INFO][BL]: msg" (mbed-trace.c mbed_vtracef); the group names the
# source: MCUboot's own (MCUb, and BL for the mbed port's main) -- other groups are the application's.
_MBED = re.compile(r"\[(ERR|WRN|WARN|INFO?|DBG) ?\]\[(?:MCUb|BL)\]: ?")
# The Espressif port's ESP-IDF-style calls add a tag: "[esp32s3] [ERR] [flash_encrypt] msg"
_ESPRESSIF_TAGGED = re.compile(r"(\[esp32\w*\] \[(?:ERR|WRN|INF|DBG)\]) \[[\w ]+\] ")
_MBED_LEVEL = {"ERR": "ERR", "WRN": "WRN", "WARN": "WRN", "INF": "INF", "INFO": "INF", "DBG": "DBG"}
_BRACKET = {"error": "ERR", "warning": "WRN", "info": "INF", "debug": "DBG"}


def normalise(text: str) -> str:
    if text[:1] != "[":
        return text
    if (m := _MBED.match(text)) is not None:
        return f"[{_MBED_LEVEL[m.group(1)]}] {text[m.end():]}"
    if (m := _ESPRESSIF_TAGGED.match(text)) is not None:
        return f"{m.group(1)} {text[m.end():]}"
    return text


def canonical(hit: Any, text: str) -> str | None:
    known, message = hit.known, text[hit.start:]
    if known.envelope in ("console", "imgtool", "west"):  # host tools' lines: no bootloader envelope
        return message
    return f"[{_BRACKET.get(known.level, 'INF')}] {message}"


# imgtool's and `west sign`'s messages (messages/imgtool.toml) that say no failure word: their fixed
# text, for the trigger screen to hand such lines to the message catalogue.
TOOL_MESSAGES = "|".join(re.escape(text) for text in (
    # imgtool verify
    "No signature found for the given key", "Unknown return code: ",
    # imgtool sign, getpub, getpubhash, getpriv, keyinfo, keygen
    "is not a valid integer. Please use code literals", "Minimum value for -H/--header-size",
    "and versions in: ", "it is appended directly to a C/Rust identifier", "Header padding was not requested",
    "No address exists in input file", "Can not set rom_fixed and load_addr", "for sw_type. Its maximum allowed length",
    "Can not sign using key and provide fixed-signature", "public key of the fixed signature is not specified",
    "Signing and encryption must use the same type of key", "Custom TLV ", "allowed hash algorithms for ",
    "can not be used with --sha ", "Pure signatures, currently, enforces", "Currently only ECIES-X25519 supports",
    "Unknown namespace for UUID: ", "Unknown UUID format: ", "or newer is required by imgtool", "Unknown key type: ",
    "Passwords do not match, try again", "p-224 not yet implemented", "Please use only one of `--encoding/-e`",
    "--name-suffix` is only meaningful", " was required.", "requires private key", "--minimal is supported only for",
    # west sign
    "doesn't look like a Zephyr build directory", "given but CONFIG_BUILD_OUTPUT_", "does not support --if-tool-available",
    "one --tool is required", "Single word expected for: ", "build .config is missing a ",
    "CONFIG_BOOTLOADER_MCUBOOT is not set to y in", "no unsigned .", "expected nonzero ", "expected non-zero ",
    "is not 'fixed-partition child node", "west sign currently does not support",
    "MCUboot does not work with flash with write alignment", "west sign, for MCUboot in swap mode",
    "chosen zephyr,code-partition may not have", "slot0_partition and slot1_partition differ in size",
    "Application image with added MCUboot magic will not fit", ", with magic it is ", "Max allowed slot size is ",
    "Application size calculated of bin and hex differ",
))

"""esptool / espefuse / espsecure console output -> events (grammar: grammars/esptool.lark)."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from bootdiag.core.parse.lalr import Token, Transformer

from bootdiag.core.events import Event
from bootdiag.platforms.esp import events as ev
from bootdiag.platforms.esp.events import chip_family
from bootdiag.core.parse.family import ClaimsByTrigger, Stateless, compile_trigger, hex_int
from bootdiag.core.parse.grammar import parse_and_transform
from bootdiag.core.numbers import int_auto, parse_int

Parsed = tuple[type[Event], dict[str, Any]]

# A command line may be prefixed by a prompt, "python -m", an interpreter or a path; cut there.
# The Windows release binaries carry .exe (espressif/esptool@84b819a .github/workflows/build_esptool.yml:90);
# the Arduino core quotes the path it runs ("...\\esptool.exe" --chip ..., arduino-esp32 platform.txt).
_PROGRAM_START = re.compile(r"(?:^|(?<=[\s/\\\"'=]))(?:esptool|espefuse|espsecure)(?:\.py|\.exe)?\"?(?=\s|$)")
# What stands before a command someone ran: nothing, a shell prompt, a path or a launcher.
_LAUNCHED = re.compile(r"(?:^|[$#>%/\\]|\bpython3?(?:\.exe)?(?:\s+-m)?|\bpy(?:\s+-m)?|\bsudo|\brun|\bexec)\s*$")
# Subcommands by both spellings (v4 underscores, v5 hyphens): a command line names one of them.
_SUBCOMMANDS = frozenset(
    c.replace("-", "_")
    for c in (
        "write_flash", "merge_bin", "elf2image", "image_info", "read_flash", "erase_flash", "erase_region",
        "verify_flash", "flash_id", "chip_id", "read_mac", "sign_data", "verify_signature", "signature_info_v2",
        "digest_sbv2_public_key", "generate_signing_key", "encrypt_flash_data", "decrypt_flash_data",
        "burn_key", "burn_key_digest", "burn_efuse", "summary", "dump", "adc_info", "get_security_info",
        "burn_bit", "read_protect_efuse", "write_protect_efuse", "set_flash_voltage", "digest_secure_bootloader",
    )
)


# espflash (esp-rs) ends a connection that never got a sync reply with a miette cause line,
# "  ╰─▶ Failed to connect to the device" under "× Error while connecting to device"
# (esp-rs/espflash@v4.5.0:espflash/src/error.rs:480, the same since v1): what esptool says as
# "Failed to connect to ESP32: No serial data received.". The line is that message, or that message
# and the report's hint glued after it ("help: Ensure that the device is connected ...", "‽ ...").
# A program that uses espflash as a library and unwraps or logs the error prints it in Rust's debug form
# instead, "Connection(ConnectionFailed)" (espflash@v2.1.0:espflash/src/error.rs:131, the variant at :480).
_FLASHER_CONNECT_FAILED = re.compile(
    r"(?:^|\s)Failed to connect to the device\.?(?:\s+(?:help:|\u203d)\s.*)?$|\bConnection\(ConnectionFailed\)\)?\s*$"
)
# esptool-ck, the ESP8266 Arduino core's uploader before esptool.py, gives up after ten resets with three
# sync frames each and no reply: "warning: espcomm_sync failed" (igrr/esptool-ck@0.4.13:espcomm/espcomm.c:265).
_CK_SYNC_FAILED = re.compile(r"(?:^|\s)(?:warning: )?espcomm_sync failed\s*$")
# Browser flashers give up the same way after their reset sequences got no sync reply, printed after their
# own "Error: " prefix: esptool-js (ESP Web Tools since 10.0, the esptool-js page, vendors' web flashers)
# throws "Failed to connect with the device" (espressif/esptool-js@1fa34167a3cdfb72e196196d24a14775600fc7d5:
# src/esploader.ts:640); esp-web-flasher, which ESP Web Tools and Adafruit WebSerial ESPTool used before,
# throws "Couldn't sync to ESP. Try resetting." (NabuCasa/esp-web-flasher@5e646cee52b6b2868c489d5d72505ed3a1b3dc5d:
# src/esp_loader.ts:494; adafruit/Adafruit_WebSerial_ESPTool@1e5efcbe8524c4ecd9415db5c975d48fc658ec2f:
# src/esp_loader.ts:494).
# The browser's Web Serial port errors every read and write with "The device has been lost." when the USB
# device goes away under an open port (chromium/chromium@05013495c3a6c32248c38e507d697b17ce7cfe36:
# third_party/blink/renderer/modules/serial/serial_port_underlying_source.cc:103, DISCONNECTED and
# DEVICE_LOST); browser flashers end with it after their "Error: " or the DOMException's name.
# esptool names the port it opens before connecting: "Serial port %s" (espressif/esptool@v3.0:esptool.py:3538,
# @v4.7.0:esptool/__init__.py), "Serial port {port}:" since v5 (@v5.3.1:esptool/__init__.py:1107).
_SERIAL_PORT = re.compile(r"^Serial port (\S{1,300})$")
_BROWSER_FATAL = re.compile(
    r"(?:^|\s)(Failed to connect with the device|Couldn't sync to ESP\. Try resetting\.|The device has been lost\.)\s*$"
)


# A line that begins with esptool's fatal wrapper is that error, whatever it names later (a path to
# esptool.py, or the next command line a paste glued after it): "A fatal error occurred: " (v2-v5), after
# "ERROR: " past v5.3.1 (esp-pylib's EspLog.err, see the grammar).
_FATAL_FIRST = re.compile(r"(?:ERROR: )?A fatal error occurred:")


def _program(token: Token) -> str:
    """``esptool.py`` / ``esptool.exe`` / a quoted path's ``esptool.exe"`` -> ``esptool``."""
    return str(token).removesuffix('"').removesuffix(".py").removesuffix(".exe")


# esptool's write_flash and verify_flash take "<address> <filename>" pairs after their options
# (espressif/esptool@v4.8.1 esptool/__init__.py: add_spi_flash_subparsers, AddrFilenamePairAction).
_WRITES = frozenset({"write_flash", "verify_flash"})


def _address(token: str) -> int | None:
    if not token[:1].isdigit():
        return None
    try:
        return int_auto(token)
    except ValueError:
        return None


def _pairs(command: str | None, args: list[str]) -> list[tuple[int, str]]:
    """A write or verify command's address/file pairs: a number followed by a file name."""
    if command not in _WRITES:
        return []
    tail = next((args[i + 1:] for i, a in enumerate(args) if a.replace("-", "_") == command), [])
    found = []
    for address, name in zip(tail, tail[1:]):
        offset = _address(address)
        if offset is not None and not name.startswith("-") and _address(name) is None:
            found.append((offset, name))
    return found


# espefuse summary's row of the flash encryption counter (events.EfuseCryptCount): the field's name
# first, its raw bits in parentheses last, "0b0000001" (v3+) or "0x1" (v2.6).
_CRYPT_CNT_ROW = re.compile(
    r"(?:^|(?<=\s))((?:SPI_BOOT|FLASH)_CRYPT_CNT)\b[^=]{0,160}= [^=()]{1,60}\((0b[01]{1,8}|0x[0-9a-fA-F]{1,4})\)\s*$"
)


class _ToolTransformer(Transformer):
    def tool_start(self, items: list[Token]) -> Parsed:
        return ev.ToolStart, {"tool": _program(items[0]), "version": str(items[1]).lstrip("v")}

    def tool_command(self, items: list[Token]) -> Parsed:
        args = [str(a) for a in items[1:]]
        command = next((a.replace("-", "_") for a in args if a.replace("-", "_") in _SUBCOMMANDS), None)
        pairs = _pairs(command, args)
        return ev.ToolCommand, {"tool": _program(items[0]), "command": command, "args": args,
                                "offsets": [o for o, _ in pairs], "files": [f for _, f in pairs]}

    def connecting(self, items: list[Token]) -> Parsed:
        return ev.ToolConnecting, {"attempts": max(1, str(items[0]).count("_") + str(items[0]).count("."))}

    def chip(self, items: list[Token]) -> Parsed:
        return ev.ToolChip, {"chip": chip_family(str(items[-1]))}

    def mac(self, items: list[Token]) -> Parsed | None:
        return None  # MAC addresses matter only to redaction, which works on text

    def fatal(self, items: list[Any]) -> Parsed:
        inner = items[0]
        if isinstance(inner, tuple):  # connect_failure
            chip, reason = inner
            message = f"Failed to connect to {chip}: {reason}"
            return ev.ToolFatal, {"message": message, "connect_chip": chip, "reason": reason}
        return ev.ToolFatal, {"message": str(inner).strip()}

    def serial_fatal(self, items: list[Token]) -> Parsed:
        return ev.ToolFatal, {"message": str(items[1]).strip()}

    def connect_failure(self, items: list[Token]) -> tuple[str, str]:
        return str(items[1]).strip(), str(items[2]).strip()

    def wrong_boot_mode(self, items: list[Token]) -> Parsed:
        # esptool (loader.py, v3.2+) prints this only inside its fatal connect error, so the line
        # standing alone is that error with its envelope lost: read it as the fatal error it is.
        hex_int(items[0])  # refuses a number too long to be a boot mode
        message = f"Wrong boot mode detected ({items[0]})! The chip needs to be in download mode."
        return ev.ToolFatal, {"message": message, "reason": message}

    def flash_params(self, items: list[Token]) -> Parsed:
        return ev.ToolFlashParamsSet, {"value": hex_int(items[1])}

    def sha_updated(self, _: list[Token]) -> Parsed:
        return ev.ToolShaUpdated, {}

    def hash_protected(self, items: list[Token]) -> Parsed:
        return ev.ToolHashProtected, {"address": hex_int(items[0]), "setting": str(items[1])}

    def security_keeps(self, _: list[Token]) -> Parsed:
        return ev.ToolSecurityKeepsFlashSettings, {}

    def wrote(self, items: list[Token | None]) -> Parsed:
        return ev.ToolWrote, {"size": parse_int(items[0]), "address": hex_int(items[2])}

    def hash_verified(self, _: list[Token]) -> Parsed:
        return ev.ToolHashVerified, {}

    def sig_block_valid(self, items: list[Token]) -> Parsed:
        return ev.EspsecureBlock, {"block": parse_int(items[0]), "valid": True}

    def sig_block_invalid(self, items: list[Token]) -> Parsed:
        return ev.EspsecureBlock, {"block": parse_int(items[0]), "valid": False}

    def sig_block_verified(self, items: list[Token]) -> Parsed:
        return ev.EspsecureVerified, {"block": parse_int(items[0])}

    def v1_signature_valid(self, _: list[Token]) -> Parsed:
        return ev.EspsecureVerified, {"block": None}

    def sig_block_not_by_key(self, items: list[Token]) -> Parsed:
        return ev.EspsecureNotSignedByKey, {"block": parse_int(items[0])}

    def efuse_burn(self, items: list[Token]) -> Parsed:
        return ev.ToolEfuseBurn, {"name": str(items[0]).strip("'"), "old": str(items[2]), "new": str(items[3])}

    def signed(self, items: list[Token]) -> Parsed:
        return ev.EspsecureSigned, {"size": parse_int(items[0]), "file": str(items[1]).split(".")[0].strip("\" ")}


_TRANSFORMER = _ToolTransformer()


@lru_cache(maxsize=4096)
def parse_tool_text(text: str) -> Parsed | None:
    return parse_and_transform("esptool", "start", text, _TRANSFORMER.transform)


class EsptoolFamily(Stateless, ClaimsByTrigger):
    name = "esptool"
    trigger = compile_trigger(
        r"\besp(?:tool|efuse|secure)\b", r"Connecting\.\.", r"Chip is ", r"Chip type:", r"Detecting chip type",
        r"A fatal error occurred", r"Wrong boot mode detected", r"Flash param", r"SHA digest in image",
        r"protected with a hash checksum", r"Security features enabled", r"Wrote (?=\d+ bytes)", r"Hash of data verified",
        r"Signature block \d", r"Signature is valid", r"Signed (?=\d+ bytes)",
        r"SerialException:", r"A serial exception error occurred", r"Failed to connect to the device",
        r"Connection\(ConnectionFailed\)",
        r"espcomm_sync failed", r"Failed to connect with the device", r"Couldn't sync to ESP", r"The device has been lost",
        r"Serial port \S",
        # espefuse's burn plan line, its "    - " lead taken as a bullet by the unwrapper or not
        r"'[A-Z][A-Z0-9_]*+' \(",
        r"\b(?:SPI_BOOT|FLASH)_CRYPT_CNT\b",
    )

    def parse(self, text: str, no: int) -> Event | None:
        if _FLASHER_CONNECT_FAILED.search(text):
            return ev.ToolFatal.trusted(line=no, text=text, message="Failed to connect to the device")
        if _CK_SYNC_FAILED.search(text):
            return ev.ToolFatal.trusted(line=no, text=text, message="espcomm_sync failed")
        browser = _BROWSER_FATAL.search(text)
        if browser:
            return ev.ToolFatal.trusted(line=no, text=text, message=browser.group(1))
        row = _CRYPT_CNT_ROW.search(text)
        if row:
            raw = row.group(2)
            bits = raw[2:].count("1") if raw.startswith("0b") else bin(int(raw, 16)).count("1")
            return ev.EfuseCryptCount.trusted(line=no, text=text, name=row.group(1), bits_set=bits)
        port = _SERIAL_PORT.search(text.strip())
        if port:
            return ev.ToolSerialPort.trusted(line=no, text=text, port=port.group(1).removesuffix(":"))
        program = _PROGRAM_START.search(text)
        if program and _FATAL_FIRST.match(text.lstrip()):
            program = None  # the fatal line, with a path or the next command glued after it, is the fatal error
        subject = text[program.start():] if program else text
        parsed = parse_tool_text(subject)
        if parsed is None:
            return None
        cls, fields = parsed
        if cls is ev.ToolCommand:
            if fields["command"] is None and not any(a.startswith("-") and len(a) > 1 for a in fields["args"]):
                return None  # prose that mentions the tool ("esptool.py in directory ...")
            if fields["command"] is None and program and not _LAUNCHED.search(text[:program.start()]):
                return None  # mid-sentence ("Try reinstalling esptool or ... --no-stub"), not a command line
            if ": error:" in subject:
                return None  # argparse's usage error ("esptool.py write_flash: error: argument ..."): the catalogue's
        return cls.trusted(line=no, text=text, **fields)

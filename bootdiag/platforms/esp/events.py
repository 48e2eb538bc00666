"""Events of the ESP32 family: mask ROM, ESP-IDF bootloader/app, and esptool/espefuse/espsecure.

Message strings and their meanings are documented in the grammars (``grammars/esp_*.lark``,
``grammars/esptool.lark``) with their upstream sources.
"""
from __future__ import annotations

import re
from functools import cached_property, lru_cache
from typing import Literal

from bootdiag.core.events import Event
from bootdiag.core.messages import catalogue, identify, message_ids
from bootdiag.core.numbers import parse_int
from bootdiag.platforms.esp.chips import BETA_CHIP_IDS, CHIPS_BY_ID, DEFAULT_PARTITION_TABLE_OFFSET, app_only_address, mapped_by_some_chip

# ESP-IDF tags whose error lines mean the boot itself failed (IDF components/bootloader_support).
# Tags the second-stage bootloader logs under (ESP-IDF components/bootloader_support and bootloader);
# every other tag is the application's. "soc_init" is the early start-up of Zephyr images on Espressif
# chips (hal_espressif zephyr/port/boot/soc_init.c, print_banner: "ESP Simple boot", "MCUboot 2nd stage
# bootloader", 2024): it runs before the image's own code, so its lines show no boot completing.
_BOOTLOADER_TAGS = frozenset({"esp_image", "flash_parts", "flash_encrypt", "boot_comm", "qio_mode", "efuse", "cache", "soc_init"})
_BOOTLOADER_TAG_STARTS = ("boot", "secure_boot")
# The hexadecimal word of a ROM line such as ``invalid header: 0xffffffff``.
_HEX_WORD = re.compile(r"0x([0-9A-Fa-f]+)")

BOOT_TAGS = frozenset(
    {
        "boot", "esp_image", "secure_boot", "secure_boot_v1", "secure_boot_v2", "secure_boot_v2_rsa",
        "secure_boot_v2_ecdsa", "flash_parts", "flash_encrypt", "boot_comm", "bootloader_flash",
        "efuse", "boot.esp32", "boot.esp32s2", "boot.esp32s3", "boot.esp32c3", "boot.esp32c6",
        "boot.esp32c2", "boot.esp32h2", "boot.esp32p4", "boot.esp32c5", "esp_ota_ops", "spi_flash",
    }
)


# ---------------------------------------------------------------- mask ROM (no level, no tag)
class RomEvent(Event):
    kind: str = "RomEvent"
    family = "esp-rom"


class RomRetry(RomEvent):
    """Base of the ROM lines that may belong to the ROM's own retry after a failed secure boot check.

    When the ROM rejects the bootloader it aborts (``ets_main.c 371``) and the watchdog restarts it at
    once; that retry is part of the same boot attempt, so a check that then passes (esp-idf #12781)
    is seen together with the failure instead of in a later session.
    """

    kind: str = "RomRetry"
    retry: bool = False

    def session_boundary(self) -> tuple[str, float] | None:
        return None if self.retry else type(self).boundary


class RomBanner(RomRetry):
    """``ets Jul 29 2019 12:21:46`` (ESP32) or ``ESP-ROM:esp32s3-20210327`` (newer chips)."""

    kind: Literal["RomBanner"] = "RomBanner"
    rom: str
    chip: str | None = None
    # The ROM had just handed over ("entry 0x...") and nothing was printed before this restart.
    restarted_after_entry: bool = False
    boundary = ("device", 0)

    def facts(self) -> dict[str, str]:
        return {"chip": self.chip} if self.chip else {}


_RESET_FORMAT = re.compile(r"rst:0x%x \((\w+)\),boot:0x%x \(%s\)")


@lru_cache(maxsize=1)
def _reset_reason_ids() -> dict[str, str]:
    """Reset reason name -> the catalogue entry of the ROM's reset line with that reason."""
    ids: dict[str, str] = {}
    for known in catalogue().entries:
        if (m := _RESET_FORMAT.fullmatch(known.format)) is not None:
            ids.setdefault(m.group(1), known.id)
    return ids


# Reset reason 0x10, the RTC (LP) watchdog resetting the whole chip (esp_rom rtc.h of each chip): the
# ROM's own restart after it aborts, and a spurious reset at power-on on ESP32 revision 0 (ESP32 errata
# 3.1, as igrr quotes it in esp-idf #494): not by itself a sign that the run before failed. The ESP32-P4
# ROM prints its rtc.h name, CHIP_LP_WDT_RESET (espressif/esp-idf@v6.0.2:
# components/esp_rom/esp32p4/include/esp32p4/rom/rtc.h:102).
WHOLE_CHIP_WATCHDOG_RESETS = frozenset({"RTCWDT_RTC_RESET", "RTCWDT_RTC_RST", "LP_WDT_SYS", "CHIP_LP_WDT_RESET"})
# Software resets, as the ROM names them: codes 3 and 12 (esp-idf v5.1 components/esp_rom/include/
# esp32/rom/rtc.h SW_RESET, SW_CPU_RESET; esp32s3/rom/rtc.h and esp32c3/rom/rtc.h RTC_SW_SYS_RESET,
# RTC_SW_CPU_RESET, which those ROMs print as RTC_SW_SYS_RST and RTC_SW_CPU_RST). The firmware asked
# for the restart (esp_restart(), ESP.restart(), the panic handler), nobody pressed a button.
SOFTWARE_RESETS = frozenset({"SW_RESET", "SW_CPU_RESET", "RTC_SW_SYS_RST", "RTC_SW_CPU_RST"})


class RomReset(RomRetry):
    """``rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)``; boot mode decoded per chip."""

    kind: Literal["RomReset"] = "RomReset"
    reason_code: int
    reason: str | None = None
    boot_mode: int | None = None  # None: the paste kept the reset reason without its "boot:" byte
    boot_mode_name: str | None = None
    download: bool | None = None  # True when the strapping pins selected download (UART/USB) boot
    chip: str | None = None
    # The ROM had just handed over ("entry 0x...") and nothing was printed before this restart.
    restarted_after_entry: bool = False
    # A wake from deep sleep after a bootloader start this capture shows: only the app puts the chip to
    # sleep, so that boot reached the app even when its own lines were not captured.
    woke_after_boot: bool = False
    # The boot this reset ended had got past the ROM (it handed over, or the bootloader or the app
    # printed a line), and an earlier reset of the same reason in the capture ended one as well: the
    # chip restarts the same way each time it runs the next stage.
    after_start: bool = False
    again_after_start: bool = False
    # How many earlier resets of the same reason ended a boot that had got past the ROM (counted up
    # to 2), and whether the boot this one ended had reached its application ("Starting scheduler",
    # app_main): a board whose app runs restarts the same way when someone presses EN. Boots that
    # reached their application count only when they ended after about as many lines of its output as
    # the first such boot (0 when this one did not): a supply loop stops each boot at the same point.
    ended_started_before: int = 0
    app_started: bool = False
    # A software CPU reset whose banner came right after the panic handler's "Rebooting...": the run
    # before this boot crashed, even when the paste begins with that line.
    after_panic: bool = False

    @property
    def flash_voltage_strap(self) -> bool:
        """ESP32: MTDI (GPIO12) was high at reset (strapping byte bit 0x20), which selects 1.8 V for
        the flash supply (ESP32 datasheet, strapping pins); 3.3 V flash chips then cannot be read."""
        return (self.chip in (None, "esp32") and self.boot_mode is not None and bool(self.boot_mode & 0x20)
                and not self.download)
    boundary = ("device", 1)

    def is_failure(self) -> bool:
        # A brownout reset (RTCWDT_BROWN_OUT_RESET, BROWNOUT_RST, BROWN_OUT_RST): the supply failed
        # the run before this boot, whatever this boot does.
        reason = self.reason or ""
        if "BROWN" in reason or self.after_panic:
            return True
        # A watchdog reset of the system or a CPU (TG0WDT_SYS_RESET, TG1WDT_SYS_RESET, RTCWDT_SYS_RESET,
        # TGWDT_CPU_RESET, TG0WDT_SYS_RST, TG0_WDT_HPSYS ...: esp_rom rtc.h of each chip): the run before
        # this boot hung until a watchdog stopped it, however well this boot goes. Not the ROM's own
        # retry after a failed read or check, which belongs to that failure.
        return "WDT" in reason and reason not in WHOLE_CHIP_WATCHDOG_RESETS and not self.retry

    def is_weak(self) -> bool:
        # A restart after "Rebooting..." and nothing else: the panic handler's last line, but also what a
        # sketch may print before it restarts on purpose (ESP.restart(), esp_restart()). It counts only
        # where no boot of the capture completed; a crash with its panic output is a failure anyway.
        # (after_panic is set on software CPU resets only, which no brownout or watchdog reason is.)
        return super().is_weak() or self.after_panic

    def completes(self) -> bool:
        return self.woke_after_boot

    def restarts_unasked(self) -> bool:
        return not self.retry and (self.reason or "") in SOFTWARE_RESETS

    @property
    def message_id(self) -> str | None:
        """The catalogue entry of this reset reason, for a failing reset (the generic boot-mode entry
        would otherwise describe the line)."""
        return _reset_reason_ids().get(self.reason or "") if self.is_failure() else None


class Esp8266Reset(RomReset):
    """The ESP8266 ROM's one-line banner: ``ets Jan  8 2013,rst cause:2, boot mode:(3,6)``: a new boot,
    its reset cause and the boot mode the strapping pins selected."""

    kind: Literal["Esp8266Reset"] = "Esp8266Reset"
    boundary = ("device", 0)

    def is_failure(self) -> bool:
        # The ROM prints the cause as a number only: 0 unknown, 1 normal boot, 2 reset pin, 3 software
        # reset, 4 watchdog reset (esp8266/Arduino@02d6bb27ffa3605e3faf062fc5ec2ed9d92ca44c:doc/boards.rst,
        # "Boot Messages and Modes", rst cause table). A watchdog reset ends a run that hung, as the
        # watchdog reasons of the later chips do.
        return self.reason_code == 4 and not self.retry

    def facts(self) -> dict[str, str]:
        return {"chip": "esp8266"}


class RomWaitingForDownload(RomEvent):
    """``waiting for download`` / ``wait usb download``: the ROM now serves a host tool.

    It opens a tool session, so an esptool run that follows (and uses the download mode on
    purpose) belongs to the same attempt; a wait that no tool answers stays on its own.
    """

    kind: Literal["RomWaitingForDownload"] = "RomWaitingForDownload"
    boundary = ("tool", 0)


class RomSpiConfig(RomEvent):
    """``configsip: 0, SPIWP:0xee`` (ESP32): the flash pins (0: the default ones) and the WP pin the
    bootloader's header names. The ROM prints it only after it read that header: a read that fails
    prints ``flash read err, 1000`` instead, before it."""

    kind: Literal["RomSpiConfig"] = "RomSpiConfig"
    flash_pin_config: int
    wp_pin: int


class RomFlashMode(RomEvent):
    """``mode:DIO, clock div:2`` — the flash mode in the bootloader header as the ROM read it."""

    kind: Literal["RomFlashMode"] = "RomFlashMode"
    mode: str
    clock_div: int


class RomInvalidHeader(RomEvent):
    kind: Literal["RomInvalidHeader"] = "RomInvalidHeader"
    value: int
    failure = True

    @property
    def erased(self) -> bool:
        """Erased (all ones) or blank (all zeros) flash where the header should be: nothing there."""
        return self.value in (0xFFFFFFFF, 0)

    @property
    def cut(self) -> bool:
        """The word lost digits: a reset cut the line (``invalid header: 0xf`` glued to the next
        banner). The ROM prints all eight digits, leading zeros too (``invalid header: 0x000081b3``,
        github.com/wled/WLED/issues/3874), so a shorter value says nothing of what sits in flash."""
        digits = _HEX_WORD.search(self.text)
        return digits is not None and len(digits.group(1)) < 8

    @property
    def as_text(self) -> str | None:
        """The word's four bytes as they sit in flash, when all are printable ASCII: the ROM reads the
        header word little-endian (esp-idf components/bootloader_support/include/esp_app_format.h,
        ``esp_image_header_t`` starts with the magic byte 0xE9), so 0x4f44213c is ``<!DO`` in flash."""
        if self.cut or not 0 <= self.value <= 0xFFFFFFFF:
            return None
        raw = self.value.to_bytes(4, "little")
        if all(0x20 <= b < 0x7F for b in raw):
            return raw.decode("ascii")
        return None

    @property
    def printable(self) -> bool:
        """The header word is four printable characters: text sits where the bootloader belongs."""
        return self.as_text is not None


class RomFlashReadError(RomEvent):
    kind: Literal["RomFlashReadError"] = "RomFlashReadError"
    code: int
    failure = True


class RomChecksumError(RomEvent):
    kind: Literal["RomChecksumError"] = "RomChecksumError"
    calculated: int
    expected: int
    failure = True
    # Where the image the ROM read ends in flash, at the least (its load: lines); None when unknown.
    image_end: int | None = None

    @property
    def past_default_table(self) -> bool:
        """The image runs past 0x8000, where ESP-IDF puts the partition table unless the project moves
        it (Kconfig PARTITION_TABLE_OFFSET, default 0x8000): a bootloader that long has the table
        written over its end, and the ROM's checksum of it fails."""
        return self.image_end is not None and self.image_end > DEFAULT_PARTITION_TABLE_OFFSET


class RomAbort(RomEvent):
    """``ets_main.c 371``: the ROM gave up on the second-stage bootloader."""

    kind: Literal["RomAbort"] = "RomAbort"
    file: str
    source_line: int
    failure = True


class SigBlockInvalid(RomEvent):
    """ROM Secure Boot V2 check of one signature block: ``Sig block 0 invalid: Image digest does not match``."""

    kind: Literal["SigBlockInvalid"] = "SigBlockInvalid"
    block: int
    reason: str
    failure = True


class SigBlockUntrustedKey(RomEvent):
    kind: Literal["SigBlockUntrustedKey"] = "SigBlockUntrustedKey"
    block: int
    failure = True


class RomSignatureCheckFailed(RomEvent):
    kind: Literal["RomSignatureCheckFailed"] = "RomSignatureCheckFailed"
    failure = True


class RomSecureBootFailed(RomEvent):
    """``secure boot verification failed`` (SBv2 ROM) or ``secure boot check fail`` (SBv1 digest)."""

    kind: Literal["RomSecureBootFailed"] = "RomSecureBootFailed"
    message: str
    failure = True


class RomNoSignatureBlock(RomEvent):
    kind: Literal["RomNoSignatureBlock"] = "RomNoSignatureBlock"
    found: int
    failure = True


class RomValidKeyBlocks(RomEvent):
    """``Valid secure boot key blocks: 0 1 2``: the indexes of the usable key digests, not a count
    (esp-idf #13273 boots with ``... blocks: 0``; the C6 log in esp-rs/esp-hal #4770 lists ``0 1 2``)."""

    kind: Literal["RomValidKeyBlocks"] = "RomValidKeyBlocks"
    blocks: list[int]

    def is_failure(self) -> bool:
        return not self.blocks


class RomSecureBootOk(RomEvent):
    """``secure boot verification succeeded`` (``ECDSA secure boot ...`` on ECDSA chips), ``secure boot v2 enabled``.

    ``after_failure``: it came in the ROM's watchdog retry right after a failed check of the same boot.
    """

    kind: Literal["RomSecureBootOk"] = "RomSecureBootOk"
    message: str
    after_failure: bool = False


class RomShaMismatch(RomEvent):
    """``SHA-256 comparison failed:`` — newer ROMs boot anyway when secure boot is off.

    The ROM prints it while it loads the image at the bootloader offset, after its reset line and
    before the image it loaded prints anything: a step of a boot between the two. Pasted without its
    banner after a host tool's run (a write, then "On boot, the device prints: ..."), it opens that
    boot instead of joining the tool run, which completed.
    """

    kind: Literal["RomShaMismatch"] = "RomShaMismatch"
    boundary = ("device", 1.5)


class RomInvalidImageBlock(RomEvent):
    kind: Literal["RomInvalidImageBlock"] = "RomInvalidImageBlock"
    failure = True
    # An earlier segment of the same boot attempt loaded into this chip's RAM, as a second-stage
    # bootloader's do: the image was a bootloader and a later block of it read back wrong.
    after_ram_segment: bool = False


class RomLoad(RomEvent):
    kind: Literal["RomLoad"] = "RomLoad"
    address: int
    length: int

    @property
    def implausible(self) -> bool:
        """A segment no image has, the ROM reading garbage as a header: a length negative or over 16 MB,
        or an address no ESP chip has memory or mapped flash at."""
        return not 0 <= self.length <= 0x1000000 or not mapped_by_some_chip(self.address)

    @property
    def flash_mapped(self) -> bool:
        """The segment loads to an address in flash mapped through the cache, where an app's code and
        constants live and a second-stage bootloader's never do."""
        return app_only_address(self.address)


class RomEntry(RomEvent):
    """``entry 0x40080400``: the ROM jumps into the second-stage bootloader it loaded."""

    kind: Literal["RomEntry"] = "RomEntry"
    handoff = True
    address: int
    # What runs after the jump prints on the console its build chose, at its rate: ESP-IDF
    # docs/en/api-guides/stdio.rst (v6.1-dev-6734-g102122904ad, lines 36-40: UART default or custom,
    # USB CDC, USB Serial/JTAG, none), components/esp_stdio/Kconfig:3 "Channel for console output" and
    # :150 ESP_CONSOLE_UART_BAUDRATE (release/v5.x: esp_system, "ESP System Settings" menu, as
    # docs/en/get-started/linux-macos-start-project.rst:138 names it); components/bootloader/Kconfig.log:24-41
    # BOOTLOADER_LOG_LEVEL "Bootloader log verbosity", NONE = "No output"; arduino-esp32 boards.txt
    # menu.CDCOnBoot ("USB CDC On Boot": Serial on the chip's own USB port); idf.py monitor's own rate:
    # tools/idf_py_actions/serial_ext.py:1132 (--monitor-baud, -b).
    silence_means = (
        "The ROM loaded the second-stage bootloader and jumped to it (`entry`); nothing the bootloader "
        "or the application printed follows on this port."
    )
    silence_checks = (
        "The console baud rate: the application prints at CONFIG_ESP_CONSOLE_UART_BAUDRATE (115200 unless "
        "changed), an Arduino sketch at the rate it passes to Serial.begin(); open the monitor at that rate "
        "(idf.py -p PORT monitor -b 115200, or that rate in the terminal program).",
        "Where the console goes: idf.py menuconfig > Component config > ESP System Settings > Channel for "
        "console output (CONFIG_ESP_CONSOLE_UART). USB Serial/JTAG or USB CDC print on the chip's own USB "
        "port, a custom UART on other pins, None nowhere; in Arduino, Tools > USB CDC On Boot: Enabled moves "
        "Serial to the native USB port. Open the port the console uses "
        "(https://docs.espressif.com/projects/esp-idf/en/stable/esp32/api-guides/stdio.html).",
        "A quiet bootloader: one built with CONFIG_BOOTLOADER_LOG_LEVEL_NONE (menuconfig > Bootloader config > "
        "Bootloader log verbosity: No output) prints nothing even when it starts the app; set it to Info to see "
        "how far the boot gets.",
        "An application that stops before its first line: with the console and rate right, it hangs or "
        "crashes before it logs (a crash that resets shows the ROM lines again); capture longer, from power-on, "
        "to see which.",
    )


class Panic(Event):
    """Unprefixed crash output from the IDF panic handler or the heap checker."""

    kind: Literal["Panic"] = "Panic"
    family = "esp-idf"
    message: str
    failure = True


# ---------------------------------------------------------------- ESP-IDF log lines
_LEVEL_NAMES = {"E": "error", "W": "warning", "I": "info", "D": "debug", "V": "debug"}  # log.h
class EspLog(Event):
    """Any ESP-IDF log line: ``I (31) boot: message`` (or a ``(hh:mm:ss.mmm)`` stamp)."""

    kind: Literal["EspLog"] = "EspLog"
    family = "esp-idf"
    generic = True
    level: str
    ms: int | None = None
    tag: str
    msg: str
    value_sets = {"message_id": message_ids}

    @cached_property  # rule conditions ask it of each event, many times
    def message_id(self) -> str | None:
        """The message catalogue's id of this line's message (no grammar reads it in detail)."""
        return identify(self.msg, "esp", self.tag)

    def is_failure(self) -> bool:
        if type(self).generic and (message_id := self.message_id) is not None:
            return self.failure or catalogue().severity(message_id) == "failure"
        return self.failure or (self.level == "E" and self.tag in BOOT_TAGS)

    def completes(self) -> bool:
        # A line from outside the second-stage bootloader is the app's own: the boot reached it.
        if type(self).completion or not self.tag.startswith(_BOOTLOADER_TAG_STARTS) and self.tag not in _BOOTLOADER_TAGS:
            return True
        return catalogue().completes(self.message_id or "")

    def level_name(self) -> str | None:
        return _LEVEL_NAMES.get(self.level)


class BootloaderStart(EspLog):
    kind: Literal["BootloaderStart"] = "BootloaderStart"
    idf_version: str
    boundary = ("device", 2)

    def facts(self) -> dict[str, str]:
        return {"esp_idf": self.idf_version}


class BootFlashConfig(EspLog):
    """``boot.esp32: SPI Flash Size : 4MB`` — read from the bootloader's own image header."""

    kind: Literal["BootFlashConfig"] = "BootFlashConfig"
    setting: str  # speed | mode | size
    value: str

    def facts(self) -> dict[str, str]:
        return {f"flash_{self.setting}": self.value}


class ChipRevision(EspLog):
    kind: Literal["ChipRevision"] = "ChipRevision"
    revision: str

    def facts(self) -> dict[str, str]:
        return {"chip_revision": self.revision}


class PartitionEntry(EspLog):
    kind: Literal["PartitionEntry"] = "PartitionEntry"
    index: int
    label: str
    usage: str
    type: int
    subtype: int
    offset: int
    length: int


class PartitionTableError(EspLog):
    kind: Literal["PartitionTableError"] = "PartitionTableError"
    problem: str
    failure = True


class PartitionBeyondFlash(EspLog):
    """``partition 3 invalid - offset 0x... size 0x... exceeds flash chip size 0x...``"""

    kind: Literal["PartitionBeyondFlash"] = "PartitionBeyondFlash"
    index: int
    offset: int
    size: int
    flash_size: int
    failure = True


class ImageSegment(EspLog):
    kind: Literal["ImageSegment"] = "ImageSegment"
    index: int
    paddr: int
    vaddr: int
    size: int
    mapping: str | None = None


class ImageVerifyingSignature(EspLog):
    kind: Literal["ImageVerifyingSignature"] = "ImageVerifyingSignature"


class SecureBootNotEnabledYet(EspLog):
    kind: Literal["SecureBootNotEnabledYet"] = "SecureBootNotEnabledYet"


class SecureBootVerifyingWith(EspLog):
    kind: Literal["SecureBootVerifyingWith"] = "SecureBootVerifyingWith"
    scheme: str


class SignatureVerified(EspLog):
    kind: Literal["SignatureVerified"] = "SignatureVerified"


class SecureBootV2VerifyFailed(EspLog):
    kind: Literal["SecureBootV2VerifyFailed"] = "SecureBootV2VerifyFailed"


class ImageSignatureFailed(EspLog):
    """``esp_image: Secure boot signature verification failed``."""

    kind: Literal["ImageSignatureFailed"] = "ImageSignatureFailed"


class ImageHashFailed(EspLog):
    """``Image hash failed - image is corrupt``: the appended SHA-256 does not match the image."""

    kind: Literal["ImageHashFailed"] = "ImageHashFailed"


class ImageCorrupted(EspLog):
    """``image corrupted on flash``: after a signature failure, the appended SHA-256 is wrong too."""

    kind: Literal["ImageCorrupted"] = "ImageCorrupted"
    failure = True


class ImageSignatureBad(EspLog):
    """``image valid, signature bad``: the appended SHA-256 is right, only the signature fails."""

    kind: Literal["ImageSignatureBad"] = "ImageSignatureBad"
    failure = True


class SecureBootV1BadVersion(EspLog):
    """``image has invalid signature version field 0x...``: no V1 signature after the image."""

    kind: Literal["SecureBootV1BadVersion"] = "SecureBootV1BadVersion"
    value: int


class SecureBootV1Result(EspLog):
    kind: Literal["SecureBootV1Result"] = "SecureBootV1Result"
    result: int


class SecureBootKeyMismatch(EspLog):
    """The image's signing key is not among the trusted key digests (eFuse or running app)."""

    kind: Literal["SecureBootKeyMismatch"] = "SecureBootKeyMismatch"
    detail: str
    failure = True


class SecureBootSchemeMismatch(EspLog):
    kind: Literal["SecureBootSchemeMismatch"] = "SecureBootSchemeMismatch"
    detail: str
    failure = True


class SecureBootEnabling(EspLog):
    """First boot: ``enabling secure boot v2...`` (or V1 digest generation)."""

    kind: Literal["SecureBootEnabling"] = "SecureBootEnabling"
    version: int


class SecureBootAlreadyEnabled(EspLog):
    kind: Literal["SecureBootAlreadyEnabled"] = "SecureBootAlreadyEnabled"


class SecureBootEnabled(EspLog):
    kind: Literal["SecureBootEnabled"] = "SecureBootEnabled"


class BootloaderImageInvalid(EspLog):
    """``bootloader image appears invalid! error 8194`` while enabling secure boot."""

    kind: Literal["BootloaderImageInvalid"] = "BootloaderImageInvalid"
    error: int


class SecureBootEnableFailed(EspLog):
    """``Secure Boot v2 failed (8194)`` / ``FAILED TO ENABLE SECURE BOOT (%d).``"""

    kind: Literal["SecureBootEnableFailed"] = "SecureBootEnableFailed"
    error: int


class InvalidMagicByte(EspLog):
    kind: Literal["InvalidMagicByte"] = "InvalidMagicByte"
    address: int

    @property
    def at_bootloader_offset(self) -> bool:
        """The bootloader's own image (0x0, 0x1000 or 0x2000 by chip): it was just loaded from there."""
        return self.address in (0x0, 0x1000, 0x2000)


class InvalidSpiParameter(EspLog):
    kind: Literal["InvalidSpiParameter"] = "InvalidSpiParameter"
    address: int
    parameter: str
    value: int

    @property
    def erased(self) -> bool:
        """Read from erased flash: the mode byte 0xff, or a size/speed nibble 0xf."""
        return self.value == (255 if self.parameter == "mode" else 15)


class ImageTooLarge(EspLog):
    kind: Literal["ImageTooLarge"] = "ImageTooLarge"
    image_length: int
    partition_length: int


class ChecksumFailed(EspLog):
    kind: Literal["ChecksumFailed"] = "ChecksumFailed"
    calculated: int
    expected: int


# "..., expected 0, found 27757": the chip id an image header gave (a u16, so at most 5 digits).
_FOUND_CHIP_ID = re.compile(r"found (\d{1,5})\b")


class ChipMismatch(EspLog):
    kind: Literal["ChipMismatch"] = "ChipMismatch"
    detail: str
    failure = True

    @property
    def erased(self) -> bool:
        """The header was read from erased flash (chip id 0xffff / revision 255): no image is there."""
        return "65535" in self.detail or "found 255" in self.detail

    @property
    def found_no_chip(self) -> bool:
        """The chip id read from the image names no ESP32-family chip (``found 27757``): the bytes
        are not such an image's header at all (an ESP8266 image, a web page, text). Chip ids:
        esp_app_format.h esp_chip_id_t, the table in chips.py (and the ids of pre-release chips)."""
        found = _FOUND_CHIP_ID.search(self.detail) if "chip id" in self.detail.lower() else None
        if found is None or self.erased:
            return False
        chip_id = parse_int(found.group(1))  # at most 5 digits (_FOUND_CHIP_ID)
        return chip_id not in CHIPS_BY_ID and chip_id not in BETA_CHIP_IDS


class PartitionNotBootable(EspLog):
    kind: Literal["PartitionNotBootable"] = "PartitionNotBootable"
    partition: str  # factory | test | ota
    slot: int | None = None


class NoBootablePartition(EspLog):
    kind: Literal["NoBootablePartition"] = "NoBootablePartition"


class AppLoaded(EspLog):
    kind: Literal["AppLoaded"] = "AppLoaded"
    completion = True
    offset: int


class BootSelection(EspLog):
    """``No factory image, trying OTA 0`` / ``Defaulting to factory image`` / otadata problems.

    ``ota data partition invalid, falling back to factory`` is logged at E level, but the
    bootloader goes on with the fallback: by itself it is no failure.
    """

    kind: Literal["BootSelection"] = "BootSelection"
    detail: str

    def is_failure(self) -> bool:
        return False


class FlashEncryptionEnabled(EspLog):
    kind: Literal["FlashEncryptionEnabled"] = "FlashEncryptionEnabled"
    plaintext_flashes_left: int


class FlashEncryptionProgress(EspLog):
    """First-boot encryption in place: ``Encrypting partition 2 at offset 0x...``, ``Flash encryption completed``."""

    kind: Literal["FlashEncryptionProgress"] = "FlashEncryptionProgress"
    detail: str


class FlashEncryptionMode(EspLog):
    kind: Literal["FlashEncryptionMode"] = "FlashEncryptionMode"
    mode: str


class FlashEncryptionError(EspLog):
    kind: Literal["FlashEncryptionError"] = "FlashEncryptionError"
    detail: str
    failure = True


class AppStarted(EspLog):
    """The application is running: the boot chain succeeded."""

    kind: Literal["AppStarted"] = "AppStarted"
    completion = True
    detail: str


# ---------------------------------------------------------------- esptool / espefuse / espsecure
_HOST_ENCRYPTED = re.compile(r"[-_.](?:enc|encrypted|ciphertext)(?:\.bin)?$", re.IGNORECASE)


def _host_encrypted_name(path: str) -> bool:
    name = path.replace("\\", "/").rsplit("/", 1)[-1].strip("\"'")
    return _HOST_ENCRYPTED.search(name) is not None


class ToolEvent(Event):
    kind: str = "ToolEvent"
    family = "esptool"


class ToolStart(ToolEvent):
    """``esptool.py v4.7.0`` / ``esptool v5.0.0`` / ``espefuse.py v3.1`` / ``espsecure v5.6.0``."""

    kind: Literal["ToolStart"] = "ToolStart"
    tool: str
    version: str
    boundary = ("tool", 2)

    def facts(self) -> dict[str, str]:
        return {self.tool: self.version}


class ToolCommand(ToolEvent):
    """A command line invoking esptool/espefuse/espsecure, as pasted or echoed by idf.py."""

    kind: Literal["ToolCommand"] = "ToolCommand"
    tool: str
    command: str | None = None
    args: list[str]
    # The flash offsets a write_flash (or verify_flash) command names, each before its file
    # ("write_flash -z 0x1000 bootloader.bin 0x10000 app.bin" -> [0x1000, 0x10000]).
    offsets: list[int] = []
    # The files of those pairs, in the same order.
    files: list[str] = []
    boundary = ("tool", 1)

    @property
    def encrypts(self) -> bool:
        """esptool encrypts what it writes on the chip (``--encrypt``, ``--encrypt-files``; v4 spells
        the second ``--encrypt-files`` too, espressif/esptool@v4.7.0 esptool/__init__.py add_spi_flash_subparsers)."""
        return any(a in ("--encrypt", "--encrypt-files", "--encrypt_files") for a in self.args)

    @property
    def host_encrypted_beside_plain(self) -> bool:
        """A plain write of files the host already encrypted beside a file it did not: the names the
        docs give espsecure's encrypt_flash_data output (``bootloader-enc.bin``, ``partition-table-enc.bin``,
        ``my-app-enc.bin``: espressif/esptool@v5.3.1 docs/en/espsecure/index.rst:353-357; ``my-app-ciphertext.bin``:
        espressif/esp-idf@v6.1-dev docs/en/security/flash-encryption.rst:1241). Flash encryption is on, and
        the other file goes to flash as plaintext."""
        if self.command != "write_flash" or self.encrypts or len(self.files) < 2:
            return False
        marked = [_host_encrypted_name(f) for f in self.files]
        return any(marked) and not all(marked)


class ToolChip(ToolEvent):
    kind: Literal["ToolChip"] = "ToolChip"
    chip: str

    def facts(self) -> dict[str, str]:
        return {"chip": self.chip}


class ToolConnecting(ToolEvent):
    kind: Literal["ToolConnecting"] = "ToolConnecting"
    attempts: int


# macOS names a serial port its own USB CDC-ACM driver serves /dev/cu.usbmodem* (tty.usbmodem*); the WCH
# driver for CH34x/CH910x bridges names the same bridge /dev/tty.wchusbserial* (WCHSoftGroup/ch34xser_macos@
# 54a4ee5068a2c5743bb6520f239eb1fa8fd65767:README.md, installation step 4).
_MACOS_CDC_PORT = re.compile(r"^/dev/(?:cu|tty)\.usbmodem")


class ToolSerialPort(ToolEvent):
    """``Serial port /dev/ttyUSB0`` (esptool v2-v4; v5 ends it with a colon): the port esptool opened."""

    kind: Literal["ToolSerialPort"] = "ToolSerialPort"
    port: str

    @property
    def macos_usb_modem(self) -> bool:
        """A macOS port served by the system's CDC-ACM driver (``/dev/cu.usbmodem*``)."""
        return _MACOS_CDC_PORT.search(self.port) is not None


def chip_family(name: str) -> str:
    """``ESP32-D0WD-V3 (revision v3.1)`` -> ``esp32``; ``ESP32-S3`` -> ``esp32s3``."""
    head = name.strip().split(" ")[0].upper()
    for family in ("ESP32-S2", "ESP32-S3", "ESP32-C2", "ESP32-C3", "ESP32-C5", "ESP32-C6", "ESP32-C61", "ESP32-H2", "ESP32-P4"):
        if head.startswith(family):
            return family.replace("-", "").lower()
    return "esp32" if head.startswith("ESP32") else head.lower()


# Strapping pin that selects download mode, per chip (esptool docs boot-mode-selection.rst;
# ESP-IDF hardware design guidelines).
DOWNLOAD_STRAPS = {
    "esp32": "GPIO0 low (and GPIO2 low or floating) while EN/reset is released",
    "esp32s2": "GPIO0 low while reset is released (GPIO46 low)",
    "esp32s3": "GPIO0 low while reset is released (GPIO46 low)",
    "esp32c2": "GPIO9 low while reset is released (GPIO8 high)",
    "esp32c3": "GPIO9 low while reset is released (GPIO8 high)",
    "esp32c6": "GPIO9 low while reset is released (GPIO8 high)",
    "esp32h2": "GPIO9 low while reset is released (GPIO8 high)",
    "esp32c5": "GPIO28 low while reset is released",
    "esp32p4": "GPIO35 low while reset is released",
}


# esptool's check of an image's chip revision range (esptool v4.7.0 esptool/cmds.py:372, v5.3.1 cmds.py:1038):
# "%s requires chip revision in range [v%d.%d - v%d.%d] (this chip is revision v%d.%d)".
_REVISION_RANGE = re.compile(r"revision in range \[v(\d{1,3})\.(\d{1,3}) - v(\d{1,3})\.(\d{1,3})\] \(this chip is revision v(\d{1,3})\.(\d{1,3})\)")


class ToolFatal(ToolEvent):
    """``A fatal error occurred: ...``; connection failures are split into chip and reason."""

    kind: Literal["ToolFatal"] = "ToolFatal"
    message: str
    connect_chip: str | None = None
    reason: str | None = None
    failure = True
    value_sets = {"message_id": message_ids}

    @cached_property  # rule conditions ask it of each event, many times
    def message_id(self) -> str | None:
        """The message catalogue's id of the error esptool (or espefuse/espsecure) gave."""
        return identify(self.message, "esp")

    @cached_property
    def _revision_range(self) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]] | None:
        """(lowest accepted, highest accepted, the chip's) revision of esptool's range refusal."""
        found = _REVISION_RANGE.search(self.message) if "revision in range" in self.message else None
        if found is None:
            return None
        low_major, low_minor, high_major, high_minor, chip_major, chip_minor = (parse_int(v) for v in found.groups())
        return (low_major, low_minor), (high_major, high_minor), (chip_major, chip_minor)

    @property
    def chip_below_image_range(self) -> bool:
        """esptool refused an image whose lowest accepted chip revision is above the connected chip's."""
        revisions = self._revision_range
        return revisions is not None and revisions[2] < revisions[0]

    @property
    def chip_above_image_range(self) -> bool:
        """esptool refused an image whose highest accepted chip revision is below the connected chip's."""
        revisions = self._revision_range
        return revisions is not None and revisions[2] > revisions[1]

    @property
    def download_pins(self) -> str:
        chip = chip_family(self.connect_chip) if self.connect_chip else ""
        return DOWNLOAD_STRAPS.get(chip, "GPIO0 low on ESP32/S2/S3, GPIO9 low on C2/C3/C6/H2, while reset is released")

    @property
    def message_era(self) -> str:
        """Which esptool versions print this connection error (esptool loader.py history)."""
        reason = self.reason or self.message
        if "packet header" in reason or "packet content" in reason:
            return "esptool 3.1 or older (v3.2+ says 'No serial data received' or 'Wrong boot mode detected')"
        if "Wrong boot mode" in reason:
            return "esptool 3.2 or newer: it saw the chip print a normal boot log, so the reset into download mode did not happen"
        if reason.startswith("Invalid head of packet"):
            return "esptool: something other than the ROM loader answered its sync (the chip's own firmware, or noise)"
        if "No serial data" in reason:
            return "esptool 3.2 or newer: nothing at all came back from the chip"
        if reason.startswith("Failed to connect to the device"):
            return "espflash (esp-rs): it tried each of its reset sequences and got no sync reply"
        if reason.startswith("Failed to connect with the device"):
            return "esptool-js, the library of browser flashers: it tried each of its reset sequences and got no sync reply"
        if reason.startswith("Couldn't sync to ESP"):
            return "esp-web-flasher, the library of older browser flashers: it reset the board and got no reply to five sync attempts"
        if reason.startswith("espcomm_sync failed"):
            return "esptool-ck, the ESP8266 Arduino core's old uploader: it reset the board ten times and got no sync reply"
        return "esptool"


class ToolFlashParamsSet(ToolEvent):
    """``Flash params set to 0x0220`` — esptool rewrote bytes 2-3 of the image header."""

    kind: Literal["ToolFlashParamsSet"] = "ToolFlashParamsSet"
    value: int


class ToolShaUpdated(ToolEvent):
    kind: Literal["ToolShaUpdated"] = "ToolShaUpdated"


class ToolHashProtected(ToolEvent):
    """esptool 4.0-4.7 refused to rewrite a hash-protected image header."""

    kind: Literal["ToolHashProtected"] = "ToolHashProtected"
    address: int
    setting: str


class ToolSecurityKeepsFlashSettings(ToolEvent):
    kind: Literal["ToolSecurityKeepsFlashSettings"] = "ToolSecurityKeepsFlashSettings"


class ToolWrote(ToolEvent):
    kind: Literal["ToolWrote"] = "ToolWrote"
    completion = True
    size: int
    address: int


class ToolEfuseBurn(ToolEvent):
    """espefuse's plan, one field a line, before it burns: ``- 'FLASH_TYPE' (Selects SPI flash type) 0b0 -> 0b1``."""

    kind: Literal["ToolEfuseBurn"] = "ToolEfuseBurn"
    name: str
    old: str
    new: str


class EfuseCryptCount(ToolEvent):
    """espefuse summary's row of the flash encryption counter: ``FLASH_CRYPT_CNT (BLOCK0)  Flash encryption
    is enabled if this field has an o = 1 R/W (0b0000001)`` (ESP32), ``SPI_BOOT_CRYPT_CNT (BLOCK0) ... =
    Enable R/W (0b001)`` (later chips). Row format ``%-50s %-50s%s = %s %s %s`` with the raw bits last
    (espressif/esptool@v5.3.1 espefuse/efuse/base_operations.py:712, v3.0 espressif/efuse/base_operations.py:116
    with ``%-40s``); espefuse v2.6 (espefuse.py:473) printed the raw value in hex, ``= 1 R/W (0x1)``."""

    kind: Literal["EfuseCryptCount"] = "EfuseCryptCount"
    name: str
    bits_set: int

    @property
    def encryption_on(self) -> bool:
        """The counter turns flash encryption on with an odd number of its bits set (esptool
        espefuse/efuse_defs/esp32.yaml FLASH_CRYPT_CNT, esp32s3.yaml SPI_BOOT_CRYPT_CNT: "Enables flash
        encryption when 1 or 3 bits are set and disabled otherwise")."""
        return self.bits_set % 2 == 1


class ToolHashVerified(ToolEvent):
    kind: Literal["ToolHashVerified"] = "ToolHashVerified"
    completion = True


class EspsecureBlock(ToolEvent):
    """``Signature block 0 is valid (RSA).`` / ``Signature block 1 invalid. Skipping.``"""

    kind: Literal["EspsecureBlock"] = "EspsecureBlock"
    block: int
    valid: bool


class EspsecureVerified(ToolEvent):
    kind: Literal["EspsecureVerified"] = "EspsecureVerified"
    completion = True
    block: int | None = None


class EspsecureNotSignedByKey(ToolEvent):
    kind: Literal["EspsecureNotSignedByKey"] = "EspsecureNotSignedByKey"
    block: int


class EspsecureSigned(ToolEvent):
    kind: Literal["EspsecureSigned"] = "EspsecureSigned"
    completion = True
    size: int
    file: str

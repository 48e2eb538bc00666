"""ESP mask ROM lines -> events (grammar: grammars/esp_rom.lark)."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from bootdiag.core.parse.lalr import Token, Transformer

from bootdiag.core.events import Event
from bootdiag.core.messages import CatalogueMessage
from bootdiag.platforms.esp import events as ev
from bootdiag.platforms.esp.chips import CHIPS, CHIPS_BY_NAME
from bootdiag.core.parse.family import ClaimsByTrigger, compile_trigger, distance, hex_int, int_auto, line_at
from bootdiag.core.parse.grammar import parse_and_transform
from bootdiag.core.numbers import parse_int

Parsed = tuple[type[Event], dict[str, Any]]

# ESP32 ROM banners are dated ("ets Jun  8 2016", "ets Jul 29 2019"; ESP8266: "ets Jan  8 2013");
# newer chips name themselves (reference esp.md, ROM boot messages).
_ROM_CHIP = re.compile(r"ESP-ROM:(esp32[a-z0-9]*)")


def decode_boot_mode(chip: str | None, value: int | None, text: str | None) -> bool | None:
    """Did the strapping pins select download mode? ``None`` when it cannot be told.

    The byte is the GPIO_STRAP register (esptool docs, boot-mode-selection.rst):
    ESP32: GPIO0 is bit 0x10 (high = flash boot), download when bits 0x18 are both low;
    S2/S3/C3/C6/H2...: the boot strap is bit 0x08 (high = flash boot).
    The printed name, when present, is the ROM's own decoding and wins.
    """
    if text:
        upper = text.upper()
        if "DOWNLOAD" in upper or "UART_BOOT" in upper or "USB_BOOT" in upper:
            return True
        if upper.startswith(("(SP", "(HSPI", "(SPI")) or "FLASH_BOOT" in upper:
            return False
    if value is None:
        return None
    if chip == "esp32":
        if value & 0x10:
            return False
        return (value & 0x18) == 0 or (value & 0x1F) == 0x0F
    if chip and chip.startswith("esp32"):
        return not value & 0x08
    return None


def _unwrap(mode_text: str) -> str | None:
    """``(SPI_FAST_FLASH_BOOT)`` -> ``SPI_FAST_FLASH_BOOT``; keeps nested parentheses intact."""
    text = mode_text.strip()
    text = text[1:] if text.startswith("(") else text
    text = text[:-1] if text.endswith(")") else text
    return text or None


class _RomTransformer(Transformer):
    def banner_ets(self, items: list[Token]) -> Parsed:
        return ev.RomBanner, {"rom": "ets " + " ".join(items), "chip": "esp32"}

    def banner_esp_rom(self, items: list[Token]) -> Parsed:
        rom = str(items[0])
        return ev.RomBanner, {"rom": "ESP-ROM:" + rom, "chip": rom.split("-")[0]}

    def reset(self, items: list[Token | None]) -> Parsed:
        code, name, mode, mode_text = items
        return ev.RomReset, {
            "reason_code": hex_int(code),
            "reason": str(name) if name else None,
            "boot_mode": hex_int(mode),
            "boot_mode_name": _unwrap(str(mode_text)) if mode_text else None,
            "_mode_text": str(mode_text) if mode_text else None,
        }

    def reset_reason_only(self, items: list[Token]) -> Parsed:
        code, name = items
        return ev.RomReset, {"reason_code": hex_int(code), "reason": str(name), "boot_mode": None,
                             "boot_mode_name": None, "_mode_text": None}

    def waiting(self, _: list[Token]) -> Parsed:
        return ev.RomWaitingForDownload, {}

    def spi_config(self, items: list[Token]) -> Parsed:
        return ev.RomSpiConfig, {"flash_pin_config": parse_int(items[0]), "wp_pin": hex_int(items[1])}

    def flash_mode(self, items: list[Token]) -> Parsed:
        return ev.RomFlashMode, {"mode": str(items[0]), "clock_div": parse_int(items[1])}

    def invalid_header(self, items: list[Token]) -> Parsed:
        return ev.RomInvalidHeader, {"value": hex_int(items[0])}

    def flash_read_err(self, items: list[Token]) -> Parsed:
        return ev.RomFlashReadError, {"code": parse_int(items[0])}

    def csum_err(self, items: list[Token]) -> Parsed:
        return ev.RomChecksumError, {"calculated": hex_int(items[0]), "expected": hex_int(items[1])}

    def rom_abort(self, items: list[Token]) -> Parsed:
        return ev.RomAbort, {"file": str(items[0]), "source_line": parse_int(items[1])}

    def sig_block_invalid(self, items: list[Token]) -> Parsed:
        return ev.SigBlockInvalid, {"block": parse_int(items[0]), "reason": str(items[1]).strip()}

    def sig_block_untrusted(self, items: list[Token]) -> Parsed:
        return ev.SigBlockUntrustedKey, {"block": parse_int(items[0])}

    def sig_check_failed(self, _: list[Token]) -> Parsed:
        return ev.RomSignatureCheckFailed, {}

    def sb_failed(self, items: list[Token]) -> Parsed:
        return ev.RomSecureBootFailed, {"message": str(items[0])}

    def no_sig_block(self, items: list[Token]) -> Parsed:
        return ev.RomNoSignatureBlock, {"found": hex_int(items[0])}

    def valid_key_blocks(self, items: list[Token]) -> Parsed:
        return ev.RomValidKeyBlocks, {"blocks": [parse_int(i) for i in items]}

    def sb_ok(self, items: list[Token]) -> Parsed:
        return ev.RomSecureBootOk, {"message": str(items[0])}

    def sha_mismatch(self, _: list[Token]) -> Parsed:
        return ev.RomShaMismatch, {}

    def invalid_image_block(self, _: list[Token]) -> Parsed:
        return ev.RomInvalidImageBlock, {}

    def load(self, items: list[Token]) -> Parsed:
        return ev.RomLoad, {"address": hex_int(items[0]), "length": int_auto(items[1])}

    def entry(self, items: list[Token]) -> Parsed:
        return ev.RomEntry, {"address": hex_int(items[0])}


_TRANSFORMER = _RomTransformer()


# ESP8266 ROM: "ets Jan  8 2013,rst cause:2, boot mode:(3,6)". The first boot-mode digit is the
# strapping (GPIO15, GPIO0, GPIO2): 3 boots from flash, 1 is UART download, 4-7 (GPIO15 high) SDIO
# (ESP8266 Hardware Design Guidelines, boot mode table; esp8266/Arduino doc boards.rst).
_ESP8266_BANNER = re.compile(r"ets Jan\s+8 2013,\s*rst cause:\s*(\d+),\s*boot mode:\s*\((\d),(\d+)\)")
_ESP8266_MODES = {1: "UART_DOWNLOAD", 3: "FLASH_BOOT"}


# The ESP8266 Arduino core's eboot second stage: '~' (or '@' after a command in RTC memory) and "ld" right before
# it jumps to the sketch (esp8266/Arduino@1191d2518c908bd60b9c6e8430f2b19cc45cd6ae:bootloaders/eboot/eboot.c:main).
_EBOOT_LOAD = {"~ld": "rom.esp8266_eboot_load", "@ld": "rom.esp8266_eboot_load_after_command"}


@lru_cache(maxsize=4096)
def parse_rom_text(text: str) -> Parsed | None:
    # eboot ends its mark with a newline: whatever follows it on the line, a lost newline glued on
    words = text.split(None, 1) if "ld" in text[:4] else None
    eboot = _EBOOT_LOAD.get(words[0]) if words else None
    if eboot is not None:
        return CatalogueMessage, {"platform": "esp", "message": eboot, "severity": "milestone", "values": {}}
    m = _ESP8266_BANNER.match(text)
    if m is not None:
        mode = parse_int(m.group(2))
        return ev.Esp8266Reset, {
            "reason_code": parse_int(m.group(1)), "boot_mode": mode, "download": mode != 3,
            "boot_mode_name": _ESP8266_MODES.get(mode, "SDIO" if mode >= 4 else f"mode {mode}"), "chip": "esp8266",
        }
    return parse_and_transform("esp_rom", "start", text, _TRANSFORMER.transform)


# Lines whose event depends on nothing but their text (the others read the chip or the retry state).
_CONTEXT_FREE = (ev.RomLoad, ev.RomSpiConfig, ev.RomFlashMode, ev.Esp8266Reset)
# esptool bin_image.py: an image starts with a 24-byte header (ESPLoader/ImageHeader 8 bytes plus the
# 16-byte extended header), and each segment with an 8-byte header (load address, length).
IMAGE_HEADER_SIZE = 24
SEGMENT_HEADER_SIZE = 8
_SEEN_SIZE = 1024
RESTART_GAP = 2  # lines from "entry 0x..." to the next banner when nothing ran visibly in between (one blank line)
# Reset reason 5, a wake from deep sleep, as the ESP32 ROM names it and as the ROMs of the ESP32-S2 and later do
# (espressif/esp-idf@v5.5.5:components/esp_rom/esp32/include/esp32/rom/rtc.h:79 DEEPSLEEP_RESET; messages/esp-rom.toml).
_DEEP_SLEEP_WAKES = frozenset({"DEEPSLEEP_RESET", "DSLEEP"})
# Reset reason 0xc, a software reset of the CPU, as the ROMs name it: ESP32 SW_CPU_RESET, ESP32-S2/S3/C3
# RTC_SW_CPU_RST, ESP32-C6 SW_CPU (messages/esp-rom.toml rom.esp32_rst_sw_cpu_reset, rom.rst_rtc_sw_cpu_rst,
# rom.rst_sw_cpu). The panic handler restarts the chip that way, after its last line, "Rebooting..."
# (espressif/esp-idf@v5.5.5:components/esp_system/panic.c:463, messages/esp-idf.toml idf.panic_rebooting).
_SOFTWARE_CPU_RESETS = frozenset({"SW_CPU_RESET", "RTC_SW_CPU_RST", "SW_CPU"})
PANIC_RESTART_GAP = 2  # lines from the panic handler's "Rebooting..." to the ROM's banner (a blank line between)
# Catalogue ids of the host tools' messages (messages/esptool.toml, esp-espflash.toml, esptool-ck.toml).
_HOST_TOOL_MESSAGES = ("esptool.", "espflash.", "esptool_ck.", "espefuse.", "espsecure.")


def _is_host_tool(event: Event) -> bool:
    """An event of the flashing tool on the host (esptool, espflash), not of the chip."""
    if type(event).family == "esptool":
        return True
    message = getattr(event, "message", None)
    return isinstance(message, str) and message.startswith(_HOST_TOOL_MESSAGES)


def _is_rom_message(event: Event) -> bool:
    """A line of the ROM's own that the catalogue read (messages/esp-rom.toml, ids "rom."), such as
    "configsip: 0, SPIWP:0xee" where a rule reads it: the ROM still runs, no later stage printed."""
    return type(event) is CatalogueMessage and event.message.startswith("rom.")


class EspRomFamily(ClaimsByTrigger):
    name = "esp-rom"
    trigger = compile_trigger(
        r"rst:0x", r"\bets J(?:an|u[nl]) ", r"ESP-ROM:", r"wait(ing for| usb) download", r"configsip: \d", r"mode:\w+, clock div",
        r"invalid header:", r"flash read err,", r"csum err:0x", r"ets_\w+\.c \d", r"Sig block \d", r"Signature Check Failed",
        r"[Ss]ecure boot (verification|check|v2 enabled)", r"No signature block magic", r"Valid secure boot key",
        r"SHA-256 comparison failed", r"Invalid image block", r"load:0x", r"entry 0x", r"ets Jan\s+8 2013",
        # (alone on its line, the family reads it only so; the screen also hands it over inside a paste's
        # marks: quote, number, grep -n's number, bullet, bold, a line end shown as text, SSCOM's received
        # mark "[12:08:47.556]收←◆" of core/parse/unwrap.py)
        r"(?:^|[\s>`*|:\u25c6])[~@]ld\b",
    )

    # A banner this close after a failed ROM secure boot check or flash read (or its ets_main.c abort) is
    # the watchdog restarting the ROM, not a new boot; the failure, abort, blank line and banner come
    # back to back. A watchdog reset line read without its banner (a garbled paste) may stand two lines
    # further: the unread banner and the blank line after it.
    # A capture whose lines all stand every other line (a terminal that wrote "\r\r\n", which editors
    # show as a blank line after every line) doubles these distances: its abort stands two lines after
    # the failure, not one.
    RETRY_WINDOW = 3
    RESET_RETRY_WINDOW = RETRY_WINDOW + 2
    # The ROM gives up on these the same way (ets_main.c 371) and its RTC watchdog restarts it at once.
    _RETRIED_FAILURES = (ev.SigBlockInvalid, ev.SigBlockUntrustedKey, ev.RomSignatureCheckFailed,
                         ev.RomSecureBootFailed, ev.RomNoSignatureBlock, ev.RomFlashReadError)

    def __init__(self) -> None:
        self.chip: str | None = None  # from the last ROM banner: decodes the boot-mode byte
        self._sb_failed_at: int | None = None  # line of the last failed ROM check (or the abort after it)
        self._spaced = False  # that abort stood two lines after its failure: the windows double
        self._retry_banner = False  # the last banner followed a failed check
        self._in_retry = False  # a watchdog retry of a failed check is under way
        self._entry_at: int | None = None  # line of the ROM's last "entry 0x..." (its hand-over)
        self._restarted = False  # the last banner came right after a hand-over
        self._booted = False  # the capture showed a second-stage bootloader start
        # The boot since the last reset got past the ROM: it handed over ("entry 0x..."), or the
        # bootloader or the app printed a line.
        self._started = False
        # Reset reasons that already ended a boot that got past the ROM, in this capture, with how
        # many times (counted up to 2).
        self._ended_started: frozenset[tuple[str, int]] = frozenset()
        # The boot since the last reset reached its application (an AppStarted line), and the line
        # where it did.
        self._app_started = False
        self._app_at: int | None = None
        # Reset reasons that ended a boot which had reached its application, with how many lines of
        # output that boot printed from its application's start to the reset (the first such boot's).
        self._app_spans: frozenset[tuple[str, int]] = frozenset()
        # The line of the panic handler's last "Rebooting...", and whether the last banner came right after it.
        self._rebooting_at: int | None = None
        self._after_panic = False
        self._new_attempt()
        # text -> its event when the text alone decides it, else None (read again, state and all)
        self._seen: dict[str, Event | None] = {}

    def state(self, no: int) -> tuple[object, ...]:
        """The chip, the retry and restart windows, and how many lines are known word for word
        (a line new to the family is read the long way, which a repeat is not)."""
        return (
            self.chip, distance(self._sb_failed_at, no), self._spaced, self._retry_banner, self._in_retry,
            distance(self._entry_at, no), self._restarted, self._ram_segment, self._image_bytes, self._first_load,
            self._booted, self._started, self._ended_started, self._app_started, distance(self._app_at, no),
            self._app_spans, distance(self._rebooting_at, no), self._after_panic, len(self._seen),
        )

    def restore(self, state: tuple[object, ...], no: int) -> None:
        (self.chip, failed, self._spaced, self._retry_banner, self._in_retry, entry, self._restarted, self._ram_segment,
         self._image_bytes, self._first_load, self._booted, self._started, self._ended_started, self._app_started,
         app_at, self._app_spans, rebooting, self._after_panic, _known) = state  # type: ignore[assignment]
        self._rebooting_at = line_at(rebooting, no)  # type: ignore[arg-type]
        self._sb_failed_at, self._entry_at = line_at(failed, no), line_at(entry, no)  # type: ignore[arg-type]
        self._app_at = line_at(app_at, no)  # type: ignore[arg-type]

    def repeat(self, raw: str) -> tuple[Event | None, str] | None:
        """A line this family read before, word for word (the ROM prints the same lines on every
        boot). Lines whose meaning needs no context (loads, entry, flash mode) give their earlier
        event; the others give ``None``: they must be read again, as they move the family's state
        (chip, retry window), but without cleaning them or asking the other families."""
        text = raw[:-1] if raw.endswith("\r") else raw
        if text in self._seen:
            return self._seen[text], text
        return None

    def repeat_at(self, earlier: Event | None, raw: str, text: str, no: int) -> Event:
        if earlier is not None:
            if type(earlier) is ev.RomLoad:
                self._note_load(earlier)  # type: ignore[arg-type]
            return earlier.moved(no, text)
        return self._event(*parse_rom_text(text), text, no)  # type: ignore[misc]

    def parse(self, text: str, no: int) -> Event | None:
        parsed = parse_rom_text(text)
        if parsed is None:
            return None
        event = self._event(*parsed, text, no)
        if len(self._seen) < _SEEN_SIZE:
            self._seen[text] = event if type(event) in _CONTEXT_FREE else None
        return event

    def _new_attempt(self) -> None:
        """Forget what the ROM read of the image in the boot attempt before (a banner or a retry starts one)."""
        # A segment of this boot attempt loaded into the chip's own RAM: the header the ROM read was a
        # second-stage bootloader's, so a block it rejects later is corrupt data, not another file.
        self._ram_segment = False
        # Bytes of the image the ROM has read in this boot attempt (header and segments, as its load:
        # lines give them), and the address of its first segment (which tells the chip without a banner).
        self._image_bytes = 0
        self._first_load: int | None = None

    def _image_end(self) -> int | None:
        """Where in flash the image the ROM read ends, at the least: the chip's bootloader offset
        plus the bytes its load: lines account for. Without a banner naming the chip, the chips whose
        RAM takes the first segment tell it (the lowest of their offsets, so the end is never
        overstated); ``None`` when no load: line was read."""
        if not self._image_bytes or self._first_load is None:
            return None
        chip = CHIPS_BY_NAME.get(self.chip) if self.chip else None
        if chip is not None:
            offset = chip.bootloader_offset
        else:
            offsets = [c.bootloader_offset for c in CHIPS if c.loads_into_ram(self._first_load, self._first_load + 1)]
            if not offsets:
                return None
            offset = min(offsets)
        return offset + self._image_bytes

    def other_event(self, event: Event, no: int) -> None:
        """A line the bootloader or the app printed after the hand-over: whatever restarts the chip
        later does not restart it right after the ROM's jump (counted by events, not only by lines:
        a paste that lost its newlines puts the hand-over and what follows it on one line)."""
        if type(event).family != self.name and not event.quoted and not _is_rom_message(event):
            self._entry_at = None
            # The host's flashing tool took the chip over: the reset that follows is the tool's, and
            # ends no boot of the chip's own.
            self._started = not _is_host_tool(event)
        if type(event) is ev.BootloaderStart and not event.quoted:
            self._booted = True
        elif type(event) is CatalogueMessage and event.message == "idf.panic_rebooting" and not event.quoted:
            self._rebooting_at = no
        elif type(event) is ev.AppStarted and not event.quoted:
            self._app_started = True
            if self._app_at is None:
                self._app_at = no

    def output_after_handover(self, no: int) -> None:
        """Output glued after the ROM's "entry 0x..." on its line (a paste that lost the newline): the
        next stage printed, so a restart later in the capture is no restart right after the jump."""
        self._entry_at = None

    def _ends_alike(self, reason: str, no: int) -> bool:
        """Whether the boot this reset (of ``reason``, at line ``no``) ends stopped where the first
        boot that reached its application and ended with the same reset did: as many lines of output
        from the application's start, give or take a quarter (and three lines). A supply that gives
        way under the firmware's load does so at the same point of every boot (threads: "always as
        the Wi-Fi starts"); a person pressing EN on a running board does so after any amount of
        output. Boots that did not reach their application are alike."""
        if not (self._started and self._app_started and self._app_at is not None):
            return True
        span = no - self._app_at
        first = next((lines for ended, lines in self._app_spans if ended == reason), None)
        if first is None:
            if len(self._app_spans) < 8:
                self._app_spans = self._app_spans | {(reason, span)}
            return True
        return abs(span - first) <= max(3, first // 4)

    def _right_after_failure(self, no: int, window: int) -> bool:
        """Line ``no`` is within ``window`` lines of the last failed check: the ROM's watchdog retry."""
        return self._sb_failed_at is not None and no - self._sb_failed_at <= window * (2 if self._spaced else 1)

    def _right_after_entry(self, no: int) -> bool:
        """The chip restarts within a few lines of the ROM's hand-over: nothing the bootloader or the
        app printed stands between them (blank lines aside)."""
        entry, self._entry_at = self._entry_at, None
        return entry is not None and no - entry <= RESTART_GAP

    def _right_after_rebooting(self, no: int) -> bool:
        """Line ``no`` (a banner or a reset line) comes within a few lines of the panic handler's last
        line, "Rebooting...": the restart it announced."""
        return self._rebooting_at is not None and 0 < no - self._rebooting_at <= PANIC_RESTART_GAP

    def _note_load(self, load: ev.RomLoad) -> None:
        if load.length >= 0:
            self._image_bytes = (self._image_bytes or IMAGE_HEADER_SIZE) + SEGMENT_HEADER_SIZE + load.length
            if self._first_load is None:
                self._first_load = load.address
        if not self._ram_segment and self.chip:
            chip = CHIPS_BY_NAME.get(self.chip)
            self._ram_segment = chip is not None and chip.loads_into_ram(load.address, load.address + 1)

    def _event(self, cls: type[Event], fields: dict[str, Any], text: str, no: int) -> Event:
        if cls in _CONTEXT_FREE:
            event = cls.trusted(line=no, text=text, **fields)
            if cls is ev.RomLoad:
                self._note_load(event)  # type: ignore[arg-type]
            return event
        if cls is ev.RomInvalidImageBlock:
            fields = {**fields, "after_ram_segment": self._ram_segment}
        elif cls is ev.RomChecksumError:
            fields = {**fields, "image_end": self._image_end()}
        if cls is ev.RomEntry:
            self._entry_at = no
            self._started = True
        elif cls is ev.RomBanner:
            self._new_attempt()
            self._restarted = self._right_after_entry(no)
            fields = {**fields, "restarted_after_entry": self._restarted}
            self._after_panic = self._right_after_rebooting(no)
            self.chip = fields["chip"]
            self._retry_banner = self._right_after_failure(no, self.RETRY_WINDOW)
            self._sb_failed_at = None  # the banner decided: the reset line after it follows that verdict
            fields = {**fields, "retry": self._retry_banner}
        elif cls is ev.RomReset:
            fields = dict(fields)
            fields["restarted_after_entry"] = self._restarted or self._right_after_entry(no)
            fields["woke_after_boot"] = self._booted and fields["reason"] in _DEEP_SLEEP_WAKES
            reason = fields["reason"] or ""
            before = next((times for ended, times in self._ended_started if ended == reason), 0)
            alike = self._ends_alike(reason, no)
            fields["after_start"] = self._started
            fields["again_after_start"] = self._started and before > 0
            fields["ended_started_before"] = before if self._started and alike else 0
            fields["app_started"] = self._started and self._app_started
            fields["after_panic"] = reason in _SOFTWARE_CPU_RESETS and (self._after_panic or self._right_after_rebooting(no))
            self._after_panic = False
            self._rebooting_at = None
            if self._started and alike and before < 2 and len(self._ended_started) < 8:
                self._ended_started = self._ended_started - {(reason, before)} | {(reason, before + 1)}
            self._started = False
            self._app_started = False
            self._app_at = None
            self._restarted = False
            mode_text = fields.pop("_mode_text")
            fields["chip"] = self.chip
            fields["download"] = decode_boot_mode(self.chip, fields["boot_mode"], mode_text)
            # Only a watchdog reset is the ROM's own retry; a power-on or software reset is a new boot.
            after_failure = self._retry_banner or self._right_after_failure(no, self.RESET_RETRY_WINDOW)
            self._in_retry = after_failure and "WDT" in (fields["reason"] or "")
            fields["retry"] = self._in_retry
            self._retry_banner = False
            self._sb_failed_at = None
            self._new_attempt()
        elif cls in self._RETRIED_FAILURES:
            self._sb_failed_at, self._spaced = no, False
        elif cls is ev.RomAbort and self._sb_failed_at is not None:
            self._sb_failed_at, self._spaced = no, no - self._sb_failed_at == 2
        elif cls is ev.RomSecureBootOk and "succeeded" in fields["message"]:
            # "secure boot v2 enabled" only states the eFuse; the verdict is "... verification succeeded".
            fields = {**fields, "after_failure": self._in_retry}
            self._in_retry = False
        return cls.trusted(line=no, text=text, **fields)

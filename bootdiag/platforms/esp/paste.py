"""ESP lines as pastes leave them: cut apart, without their level letter, or without an envelope."""
from __future__ import annotations

import re
from typing import Any

from bootdiag.core.parse.unwrap import prompt_before

# Lines that may follow a word directly, because what prints them cut short the line being printed:
# the ESP8266's fatal exception report (messages/esp-rom.toml rom.esp8266_fatal_exception), and the
# ROM's first line after a reset ("ets Jun  8 2016 00:22:57" on ESP32 and ESP8266, "ESP-ROM:esp32s3-20210327"
# on later chips), which may cut anything, even a hex word ("invalid header: 0xfESP-ROM:...").
# Also a shell prompt's mark before the next command of these tools, which follows the working folder the
# prompt names ("... Hard resetting via RTS pin... user@host ~/proj$ esptool.py ...").
_PROMPT = prompt_before(r"esptool|espefuse|espsecure|idf\.py")
MID_WORD_STARTS = (r"Fatal exception \(\d+\):", r"ets [A-Z][a-z]{2} {1,2}\d", r"ESP-ROM:", _PROMPT)

# What begins a line of ESP output: the ESP-IDF log envelope (log.h), the ROM's lines, the panic
# handler's and esptool's. A pasted line is cut before each.
LINE_STARTS = (
    r"[EWIDV] \((?:\d+|\d\d:\d\d:\d\d\.\d+)\) [A-Za-z0-9_.\-/]+(?: [A-Za-z0-9_.\-/]+)?:",  # tags may hold a space ("opi psram")
    r"Build:[A-Z][a-z]{2} ", r"rst:0x[0-9a-fA-F]+ \(", r"configsip: ",
    r"clk_drv:0x", r"mode:(?:DIO|QIO|DOUT|QOUT|FASTRD)", r"load:0x[0-9a-fA-F]{8}, ?len:", r"(?<![A-Za-z] )entry 0x[0-9a-fA-F]{8}",
    r"flash read err, ", r"invalid header: 0x", r"ets_\w+\.c \d", r"Falling back to built-in command",
    # the ROM's own line, not a host tool's sentence ending in the same words ("not found waiting for download");
    # ROMs that wait on USB print "wait usb download" (grammars/esp_rom.lark waiting)
    r"(?<![A-Za-z] )(?:waiting for|wait usb) download",
    # (the later ROMs' own "SPIWP:0xee" line, not the second half of the ESP32's "configsip: 0, SPIWP:0xee")
    r"(?<!, )SPIWP:0x", r"Saved PC:0x", r"Guru Meditation Error", r"Backtrace: ?0x", r"Rebooting\.\.\.",
    r"A fatal error occurred:", r"esptool(?:\.py)? v\d", r"Serial port \S", r"Connecting\.\.", r"Chip is ESP",
    r"Uploading stub", r"Stub running", r"Changing baud rate", r"Wrote \d+ bytes", r"Hash of data verified",
    # esptool's reset after a run: "Hard resetting via RTS pin...", on the USB ports of later chips "Hard resetting
    # with a watchdog..." (espressif/esptool@v5.3.1 loader.py:2086, targets/esp32s3.py:336; "with RTC WDT..." in
    # the v4.9 development releases), after "Leaving..."; and pyserial's errors esptool passes on
    # ("A serial exception error occurred: ", v4+, messages/esptool.toml)
    r"Hard resetting (?:via|with)", r"Leaving\.\.\.(?=\s|$)", r"A serial exception error occurred:",
    # ROM refusals and the panic handler's bare lines (esp-rom strings; esp_system/panic.c, port/panic_handler.c)
    r"csum err:", r"wrong chip id", r"[Ss]ecure boot check fail", r"Sig block \d", r"Signature Check Failed",
    r"abort\(\) was called", r"assert failed:", r"Core +\d register dump:", r"ELF file SHA256:", r"Rebooting in \d",
    r"CPU halted", r"\*\*\*ERROR\*\*\*", r"ESP_ERROR_CHECK failed", r"Brownout detector was triggered",
    r"Cache disabled but", r"Debug exception reason:",
    # the ROM's check of an image's appended SHA-256 (ESP32-C3/S3 ROMs; messages/esp-rom.toml)
    r"SHA-256 comparison failed", r"Calculated: [0-9a-f]{64}", r"Expected: [0-9a-f]{64}", r"Attempting to boot anyway",
    # ESP_DRAM_LOGx lines carry no time stamp: "E BOD: ...", "W cpu_start: ..." (tags of the catalogue's idf_dram lines)
    r"[EWIDV] (?:BOD|cpu_start|spi_flash|MSPI Timing|MSPI DQS|Flash Delay): ",
    # Arduino-ESP32's log_x() envelope (cores/esp32/esp32-hal-log.h, ARDUHAL_LOG_FORMAT):
    # "[%6u][E][%s:%u] %s(): " since 2.0, "[E][%s:%u] %s(): " in 1.0.x
    r"\[ *\d+\]\[[EWIDV]\]\[[^\]\s]+:\d+\] ", r"(?<!\])\[[EWIDV]\]\[[^\]\s]+:\d+\] ",
    # ESPHome's envelope (esphome/esphome@33fdbbe30c4d (2024.10.2) esphome/components/logger/logger.cpp:48
    # and :55, Logger::write_header_): "[%s][%s:%03u]: ", or "[%s][%s:%03u][%s]: " with the task's name
    # from a task other than the main loop; letters E W I C D V VV (LOG_LEVEL_LETTERS)
    r"(?<!\])\[(?:[EWICDV]|VV)\]\[[^\]\s]+:\d{3,5}\](?:\[[^\]\s]{1,32}\])?: ",
    # espflash's miette report (messages/esp-espflash.toml): "Error: espflash::<code>", the error after
    # "× ", each cause after "╰─▶ " or "├─▶ "
    r"Error: espflash::", r"\u00d7 (?=[A-Z])", r"[\u2570\u251c]\u2500\u25b6 ",
    # esptool-ck's error and warning lines (messages/esptool-ck.toml): "warning: espcomm_sync failed"
    r"(?:warning|error): espcomm_",
    # PowerShell's prompt ("PS C:\Users\me> ") before the next command of a Windows paste: a tool's
    # last line and the next command line glued together are two lines
    r"PS [A-Za-z]:\\[^>\r\n]{0,240}> ?(?=\S)",
    # the ESP8266 Arduino core's eboot: "v%08x" (the app's version word) and then "~ld" or "@ld", each ended by a
    # newline (esp8266/Arduino@1191d2518c908bd60b9c6e8430f2b19cc45cd6ae:bootloaders/eboot/eboot.c print_version()
    # and main()): the mark begins a line after the version word or after the ROM's last line ("csum 0x%02x",
    # as the ESP8266 ROM prints it: the esp8266/Arduino issues quote "chksum 0x42", "csum 0x42", "~ld")
    r"(?<=v[0-9a-f]{8} )[~@]ld\b", r"(?<=0x[0-9a-f]{2} )[~@]ld\b",
    # the ESP8266 ROM's abort ("ets_main.c", no line number) right after its banner's "boot mode:(3,7)"
    r"(?<=\d\) )ets_\w+\.c\b",
    # a Rust program's panic (espflash and the flashers built on it): the standard library's default panic hook
    # prints "thread '<name>' panicked at ..." and then, on a line of its own, "note: run with `RUST_BACKTRACE=1`
    # environment variable to display a backtrace" ("Run", ending in a full stop, before Rust 1.40)
    # (rust-lang/rust library/std/src/panicking.rs default_hook)
    r"thread '[^'\n]{0,80}' panicked at ", r"note: [Rr]un with `RUST_BACKTRACE=",
)
# "(486) esp_image: ..." (the level letter lost) and "E esp_image: ..." (no time: ESP_DRAM_LOGx, v5.5)
_NO_LEVEL = re.compile(r"\((\d+|\d\d:\d\d:\d\d\.\d+)\) ([A-Za-z0-9_.\-/]+): ")
_NO_STAMP = re.compile(r"([EWIDV]) ([A-Za-z_][A-Za-z0-9_.\-/]*): (?=\S)")
_LETTER = {"error": "E", "warning": "W", "info": "I", "debug": "D"}


def normalise(text: str) -> str:
    """An ESP-IDF line in the envelope the family reads: a lost level letter is taken from the
    message catalogue; for a message not in it, ``E`` when its words say something failed, else ``I``
    (an informational line is no failure, and no error may read as one); a missing time becomes 0."""
    if text[:1] == "(" and (m := _NO_LEVEL.match(text)):
        from bootdiag.core.messages import FAILURE_WORDS, catalogue

        message = text[m.end():]
        hit = catalogue().find(message)
        if hit is None:  # a message cut short (the paste ends mid-line) still tells its level
            from bootdiag.core.cut_messages import find_cut

            cut = find_cut(catalogue(), message, platform="esp")
            hit = cut.hit if cut is not None and cut.hit.start == 0 else None
        if hit is not None and hit.known.platform == "esp":
            level = _LETTER.get(hit.known.level, "I")
        else:  # a message the catalogue does not know: its own words tell an error from the rest
            level = "E" if re.search(FAILURE_WORDS, message) is not None else "I"
        return f"{level} {text}"
    if (m := _NO_STAMP.match(text)) is not None:
        return f"{m.group(1)} (0) {m.group(2)}: {text[m.end():]}"
    return text


def canonical(hit: Any, text: str) -> str | None:
    """A catalogued ESP message found without its envelope, printed as its source prints it."""
    known, message = hit.known, text[hit.start:]
    if known.envelope in ("idf", "idf_dram") and known.tag:
        return f"{_LETTER.get(known.level, 'I')} (0) {known.tag.replace('*', '')}: {message}"
    if known.envelope == "esptool" and known.tag == "fatal":
        return f"A fatal error occurred: {message}"
    if known.envelope == "esptool" and known.tag == "warning":
        return f"Warning: {message}"
    return message

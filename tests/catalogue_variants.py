"""Every failure and warning of the message catalogues, written the ways real pastes carry it.

For each entry: one instance of its printf format, then that line in its platform's own envelope
(``native``), the message alone (``stripped``), the envelope without its level (``level_lost``, for
envelopes that have one), glued after another log line (``glued``), and quoted in a sentence
(``quoted``). :func:`shares` says, per variant, the share of entries the parser reads. The envelope
shapes are the layouts the catalogue files describe in their ``[[envelope]]`` tables.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bootdiag.core.events import Event, Unparsed
from bootdiag.core.messages import Known, UnreadFailure, catalogue
from bootdiag.core.messages import example as instance
from bootdiag.core.parse import LineParser

VARIANTS = ("native", "stripped", "level_lost", "glued", "quoted")

_IDF_LETTER = {"error": "E", "warning": "W", "info": "I", "debug": "D"}
_BRACKET = {"error": "ERR", "warning": "WRN", "info": "INF", "debug": "DBG"}
_ESPTOOL_PREFIX = {
    "fatal": "A fatal error occurred: ", "serial_exception": "A serial exception error occurred: ",
    "warning": "Warning: ", "warning_upper": "WARNING: ", "note": "Note: ", "traceback": "esptool.util.FatalError: ",
    "usage": "esptool.py write_flash: error: argument <address> <filename>: ",
}
_UART_LETTER = {"error": "E", "warning": "W", "info": "I", "debug": "D"}
_IMGTOOL_PREFIX = {"usage": "Error: ", "bad_parameter": "Error: Invalid value for '-v' / '--version': ", "traceback": "Exception: "}
_WEST_PREFIX = {"fatal": "FATAL ERROR: ", "error": "ERROR: ", "warning": "WARNING: "}
_STM32PROG_PREFIX = {"error": "Error: ", "warning": "Warning: "}


def _tag(known: Known, default: str) -> str:
    return (known.tag or default).replace("*", "")


def enveloped(known: Known, message: str, *, level: bool = True) -> str | None:
    """The message as its envelope prints it; ``level=False``: the envelope with its level lost
    (None when the envelope has no level)."""
    env = known.envelope
    if env in ("idf",):
        head = f"{_IDF_LETTER[known.level]} " if level else ""
        return f"{head}(1523) {_tag(known, 'boot')}: {message}"
    if env == "idf_dram":
        head = f"{_IDF_LETTER[known.level]} " if level else ""
        return f"{head}{_tag(known, 'boot')}: {message}"
    if env in ("bracket", "mcuboot", "mynewt"):
        return f"[{_BRACKET[known.level]}] {message}" if level else message
    if env == "zephyr":
        return f"{_IDF_LETTER[known.level]}: {message}" if level else message
    if env == "mbed_trace":
        lvl = {"error": "ERR ", "warning": "WARN", "info": "INFO", "debug": "DBG "}[known.level]
        return f"[{lvl}][MCUb]: {message}" if level else f"[MCUb]: {message}"
    if env == "espressif":
        return f"[esp32] [{_BRACKET[known.level]}] {message}" if level else f"[esp32] {message}"
    if env == "espressif_tagged":
        tag = _tag(known, "boot")
        return f"[esp32s3] [{_BRACKET[known.level]}] [{tag}] {message}" if level else f"[esp32s3] [{tag}] {message}"
    if env == "tegraflash_relay":
        head = f"{_UART_LETTER[known.level]}> " if level else ""
        return f"[   2.1208 ] 000000001d1d1118: {head}{message}"
    if env == "uart":
        head = f"{_UART_LETTER[known.level]}> " if level else ""
        return f"[0360.204] {head}{message}"
    if env == "uart_bare":  # the fuse burner's lines as threads paste them: no timestamp
        return f"{_UART_LETTER[known.level]}> {message}" if level else message
    if env == "optee":  # OP-TEE's console: "E/TC:?? 00 FUNCTION:LINE MESSAGE", or "I/TC: MESSAGE" without a function
        if not level:
            return None
        head = f"{_UART_LETTER[known.level]}/TC:"
        return f"{head}?? 00 {known.tag}:984 {message}" if known.tag else f"{head} {message}"
    if env == "initrd_log":  # R39 initrd flash: "16:12:15.022 - Error: MESSAGE"
        head = f"{known.level.capitalize()}: " if level else ""
        return f"16:12:15.022 - {head}{message}"
    if not level:
        return None
    if env == "tegraflash":
        return f"[   0.0566 ] {message}"
    if env == "esptool":
        return _ESPTOOL_PREFIX.get(known.tag or "", "") + message
    if env == "pyserial":
        return f"A serial exception error occurred: {message}"
    if env == "esptool_ck":
        return {"error": "error: ", "warning": "warning: "}.get(known.level, "") + message
    if env == "imgtool":
        return _IMGTOOL_PREFIX.get(known.tag or "", "") + message
    if env == "west":
        return _WEST_PREFIX.get(known.tag or "", "") + message
    if env == "stm32cubeprogrammer":
        return _STM32PROG_PREFIX.get(known.tag or "", "") + message
    return message  # bare, console, rom, idf_raw, kflash: the message is the line


# The line a message follows in its tool's output, which a paste that lost its newlines glues in front.
_BEFORE = {
    "esptool": "Serial port /dev/ttyUSB0", "pyserial": "Serial port /dev/ttyUSB0", "esptool_ck": "opening bootloader",
    "rom": "ets Jul 29 2019 12:21:46", "idf_raw": "I (29) boot: ESP-IDF v5.0.4 2nd stage bootloader",
    "idf": "I (29) boot: ESP-IDF v5.0.4 2nd stage bootloader", "idf_dram": "I (29) boot: ESP-IDF v5.0.4 2nd stage bootloader",
    "tegraflash": "[   0.0195 ] Boot Rom communication", "tegraflash_relay": "[   0.0195 ] Boot Rom communication",
    "bare": "[   0.0195 ] Boot Rom communication", "kflash": "[   0.0195 ] Boot Rom communication",
    "initrd_log": "Waiting for target to boot-up...",
    "uart": "[0360.110] I> Welcome to MB2", "uart_bare": "[0360.110] I> Welcome to MB2", "optee": "[0360.110] I> Welcome to MB2",
    "imgtool": "Try 'imgtool verify --help' for help.", "west": "=== image configuration:",
    "stm32cubeprogrammer": "Download in Progress:",
}
_AFTER_BOOTLOADER = "[INF] Starting bootloader"  # MCUboot and TF-M BL2


def variants(known: Known) -> Iterator[tuple[str, str]]:
    message = instance(known.format)
    native = enveloped(known, message)
    assert native is not None
    yield "native", native
    yield "stripped", message
    lost = enveloped(known, message, level=False)
    if lost is not None and lost != native:
        yield "level_lost", lost
    yield "glued", f"{_BEFORE.get(known.envelope, _AFTER_BOOTLOADER)} {native}"
    yield "quoted", f'Since the update I keep getting "{message}" and I do not know why.'


@dataclass
class Outcome:
    known: Known
    variant: str
    line: str
    events: list[Event]

    @property
    def read(self) -> bool:
        """The parser read the message: a failure (a warning: any event) that is not the parser's
        last resort, and that is weak exactly when the message is quoted."""
        quoted = self.variant == "quoted"
        for event in self.events:
            if isinstance(event, (Unparsed, UnreadFailure)):
                continue
            if quoted and not type(event).occupies_session:
                return True  # a written report's own reading of the message it retells
            if event.is_weak() != quoted:
                continue
            if self.known.severity == "failure" and not event.is_failure():
                continue
            return True
        return False


def entries(severities: tuple[str, ...] = ("failure", "warning")) -> list[Known]:
    return [k for k in catalogue().entries if k.severity in severities]


def outcomes(parser: LineParser | None = None) -> Iterator[Outcome]:
    """Each variant read as a capture is: a line the trigger screen passes over is never parsed."""
    parser = parser or LineParser()
    for known in entries():
        for variant, line in variants(known):
            screened = any(True for _ in parser.screen.line_spans(line + "\n"))
            yield Outcome(known, variant, line, list(parser.parse_line(line, 1)) if screened else [])


def shares(results: list[Outcome], key: Callable[[Outcome], str] = lambda o: o.variant) -> dict[str, tuple[int, int]]:
    """(read, total) per key."""
    table: dict[str, tuple[int, int]] = {}
    for outcome in results:
        read, total = table.get(key(outcome), (0, 0))
        table[key(outcome)] = (read + outcome.read, total + 1)
    return table

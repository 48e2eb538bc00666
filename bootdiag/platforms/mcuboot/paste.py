"""MCUboot lines as pastes and other log backends leave them."""
from __future__ import annotations

import re
from typing import Any

from bootdiag.core.parse.unwrap import prompt_before

_PROMPT = prompt_before(r"mcumgr|newtmgr|smpmgr|imgtool")

# What begins a line of MCUboot output in each backend (boot/bootutil/include/bootutil/bootutil_log.h
# and the ports' logging): MCUboot's own "[ERR]", Zephyr's "[00:00:00.004,000] <err>" and minimal
# "E: ", mbed-trace "[ERR ][MCUb]:", the Espressif port "[esp32] [ERR]", and the Zephyr banners.
LINE_STARTS = (
    r"\[(?:ERR|WRN|INF|DBG|NOT|VER)\] ",
    # Zephyr's log line with any of its timestamps (formatted "[00:00:00.004,000]", raw ticks
    # "[00012345]": zephyrproject-rtos/zephyr@013c135025b4 subsys/logging/log_output.c:287, :223; or
    # another clock's "[0:0:1.799]", as grammars/mcuboot.lark ZTIME reads it), or none before a module
    r"\[[0-9:.,]{1,24}\] <(?:err|wrn|inf|dbg)> ",
    r"<(?:err|wrn|inf|dbg)> [\w.\-]{1,40}: ",
    r"(?<![\w:])[EWID]: (?=[A-Za-z*0-9])",  # a message may begin with a number ("I: 2 Sectors of 4096 bytes")
    r"\*\*\* (?:Booting|Using) ",
    # the TF-M secure image that MCUboot (TF-M's BL2) hands over to: its banner and its secure
    # partitions' lines ("Booting TF-M v2.2.2", "[Sec Thread] Secure image initializing!"; the
    # partition names as grammars/mcuboot.lark TFM_PARTITION reads them)
    r"Booting TF-?M v", r"\[(?:Sec Thread|Crypto|Attest|ITS|PS|Platform|SPM|Partition)\] ",
    # TF-M's and the Espressif port's console lines; not the words of GCC's "error: static assertion
    # failed: ..." (a BUILD_ASSERT in a build log), whose line begins before them (the lookbehind sits
    # after the first letter, which keeps every start's first characters known to the split scan)
    r"FATAL ERROR: ", r"a(?<!static a)ssertion failed: ",
    r"\[esp32\w*\] \[(?:ERR|WRN|INF|DBG)\]",
    # the Espressif port's ESP-IDF envelope without the time, as Zephyr's build logs it, for the port
    # and for the image it starts ("I (soc_init): ...", "I (MSPI Timing): ...", log.py _IDF_ENVELOPE)
    r"[EWIDV] \([A-Za-z][\w .\-]{0,31}\): ",
    r"\[(?:ERR|WRN|WARN|INFO?|DBG) ?\]\[\w+\]:",
    # STM32CubeProgrammer's failures and warnings (messages/stm32cubeprogrammer.toml): "Error: " or
    # "Warning: " and the message, which opens with a capital or with ST's lower-case "failed to ..."
    r"(?:Error|Warning): (?=[A-Z]|failed to )",
    # and its step lines, each a line of its own in the CLI and in the GUI's log (the captures cited
    # in that catalogue; STM32CubeProgrammer v2.4.0 to v2.20.0)
    r"(?:Memory Programming \.\.\.|Opening and parsing file: |Erasing memory corresponding to segment |Download in Progress:"
    r"|File download complete|Download verified successfully|RUNNING Program \.\.\.|Start operation achieved successfully)",
)
# A shell prompt before the next command of the SMP clients and imgtool, glued after the last line of
# the one before ("Done user@host ~/dir$ newtmgr --conn ttyacm0 image list"): its mark follows the
# working folder it names, straight after its last letter ("~/dir$ newtmgr").
MID_WORD_STARTS = (_PROMPT,)
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
    if known.envelope in ("console", "imgtool", "west", "stm32cubeprogrammer"):  # host tools' lines: no bootloader envelope
        return message
    return f"[{_BRACKET.get(known.level, 'INF')}] {message}"

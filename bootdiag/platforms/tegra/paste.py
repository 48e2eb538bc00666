"""Jetson lines as SDK Manager's log pastes leave them."""
from __future__ import annotations

import re

# SDK Manager relays each line of the flash script with its own prefix: its terminal log as
# "13:41:23 INFO: [ 0.3455 ] tegrarcm_v2 ..." (time of day, its level), its step view as
# "ERROR: Flash Jetson Nano - flash: Failed flashing t210ref." (level, component - task). SDK
# Manager is closed source: the shapes are those of its logs pasted in forum threads (NVIDIA
# forums 325585 and 254174). Only the prefix goes; the script's own "ERROR: ..." after it stays.
_TIMED = re.compile(r"\d\d:\d\d:\d\d (?:INFO|ERROR|WARNING|WARN|DEBUG|SUMMARY): (?:(?:Flash )?[\w .\[\]()-]*?Jetson[^:]{0,60} - [\w .-]{1,40}: )?")
_STEP = re.compile(r"(?:INFO|ERROR|WARNING|WARN|DEBUG|SUMMARY): (?:Flash )?[\w .\[\]()-]*?Jetson[^:]{0,60} - [\w .-]{1,40}: ")


def normalise(text: str) -> str:
    if text[2:3] == ":" and text[5:6] == ":" and (m := _TIMED.match(text)) is not None:
        return text[m.end():]
    if text[:1] in "IEWDS" and "Jetson" in text and (m := _STEP.match(text)) is not None:
        return text[m.end():]
    return text

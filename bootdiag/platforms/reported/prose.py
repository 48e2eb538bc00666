"""Prose lines -> what a written report says: quoted or paraphrased bootloader messages,
configuration symbols it names, and ``imgtool sign`` commands it shows.

This family comes last: it sees only the lines no real-log family turned into an event, so a
line MCUboot printed is always read as the log line it is. The phrases follow MCUboot's own
messages (bootutil loader.c "Image in the %s slot is not valid!", "Unable to find bootable
image"; bootutil_loader.c "Failed to add image data to shared area"; v1.7 "Failed to add Image %u
data to shared memory area") and the ways reports retell them ("the image in the primary slot is
not valid", "MCUboot is unable to find a bootable image").
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from bootdiag.core.events import Event
from bootdiag.platforms.reported import events as ev
from bootdiag.core.parse.family import ClaimsByTrigger, Stateless, compile_trigger
from bootdiag.platforms.reported.imgtool_command import parse_sign_command

_NOT_VALID = (
    r"image (?:in|of) (?:the )?(?P<slot>primary|secondary) slot (?:is |was |being )?(?:not valid|invalid)"
    r"|(?P<slot2>primary|secondary) slot(?: image)? (?:is |was )?(?:not valid|invalid)"
)
_NO_BOOTABLE = (
    r"(?:unable to|cannot|can ?not|can't|could not|couldn't|fail(?:ed|s)? to) find (?:a |any |the )?(?:valid )?bootable image"
    r"|no (?:valid )?bootable image"
)
_SHARED_DATA = (
    r"(?:fail(?:ed|s)? to|unable to|could not|couldn't|cannot|can't) add (?:the )?(?:image )?(?:\d+ )?(?:boot )?data"
    r" to (?:the )?shared (?:memory )?area"
)
# One pattern, each message in its own group: finditer gives them in the order of the text.
_MESSAGES = re.compile(
    rf"(?P<not_valid>{_NOT_VALID})|(?P<no_bootable>{_NO_BOOTABLE})|(?P<shared_data>{_SHARED_DATA})", re.IGNORECASE
)
_MESSAGE_IDS = dict(zip(("not_valid", "no_bootable", "shared_data"), ev.REPORTED_MESSAGES))
# MCUboot and TF-M configuration symbols (CMake -D options, Kconfig names, mcuboot_config.h macros).
_SETTING = re.compile(
    r"(?:(?<=-D)|(?<![A-Za-z0-9]))(?P<name>MCUBOOT_[A-Z0-9_]*[A-Z0-9]|CONFIG_(?:MCUBOOT|MEASURED_BOOT|BOOT_|TFM_)(?:[A-Z0-9_]*[A-Z0-9])?)"
    r"(?:[ \t]*=[ \t]*(?P<value>[A-Za-z0-9_.+\"-]+))?"
)


@lru_cache(maxsize=4096)
def parse_report_line(text: str) -> tuple[type[Event], tuple[tuple[str, Any], ...]] | None:
    """The event class and fields for one prose line, or ``None`` when it says nothing we read."""
    command = parse_sign_command(text)
    if command is not None:
        return ev.ImgtoolSignCommand, command
    found = list(_MESSAGES.finditer(text))
    if found:
        first = found[0]
        ids = list(dict.fromkeys(_MESSAGE_IDS[m.lastgroup or ""] for m in found if m.lastgroup))
        slot = next((m.group("slot") or m.group("slot2") for m in found if m.group("slot") or m.group("slot2")), None)
        fields: dict[str, Any] = {
            "platform": "mcuboot", "message": ids[0], "messages": ids,
            "slot": slot.lower() if slot else None, "phrase": first.group(0),
        }
        return ev.ReportedLogMessage, tuple(fields.items())
    settings = list(_SETTING.finditer(text))
    if settings:
        names = list(dict.fromkeys(m.group("name") for m in settings))
        value = settings[0].group("value")
        return ev.ReportedSetting, (("name", names[0]), ("names", names), ("value", value.strip('"') if value else None))
    return None


class ReportTextFamily(Stateless, ClaimsByTrigger):
    name = "report_text"
    # Each alternative carries an uppercase literal, punctuation or a rare letter for the trigger
    # screen (parse/screen.py); the message phrases are case-insensitive as prose is.
    trigger = compile_trigger(
        r"imgtool(?:\.py|\.exe)?[\"'`]?\s+sign\b",
        r"\bwest(?:\.exe)?[ \t]+(?:-[-\w]{1,30}[ \t]+){0,4}sign(?=[ \t]|$)",
        r"MCUBOOT_[A-Z0-9]",
        r"CONFIG_(?:MCUBOOT|MEASURED_BOOT|BOOT_|TFM_)",
        r"(?i:slot(?: image)? (?:is |was |being )?(?:not valid|invalid))",
        r"(?i:bootable image)",
        r"(?i:data to (?:the )?shared (?:memory )?area)",
    )

    def parse(self, text: str, no: int) -> Event | None:
        parsed = parse_report_line(text)
        if parsed is None:
            return None
        cls, fields = parsed
        return cls.trusted(line=no, text=text, **dict(fields))

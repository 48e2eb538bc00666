"""The UEFI ESRT entry Linux shows for the Jetson's system firmware: the result of the last capsule update.

The kernel exposes each ESRT entry's fields as files (``/sys/firmware/efi/esrt/entries/entry0/
last_attempt_status``, ``fw_version``, ...; torvalds/linux drivers/firmware/efi/esrt.c). They reach a
paste as ``cat FILE`` followed by the value alone on the next line, as ``head``/``tail`` over several
files (``==> FILE <==`` then the value), as ``grep -r . DIR`` (``FILE:value``), or as jetpack-nixos's
``ota-check-firmware`` prints them (``ESRT last_attempt_status         : SUCCESS``, the status by name
when it knows it; anduril/jetpack-nixos pkgs/ota-utils/ota-check-firmware.sh @9a7bdf32ffbd).

A value alone on its line is no line any trigger finds: the family asks the parser for the line
after a file's name (``wants_line``) and reads it only there.
"""
from __future__ import annotations

import re

from bootdiag.core.numbers import int_auto, parse_int
from bootdiag.core.parse.family import distance, line_at
from bootdiag.platforms.tegra import events as ev

# The fields rules or reports read; the entry's other files (fw_class, fw_type, capsule_flags) are
# passed over.
_FIELDS = ("last_attempt_status", "last_attempt_version", "fw_version", "lowest_supported_fw_version")
_FIELD = "(?P<field>" + "|".join(_FIELDS) + "|capsule_flags|fw_class|fw_type)"
# sysfs path of a field, as cat/head/grep print it
_PATH = r"/esrt/entries/entry(?P<entry>[0-9]{1,3})/" + _FIELD
# `cat FILE` (any prompt or sudo before it), or head/tail's header
_NAME_ONLY = re.compile(r"(?:==> ?)?[^\s:]{0,200}" + _PATH + r"(?: ?<==)?(?:<[^<>\s]{1,10}>)*+\s*+$")
# head's header with its value glued after it (a paste that lost the newline)
_HEADER_VALUE = re.compile(_PATH + r" ?<==\s++(?P<value>[0-9]{1,10}+|0x[0-9a-fA-F]{1,8}+)\b")
# grep -r . DIR: FILE:value
_PATH_VALUE = re.compile(r"[^\s:]{0,200}" + _PATH + r":(?P<value>\S{1,80}+)\s*+$")
# ota-check-firmware's table, or a field named with its value on one line ("last_attempt_status: 6151 NAME")
_NAMED_STATUS = re.compile(r"(?<![\w/])(?P<field>last_attempt_status)\s*+[:=]\s*+(?P<value>[\w.]{1,80}+)(?:\s++(?P<name>[A-Z][A-Z_]{2,60}+))?")
_NAMED = re.compile(r"(?:\bESRT\s++)?(?<![\w/])" + _FIELD + r"\s*+[:=]\s*+(?P<value>[\w.]{1,80}+)(?:\s++(?P<name>[A-Z][A-Z_]{2,60}+))?")
# the value alone, after whatever a terminal program, a log journal or a forum put before a line and
# after it ("[2024-03-01 10:00:10.070] 6162", "... picocom[4711]: 6162", "6162</r>")
_VALUE = re.compile(r"(?<![^\s\]>:])(?P<value>[0-9]{1,10}+|0x[0-9a-fA-F]{1,8}+)(?:<[^<>\s]{1,10}>)*+\s*+$")
# rows between a file's name and its value a paste may add (a CR read as a line break, a blank row)
_VALUE_WITHIN = 2

TRIGGER = r"/esrt/entries/entry[0-9]|last_attempt_status|\bESRT (?:fw_version|last_attempt_version|lowest_supported_fw_version)\b"


# What every line it claims holds while no name waits for its value (all an ESP or MCUboot capture
# ever shows it): only such a line makes the family, and the Jetson platform with it.
FRESH_CLAIMS = r"esrt/entries/entry|last_attempt_status|ESRT "
_FRESH_CLAIMS = re.compile(FRESH_CLAIMS)


class EsrtFamily:
    """Reads ESRT fields; remembers a field whose name was shown without its value, for the next line."""

    name = "tegra"
    trigger = TRIGGER
    fresh_claims = FRESH_CLAIMS
    noise = None
    noise_glued = None

    def __init__(self) -> None:
        self._field: tuple[str, str] | None = None  # (field, entry) whose value the next line holds
        self._at: int | None = None  # that line's number

    # -- the value line
    def wants_line(self, no: int) -> bool:
        return self._at is not None and self._at <= no < self._at + _VALUE_WITHIN

    def state(self, no: int) -> tuple[object, ...] | None:
        return None if self._field is None else (self._field, distance(self._at, no))

    def restore(self, state: tuple[object, ...] | None, no: int) -> None:
        if state is None:
            self._field, self._at = None, None
        else:
            self._field, self._at = state[0], line_at(state[1], no)  # type: ignore[assignment,arg-type]

    def claims(self, text: str) -> bool:
        if self._field is not None:
            if _VALUE.search(text) is not None:
                return True
            if text.strip():  # another line came between the name and any value: no value shown
                self._field = self._at = None
        return _FRESH_CLAIMS.search(text) is not None

    def parse(self, text: str, no: int) -> ev.TegraEsrt | None:
        pending, at = self._field, self._at
        self._field = self._at = None
        # (a forum's markup may bring the value as the next piece of the name's own line)
        if pending is not None and at is not None and at - 1 <= no < at + _VALUE_WITHIN:
            m = _VALUE.search(text)
            if m is not None:
                return _event(pending[0], m.group("value"), None, no, text)
        m = _PATH_VALUE.search(text)
        if m is not None:
            return _event(m.group("field"), m.group("value"), None, no, text)
        m = _HEADER_VALUE.search(text)
        if m is not None:
            return _event(m.group("field"), m.group("value"), None, no, text)
        m = _NAME_ONLY.search(text)
        if m is not None:
            self._field, self._at = (m.group("field"), m.group("entry")), no + 1
            return None
        # the status first: a paste that lost its newlines may hold the whole table on one line
        m = _NAMED_STATUS.search(text) or _NAMED.search(text)
        if m is not None:
            return _event(m.group("field"), m.group("value"), m.group("name"), no, text)
        return None


def _event(field: str, value: str, name: str | None, no: int, text: str) -> ev.TegraEsrt | None:
    try:
        return _read(field, value, name, no, text)
    except ValueError:  # a token too long to be a value: not this field's line
        return None


def _read(field: str, value: str, name: str | None, no: int, text: str) -> ev.TegraEsrt | None:
    if field not in _FIELDS:
        return None
    if field == "last_attempt_status":
        code = int_auto(value) if value[:1].isdigit() else ev.ESRT_STATUS_CODES.get(value.upper().removeprefix("LAST_ATTEMPT_STATUS_"))
        if code is None and name is not None:
            code = ev.ESRT_STATUS_CODES.get(name)
        if code is None:
            return None
        return ev.TegraEsrt(line=no, text=text.strip(), field=field, value=value, status=code)
    # versions: the number UEFI keeps (one byte each for major, minor and patch), or as
    # ota-check-firmware decodes it ("35.6.2")
    number = parse_int(value) if value.isdigit() else None
    if number is None and not re.fullmatch(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}", value):
        return None
    return ev.TegraEsrt(line=no, text=text.strip(), field=field, value=value, number=number)

"""Build configuration files as build systems write them: Kconfig output (``.config``, ``sdkconfig``:
``CONFIG_NAME=value`` and ``# CONFIG_NAME is not set``) and CMake caches (``NAME:TYPE=value``)."""
from __future__ import annotations

import re
from pathlib import Path

from bootdiag.core.errors import InputError

_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?::[A-Z]+)?=(.*)$")
_NOT_SET = re.compile(r"^# CONFIG_([A-Za-z0-9_]+) is not set$")


def read_text(path: Path) -> str:
    """A build's text file; one that cannot be read is an input error naming it."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def read_settings(path: Path) -> dict[str, str]:
    """Name (without ``CONFIG_``) -> value as written, quotes removed; a Kconfig boolean that is not set is ``n``."""
    text = read_text(path)
    settings: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("//"):
            continue
        if line.startswith("#"):
            unset = _NOT_SET.match(line)
            if unset:
                settings[unset.group(1)] = "n"
            continue
        m = _ASSIGNMENT.match(line)
        if m:
            settings[m.group(1).removeprefix("CONFIG_")] = m.group(2).strip().strip('"')
    return settings

"""Locate the grammars, rules and bundled examples, installed or in a source checkout."""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # bootdiag/
_CHECKOUT = _PACKAGE.parent


def data_dir(name: str) -> Path:
    """``grammars``, ``rules``, ``messages`` or ``examples``: inside the wheel, else the source tree."""
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _CHECKOUT / name


def bundled_example() -> Path:
    installed = _PACKAGE / "_data" / "examples" / "esp32-sbv2-digest-mismatch.log"
    if installed.is_file():
        return installed
    return _CHECKOUT / "corpus" / "esp-idf" / "sb2-bootloader-header-rewritten-esptool3.log"

"""Locate the grammars, rules and bundled examples, installed or in a source checkout."""
from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # bootdiag/
CHECKOUT = PACKAGE.parent


def data_dir(name: str) -> Path:
    """``grammars``, ``rules``, ``messages`` or ``examples``: inside the wheel, else the source tree."""
    installed = PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return CHECKOUT / name

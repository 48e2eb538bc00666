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


def bundled_example() -> tuple[Path, str]:
    """The example capture ``explain --example`` reads, and the root cause it must give.

    Installed, it is ``_data/examples/example.log`` (pyproject.toml copies it there with its
    expectations); in a source checkout, the corpus case the first platform with one names.
    """
    import tomllib

    from bootdiag import platforms as registry

    log = _PACKAGE / "_data" / "examples" / "example.log"
    if not log.is_file():
        case = next(p.example for p in registry.platforms() if p.example)
        log = _CHECKOUT / "corpus" / f"{case}.log"
    expect = tomllib.loads(log.with_suffix(".expect.toml").read_text(encoding="utf-8"))
    return log, expect["top"]

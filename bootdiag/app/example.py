"""The bundled example: what ``bootdiag explain --example`` reads to show what bootdiag does."""
from __future__ import annotations

from pathlib import Path

from bootdiag import platforms as registry
from bootdiag.core.resources import PACKAGE, CHECKOUT


def bundled_example() -> tuple[Path, str]:
    """The example capture ``explain --example`` reads, and the root cause it must give.

    Installed, it is ``_data/examples/example.log`` (pyproject.toml copies it there with its
    expectations); in a source checkout, the corpus case the first platform with one names.
    """
    import tomllib

    log = PACKAGE / "_data" / "examples" / "example.log"
    if not log.is_file():
        case = next(p.example for p in registry.platforms() if p.example)
        log = CHECKOUT / "corpus" / f"{case}.log"
    expect = tomllib.loads(log.with_suffix(".expect.toml").read_text(encoding="utf-8"))
    return log, expect["top"]

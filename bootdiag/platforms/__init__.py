"""The registry: the platforms bootdiag knows, one line each.

Every stage asks this module for the platforms and their pieces; no generic module names one.
A new platform is a package with ``PLATFORM = Platform(...)`` in its ``__init__.py`` (see
CONTRIBUTING.md), its grammar and rule files, and one line below. Other packages can add one
at run time with :func:`register` (tests do); what is built from the platforms is keyed by
:func:`registry_key`, so a registration takes effect at the next analysis.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

from bootdiag.core.platform import Platform, load_function
from bootdiag.core.resources import data_dir

PLATFORMS: list[str] = [
    "bootdiag.platforms.esp",
    "bootdiag.platforms.mcuboot",
    "bootdiag.platforms.tegra",
    # Last: it reads prose, and real log lines must reach their own platform's families first.
    "bootdiag.platforms.reported",
]


def register(module: str, first: bool = False) -> None:
    """Add the platform package ``module`` (a dotted name); ``first`` offers it lines before the others."""
    if module in PLATFORMS:
        return
    if first:
        PLATFORMS.insert(0, module)
    else:
        PLATFORMS.insert(len(PLATFORMS) - 1, module)  # the prose reader stays last


def unregister(module: str) -> None:
    if module in PLATFORMS:
        PLATFORMS.remove(module)


def registry_key() -> tuple[str, ...]:
    """What everything built from the platforms is keyed by (a registration changes it)."""
    return tuple(PLATFORMS)


@cache
def _load(names: tuple[str, ...]) -> tuple[Platform, ...]:
    return tuple(import_module(name).PLATFORM for name in names)


def platforms() -> tuple[Platform, ...]:
    return _load(registry_key())


def reading_order() -> tuple[Platform, ...]:
    """The platforms in the order log lines are offered to their families (``Platform.line_order``,
    then the registry's)."""
    return tuple(sorted(platforms(), key=lambda p: p.line_order))


def platform(name: str) -> Platform:
    for p in platforms():
        if p.name == name:
            return p
    raise KeyError(name)


def resolve(item: str | Path, folder: str) -> Path:
    """A platform's data file: a bare name lives in the project's top-level ``folder``."""
    p = Path(item)
    return p if p.is_absolute() else data_dir(folder) / p


def rule_files() -> list[Path]:
    return [resolve(f, "rules") for p in platforms() for f in p.rule_files]


def grammar_file(name: str) -> Path:
    for p in platforms():
        if name in p.grammars:
            return resolve(p.grammars[name], "grammars")
    raise KeyError(f"no platform has a grammar named {name!r}")


def message_files() -> list[Path]:
    return [resolve(f, "messages") for p in platforms() for f in p.message_files]


def source_files() -> list[Path]:
    """The platform packages' descriptors and event modules, found without importing the event
    modules: what caches of things validated against them are keyed by."""
    files = []
    for name in PLATFORMS:
        spec = find_spec(name)
        files.append(Path(spec.origin if spec and spec.origin else name))
        for module in import_module(name).PLATFORM.event_modules:
            spec = find_spec(module)
            files.append(Path(spec.origin if spec and spec.origin else module))
    return files


def package_files() -> list[Path]:
    """Every module file of the registered platform packages: what is built from their code (the
    families' triggers) is keyed by."""
    files: list[Path] = []
    for name in PLATFORMS:
        spec = find_spec(name)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            files.extend(sorted(Path(folder).rglob("*.py")))
    return files


def problem_catalogue() -> dict[str, str]:
    """Every verifier problem id (with its platform prefix) -> its one-line meaning."""
    return {p.problem_id(short): doc for p in platforms() for short, doc in p.problems.items()}


def check_catalogue() -> dict[str, str]:
    """Every build check id (with its platform prefix) -> what it compares."""
    return {p.problem_id(short): doc for p in platforms() for short, doc in p.checks.items()}


def chip_key(name: str) -> str:
    """A chip name as --chip values are compared: case, ``-`` and ``_`` aside (``ESP32-S3`` = ``esp32s3``)."""
    return name.strip().lower().replace("-", "").replace("_", "")


def known_chips() -> set[str]:
    """Every chip name (and alias) some platform accepts for --chip, as :func:`chip_key` gives it."""
    return {chip_key(c) for p in platforms() for c in p.chips}


def line_starts() -> list[str]:
    """What begins a log line of some platform: its line starts, then those that may also follow a word."""
    return [s for p in platforms() for s in (*p.line_starts, *p.mid_word_starts)]


def mid_word_starts() -> list[str]:
    return [s for p in platforms() for s in p.mid_word_starts]


def normalisers() -> list[Callable[[str], str]]:
    return [load_function(p.normalise) for p in platforms() if p.normalise]


def canonical_line(hit: Any, text: str) -> str | None:
    """A catalogue message written in its platform's envelope (None when the platform has no way)."""
    for p in platforms():
        if p.name == hit.known.platform and p.canonical:
            return load_function(p.canonical)(hit, text)
    return text[hit.start:]

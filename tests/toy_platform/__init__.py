"""A platform made only for the tests: one grammar line, one event, one rule. It shows that a new
platform needs its own package, its data files and one registration, and no change elsewhere."""
from __future__ import annotations

from pathlib import Path

from bootdiag.core.platform import Platform

HERE = Path(__file__).resolve().parent


def _families():
    from toy_platform.family import ToyFamily

    return [ToyFamily()]


PLATFORM = Platform(
    name="toy",
    title="Toy boards: the test platform",
    families=_families,
    event_modules=("toy_platform.events",),
    grammars={"toy": HERE / "toy.lark"},
    rule_files=(HERE / "toy.toml",),
)

"""Build folders made once per test session, by name."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def made_folders(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, Callable[[Path], Path]], Path]:
    """``made_folders(name, write)``: the folder ``write`` made for ``name``, made on first use."""
    made: dict[str, Path] = {}

    def make(name: str, write: Callable[[Path], Path]) -> Path:
        if name not in made:
            made[name] = write(tmp_path_factory.mktemp(name))
        return made[name]

    return make

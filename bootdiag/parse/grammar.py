"""Load a Lark grammar once per process, from Lark's on-disk cache when possible."""
from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from ..resources import data_dir


def _cache_dir() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "bootdiag" / "lark"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None


@cache
def load_grammar(name: str, start: str = "start"):  # -> lark.Lark (imported lazily: start-up time)
    from lark import Lark

    path = data_dir("grammars") / f"{name}.lark"
    text = path.read_text(encoding="utf-8")
    cache_dir = _cache_dir()
    # Lark keys its cache on the grammar text and options, so an edited grammar is never stale.
    cache_file = str(cache_dir / f"{name}-{start}.lark.cache") if cache_dir else False
    try:
        return Lark(text, parser="lalr", start=start, cache=cache_file)
    except OSError:
        return Lark(text, parser="lalr", start=start)

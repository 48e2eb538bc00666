"""The regexes a run compiles with ``re``, kept with their programs for the next run.

bootdiag's modules and the libraries it uses compile about a hundred and fifty regexes as they are
imported and first used: 15-20 ms of every start. Python's ``re`` looks each one up first in its
own table of compiled patterns (``re._cache``, keyed by type, source and flags); :func:`install`
puts in its place a table that, on a miss, makes the pattern from the program an earlier run
stored (microseconds, :mod:`bootdiag.core.precompiled`); :func:`keep_at_exit` (the command line
calls it) writes at exit the programs of the patterns the run had to compile. A pattern is found by its source and flags, so an edited regex
is compiled as usual, and a program from another engine is compiled from its source. Another
``re`` layout, or no usable cache folder, leaves ``re`` as it is.
"""
from __future__ import annotations

import atexit
import os
import pickle
import re
from pathlib import Path
from typing import Any

from bootdiag.core.precompiled import from_program, program_of

LIMIT = 4000  # programs kept at most: patterns made from input are not worth keeping forever


class KeptPatterns(dict):  # type: ignore[type-arg]
    """``re``'s table of compiled patterns, filled from stored programs as they are asked for."""

    def __init__(self, programs: dict[Any, tuple[Any, ...]]) -> None:
        super().__init__()
        self.programs = programs

    def __missing__(self, key: Any) -> re.Pattern[Any]:
        form = self.programs.get(key)
        if form is None:
            raise KeyError(key)
        pattern = self[key] = from_program(*form)
        return pattern

    def new_programs(self) -> dict[Any, tuple[Any, ...]]:
        """The programs of the patterns ``re`` compiled in this process (not made from a program)."""
        found = {}
        for key, pattern in list(self.items()):
            if key not in self.programs and isinstance(pattern, re.Pattern):
                form = program_of(pattern)
                if form is not None:
                    found[key] = form
        return found


def _store_path() -> Path | None:
    from bootdiag.core.cache import cache_dir, digest

    folder = cache_dir()
    return folder / f"regexes-{digest(['regex programs'])}.pickle" if folder is not None else None


def install() -> None:
    """Answer ``re``'s look-ups from the programs earlier runs stored (once per process)."""
    if isinstance(re._cache, KeptPatterns) or type(re._cache) is not dict:  # type: ignore[attr-defined]
        return
    try:
        path = _store_path()
        if path is None:
            return
        try:
            programs = pickle.loads(path.read_bytes())
            if not isinstance(programs, dict):
                programs = {}
        except Exception:  # missing, truncated or from another layout: start with none
            programs = {}
    except OSError:
        return
    table = KeptPatterns(programs)
    table.update(re._cache)  # type: ignore[attr-defined]
    re._cache = table  # type: ignore[attr-defined]


def keep_at_exit() -> None:
    """At exit, store the programs of the patterns this process compiled (after :func:`install`)."""
    table = re._cache  # type: ignore[attr-defined]
    if isinstance(table, KeptPatterns):
        path = _store_path()
        if path is not None:
            atexit.register(_store, table, path)


def _store(table: KeptPatterns, path: Path) -> None:
    """Write the programs kept so far and those of the patterns compiled in this process."""
    try:
        new = table.new_programs()
        if not new or len(table.programs) >= LIMIT:
            return
        import tempfile

        programs = {**table.programs, **dict(list(new.items())[: LIMIT - len(table.programs)])}
        data = pickle.dumps(programs, protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".regexes-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)  # whole or not at all: parallel runs may race here
        except OSError:
            os.unlink(tmp)
    except Exception:  # noqa: BLE001 - a cache that cannot be written is only a slower next start
        pass

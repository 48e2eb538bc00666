"""The regexes a run compiles with ``re``, kept with their programs for the next run.

bootdiag's modules and the libraries it uses compile about a hundred and fifty regexes as they are
imported and first used: 15-20 ms of every start. Python's ``re`` looks each one up first in its
own table of compiled patterns (``re._cache``, keyed by type, source and flags); :func:`install`
puts in its place a table that, on a miss, makes the pattern from the program an earlier run
stored (microseconds, :mod:`bootdiag.core.precompiled`); :func:`keep_at_exit` (the command line
calls it) writes at exit the programs of the patterns the run had to compile. A pattern is found by its source and flags, so an edited regex
is compiled as usual, and a program from another engine is compiled from its source. Another
``re`` layout, or no usable cache folder, leaves ``re`` as it is.

A pattern's program is stored the second time a run compiles it, and only up to a bounded size:
some patterns are made afresh by every process (the standard library's tokenizer builds one from
a set, in an order that changes from run to run), and a very large one costs more to load at every
start than it saves. The first time, only a checksum of it is kept.

Each installation keeps its own programs (installations sharing a cache folder compile the
versions of their own regexes), and the checksums apart from them: a start reads only the
programs, the checksums are read at exit by a run that compiled something.
"""
from __future__ import annotations

import atexit
import os
import pickle
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bootdiag.core.precompiled import from_program, program_of

LIMIT = 1000  # programs kept at most: patterns made from input are not worth keeping forever
SEEN = 4000  # checksums of patterns compiled once kept at most (the oldest go first)
LARGEST = 32768  # bytes of program at most (larger ones are cached by their owners, or compiled)


class KeptPatterns(dict):  # type: ignore[type-arg]
    """``re``'s table of compiled patterns, filled from stored programs as they are asked for."""

    def __init__(self, programs: dict[Any, tuple[Any, ...]], seen: dict[int, None] | None = None,
                 load_seen: Callable[[], dict[int, None]] | None = None) -> None:
        super().__init__()
        self.programs = programs
        self._seen = None if seen is None and load_seen is not None else dict(seen or {})
        self._load_seen = load_seen
        self.missed: list[Any] = []  # compiled in this process

    @property
    def seen(self) -> dict[int, None]:
        """Checksums of patterns an earlier run compiled once (read when first asked: at exit, by
        a run that compiled something)."""
        if self._seen is None:
            self._seen = dict(self._load_seen()) if self._load_seen is not None else {}
        return self._seen

    def __missing__(self, key: Any) -> re.Pattern[Any]:
        form = self.programs.get(key)
        if form is None:
            if isinstance(key[1], (str, bytes)):  # not a compiled pattern handed to re.compile
                self.missed.append(key)
            raise KeyError(key)
        pattern = self[key] = from_program(*form)
        return pattern

    def remember(self) -> bool:
        """Take in this process's compiled patterns: the program of one compiled before, the
        checksum of one compiled for the first time. Whether anything changed."""
        if not self.missed:  # nothing compiled: the checksums stay unread
            return False
        changed = False
        for key in self.missed:
            mark = checksum(key)
            pattern = dict.get(self, key)
            if mark not in self.seen:
                self.seen[mark] = None
                changed = True
            elif isinstance(pattern, re.Pattern) and len(self.programs) < LIMIT:
                form = program_of(pattern)
                if form is not None and len(form[3]) <= LARGEST:
                    self.programs[key] = form
                    changed = True
        while len(self.seen) > SEEN:
            del self.seen[next(iter(self.seen))]
        self.missed = []
        return changed


def checksum(key: Any) -> int:
    """A pattern's key (type, source, flags) as a number that is the same in every process."""
    import zlib  # at exit only: not every run's start

    kind, source, flags = key
    data = source if isinstance(source, bytes) else source.encode("utf-8", "surrogatepass")
    return zlib.crc32(data, flags) ^ (kind is bytes)


def _store_path() -> Path | None:
    """The programs' file; the checksums' file is beside it (:func:`_seen_path`)."""
    from bootdiag.core.cache import cache_dir, digest

    folder = cache_dir()
    if folder is None:
        return None
    installed = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return folder / f"regexes-{digest(['regex programs of bootdiag and its parser library', installed])}.pickle"


def _seen_path(path: Path) -> Path:
    return path.with_name(path.name.replace("regexes-", "regexes-seen-", 1))


def _read(path: Path) -> dict[Any, Any]:
    """A stored table; empty when missing, truncated or of another layout."""
    from bootdiag.core.cache import unpickle

    try:
        table = unpickle(path.read_bytes())
    except Exception:  # noqa: BLE001 - start with none
        return {}
    return table if isinstance(table, dict) else {}


def install() -> None:
    """Answer ``re``'s look-ups from the programs earlier runs stored (once per process)."""
    if isinstance(re._cache, KeptPatterns) or type(re._cache) is not dict:  # type: ignore[attr-defined]
        return
    try:
        path = _store_path()
    except OSError:
        return
    if path is None:
        return
    table = KeptPatterns(_read(path), load_seen=lambda: _read(_seen_path(path)))
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
    """Write the programs and checksums kept, with what this process compiled."""
    try:
        if not table.remember():
            return
        _write(path, table.programs)
        _write(_seen_path(path), table.seen)
    except Exception:  # noqa: BLE001 - a cache that cannot be written is only a slower next start
        pass


def _write(path: Path, table: dict[Any, Any]) -> None:
    import tempfile

    data = pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".regexes-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)  # whole or not at all: parallel runs may race here
    except OSError:
        os.unlink(tmp)

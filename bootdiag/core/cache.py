"""Things worked out at start-up and kept between runs: the validated rules, the trigger screen.

Each is stored (pickled) under the user's cache folder, beside Lark's grammar cache, and keyed by a
digest of everything it is built from (file contents, bootdiag's and Python's versions), so a
changed rule, grammar or module is never served stale. Any trouble reading or writing the cache
(no home folder, read-only disk, a half-written file) only means building as if it were not there.

A compiled regex is stored with its compiled program, so that loading it does not compile it
again (pickle would store only its source): the screen's regex takes tens of milliseconds to compile.
"""
from __future__ import annotations

import copyreg
import hashlib
import io
import os
import pickle
import re
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from bootdiag import __version__

T = TypeVar("T")


def cache_dir() -> Path | None:
    """``$XDG_CACHE_HOME/bootdiag`` (or ``~/.cache/bootdiag``), created; ``None`` when unusable."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "bootdiag"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None


def digest(parts: Iterable[str | bytes | Path]) -> str:
    h = hashlib.sha256(f"{__version__}\0{sys.version}".encode())
    for part in parts:
        data = part.read_bytes() if isinstance(part, Path) else part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()[:32]


def cached(kind: str, parts: Iterable[str | bytes | Path], build: Callable[[], T]) -> T:
    """``build()``, or what an earlier run built from the same ``parts``."""
    folder = cache_dir()
    if folder is None:
        return build()
    try:
        path = folder / f"{kind}-{digest(parts)}.pickle"
    except OSError:
        return build()
    try:
        return pickle.loads(path.read_bytes())
    except Exception:  # missing, truncated or from another layout: build it again
        pass
    value = build()
    try:
        data = dumps(value)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{kind}-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)  # whole or not at all: parallel scans may race here
    except Exception:
        try:
            os.unlink(tmp)
        except (OSError, UnboundLocalError):
            pass
    return value


def dumps(value: Any) -> bytes:
    """``value`` pickled, its compiled regexes with their programs."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, re.Pattern: _reduce_pattern}
    pickler.dump(value)
    return out.getvalue()


def _reduce_pattern(pattern: re.Pattern[Any]) -> tuple[Any, tuple[Any, ...]]:
    try:
        form = _compiled_form(pattern)
    except Exception:  # noqa: BLE001 - another interpreter's internals: store the source, as pickle does
        form = None
    if form is None:
        return re.compile, (pattern.pattern, pattern.flags)
    return compiled_pattern, form


def _compiled_form(pattern: re.Pattern[Any]) -> tuple[Any, ...] | None:
    """What CPython's ``re.compile`` hands to ``_sre.compile`` for ``pattern`` (its program, as
    ``re._compiler.compile`` makes it), or ``None`` when the rebuilt pattern would differ."""
    import _sre
    from re import _compiler, _parser

    tree = _parser.parse(pattern.pattern, pattern.flags)
    code = [int(op) for op in _compiler._code(tree, pattern.flags)]  # plain ints: its opcodes are int subclasses
    index_group = [None] * (pattern.groups + 1)
    for name, index in pattern.groupindex.items():
        index_group[index] = name
    form = (_sre.MAGIC, pattern.pattern, pattern.flags, code, pattern.groups, dict(pattern.groupindex), tuple(index_group))
    return form if compiled_pattern(*form) == pattern else None  # equal patterns have equal programs


def compiled_pattern(magic: int, source: Any, flags: int, code: list[int], groups: int, group_index: dict[str, int],
                     index_group: tuple[str | None, ...]) -> re.Pattern[Any]:
    """A regex from its stored program; compiled from its source when this interpreter's engine
    differs from the one that stored it."""
    import _sre

    if magic == _sre.MAGIC:
        try:
            return _sre.compile(source, flags, code, groups, group_index, index_group)
        except Exception:  # noqa: BLE001 - compile from the source instead
            pass
    return re.compile(source, flags)

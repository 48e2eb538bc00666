"""Things worked out at start-up and kept between runs: the validated rules, the trigger screen.

Each is stored (pickled) under the user's cache folder, beside Lark's grammar cache, and keyed by a
digest of everything it is built from (file contents, bootdiag's and Python's versions), so a
changed rule, grammar or module is never served stale. Any trouble reading or writing the cache
(no home folder, read-only disk, a half-written file) only means building as if it were not there.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

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
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{kind}-")
        with os.fdopen(fd, "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # whole or not at all: parallel scans may race here
    except Exception:
        try:
            os.unlink(tmp)
        except (OSError, UnboundLocalError):
            pass
    return value

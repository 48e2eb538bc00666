"""Things worked out at start-up and kept between runs: the validated rules, the trigger screen.

Each is stored (pickled) under the user's cache folder, beside Lark's grammar cache, and keyed by a
digest of everything it is built from (file contents, bootdiag's and Python's versions), so a
changed rule, grammar or module is never served stale. Any trouble reading or writing the cache
(no home folder, read-only disk, a half-written file) only means building as if it were not there.

A compiled regex is stored with its program (:mod:`bootdiag.core.precompiled`), so that loading
it does not compile it again: the screen's regex takes tens of milliseconds to compile.
"""
from __future__ import annotations

import copyreg
import gc
import io
import os
import pickle
import re
import struct
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from stat import S_ISREG
from typing import Any, TypeVar

from bootdiag import __version__
from bootdiag.core.precompiled import reduce_pattern

try:  # the interpreter's own SHA-256: importing hashlib loads OpenSSL, about 3 ms of every start
    from _sha2 import sha256  # type: ignore[import-not-found]  # Python 3.12 and later
except ImportError:
    try:
        from _sha256 import sha256  # type: ignore[import-not-found,no-redef]
    except ImportError:
        from hashlib import sha256  # type: ignore[assignment]

T = TypeVar("T")
FORMAT = "5"  # how values are stored: a change serves nothing an older bootdiag stored


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
    h = sha256(f"{__version__}\0{FORMAT}\0{sys.version}".encode())
    for part in parts:
        data = _file_digest(part) if isinstance(part, Path) else part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    if _FILE_DIGESTS.learnt:
        _FILE_DIGESTS.keep()
    return h.hexdigest()[:32]


class _FileDigests(dict):  # type: ignore[type-arg]
    """The sha256 of files' contents by path, inode, times and size, kept between runs in the cache
    folder: the keys of what is built at start-up digest about 2 MB of rule, message and module
    files, read and hashed again only when one changes (any write changes its ctime).

    Each installation of bootdiag keeps its own table: installations sharing one cache folder
    (virtual environments, checkouts) would otherwise fill a common table with thousands of
    entries that every start unpickles (about 4 ms), each for the hundred or so files it digests."""

    LIMIT = 4096  # entries kept at most (the oldest go first)

    def __init__(self) -> None:
        super().__init__()
        self.loaded = self.learnt = False
        installed = os.path.dirname(os.path.abspath(__file__))
        self.FILE = f"file-digests-{sha256(installed.encode()).hexdigest()[:16]}.pickle"

    def load(self) -> None:
        self.loaded = True
        folder = cache_dir()
        try:
            kept = unpickle((folder / self.FILE).read_bytes()) if folder is not None else {}
        except Exception:  # missing, truncated or from another layout: digest the files again
            kept = {}
        if isinstance(kept, dict):
            self.update(kept)

    def keep(self) -> None:
        self.learnt = False
        while len(self) > self.LIMIT:
            del self[next(iter(self))]
        folder = cache_dir()
        if folder is not None:
            _write(folder, self.FILE, pickle.dumps(dict(self), protocol=pickle.HIGHEST_PROTOCOL))


_FILE_DIGESTS = _FileDigests()
_DIGEST_LIMIT = 64 << 20  # larger than any rule, grammar or catalogue file a loader accepts


def _file_digest(path: Path) -> bytes:
    """The sha256 of a file's contents, read only when its size, times or inode changed."""
    if not _FILE_DIGESTS.loaded:
        _FILE_DIGESTS.load()
    stat = path.stat()
    key = (str(path), stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size)
    if not S_ISREG(stat.st_mode) or stat.st_size > _DIGEST_LIMIT:
        # A FIFO, a device or a file too large to be any source: never opened here (opening a FIFO
        # waits for a writer, /dev/zero never ends); its loader says what is wrong with it.
        return sha256(repr(key).encode()).digest()
    found = _FILE_DIGESTS.get(key)
    if found is None:
        found = _FILE_DIGESTS[key] = sha256(path.read_bytes()).digest()
        _FILE_DIGESTS.learnt = True
    return found


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
        return _load(path)
    except Exception:  # missing, truncated or from another layout: build it again
        pass
    value = build()
    try:
        data = _entry(value)
    except Exception:  # noqa: BLE001 - not stored: built again next time
        return value
    if _write(folder, path.name, data):
        prune(folder, keep=path.name)
    return value


# Bytes of stored files the cache folder keeps at most: the entries of several installations (one
# installation's are about 8 MB, most of it the message catalogue's regex programs).
SIZE_LIMIT = 64 << 20


def prune(folder: Path, keep: str = "") -> None:
    """Remove the stored files written longest ago (``keep`` aside) until those left take at most
    :data:`SIZE_LIMIT` bytes. Every new version of bootdiag, and every edit of a rule, catalogue or
    module in a checkout, stores entries under new keys, and nothing else removes the old ones. Run
    only after an entry is written, which a start that finds its entries never does. A file another
    run still has mapped is removed from the folder only (or, where the system refuses, left)."""
    try:
        stored = []
        with os.scandir(folder) as found:
            for entry in found:
                if entry.name.endswith(".pickle") and not entry.name.startswith(".") and entry.is_file(follow_symlinks=False):
                    stat = entry.stat(follow_symlinks=False)
                    stored.append((stat.st_mtime_ns, stat.st_size, entry.name))
    except OSError:
        return
    total = sum(size for _, size, _ in stored)
    for _, size, name in sorted(stored):
        if total <= SIZE_LIMIT:
            break
        if name == keep:
            continue
        try:
            os.unlink(folder / name)
        except OSError:
            continue
        total -= size


# An entry is a header (the pickle's length, how many buffers, each buffer's length), the pickle,
# then the buffers its values hand over out of band (``pickle.PickleBuffer``: the message
# catalogue's regex programs, a few megabytes). The file is mapped, not read: a buffer becomes a
# view of the mapped file, and only the pages a run touches are read.
_HEAD = struct.Struct("<QI")
_LENGTH = struct.Struct("<Q")


def _entry(value: Any) -> bytes:
    buffers: list[pickle.PickleBuffer] = []
    pickled = dumps(value, buffers.append)
    views = [b.raw() for b in buffers]
    head = _HEAD.pack(len(pickled), len(views)) + b"".join(_LENGTH.pack(v.nbytes) for v in views)
    return b"".join([head, pickled, *views])


def _load(path: Path) -> Any:
    import mmap

    with open(path, "rb") as file:
        mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    whole = memoryview(mapped)
    size, count = _HEAD.unpack_from(whole)
    at = _HEAD.size + _LENGTH.size * count
    lengths = struct.unpack_from(f"<{count}Q", whole, _HEAD.size)
    pickled, at = whole[at : at + size], at + size
    buffers = []
    for length in lengths:
        buffers.append(whole[at : at + length])
        at += length
    if at != len(whole):
        raise ValueError("a cache entry of another length than its header says")
    value = unpickle(pickled, buffers)
    if not buffers:  # nothing refers to the mapping: let it go now
        pickled.release()
        whole.release()
        mapped.close()
    return value


# Whether what the cache loads lives to the end of the process (the command line says so: its
# process ends with its command); then the garbage collector is spared scanning it.
KEPT_TO_THE_END = False


def unpickle(data: bytes | memoryview, buffers: Iterable[Any] = ()) -> Any:
    """``pickle.loads``. When what is loaded lives to the end of the process, it is loaded with the
    cyclic garbage collector paused and then set aside for good (``gc.freeze``): a stored value is
    thousands of new containers, none of them garbage, which the collector would otherwise scan
    as they are made and again as they age (about 4 ms of a start)."""
    if not KEPT_TO_THE_END or not gc.isenabled():
        return pickle.loads(data, buffers=buffers)
    gc.disable()
    try:
        value = pickle.loads(data, buffers=buffers)
        gc.freeze()
        return value
    finally:
        gc.enable()


def _write(folder: Path, name: str, data: bytes) -> bool:
    """Store ``data`` as ``folder/name``, whole or not at all (parallel runs may race here); a file
    that cannot be written is only built again next time. Whether it was stored."""
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}-")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, folder / name)
        return True
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False


def dumps(value: Any, buffer_callback: Callable[[pickle.PickleBuffer], Any] | None = None) -> bytes:
    """``value`` pickled, its compiled regexes with their programs (and its ``PickleBuffer``s
    handed to ``buffer_callback`` when given, as ``pickle.dumps`` does)."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL, buffer_callback=buffer_callback)
    pickler.dispatch_table = {**copyreg.dispatch_table, re.Pattern: reduce_pattern}
    pickler.dump(value)
    return out.getvalue()

"""Files read whole (keys, images, eFuse and fuse summaries, configurations, rule files, message
catalogues): only regular files, only up to a size that such a file can have.

A capture is streamed and may come from anywhere (a pipe, a FIFO, ``<(zcat log.gz)``); these files
are read into memory in one piece, so a FIFO would hang the run and ``/dev/zero`` would fill the
memory. The file is opened without blocking (a FIFO with no writer does not wait), checked to be a
regular file on the open descriptor (no race with a rename), and read to at most its limit.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from bootdiag.core.errors import InputError

MiB = 1 << 20
KEY_LIMIT = 1 * MiB  # PEM/DER keys, raw public key points
SUMMARY_LIMIT = 4 * MiB  # espefuse summaries, fuse_info.txt
TEXT_LIMIT = 16 * MiB  # build configurations, rule files, message catalogues
IMAGE_LIMIT = 512 * MiB  # firmware images and flash dumps

_KINDS = (
    (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
)


def special_kind(mode: int) -> str | None:
    """What a file that is not a regular file is ("a FIFO (named pipe)"), ``None`` for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def open_failure(path: str | Path, exc: OSError | ValueError, file: str = "file") -> str:
    """One line for a file that could not be opened: ``file`` says what it was to be."""
    if isinstance(exc, FileNotFoundError):
        return f"{path}: no such {file}"
    if isinstance(exc, IsADirectoryError):
        return f"{path}: is a directory, not a {file}"
    if isinstance(exc, PermissionError):
        return f"{path}: permission denied"
    return f"{path}: cannot open {file} ({getattr(exc, 'strerror', None) or exc})"


def _size(n: int) -> str:
    return f"{n / MiB:.0f} MiB" if n >= MiB else f"{n} bytes"


def read_regular(path: str | Path, limit: int, what: str | None, error: type[Exception] = InputError) -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes; anything else raises
    ``error`` with one line that names the file and says why (``what``: "key", "eFuse summary", or
    ``None`` for a file of no one kind)."""
    file = f"{what} file" if what else "file"
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        raise error(open_failure(path, exc, file)) from None
    try:
        info = os.fstat(fd)
        kind = special_kind(info.st_mode)
        if kind is not None:
            raise error(f"{path}: is {kind}, not a regular {file}")
        if info.st_size > limit:
            raise error(f"{path}: {_size(info.st_size)} is more than such a {file} can be ({_size(limit)} at most)")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 * MiB, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # it grew while being read
                raise error(f"{path}: more than {_size(limit)}, more than such a {file} can be")
        return b"".join(chunks)
    except OSError as exc:
        raise error(f"{path}: cannot read {file} ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def read_regular_text(path: str | Path, limit: int, what: str | None, error: type[Exception] = InputError, errors: str = "replace") -> str:
    """The text of a regular file (UTF-8; ``errors`` as for :meth:`bytes.decode`)."""
    data = read_regular(path, limit, what, error)
    try:
        return data.decode("utf-8", errors)
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.start})") from None

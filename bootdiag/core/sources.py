"""Where bytes come from: a file, standard input, or (for `tail`) a serial port.

Everything here yields raw ``bytes`` chunks; decoding and line splitting happen in
:mod:`bootdiag.core.lines`, so a source never fails on content.
"""
from __future__ import annotations

import gzip
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from bootdiag.core.errors import InputError
from bootdiag.core.files import open_failure, special_kind

CHUNK_SIZE = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"


def open_capture(path: str | Path | None, stdin: BinaryIO | None = None, regular_only: bool = False) -> tuple[BinaryIO, str]:
    """Open a capture for reading; ``None`` or ``"-"`` means standard input (``stdin``, or the
    process's own).

    Gzip-compressed captures (CI artefacts) are read transparently, detected by content.
    Returns the binary stream and a display name. A capture named on the command line may be a
    pipe (``<(zcat log.gz)``); with ``regular_only`` (many files found by a walk) anything but a
    regular file is refused, without waiting on a FIFO that has no writer.
    """
    if path is None or str(path) == "-":
        return (stdin if stdin is not None else sys.stdin.buffer), "<stdin>"
    p = Path(path)
    try:
        stream: BinaryIO = _open_regular(p) if regular_only else open(p, "rb")  # noqa: SIM115 - the caller closes it
    except (OSError, ValueError) as exc:
        raise InputError(open_failure(p, exc)) from None
    try:
        gzipped = stream.peek(2)[:2] == _GZIP_MAGIC if hasattr(stream, "peek") else False
    except OSError as exc:  # the first read fails (/proc/self/mem, a device gone)
        stream.close()
        raise InputError(f"{p}: cannot read ({exc.strerror or exc})") from None
    if gzipped:
        return gzip.GzipFile(fileobj=stream, mode="rb"), str(p)  # type: ignore[return-value]
    return stream, str(p)


def _open_regular(p: Path) -> BinaryIO:
    fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        kind = special_kind(os.fstat(fd).st_mode)
    except OSError:
        os.close(fd)
        raise
    if kind is not None:
        os.close(fd)
        raise InputError(f"{p}: is {kind}, not a capture file")
    return open(fd, "rb")  # noqa: SIM115 - returned to the caller, who closes it


def iter_chunks(stream: BinaryIO, size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Read a stream in fixed-size chunks; read errors become :class:`InputError`."""
    read = getattr(stream, "read1", stream.read)
    while True:
        try:
            chunk = read(size)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise InputError(f"read failed: {exc}") from None
        if not chunk:
            return
        yield chunk

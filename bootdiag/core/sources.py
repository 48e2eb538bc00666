"""Where bytes come from: a file or standard input, compressed or not, in UTF-8 or UTF-16.

Everything here yields raw ``bytes`` chunks of UTF-8 (or undecodable) text; line splitting and
decoding happen in :mod:`bootdiag.core.lines`, so a source never fails on content. What stands
between the bytes and the text is undone here, found by content and never by the file name:
gzip and zstd compression (CI artefacts, ``journalctl`` exports), and a byte-order mark (PowerShell
5 writes UTF-16 with one on ``>``; Notepad puts one before UTF-8). A UTF-16 capture is transcoded to
UTF-8 as it is read, so its lines are numbered as an editor numbers them.
"""
from __future__ import annotations

import codecs
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from bootdiag.core.errors import InputError
from bootdiag.core.files import open_failure, special_kind

CHUNK_SIZE = 1 << 16
HEAD_BYTES = 4  # enough to tell every magic number and byte-order mark below apart

# RFC 1952 section 2.3.1 (gzip ID1 ID2); RFC 8878 section 3.1.1 (zstd frame magic, little-endian).
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# Unicode byte-order marks (The Unicode Standard, section 23.8): UTF-16 is transcoded, UTF-8 dropped.
UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = {codecs.BOM_UTF16_LE: "utf-16-le", codecs.BOM_UTF16_BE: "utf-16-be"}


def open_capture(path: str | Path | None, stdin: BinaryIO | None = None, regular_only: bool = False) -> tuple[BinaryIO, str]:
    """Open a capture for reading; ``None`` or ``"-"`` means standard input (``stdin``, or the
    process's own). Compression and byte-order marks are undone (see the module's docstring).

    Returns the binary stream (closing it never closes standard input) and a display name. A
    capture named on the command line may be a pipe (``<(zcat log.gz)``); with ``regular_only``
    (many files found by a walk) anything but a regular file is refused, without waiting on a FIFO
    that has no writer.
    """
    if path is None or str(path) == "-":
        return decoded(stdin if stdin is not None else sys.stdin.buffer, owned=False), "<stdin>"
    p = Path(path)
    try:
        stream: BinaryIO = _open_regular(p) if regular_only else open(p, "rb")  # noqa: SIM115 - the caller closes it
    except (OSError, ValueError) as exc:
        raise InputError(open_failure(p, exc)) from None
    try:
        return decoded(stream), str(p)
    except InputError as exc:  # the first read fails (/proc/self/mem, a device gone)
        stream.close()
        raise InputError(f"{p}: {exc}") from None


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


def decoded(stream: BinaryIO, owned: bool = True) -> BinaryIO:
    """``stream`` as UTF-8 text bytes: decompressed when its first bytes say gzip or zstd, and
    without a byte-order mark (UTF-16 transcoded). ``owned``: closing the result closes ``stream``."""
    head = _read_head(stream)
    if owned and not head.startswith((GZIP_MAGIC, ZSTD_MAGIC, UTF8_BOM, *UTF16_BOMS)) and _rewound(stream):
        return stream  # a plain file, read again from its start: nothing stands between it and the reader
    source: BinaryIO = _Rejoined(head, stream, owned)  # type: ignore[assignment]
    if head.startswith((GZIP_MAGIC, ZSTD_MAGIC)):
        compressed = io.BufferedReader(source)  # type: ignore[arg-type]
        if head.startswith(GZIP_MAGIC):
            import gzip  # only for a compressed capture: not every run's start

            plain: BinaryIO = gzip.GzipFile(fileobj=compressed, mode="rb")  # type: ignore[assignment]
        else:
            plain = _zstd_reader(compressed)  # type: ignore[arg-type]
        head = _read_head(plain)
        # Neither decompressor closes the file object it was given: the rejoined stream does.
        source = _Rejoined(head, plain, True, inner=compressed)  # type: ignore[assignment]
    for bom, encoding in UTF16_BOMS.items():
        if head.startswith(bom):
            source.read(len(bom))
            return io.BufferedReader(_Transcoded(source, encoding))  # type: ignore[return-value]
    if head.startswith(UTF8_BOM):
        source.read(len(UTF8_BOM))
    return io.BufferedReader(source, CHUNK_SIZE)  # type: ignore[arg-type, return-value]


def _rewound(stream: BinaryIO) -> bool:
    """Whether ``stream`` went back to its start (a regular file does; a pipe or a device cannot)."""
    try:
        return stream.seekable() and stream.seek(0) == 0
    except (OSError, ValueError):
        return False


def _read_head(stream: BinaryIO) -> bytes:
    """The first bytes, waiting for all of them unless the stream ends (a pipe may deliver one at a time)."""
    head = b""
    read = getattr(stream, "read1", stream.read)
    while len(head) < HEAD_BYTES:
        try:
            more = read(HEAD_BYTES - len(head))
        except OSError as exc:  # the first read fails (/proc/self/mem, a device gone)
            raise InputError(f"cannot read ({exc.strerror or exc})") from None
        except EOFError as exc:
            raise InputError(f"read failed: {exc}") from None
        if not more:
            break
        head += more
    return head


def _zstd_reader(stream: BinaryIO) -> BinaryIO:
    try:
        from compression import zstd  # type: ignore[import-not-found]  # Python 3.14 and later
    except ImportError:
        from backports import zstd  # type: ignore[no-redef]  # the same module for older Pythons
    return zstd.ZstdFile(stream, mode="rb")  # type: ignore[return-value]


class _Rejoined(io.RawIOBase):
    """Bytes already read from the start of a stream, followed by the rest of it."""

    def __init__(self, head: bytes, stream: BinaryIO, owned: bool, inner: BinaryIO | None = None) -> None:
        self._head = head
        self._stream = stream
        self._owned = owned
        self._inner = inner  # what ``stream`` reads from, closed with it
        self._read = getattr(stream, "read1", stream.read)  # what has arrived, without waiting for more

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            data, self._head = self._head[: len(buffer)], self._head[len(buffer):]
        else:
            data = self._read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if self._owned and not self.closed:
            self._stream.close()
            if self._inner is not None:
                self._inner.close()
        super().close()


class _Transcoded(io.RawIOBase):
    """A UTF-16 stream read as UTF-8; what does not decode becomes U+FFFD, as anywhere else."""

    def __init__(self, source: BinaryIO, encoding: str) -> None:
        self._source = source
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self._pending = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending and not self._done:
            chunk = self._source.read(CHUNK_SIZE)
            self._done = not chunk
            self._pending = self._decoder.decode(chunk, final=self._done).encode("utf-8", "replace")
        data, self._pending = self._pending[: len(buffer)], self._pending[len(buffer):]
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._source.close()
        super().close()


def iter_chunks(stream: BinaryIO, size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Read a stream in chunks of at most ``size`` bytes; read errors become :class:`InputError`."""
    read = getattr(stream, "read1", stream.read)
    while True:
        try:
            chunk = read(size)
        except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
            raise InputError(f"read failed: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - zlib.error, ZstdError: damaged compressed data
            raise InputError(f"read failed: {type(exc).__name__}: {exc}") from None
        if not chunk:
            return
        yield chunk

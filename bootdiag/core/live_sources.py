"""Live streams that are not a serial port: standard input, and a file another program is writing.

``bootdiag tail -`` reads a pipe (``tio /dev/ttyUSB0 | bootdiag tail -``); ``bootdiag tail --follow
FILE`` reads a capture that a serial program holding the port writes as bytes arrive (``tio --log``,
minicom's capture, a vendor monitor's log, ``screen -L``), from its first byte, so its line numbers
are the ones ``bootdiag explain FILE`` gives. Both hand over bytes exactly as read, like a port.
"""
from __future__ import annotations

import os
import queue
import threading
import time
from pathlib import Path
from typing import BinaryIO

READ_SIZE = 1 << 16
FOLLOW_POLL = 0.05  # seconds between looks at a followed file that has not grown


class StreamEnded(Exception):
    """The stream has no more bytes and never will (standard input reached its end)."""


class PipeReader:
    """Standard input (or any binary stream), read by a thread so the live loop can wait with a timeout."""

    def __init__(self, stream: BinaryIO) -> None:
        self._chunks: queue.Queue[bytes | BaseException | None] = queue.Queue()
        self._ended = False
        threading.Thread(target=self._pump, args=(stream,), daemon=True, name="bootdiag-stdin").start()

    def _pump(self, stream: BinaryIO) -> None:
        read = getattr(stream, "read1", stream.read)
        try:
            while chunk := read(READ_SIZE):
                self._chunks.put(chunk)
        except (OSError, ValueError) as exc:
            self._chunks.put(exc)
        self._chunks.put(None)

    def read(self, wait: float) -> bytes:
        """What arrived, waiting up to ``wait`` seconds for the first byte; :class:`StreamEnded` at the end."""
        if self._ended:
            raise StreamEnded
        try:
            item = self._chunks.get(timeout=wait)
        except queue.Empty:
            return b""
        parts = []
        while True:
            if item is None or isinstance(item, BaseException):
                self._ended = True
                break
            parts.append(item)
            try:
                item = self._chunks.get_nowait()
            except queue.Empty:
                break
        if not parts and self._ended:
            raise StreamEnded
        return b"".join(parts)


class FollowedFile:
    """A file that grows as another program writes it; read from its start. A file truncated or
    replaced (a new capture started) is read again from its start, and :attr:`restarted` says so."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file: BinaryIO | None = None
        self._inode: int | None = None
        self._position = 0
        self.restarted: str | None = None  # why reading went back to the start, once, for a notice

    def _open(self) -> bool:
        try:
            self._file = open(self.path, "rb", buffering=0)  # noqa: SIM115 - closed in close()
        except FileNotFoundError:
            return False  # not written yet: the writer has not started
        self._inode = os.fstat(self._file.fileno()).st_ino
        self._position = 0
        return True

    def read(self, wait: float) -> bytes:
        deadline = time.monotonic() + wait
        while True:
            data = self._read_now()
            if data or time.monotonic() >= deadline:
                return data
            time.sleep(min(FOLLOW_POLL, max(0.0, deadline - time.monotonic())))

    def _read_now(self) -> bytes:
        if self._file is None and not self._open():
            return b""
        assert self._file is not None
        data = self._file.read(READ_SIZE) or b""
        if data:
            self._position += len(data)
            return data
        try:
            now = os.stat(self.path)
        except FileNotFoundError:
            return b""  # moved away: the writer may create it again
        if now.st_ino != self._inode:
            self.close()
            self.restarted = "replaced"
        elif now.st_size < self._position:
            self._file.seek(0)
            self._position = 0
            self.restarted = "truncated"
        return b""

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

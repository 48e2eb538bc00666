"""Test rig for `bootdiag tail`: a paced feeder, a loopback TCP server, UART resampling, a process runner."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SEED_003 = SEEDS / "003_acb57648b5c0ae1c.txt"
LINE_RATE = 115200 / 10  # bytes per second: 8N1 framing is 10 bits a byte
CHUNK_SIZES = (37, 211, 64, 150, 5, 97)  # uneven, so that chunks end inside lines


def pace(write: Callable[[bytes], None], data: bytes, rate: float = LINE_RATE) -> list[tuple[int, float]]:
    """Write ``data`` at ``rate`` bytes/s in uneven chunks; returns (end offset, monotonic time) per chunk."""
    sent: list[tuple[int, float]] = []
    start = time.monotonic()
    offset = 0
    i = 0
    while offset < len(data):
        chunk = data[offset : offset + CHUNK_SIZES[i % len(CHUNK_SIZES)]]
        i += 1
        delay = start + (offset + len(chunk)) / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)  # the chunk is on the wire only once its last byte would have been
        write(chunk)
        offset += len(chunk)
        sent.append((offset, time.monotonic()))
    return sent


def sent_at(sent: list[tuple[int, float]], offset: int) -> float:
    """When the byte at ``offset`` had been written."""
    return next(t for end, t in sent if end > offset)


def write_all(fd: int) -> Callable[[bytes], None]:
    def write(chunk: bytes) -> None:
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd, view):]

    return write


class CaptureServer:
    """A TCP server on 127.0.0.1 standing in for a serial-over-network adapter (socket://)."""

    def __init__(self, port: int = 0) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(1)
        self.listener.settimeout(15)  # a test that goes wrong still ends
        self.port = self.listener.getsockname()[1]
        self.url = f"socket://127.0.0.1:{self.port}"

    def accept(self) -> socket.socket:
        conn, _ = self.listener.accept()
        return conn

    def close(self) -> None:
        self.listener.close()


class TailRun:
    """`python -m bootdiag tail ...` in a subprocess; its output is collected with arrival times."""

    def __init__(self, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("BOOTDIAG_DEBUG", "FORCE_COLOR")}
        env.update(NO_COLOR="1", COLUMNS="200")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bootdiag", "tail", *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )
        self.chunks: dict[str, list[tuple[float, bytes]]] = {"stdout": [], "stderr": []}
        self._changed = threading.Condition()
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, "stdout"), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, "stderr"), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, pipe, name: str) -> None:
        fd = pipe.fileno()
        while True:
            data = os.read(fd, 65536)
            with self._changed:
                if data:
                    self.chunks[name].append((time.monotonic(), data))
                self._changed.notify_all()
            if not data:
                return

    def text(self, name: str = "stdout") -> str:
        with self._changed:
            return b"".join(d for _, d in self.chunks[name]).decode("utf-8", "replace")

    def wait_for(self, needle: str, name: str = "stdout", timeout: float = 10) -> float:
        """Monotonic time at which ``needle`` had arrived on stream ``name``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                seen = b""
                for at, data in self.chunks[name]:
                    seen += data
                    if needle.encode() in seen:
                        return at
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reading()):
                    raise AssertionError(f"{needle!r} not on {name} within {timeout}s:\n{self.text('stdout')}\n{self.text('stderr')}")
                self._changed.wait(min(left, 0.1))

    def _reading(self) -> bool:
        return any(r.is_alive() for r in self._readers)

    def finish(self, sig: int | None = signal.SIGINT, timeout: float = 15) -> tuple[int, str, str]:
        if sig is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        for reader in self._readers:
            reader.join(5)
        return code, self.text("stdout"), self.text("stderr")


def uart_resample(data: bytes, sent_rate: int, read_rate: int) -> bytes:
    """What a UART reading at ``read_rate`` receives from ``data`` sent back to back at ``sent_rate`` (8N1).

    The receiver waits for a falling edge, samples each bit in its middle at its own rate, and on a
    framing error (stop bit low) delivers NUL, as Linux termios does without PARMRK.
    """
    total_bits = len(data) * 10

    def level(bit: int) -> int:
        if bit < 0 or bit >= total_bits:
            return 1
        frame, pos = divmod(bit, 10)
        if pos == 0:
            return 0
        if pos == 9:
            return 1
        return (data[frame] >> (pos - 1)) & 1

    ratio = sent_rate / read_rate  # one receiver bit, in sender bits
    out = bytearray()
    bit = 0
    while bit < total_bits:
        if not (level(bit) == 0 and level(bit - 1) == 1):
            bit += 1
            continue
        samples = [level(int(bit + (k + 0.5) * ratio)) for k in range(10)]
        value = sum(samples[1 + i] << i for i in range(8))
        out.append(value if samples[9] == 1 else 0)
        bit = max(bit + 1, int(bit + 9.5 * ratio))
    return bytes(out)

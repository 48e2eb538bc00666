"""Tell a wrong baud rate from a real log: at the wrong rate the UART delivers mostly garbage.

A receiver sampling at the wrong rate mis-frames most characters: the bytes it reads are spread
over the whole 0-255 range, so many are invalid UTF-8 or control characters, and framing errors
read as NUL (Linux termios, no PARMRK). A real log is printable text with a few stray bytes at
power-on. The meter looks at a sliding window of recent characters.
"""
from __future__ import annotations

from collections import deque

WINDOW = 1024  # characters judged at a time
MIN_SAMPLE = 256  # fewer characters than this say nothing yet
GARBAGE_SHARE = 0.25  # a real log stays far below: a reset glitch is a handful of bytes

# Rates serial consoles of the supported boards use; 74880 is the ESP8266 and 26 MHz ESP32 ROM.
COMMON_RATES = (115200, 74880, 921600, 460800, 230400, 57600, 38400, 19200, 9600)

_ALLOWED_CONTROLS = frozenset("\t\n\r\x1b")


def undecodable(text: str) -> int:
    """Characters of ``text`` (decoded with ``errors="replace"``) that no log would print."""
    return sum(1 for ch in text if ch == "\ufffd" or ((ch < " " or ch == "\x7f") and ch not in _ALLOWED_CONTROLS))


class GarbageMeter:
    """Share of undecodable characters in the recent stream."""

    def __init__(self) -> None:
        self._window: deque[tuple[int, int]] = deque()  # (characters, undecodable) per chunk
        self._chars = 0
        self._bad = 0
        self.tripped = False  # a warning was due at some point since the last reset()

    def feed(self, chunk: bytes) -> bool:
        """Count ``chunk``; ``True`` the first time the window turns mostly undecodable."""
        text = chunk.decode("utf-8", "replace")
        sample = (len(text), undecodable(text))
        self._window.append(sample)
        self._chars += sample[0]
        self._bad += sample[1]
        while self._chars - self._window[0][0] >= WINDOW:
            chars, bad = self._window.popleft()
            self._chars -= chars
            self._bad -= bad
        if self.garbled and not self.tripped:
            self.tripped = True
            return True
        return False

    @property
    def garbled(self) -> bool:
        return self._chars >= MIN_SAMPLE and self._bad >= GARBAGE_SHARE * self._chars

    def reset(self) -> None:
        """Start over (the port was reopened: the board may now be talking at another rate)."""
        self.__init__()


def baud_advice(current: int) -> str:
    """One sentence naming the rates worth trying instead of ``current``."""
    others = ", ".join(str(rate) for rate in COMMON_RATES if rate != current)
    return f"the stream is mostly undecodable: the baud rate ({current}) is likely wrong; try --baud with {others}"

"""Tell a wrong baud rate from a real log: at the wrong rate the UART delivers mostly garbage.

A receiver sampling at the wrong rate mis-frames most characters: the bytes it reads are spread
over the whole 0-255 range, so many are invalid UTF-8 or control characters, and framing errors
read as NUL (Linux termios, no PARMRK). A real log is printable text with a few stray bytes at
power-on. The meter judges what arrived since the last good line (one long enough and nearly all
printable): a short boot read at the wrong rate is a few dozen characters and never has one, while
a reset glitch in a real log is followed by one at once.
"""
from __future__ import annotations

MIN_SAMPLE = 32  # characters since the last good line before they say anything
GOOD_LINE = 8  # a line this long, and below GARBAGE_SHARE, is text: it ends a run of garbage
GARBAGE_SHARE = 0.25  # a real log stays far below: a reset glitch is a handful of bytes

# Rates serial consoles of the supported boards use; 74880 is the ESP8266 and 26 MHz ESP32 ROM.
COMMON_RATES = (115200, 74880, 921600, 460800, 230400, 57600, 38400, 19200, 9600)

# Control bytes no log prints (all but TAB, LF, CR and ESC); they are single bytes in UTF-8.
_CONTROLS = bytes(b for b in range(0x20) if b not in b"\t\n\r\x1b") + b"\x7f"


def undecodable(raw: bytes) -> tuple[int, int]:
    """(characters, characters no log would print) of ``raw`` decoded as UTF-8 with replacement."""
    text = raw.decode("utf-8", "replace")
    controls = len(raw) - len(raw.translate(None, _CONTROLS))
    return len(text), text.count("\ufffd") + controls


class GarbageMeter:
    """Share of undecodable characters in what arrived since the last good line."""

    def __init__(self) -> None:
        self._line = bytearray()  # the line still arriving (capped: garbage may have no newline)
        self._chars = 0  # complete lines since the last good line
        self._bad = 0
        self.tripped = False  # the warning was given (once: until reset())

    def feed(self, chunk: bytes) -> bool:
        """Count ``chunk``; ``True`` once, the first time what arrived since the last good line is
        mostly undecodable."""
        if self.tripped or not chunk:
            return False
        *complete, rest = chunk.replace(b"\r", b"\n").split(b"\n")
        for part in complete:
            self._end_line(bytes(self._line) + part)
            self._line.clear()
        self._line += rest[: 4096 - len(self._line)]
        chars, bad = undecodable(bytes(self._line))
        chars += self._chars
        bad += self._bad
        if chars >= MIN_SAMPLE and bad >= GARBAGE_SHARE * chars:
            self.tripped = True
            return True
        return False

    def _end_line(self, line: bytes) -> None:
        chars, bad = undecodable(line)
        if chars >= GOOD_LINE and bad < GARBAGE_SHARE * chars:
            self._chars = self._bad = 0  # text again: what came before was a glitch, or the rate changed
        else:
            self._chars += chars
            self._bad += bad

    def reset(self) -> None:
        """Start over (the port was reopened: the board may now be talking at another rate)."""
        self.__init__()


def baud_advice(current: int | None = None) -> str:
    """One sentence naming the rates worth trying instead of ``current`` (None: a capture whose
    rate is not known)."""
    others = ", ".join(str(rate) for rate in COMMON_RATES if rate != current)
    if current is None:
        return f"the capture is mostly undecodable: it was likely read at the wrong baud rate; capture it again at the board's rate ({others})"
    return f"the stream is mostly undecodable: the baud rate ({current}) is likely wrong; try --baud with {others}"

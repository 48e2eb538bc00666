"""``bootdiag tail``: read a serial port, standard input or a growing file live, show the lines and
the diagnosis as they form.

The bytes go through the same incremental pipeline as ``explain`` (:class:`~bootdiag.core.pipeline.Analyzer`),
so the final report equals ``bootdiag explain`` of the saved capture, line numbers included.

Behaviour worth knowing:
- Only complete lines are parsed. A line that stalls without its newline (``waiting for download``
  from a ROM that then stops) is shown as far as it has arrived after ``STALL`` seconds, and parsed
  when its newline comes or when tail stops. Parsing it earlier would split it in two if the rest
  arrived later, and the line numbers would no longer match the saved capture.
- ``--save`` writes each chunk unmodified, unbuffered, before anything else looks at it.
- A port that goes away (USB unplugged, TCP peer gone) is waited for and reopened; the capture
  and the analysis carry on across the gap, the bytes joined as received (a line cut by the unplug
  continues with the first bytes after it, as in the saved capture).
- SIGINT (Ctrl-C) and SIGTERM end the stream: the report is printed and the exit status is the one
  ``explain`` gives. A second Ctrl-C stops at once (exit 130).
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import BinaryIO, TextIO

import serial

from bootdiag.core.baud import GarbageMeter, baud_advice
from bootdiag.core.errors import InputError
from bootdiag.core.lines import MAX_LINE_BYTES, TextBlock
from bootdiag.core.live_sources import FollowedFile, PipeReader, StreamEnded
from bootdiag.core.changes import FindingChange, FindingTracker
from bootdiag.render.live import LiveView
from bootdiag.app.environment import Environment
from bootdiag.app.run import Job, add_baud_warning, finish, publish, start
from bootdiag.render import render
from bootdiag.core.serial_port import (
    PortError,
    PortLost,
    available_ports,
    choose_port,
    close_quietly,
    open_port,
    port_present,
    pulse_reset,
    read_available,
)

DEFAULT_BAUD = 115200
STALL = 0.15  # seconds without a byte before an unterminated line is shown
PARTIAL_REFRESH = 0.5  # a line that keeps growing without a newline (garbage) is shown this often
READ_WAIT = 0.05  # longest wait for data in one loop turn: bounds the reaction to Ctrl-C and stalls
REOPEN_INTERVAL = 0.5  # seconds between attempts to reopen a port that went away


STDIN = "-"  # the port name that means standard input


@dataclass
class TailOptions:
    port: str | None = None  # a serial port or pyserial URL; "-" is standard input
    follow: Path | None = None  # a file another program is writing, instead of a port
    baud: int | None = None  # None: 115200 on a port, unknown for standard input or a file
    save: Path | None = None
    exit_on_finding: bool = False
    fmt: str = "text"
    reset: bool = False
    timestamps: bool = False
    color: bool | None = None
    detail: str = "normal"  # of the final text report: quiet, normal or verbose
    job: Job = field(default_factory=Job)  # rules, and files beside the log


class StopRequest:
    """SIGINT/SIGTERM ask the loop to stop after its current turn; a second SIGINT stops at once."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, object] = {}

    def __enter__(self) -> "StopRequest":
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True


@dataclass
class PartialLine:
    """The raw bytes of the line still waiting for its newline, and when it began to arrive."""

    raw: bytearray = field(default_factory=bytearray)
    started: float | None = None  # wall clock, for --timestamps
    began: float | None = None  # monotonic clock, for stall timing
    shown_at: float | None = None  # monotonic

    def feed(self, chunk: bytes, now: float) -> None:
        last = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        if last >= 0:
            self.raw = bytearray(chunk[last + 1 :])
            self.started, self.began = (now, time.monotonic()) if self.raw else (None, None)
            self.shown_at = None
        else:
            if self.started is None:
                self.started, self.began = now, time.monotonic()
            self.raw += chunk[: max(0, MAX_LINE_BYTES - len(self.raw))]


class Tail:
    """One live session on one port, standard input or a followed file."""

    def __init__(self, options: TailOptions, env: Environment) -> None:
        self.options = options
        self.env = env
        self.stdout, self.stderr = env.stdout, env.stderr
        self.live: PipeReader | FollowedFile | None = None  # when the bytes come from no port
        if options.follow is not None:
            self.port_name = str(options.follow)
        elif options.port == STDIN:
            self.port_name = "<stdin>"
        else:
            self.port_name = options.port or self._pick_port()
        self.started = start(options.job, self.port_name, every_event=True)  # each line shows its events
        self.analyzer = self.started.analyzer
        # With JSON, stdout carries the report alone; the live stream goes to stderr.
        live_out = self.stderr if options.fmt == "json" else self.stdout
        self.view = LiveView(
            live_out, self.analyzer.marks, color=env.color(live_out, options.color), timestamps=options.timestamps,
            redraw=env.can_redraw(live_out),
        )
        self.tracker = FindingTracker(self.analyzer.engine.rules)
        self.meter = GarbageMeter()
        self.partial = PartialLine()
        self.port: serial.SerialBase | None = None
        self.save: BinaryIO | None = None

    def _pick_port(self) -> str:
        ports = available_ports()
        chosen = choose_port(ports)
        about = f" ({chosen.description})" if chosen.description else ""
        print(f"bootdiag: using {chosen.device}{about}, the only serial port found", file=self.stderr)
        return chosen.device

    # ---------------------------------------------------------------- the loop
    def run(self) -> int:
        try:
            self.save = self._open_save()
            if self.options.follow is not None:
                self.live = FollowedFile(self.options.follow)
                reading = f"following {self.port_name} as it grows"
            elif self.options.port == STDIN:
                self.live = PipeReader(self.env.stdin)
                reading = "reading standard input until it ends"
            else:
                self.port = open_port(self.port_name, self.baud)
                reading = f"reading {self.port_name} at {self.baud} baud"
            with StopRequest() as stop:
                if self.options.reset and self.port is not None:
                    self._reset()
                self.view.notice(f"{reading} (Ctrl-C stops and prints the report)", style="dim")
                self._loop(stop)
            return self._report()
        finally:
            close_quietly(self.port)
            if isinstance(self.live, FollowedFile):
                self.live.close()
            self._close_save()

    @property
    def baud(self) -> int:
        return self.options.baud or DEFAULT_BAUD

    def _read(self) -> bytes:
        """What arrived within READ_WAIT; PortLost (a port that went away) or StreamEnded."""
        if self.live is None:
            return read_available(self.port, READ_WAIT)  # type: ignore[arg-type]
        data = self.live.read(READ_WAIT)
        if isinstance(self.live, FollowedFile) and self.live.restarted:
            self.view.notice(f"{self.port_name} was {self.live.restarted}: reading it again from its start")
            self.live.restarted = None
        return data

    def _loop(self, stop: StopRequest) -> None:
        last_data = time.monotonic()
        while not stop.requested:
            if self.env.reader_gone and self.save is None:
                return  # nobody reads the live view and nothing is kept: the report is all that is left
            try:
                data = self._read()
            except StreamEnded:
                return
            except PortLost as exc:
                if not self._reopen(str(exc), stop):
                    return
                last_data = time.monotonic()
                continue
            now = time.monotonic()
            if data:
                last_data = now
                if self._take(data):
                    return
            elif self.partial.raw and self._partial_due(now, last_data):
                self.partial.shown_at = now
                self.view.partial(bytes(self.partial.raw), self.analyzer.splitter.next_no, self.partial.started)

    def _partial_due(self, now: float, last_data: float) -> bool:
        if self.partial.shown_at is None:
            return now - last_data >= STALL or now - (self.partial.began or now) >= PARTIAL_REFRESH
        return now - self.partial.shown_at >= PARTIAL_REFRESH

    def _take(self, data: bytes) -> bool:
        """Handle received bytes; ``True`` when tail should stop (--exit-on-finding)."""
        if self.save is not None:
            self.save.write(data)  # unbuffered: with the OS before anything else can fail
        now = time.time()
        first_started = self.partial.started or now
        self.partial.feed(data, now)
        if self.meter.feed(data):
            self.view.notice(baud_advice(self.baud if self.live is None else self.options.baud))
        block = self.analyzer.splitter.feed(data)
        if block is None:
            return False
        changes = self._analyse(block, first_started)
        return self.options.exit_on_finding and any(c.kind == "new" for c in changes)

    def _analyse(self, block: TextBlock, started: float | None) -> list[FindingChange]:
        events = self.analyzer.feed_block(block)
        self.view.lines(block, events, started, self.analyzer.session_starts)
        if not events:
            return []
        live = self.analyzer.snapshot()
        final_ids = {f.id for f in self.analyzer.builder.build().findings}  # closed sessions only
        changes = self.tracker.update(live, final_ids, block.first_no + block.count - 1)
        self.view.changes(changes)
        return changes

    # ---------------------------------------------------------------- the port
    def _reset(self) -> None:
        try:
            pulse_reset(self.port)  # type: ignore[arg-type]
        except PortLost as exc:
            self.view.notice(f"reset failed: {exc}")

    def _reopen(self, reason: str, stop: StopRequest) -> bool:
        """Wait for the port to come back; ``False`` when asked to stop first."""
        close_quietly(self.port)
        self.port = None
        self.view.notice(f"{self.port_name} disconnected ({reason}); waiting for it to come back (Ctrl-C stops)")
        while not stop.requested:
            if port_present(self.port_name):
                try:
                    self.port = open_port(self.port_name, self.baud)
                except PortError:
                    pass
                else:
                    self.meter.reset()
                    self.view.notice(f"{self.port_name} is back; reading on", style="green")
                    return True
            deadline = time.monotonic() + REOPEN_INTERVAL
            while not stop.requested and time.monotonic() < deadline:
                time.sleep(0.05)
        return False

    # ---------------------------------------------------------------- the capture file
    def _open_save(self) -> BinaryIO | None:
        path = self.options.save
        if path is None:
            return None
        try:
            return open(path, "wb", buffering=0)  # noqa: SIM115 - closed in run()
        except OSError as exc:
            raise InputError(f"{path}: cannot write the capture ({exc.strerror or exc})") from None

    def _close_save(self) -> None:
        if self.save is None:
            return
        try:
            os.fsync(self.save.fileno())
        except OSError:
            pass  # a pipe or a file system without fsync: the bytes are already with the OS
        self.save.close()

    # ---------------------------------------------------------------- the end
    def _report(self) -> int:
        block = self.analyzer.splitter.flush()  # the unterminated last line counts too
        if block is not None:
            self._analyse(block, self.partial.started)
        report = finish(self.started)
        self.view.close()
        if self.options.fmt == "json":  # the live view (on stderr) said it; the report says it too
            add_baud_warning(report, self.meter, self.baud if self.live is None else self.options.baud)
        if self.options.fmt != "json":
            self.view.notice("end of stream: report", style="dim")
        if self.options.save is not None:
            print(f"bootdiag: capture saved to {self.options.save}", file=self.stderr)
        render(report, self.options.fmt, self.stdout, color=self.env.color(self.stdout, self.options.color),
               width=self.env.width(self.stdout), detail=self.options.detail)
        self.stdout.flush()
        publish(report, self.env)
        return int(report.exit_code)


def run_tail(options: TailOptions, env: Environment | None = None) -> int:
    """Run ``bootdiag tail`` until the stream ends; returns the exit status (as ``explain``)."""
    return Tail(options, env or Environment()).run()

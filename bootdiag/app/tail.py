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
- SIGINT (Ctrl-C), SIGTERM and SIGHUP (the terminal closed) end the stream: the report is printed
  (where the terminal still takes it) and the exit status is the one ``explain`` gives; the capture
  is saved in every case. A second Ctrl-C stops at once (exit 130).
- The port is read by a thread of its own that also writes ``--save``; the analysis and the live
  view take the bytes from it in order. A terminal that stops taking output (a paused or blocked
  stdout or stderr) delays what is shown, never the reading: the port's buffer does not overflow.
- A port another program holds with an exclusive lock (esptool while it flashes) is not opened,
  and the holder is named (exit 2); ``--shared`` reads beside it. After an unplug, tail waits
  while such a program has the port and reads on when it lets go.
"""
from __future__ import annotations

import os
import queue
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import BinaryIO

import serial

from bootdiag.core.baud import GarbageMeter, baud_advice
from bootdiag.core.errors import InputError
from bootdiag.core.lines import MAX_LINE_BYTES, TextBlock
from bootdiag.core.changes import FindingChange, FindingTracker
from bootdiag.render.live import LiveView
from bootdiag.app.environment import Environment
from bootdiag.core.live_sources import FollowedFile, PipeReader, StreamEnded
from bootdiag.app.run import Job, add_baud_warning, finish, publish, start
from bootdiag.render import render
from bootdiag.core.serial_port import (
    PortBusy,
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

STALL = 0.15  # seconds without a byte before an unterminated line is shown
PARTIAL_REFRESH = 0.5  # a line that keeps growing without a newline (garbage) is shown this often
READ_WAIT = 0.05  # longest wait for data in one loop turn: bounds the reaction to Ctrl-C and stalls
REOPEN_INTERVAL = 0.5  # seconds between attempts to reopen a port that went away
DEFAULT_BAUD = 115200
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
    shared: bool = False  # read a port another program holds with an exclusive lock
    detail: str = "normal"  # of the final text report: quiet, normal or verbose
    job: Job = field(default_factory=Job)  # rules, and files beside the log


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class StopRequest:
    """SIGINT/SIGTERM/SIGHUP ask the loop to stop after its current turn; a second SIGINT stops at once."""

    def __init__(self) -> None:
        self.requested = False
        self.hung_up = False  # the terminal went away: output may fail, the capture must not
        self._previous: dict[int, object] = {}

    def __enter__(self) -> "StopRequest":
        if threading.current_thread() is threading.main_thread():
            for sig in STOP_SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.hung_up = self.hung_up or signum == getattr(signal, "SIGHUP", None)
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


class _Reader(threading.Thread):
    """A thread that reads one source and writes ``--save``, so that nothing the main thread waits
    for (a terminal that takes no more output) stops the reading; what it read goes to :attr:`items`
    in order as ``("data", bytes, wall clock)``, with the source's own events beside it."""

    def __init__(self, name: str, save: BinaryIO | None) -> None:
        super().__init__(name=name, daemon=True)
        self.save = save
        self.items: queue.Queue[tuple[str, object, float]] = queue.Queue()
        self._stop_reading = threading.Event()
        self.last_data = time.monotonic()  # when bytes last arrived

    def stop(self) -> None:
        self._stop_reading.set()

    def _deliver(self, data: bytes) -> None:
        if self.save is not None:
            self.save.write(data)  # unbuffered: with the OS before anything else can fail
        self.last_data = time.monotonic()
        self.items.put(("data", data, time.time()))


class PortReader(_Reader):
    """Reads the port: besides data, ``("lost", reason)``, ``("back", None)``, ``("busy", message)``,
    ``("error", exception)``; the thread ends after ``stop()`` or an error."""

    def __init__(self, port_name: str, baud: int, shared: bool, port: serial.SerialBase, save: BinaryIO | None) -> None:
        super().__init__("bootdiag-port-reader", save)
        self.port_name, self.baud, self.shared = port_name, baud, shared
        self.port: serial.SerialBase | None = port

    def run(self) -> None:
        try:
            while not self._stop_reading.is_set():
                try:
                    data = read_available(self.port, READ_WAIT)  # type: ignore[arg-type]
                except PortLost as exc:
                    if not self._reopen(str(exc)):
                        return
                    continue
                if data:
                    self._deliver(data)
        except OSError as exc:  # the capture file (disk full, removed medium)
            self.items.put(("error", InputError(f"cannot write the capture ({exc.strerror or exc})"), 0.0))
        except Exception as exc:  # noqa: BLE001 - handed to the main thread, which reports it
            self.items.put(("error", exc, 0.0))
        finally:
            close_quietly(self.port)
            self.port = None

    def _reopen(self, reason: str) -> bool:
        """Wait for the port to come back; ``False`` when asked to stop first."""
        close_quietly(self.port)
        self.port = None
        self.items.put(("lost", reason, 0.0))
        said_busy = False
        while not self._stop_reading.is_set():
            if port_present(self.port_name):
                try:
                    self.port = open_port(self.port_name, self.baud, self.shared)
                except PortBusy as exc:
                    if not said_busy:  # esptool flashing, say: wait until it lets go
                        self.items.put(("busy", str(exc), 0.0))
                        said_busy = True
                except PortError:
                    pass
                else:
                    self.items.put(("back", None, 0.0))
                    return True
            self._stop_reading.wait(REOPEN_INTERVAL)
        return False


class StreamReader(_Reader):
    """Reads standard input or a followed file as :class:`PortReader` reads a port, and hands the
    same items over; ``("restarted", how)`` when a followed file was truncated or replaced. The
    thread ends when the stream does."""

    def __init__(self, source: PipeReader | FollowedFile, save: BinaryIO | None) -> None:
        super().__init__("bootdiag-stream-reader", save)
        self.source = source

    def run(self) -> None:
        try:
            while not self._stop_reading.is_set():
                try:
                    data = self.source.read(READ_WAIT)
                except StreamEnded:
                    return
                if isinstance(self.source, FollowedFile) and self.source.restarted:
                    self.items.put(("restarted", self.source.restarted, 0.0))
                    self.source.restarted = None
                if data:
                    self._deliver(data)
        except OSError as exc:  # the capture file, or the followed file's medium
            self.items.put(("error", InputError(f"cannot read or save the stream ({exc.strerror or exc})"), 0.0))
        except Exception as exc:  # noqa: BLE001 - handed to the main thread, which reports it
            self.items.put(("error", exc, 0.0))


class Tail:
    """One live session on one port."""

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
        self.reader: PortReader | StreamReader | None = None
        self.save: BinaryIO | None = None

    def _pick_port(self) -> str:
        ports = available_ports()
        chosen = choose_port(ports)
        about = f" ({chosen.description})" if chosen.description else ""
        self._say(f"bootdiag: using {chosen.device}{about}, the only serial port found")
        return chosen.device

    # ---------------------------------------------------------------- the loop
    def run(self) -> int:
        port = None
        try:
            self.save = self._open_save()
            if self.options.follow is not None:
                self.live = FollowedFile(self.options.follow)
                reading = f"following {self.port_name} as it grows"
            elif self.options.port == STDIN:
                self.live = PipeReader(self.env.stdin)
                reading = "reading standard input until it ends"
            else:
                port = open_port(self.port_name, self.baud, self.options.shared)
                reading = f"reading {self.port_name} at {self.baud} baud"
            with StopRequest() as stop:
                if self.options.reset and port is not None:
                    self._reset(port)
                if self.live is not None:
                    self.reader = StreamReader(self.live, self.save)
                else:
                    self.reader = PortReader(self.port_name, self.baud, self.options.shared, port, self.save)
                    port = None  # the reader owns it now
                self.reader.start()
                self.view.notice(f"{reading} (Ctrl-C stops and prints the report)", style="dim")
                try:
                    self._loop(stop)
                except BaseException:
                    self._stop_reader(take=False)  # what was read is saved; stop at once
                    raise
                if stop.hung_up:
                    self.view.mute()  # the terminal is gone: only the report is still offered
                self._stop_reader()
                return self._report(stop)
        finally:
            close_quietly(port)
            if isinstance(self.live, FollowedFile):
                self.live.close()
            self._close_save()

    @property
    def baud(self) -> int:
        return self.options.baud or DEFAULT_BAUD

    @property
    def advice_baud(self) -> int | None:
        """The rate the bytes came at, as far as tail knows it (a pipe or file has none of its own)."""
        return self.baud if self.live is None else self.options.baud

    def _loop(self, stop: StopRequest) -> None:
        reader = self.reader
        assert reader is not None
        while not stop.requested:
            if self.env.reader_gone and self.save is None:
                return  # nobody reads the live view and nothing is kept: the report is all that is left
            try:
                kind, value, at = reader.items.get(timeout=READ_WAIT)
            except queue.Empty:
                if not reader.is_alive() and reader.items.empty():
                    return
                held = self.analyzer.splitter.release()  # a long last line waits for no next one
                if held is not None:
                    changes = self._analyse(held, self.partial.started)
                    if self.options.exit_on_finding and any(c.kind == "new" for c in changes):
                        return  # the line that decided was the one held back
                now = time.monotonic()
                if self.partial.raw and self._partial_due(now, reader.last_data):
                    self.partial.shown_at = now
                    self.view.partial(bytes(self.partial.raw), self.analyzer.splitter.next_no, self.partial.started)
                continue
            if self._handle(kind, value, at):
                return

    def _handle(self, kind: str, value: object, at: float) -> bool:
        """One item from the reader; ``True`` when tail should stop."""
        if kind == "data":
            return self._take(value, at)  # type: ignore[arg-type]
        if kind == "lost":
            self.view.notice(f"{self.port_name} disconnected ({value}); waiting for it to come back (Ctrl-C stops)")
        elif kind == "busy":
            self.view.notice(f"{value}; waiting until it lets go")
        elif kind == "restarted":
            self.view.notice(f"{self.port_name} was {value}: reading it again from its start")
        elif kind == "back":
            self.meter.reset()
            self.view.notice(f"{self.port_name} is back; reading on", style="green")
        elif kind == "error":
            raise value  # type: ignore[misc]
        return False

    def _stop_reader(self, take: bool = True) -> None:
        """Stop reading and take in every byte already read: nothing received is lost."""
        reader = self.reader
        if reader is None:
            return
        reader.stop()
        reader.join(5)
        while take:
            try:
                kind, value, at = reader.items.get_nowait()
            except queue.Empty:
                return
            if kind == "data":
                self._take(value, at, live=False)  # type: ignore[arg-type]

    def _partial_due(self, now: float, last_data: float) -> bool:
        if self.partial.shown_at is None:
            return now - last_data >= STALL or now - (self.partial.began or now) >= PARTIAL_REFRESH
        return now - self.partial.shown_at >= PARTIAL_REFRESH

    def _take(self, data: bytes, now: float, live: bool = True) -> bool:
        """Handle received bytes; ``True`` when tail should stop (--exit-on-finding)."""
        first_started = self.partial.started or now
        self.partial.feed(data, now)
        if self.meter.feed(data) and live:
            self.view.notice(baud_advice(self.advice_baud))
        block = self.analyzer.splitter.feed(data)
        if block is None:
            return False
        changes = self._analyse(block, first_started)
        return live and self.options.exit_on_finding and any(c.kind == "new" for c in changes)

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
    def _reset(self, port: serial.SerialBase) -> None:
        try:
            pulse_reset(port)
        except PortLost as exc:
            self.view.notice(f"reset failed: {exc}")

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
    def _report(self, stop: StopRequest) -> int:
        block = self.analyzer.splitter.flush()  # the unterminated last line counts too
        if block is not None:
            self._analyse(block, self.partial.started)
        report = finish(self.started)
        if self.options.fmt == "json":  # the live view (on stderr) said it; the report says it too
            add_baud_warning(report, self.meter, self.advice_baud)
        # After SIGHUP the terminal may be gone: the report is offered, and a failed write is no
        # error (the capture is saved; the exit status still tells).
        try:
            self.view.close()
            if self.options.fmt != "json":
                self.view.notice("end of stream: report", style="dim")
            if self.options.save is not None:
                self._say(f"bootdiag: capture saved to {self.options.save}")
            render(report, self.options.fmt, self.stdout, color=self.env.color(self.stdout, self.options.color),
                   width=self.env.width(self.stdout), detail=self.options.detail)
            self.stdout.flush()
        except (OSError, ValueError):
            if not stop.hung_up:
                raise
        publish(report, self.env)
        return int(report.exit_code)

    def _say(self, line: str) -> None:
        self.stderr.write(line + "\n")
        self.stderr.flush()


def run_tail(options: TailOptions, env: Environment | None = None) -> int:
    """Run ``bootdiag tail`` until the stream ends; returns the exit status (as ``explain``)."""
    return Tail(options, env or Environment()).run()

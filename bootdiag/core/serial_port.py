"""Opening, reading and resetting a serial port through pyserial, without losing a byte.

A port is a device path (``/dev/ttyUSB0``, ``COM3``, a ``/dev/serial/by-id/...`` link) or any
pyserial URL (``socket://host:port``, ``rfc2217://host:port``, ``loop://``).

Reads are non-blocking and take what one system call returns: pyserial's blocking ``read(n)``
loops over several reads and drops what it already holds when a later one fails (a USB adapter
unplugged mid-call), which would lose received bytes. Waiting happens here instead, on the
port's file descriptor when it has one.
"""
from __future__ import annotations

import errno
import os
import re
import select
import time
from dataclasses import dataclass

import serial
from serial.tools import list_ports

from bootdiag.core.errors import BootdiagError

try:
    import fcntl
except ImportError:  # Windows: the system itself refuses a second open of a COM port
    fcntl = None  # type: ignore[assignment]

READ_SIZE = 1 << 16
POLL_INTERVAL = 0.05  # seconds between checks when the transport has no descriptor to wait on
RESET_PULSE = 0.1  # seconds EN is held low; esptool reset.py HardReset uses 100 ms


class PortError(BootdiagError):
    """The port cannot be found or opened (exit 2)."""


class PortBusy(PortError):
    """Another program holds the port with an exclusive lock (esptool does while it flashes)."""


class PortLost(Exception):
    """The open port stopped working: unplugged, or the remote end closed the connection."""


@dataclass(frozen=True)
class PortInfo:
    device: str
    description: str


def is_url(port: str) -> bool:
    return "://" in port


def available_ports() -> list[PortInfo]:
    """Serial ports the system lists (USB adapters, on-board UARTs), sorted by device name."""
    return sorted(
        (PortInfo(p.device, next((d for d in (p.description, p.hwid) if d and d != "n/a"), "")) for p in list_ports.comports()),
        key=lambda p: p.device,
    )


def choose_port(ports: list[PortInfo]) -> PortInfo:
    """The port to use when none was named: the only one there is, or an error that lists them."""
    if len(ports) == 1:
        return ports[0]
    if not ports:
        raise PortError("no serial port found; plug the board in, or pass PORT (a device path or socket://host:port)")
    listing = "; ".join(f"{p.device} ({p.description})" if p.description else p.device for p in ports)
    raise PortError(f"{len(ports)} serial ports found, pass one as PORT: {listing}")


def port_present(port: str) -> bool:
    """Whether a device path exists now (a URL is assumed present; opening it tells)."""
    return is_url(port) or os.path.exists(port)


def open_port(port: str, baud: int, shared: bool = False) -> serial.SerialBase:
    """Open ``port`` at ``baud`` without resetting the board.

    DTR and RTS are set inactive before the port opens: on ESP32 dev boards they drive EN and
    GPIO0 through the auto-reset transistors, and pyserial applies these states right after
    the open, so the board keeps running (esp-idf-monitor opens its port the same way).

    Unless ``shared``, a port another program holds with an exclusive lock is not read (esptool
    locks its port with flock(LOCK_EX) while it flashes, pyserial ``exclusive=True``: a second
    reader would take the bytes it waits for): :class:`PortBusy` names the holder when it can.
    No lock is kept: a tool that starts later still gets the port.
    """
    try:
        port_obj = serial.serial_for_url(port, baudrate=baud, timeout=0, do_not_open=True)
        port_obj.dtr = False
        port_obj.rts = False
        port_obj.open()
    except (serial.SerialException, ValueError, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno == errno.EBUSY:
            raise PortBusy(f"cannot open {port}: it is in use{_held_by(port)}") from None
        raise PortError(f"cannot open {port}: {_reason(exc)}") from None
    if not shared:
        try:
            _check_unlocked(port_obj, port)
        except PortBusy:
            close_quietly(port_obj)
            raise
    return port_obj


def _check_unlocked(port_obj: serial.SerialBase, port: str) -> None:
    """Raise :class:`PortBusy` when another open of the device holds an exclusive flock on it."""
    fd = _fileno(port_obj)
    if fd is None or fcntl is None:
        return  # a URL, or no flock on this system
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # fails only beside an exclusive lock
    except BlockingIOError:
        raise PortBusy(
            f"cannot open {port}: held with an exclusive lock{_held_by(port)}; "
            "wait for it to finish, or pass --shared to read beside it"
        ) from None
    except OSError:
        return  # the descriptor takes no locks
    fcntl.flock(fd, fcntl.LOCK_UN)


def _held_by(port: str) -> str:
    holders = port_holders(port)
    return f" by {', '.join(holders)}" if holders else ""


def port_holders(port: str) -> list[str]:
    """``PID 1234 (esptool)`` for each other process that holds a lock on the device or has it
    open, as far as the system tells (Linux /proc); empty elsewhere."""
    try:
        info = os.stat(port)
    except (OSError, ValueError):
        return []
    device = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    pids: list[int] = []
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as locks:
            for line in locks:
                fields = line.split()
                if len(fields) >= 6 and fields[5] == device and fields[4].isdigit():
                    pids.append(int(fields[4]))
    except OSError:
        return []
    if not pids:
        pids = _openers(os.path.realpath(port))
    return [f"PID {pid} ({_program(pid)})" for pid in dict.fromkeys(pids) if pid != os.getpid()][:4]


def _openers(device: str) -> list[int]:
    found: list[int] = []
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return found
    for entry in entries:
        try:
            fds = os.listdir(f"/proc/{entry}/fd")
        except OSError:
            continue  # another user's process, or gone
        for fd in fds:
            try:
                if os.readlink(f"/proc/{entry}/fd/{fd}") == device:
                    found.append(int(entry))
                    break
            except OSError:
                continue
    return found


def _program(pid: int) -> str:
    """The program's name: for ``python esptool.py ...``, the script's."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = [a.decode("utf-8", "replace") for a in f.read(4096).split(b"\0") if a]
    except OSError:
        argv = []
    names = [os.path.basename(a) for a in argv[:3]]
    if names and names[0].startswith("python") and len(names) > 1:
        script = next((n for n in names[1:] if not n.startswith("-")), names[0])
        return script
    return names[0] if names else "unknown program"


def pulse_reset(port_obj: serial.SerialBase) -> None:
    """Reset an ESP32 dev board into its normal boot: EN low for a moment, GPIO0 left high.

    RTS drives EN and DTR drives GPIO0 (inverted, through the two-transistor circuit of
    Espressif dev boards; esptool reset.py ClassicReset/HardReset). DTR is written again after
    each RTS change because some USB-serial drivers only send the line state on a DTR write
    (esptool loader.py _setRTS carries the same workaround).
    """
    try:
        port_obj.dtr = False
        port_obj.rts = True
        port_obj.dtr = port_obj.dtr
        time.sleep(RESET_PULSE)
        port_obj.rts = False
        port_obj.dtr = port_obj.dtr
    except (serial.SerialException, OSError) as exc:
        raise PortLost(_reason(exc)) from None


def read_available(port_obj: serial.SerialBase, wait: float) -> bytes:
    """Bytes received so far, waiting up to ``wait`` seconds for the first; ``b""`` when none came.

    Raises :class:`PortLost` when the port has gone away.
    """
    data = _read_now(port_obj)
    if data:
        return _drain(port_obj, data)
    fileno = _fileno(port_obj)
    if fileno is None:
        time.sleep(min(wait, POLL_INTERVAL))
    else:
        try:
            select.select([fileno], [], [], wait)
        except (OSError, ValueError) as exc:  # descriptor closed under us
            raise PortLost(_reason(exc)) from None
    data = _read_now(port_obj)
    return _drain(port_obj, data) if data else data


def _drain(port_obj: serial.SerialBase, first: bytes) -> bytes:
    """``first`` and whatever else is already there: rfc2217:// hands over one byte per read."""
    chunks, size = [first], len(first)
    while size < READ_SIZE:
        try:
            more = _read_now(port_obj)
        except PortLost:
            break  # keep what was read; the next call meets the failure again and reports it
        if not more:
            break
        chunks.append(more)
        size += len(more)
    return b"".join(chunks)


def _read_now(port_obj: serial.SerialBase) -> bytes:
    try:
        return port_obj.read(READ_SIZE)  # timeout=0: one system call, nothing held back on failure
    except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
        # TypeError/AttributeError: pyserial's URL handlers after their socket was torn down.
        raise PortLost(_reason(exc)) from None


def _fileno(port_obj: serial.SerialBase) -> int | None:
    try:
        return port_obj.fileno()
    except (AttributeError, NotImplementedError, OSError, ValueError, serial.SerialException):
        return None


def close_quietly(port_obj: serial.SerialBase | None) -> None:
    if port_obj is None:
        return
    try:
        port_obj.close()
    except (serial.SerialException, OSError):
        pass


_OPEN_PREFIX = re.compile(r"^[Cc]ould not open port .*?: ")
_ERRNO = re.compile(r"\[Errno \d+\] ")
_PATH_SUFFIX = re.compile(r": '[^']*'$")


def _reason(exc: BaseException) -> str:
    """pyserial's message without the parts the caller already says (port name, errno number)."""
    if isinstance(exc, OSError) and isinstance(exc.errno, int):  # pyserial's SerialException is an OSError
        return os.strerror(exc.errno)
    text = _PATH_SUFFIX.sub("", _ERRNO.sub("", _OPEN_PREFIX.sub("", str(exc))))
    return text or type(exc).__name__

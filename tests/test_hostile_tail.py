"""`bootdiag tail` when another tool holds the port, or nobody reads the output (a closed terminal,
SIGHUP, is in test_tail.py beside SIGTERM)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from tail_support import TailRun, write_all
from test_tail import READY, assert_no_traceback, open_pty

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
CAPTURE = (CORPUS / "esp-idf" / "sb2-bootloader-header-rewritten-esptool3.log").read_bytes()
LAST_LINE = "%6d " % CAPTURE.count(b"\n")  # the last line's number, as the live view shows it


HOLDER = textwrap.dedent("""
    import fcntl, os, sys, time
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as esptool does (pyserial exclusive=True)
    print("locked", flush=True)
    time.sleep(60)
""")


def test_a_port_held_with_an_exclusive_lock_is_not_read_unless_shared(tmp_path: Path) -> None:
    master, slave, name = open_pty()
    script = tmp_path / "esptool.py"  # the holder is named after its script
    script.write_text(HOLDER)
    holder = subprocess.Popen([sys.executable, str(script), name], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        proc = subprocess.run([sys.executable, "-m", "bootdiag", "tail", name], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.strip() == (
            f"bootdiag: cannot open {name}: held with an exclusive lock by PID {holder.pid} (esptool.py); "
            "wait for it to finish, or pass --shared to read beside it"
        )
        shared = TailRun(name, "--shared")
        shared.wait_for(READY)
        write_all(master)(CAPTURE)
        shared.wait_for(LAST_LINE)
        code, out, err = shared.finish(signal.SIGINT)
        assert_no_traceback(out, err)
        assert code == 1
    finally:
        holder.kill()
        holder.wait()
        os.close(master)
        os.close(slave)


def test_output_nobody_reads_never_stops_the_reading(tmp_path: Path) -> None:
    """The live view goes to a pipe nobody reads (it fills and blocks); the port is still read to
    the end and saved, so a board writing fast loses nothing."""
    master, slave, name = open_pty()
    save = tmp_path / "capture.log"
    lines = b"".join(b"I (%d) app: heartbeat %d with some padding to fill the pipe quickly\r\n" % (n, n) for n in range(16_000))
    env = {k: v for k, v in os.environ.items() if k != "BOOTDIAG_DEBUG"} | {"NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "bootdiag", "tail", name, "--save", str(save), "--format", "json"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        ready = proc.stderr.readline()  # the live view's first line, then nobody reads it any more
        assert READY.encode() in ready, ready
        writer = threading.Thread(target=write_all(master), args=(lines,), daemon=True)
        writer.start()
        # A pty holds a few kilobytes: the writer only finishes if tail keeps reading. (The bounds
        # are generous: a loaded machine is slow, a tail that stopped reading never finishes.)
        writer.join(60)
        assert not writer.is_alive(), "tail stopped reading the port while its output was blocked"
        deadline = time.monotonic() + 60
        while save.stat().st_size < len(lines) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert save.read_bytes() == lines
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)  # now the output is read: the report follows
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
        os.close(slave)
    assert proc.returncode in (0, 5, 6), err[-500:]
    assert b"heartbeat 15999" in err and b'"schema": "bootdiag.report/1"' in out

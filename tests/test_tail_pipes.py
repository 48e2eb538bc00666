"""Pipes through the real command: `bootdiag tail -` and `tail --follow FILE` (a capture another
program writes), a reader that goes away (EPIPE) or a stdout closed from the start, with --save kept
byte for byte; a short boot read at the wrong baud rate, live and afterwards."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tail_support import TailRun, pace, uart_resample, write_all

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
CAPTURE = (CORPUS / "esp-idf" / "sb2-bootloader-header-rewritten-esptool3.log").read_bytes()
FINDING = ">>> FINDING Image changed after it was signed"
SHORT_BOOT = (  # an ESP32 ROM that finds no bootloader: the whole boot is 5 lines
    b"ets Jun  8 2016 00:22:57\r\n\r\n"
    b"rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"
    b"configsip: 0, SPIWP:0xee\r\n"
    b"invalid header: 0xffffffff\r\n"
)
ENV = {**{k: v for k, v in os.environ.items() if k not in ("BOOTDIAG_DEBUG", "FORCE_COLOR")}, "NO_COLOR": "1", "COLUMNS": "200"}


def bootdiag(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bootdiag", *args], env=ENV, **kwargs)


def explain_json(path: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "bootdiag", "explain", str(path), "--format", "json"],
                          capture_output=True, timeout=60, env=ENV)
    return json.loads(proc.stdout)


def judged(report: dict) -> dict:
    """A report without what differs between a live and an offline read (the name, events counted)."""
    return {k: v for k, v in report.items() if k not in ("source", "stats")}


class StdinTail(TailRun):
    """`bootdiag tail - ...` with its standard input a pipe the test writes to."""

    def __init__(self, *args: str) -> None:
        self.proc = bootdiag("tail", "-", *args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.chunks = {"stdout": [], "stderr": []}
        self._changed = threading.Condition()
        self._readers = [threading.Thread(target=self._read, args=(pipe, name), daemon=True)
                         for pipe, name in ((self.proc.stdout, "stdout"), (self.proc.stderr, "stderr"))]
        for reader in self._readers:
            reader.start()


def test_tail_standard_input_shows_the_finding_live_and_ends_with_explains_report(tmp_path: Path) -> None:
    save = tmp_path / "capture.log"
    run = StdinTail("--save", str(save), "--format", "json")
    run.wait_for("reading standard input", "stderr")
    pace(write_all(run.proc.stdin.fileno()), CAPTURE, rate=40_000)
    run.wait_for(FINDING, "stderr")  # before the stream ends: live
    run.proc.stdin.close()  # the end of standard input ends tail
    code, out, err = run.finish(sig=None)
    assert "Traceback" not in err
    assert save.read_bytes() == CAPTURE
    assert code == 1
    assert judged(json.loads(out)) == judged(explain_json(save))


def test_tail_follows_a_file_another_program_writes(tmp_path: Path) -> None:
    log = tmp_path / "tio.log"  # not there yet: the serial program has not started
    run = TailRun("--follow", str(log))
    run.wait_for(f"following {log} as it grows")
    with open(log, "ab", buffering=0) as writer:
        pace(writer.write, CAPTURE[: len(CAPTURE) // 2], rate=40_000)
        run.wait_for("    40 ")  # lines appear as the file grows
        pace(writer.write, CAPTURE[len(CAPTURE) // 2 :], rate=40_000)
        run.wait_for(FINDING)
    code, out, err = run.finish(signal.SIGINT)
    assert "Traceback" not in err and code == 1
    report = out.split("end of stream: report", 1)[1]
    assert "root cause: Image changed after it was signed" in report and "line 77: Sig block 0 invalid" in report


def test_a_followed_file_that_is_truncated_is_read_again(tmp_path: Path) -> None:
    log = tmp_path / "minicom.cap"
    log.write_bytes(b"rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n" * 5)
    run = TailRun("--follow", str(log))
    run.wait_for("     5 ")
    log.write_bytes(b"")  # the capture is started again
    time.sleep(0.3)
    log.write_bytes(SHORT_BOOT)
    run.wait_for("was truncated: reading it again from its start")
    run.wait_for("invalid header: 0xffffffff")
    code, out, err = run.finish(signal.SIGTERM)
    assert "Traceback" not in err


# ---------------------------------------------------------------- a reader that goes away
def test_epipe_ends_tail_quietly_and_the_save_keeps_every_byte(tmp_path: Path) -> None:
    save = tmp_path / "capture.log"
    data = CAPTURE * 20  # 40 boots: far more output than one pipe buffer
    proc = bootdiag("tail", "-", "--save", str(save), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()  # `| head -1`: one line, then the reader is gone
    proc.stdout.close()
    write_all(proc.stdin.fileno())(data)
    proc.stdin.close()
    code = proc.wait(60)
    err = proc.stderr.read().decode()
    assert save.read_bytes() == data, f"saved {save.stat().st_size} of {len(data)} bytes"
    assert code == 1 and err == f"bootdiag: capture saved to {save}\n"  # explain's status for it, nothing else


@pytest.mark.parametrize("args,status", [
    (["explain", str(CORPUS / "esp-idf" / "sb2-bootloader-header-rewritten-esptool3.log")], 1),
    (["explain", "--example", "--verbose"], 0),
    (["events", "--all", str(CORPUS / "esp-idf" / "sb2-bootloader-header-rewritten-esptool3.log")], 0),
    (["--help"], 0),
])
def test_epipe_and_a_closed_stdout_end_with_the_documented_status(args: list[str], status: int) -> None:
    gone = bootdiag(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    gone.stdout.close()  # the reader left before the first write
    assert gone.wait(60) == status
    assert gone.stderr.read() == b""
    closed = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "bootdiag", *args],
                            capture_output=True, timeout=60, env=ENV, stdin=subprocess.DEVNULL)
    assert closed.returncode == status and closed.stderr == b""


# ---------------------------------------------------------------- a short boot at the wrong rate
def test_a_short_boot_at_the_wrong_rate_is_named_once_live_and_by_explain(tmp_path: Path) -> None:
    garbled = uart_resample(SHORT_BOOT, 74880, 115200)  # the board talks at 74880, the reader listens at 115200
    assert len(garbled) < 256
    run = StdinTail("--baud", "115200")
    run.wait_for("reading standard input")
    write_all(run.proc.stdin.fileno())(garbled)
    run.wait_for("baud rate (115200) is likely wrong; try --baud with 74880")
    run.proc.stdin.close()
    code, out, err = run.finish(sig=None)
    assert out.count("is likely wrong") == 1, "said once"
    assert code == 5 and "Traceback" not in err

    path = tmp_path / "garbled.log"
    path.write_bytes(garbled)
    proc = subprocess.run([sys.executable, "-m", "bootdiag", "explain", str(path)], capture_output=True, text=True, timeout=60, env=ENV)
    assert proc.returncode == 5
    assert proc.stdout.count("likely read at the wrong baud rate") == 1 and "74880" in proc.stdout
    assert explain_json(path)["warnings"] == [line for line in explain_json(path)["warnings"] if "baud rate" in line] != []

"""`bootdiag tail` end to end: real captures at 115200-baud pace through a pty and a loopback socket://
server, a port that goes away and comes back, Ctrl-C, and the saved capture checked byte for byte."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import tty
from pathlib import Path

import pytest

from tail_support import SEED_003, CaptureServer, TailRun, pace, sent_at, uart_resample, write_all

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
READY = "at 115200 baud"
need_seed = pytest.mark.skipif(not SEED_003.exists(), reason="shared/seeds is not beside the checkout")


def seed_003() -> tuple[bytes, int]:
    """The capture, and the offset of the end of its deciding line (Secure Boot V1 signature version)."""
    data = SEED_003.read_bytes()
    return data, data.index(b"\n", data.index(b"invalid signature version field"))


def open_pty() -> tuple[int, int, str]:
    master, slave = os.openpty()
    tty.setraw(slave)
    return master, slave, os.ttyname(slave)


def explain_json(path: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "bootdiag", "explain", str(path), "--format", "json"], capture_output=True, timeout=60)
    return json.loads(proc.stdout)


def exit_status(report: dict) -> int:
    return {"healthy": 0, "diagnosed": 1, "unexplained": 3, "incomplete": 6, "unrecognised": 5}[report["status"]]


def assert_no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and "internal error" not in text, text


# ---------------------------------------------------------------- the finding, live
def check_live_finding(run: TailRun, sent: list[tuple[int, float]], decided_at: int, save: Path, data: bytes) -> None:
    shown_at = run.wait_for(">>> FINDING Image is not signed", timeout=10)
    delay = shown_at - sent_at(sent, decided_at)
    assert delay < 2.0, f"finding shown {delay:.2f}s after its deciding line"
    run.wait_for("Users browsing this forum")  # the last line: everything sent has been read
    code, out, err = run.finish(signal.SIGINT)
    assert_no_traceback(out, err)
    assert code == 1, err
    assert "(esp.unsigned_image" in out.split(">>> FINDING", 1)[1].splitlines()[0]
    assert "root cause: Image is not signed" in out.split("end of stream")[1]
    assert save.read_bytes() == data


@need_seed
def test_seed_003_through_a_pty(tmp_path: Path) -> None:
    data, decided_at = seed_003()
    master, slave, name = open_pty()
    save = tmp_path / "capture.log"
    try:
        run = TailRun(name, "--save", str(save))
        run.wait_for(READY)
        sent = pace(write_all(master), data)
        check_live_finding(run, sent, decided_at, save, data)
    finally:
        os.close(master)
        os.close(slave)


@need_seed
def test_seed_003_through_socket_url(tmp_path: Path) -> None:
    data, decided_at = seed_003()
    server = CaptureServer()
    save = tmp_path / "capture.log"
    try:
        run = TailRun(server.url, "--save", str(save), "--timestamps")
        conn = server.accept()
        run.wait_for(READY)
        sent = pace(conn.sendall, data)
        check_live_finding(run, sent, decided_at, save, data)
        conn.close()
    finally:
        server.close()
    assert re.search(r"^\d\d:\d\d:\d\d\.\d{3}     37 > E \(296835\) secure_boot_v1", run.text(), re.M), "--timestamps"


@need_seed
def test_exit_on_finding_prints_the_json_report_alone(tmp_path: Path) -> None:
    data, decided_at = seed_003()
    server = CaptureServer()
    save = tmp_path / "capture.log"
    try:
        run = TailRun(server.url, "--exit-on-finding", "--format", "json", "--save", str(save))
        conn = server.accept()
        run.wait_for(READY, "stderr")
        conn.sendall(data[: decided_at + 1])
        code, out, err = run.finish(sig=None)  # it stops by itself
        conn.close()
    finally:
        server.close()
    assert_no_traceback(err)
    assert code == 1
    report = json.loads(out)  # stdout is the report and nothing else
    assert report["status"] == "diagnosed" and report["findings"][0]["id"] == "esp.unsigned_image"
    assert "secure_boot_v1: image has invalid signature version field" in err  # the live lines went to stderr
    assert save.read_bytes() == data[: decided_at + 1]


# ---------------------------------------------------------------- unplugged
def halves(data: bytes) -> tuple[bytes, bytes]:
    cut = data.index(b"\n", len(data) // 2) + 1
    return data[:cut], data[cut:]


def last_line_number(data: bytes) -> int:
    return data.count(b"\n")


@pytest.fixture
def capture() -> bytes:
    if SEED_003.exists():
        return SEED_003.read_bytes()
    # Without the seeds: a corpus capture whose failure is in its first half, as in seed 003.
    return (CORPUS / "esp-idf" / "brownout-esp32-wifi-start.log").read_bytes()


def test_socket_peer_gone_then_back(tmp_path: Path, capture: bytes) -> None:
    first, second = halves(capture)
    server = CaptureServer()
    save = tmp_path / "capture.log"
    run = TailRun(server.url, "--save", str(save))
    try:
        conn = server.accept()
        run.wait_for(READY)
        pace(conn.sendall, first, rate=200_000)
        run.wait_for(f"{last_line_number(first):>6} ")
        conn.close()
        server.close()  # nothing listens: reconnecting fails for a while
        run.wait_for("disconnected")
        time.sleep(1.2)
        server = CaptureServer(server.port)
        conn = server.accept()
        run.wait_for("is back")
        pace(conn.sendall, second, rate=200_000)
        run.wait_for(f"{last_line_number(capture):>6} ")
        code, out, err = run.finish(signal.SIGINT)
        conn.close()
    finally:
        server.close()
    assert_no_traceback(out, err)
    assert save.read_bytes() == capture
    assert code == exit_status(explain_json(save)) == 1


def test_usb_port_unplugged_then_replugged(tmp_path: Path, capture: bytes) -> None:
    """A /dev/serial/by-id style link that vanishes with the device and reappears pointing elsewhere."""
    first, second = halves(capture)
    link = tmp_path / "usb-Silicon_Labs_CP2102-if00-port0"
    save = tmp_path / "capture.log"
    master, slave, name = open_pty()
    link.symlink_to(name)
    run = TailRun(str(link), "--save", str(save))
    try:
        run.wait_for(READY)
        pace(write_all(master), first, rate=200_000)
        run.wait_for(f"{last_line_number(first):>6} ")
        os.close(master)
        os.close(slave)
        link.unlink()
        run.wait_for("disconnected")
        time.sleep(0.7)
        master, slave, name = open_pty()
        link.symlink_to(name)
        run.wait_for("is back")
        pace(write_all(master), second, rate=200_000)
        run.wait_for(f"{last_line_number(capture):>6} ")
        code, out, err = run.finish(signal.SIGINT)
    finally:
        os.close(master)
        os.close(slave)
    assert_no_traceback(out, err)
    assert save.read_bytes() == capture
    report = explain_json(save)
    assert code == exit_status(report)
    assert report["findings"] and f"root cause: {report['findings'][0]['title']}" in out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_stopped_while_waiting_for_a_port_that_never_returns(tmp_path: Path, capture: bytes, sig: int) -> None:
    first, _ = halves(capture)
    server = CaptureServer()
    save = tmp_path / "capture.log"
    run = TailRun(server.url, "--save", str(save))
    try:
        conn = server.accept()
        run.wait_for(READY)
        conn.sendall(first)
        run.wait_for(f"{last_line_number(first):>6} ")
        conn.close()
    finally:
        server.close()
    run.wait_for("waiting for it to come back")
    code, out, err = run.finish(sig)  # SIGTERM and SIGHUP (the terminal closed) end tail as Ctrl-C does
    assert_no_traceback(out, err)
    assert save.read_bytes() == first
    report = explain_json(save)
    assert code == exit_status(report)
    assert f"root cause: {report['findings'][0]['title']}" in out  # the report is offered
    assert ("end of stream: report" in out) == (sig == signal.SIGTERM), "after SIGHUP the live view says no more"


# ---------------------------------------------------------------- Ctrl-C, stalls, baud
def test_ctrl_c_on_a_stalled_line_gives_explains_report(tmp_path: Path) -> None:
    capture = (
        b"\x1b[0;32mI (27) boot: ESP-IDF v4.4.4 2nd stage bootloader\x1b[0m\r\n"
        b"ets Jun  8 2016 00:22:57\r\n\r\n"
        b"rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\n"
        b"waiting for download"
    )
    master, slave, name = open_pty()
    save = tmp_path / "capture.log"
    try:
        run = TailRun(name, "--save", str(save), "--format", "json")
        run.wait_for(READY, "stderr")
        write_all(master)(capture)
        run.wait_for("     5   waiting for download", "stderr")  # shown before its newline
        code, out, err = run.finish(signal.SIGINT)
    finally:
        os.close(master)
        os.close(slave)
    assert_no_traceback(err)
    assert save.read_bytes() == capture
    live, offline = json.loads(out), explain_json(save)
    live.pop("source"), offline.pop("source")
    assert live == offline, "tail's report is explain's report of the saved capture"
    assert live["stats"]["lines"] == 5
    assert code == exit_status(live)


def test_second_ctrl_c_stops_at_once(tmp_path: Path) -> None:
    master, slave, name = open_pty()
    try:
        run = TailRun(name)
        run.wait_for(READY)
        run.proc.send_signal(signal.SIGINT)
        run.proc.send_signal(signal.SIGINT)
        code, out, err = run.finish(sig=None)
    finally:
        os.close(master)
        os.close(slave)
    assert code in (5, 130)  # nothing read: the report may or may not have been printed before the second one
    assert_no_traceback(err)


@pytest.mark.parametrize("wrong_rate", [74880])
def test_wrong_baud_is_named(tmp_path: Path, capture: bytes, wrong_rate: int) -> None:
    garbage = uart_resample(capture, wrong_rate, 115200)  # the board talks at 74880, we listen at 115200
    master, slave, name = open_pty()
    stopped = threading.Event()  # the writer may still be sending when the test closes the pty

    def send(chunk: bytes) -> None:
        if stopped.is_set():
            return
        try:
            write_all(master)(chunk)
        except OSError:
            if not stopped.is_set():
                raise

    try:
        run = TailRun(name)
        run.wait_for(READY)
        threading.Thread(target=pace, args=(send, garbage, 100_000), daemon=True).start()
        run.wait_for("baud rate (115200) is likely wrong; try --baud with 74880", timeout=10)
        code, out, err = run.finish(signal.SIGINT)
    finally:
        stopped.set()
        os.close(master)
        os.close(slave)
    assert_no_traceback(out, err)
    assert code == 5  # a garbled stream: nothing recognised


# ---------------------------------------------------------------- bad ports
@pytest.mark.parametrize("port,reason", [
    ("/dev/bootdiag-no-such-port", "No such file or directory"),
    ("socket://127.0.0.1:1", "Connection refused"),
    ("nosuchscheme://x", "invalid URL, protocol 'nosuchscheme' not known"),
])
def test_unusable_port_is_one_line_and_exit_2(port: str, reason: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "bootdiag", "tail", port], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"bootdiag: cannot open {port}: {reason}"


def test_unwritable_save_file_fails_before_opening_the_port(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "bootdiag", "tail", "loop://", "--save", str(tmp_path / "no" / "dir.log")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("bootdiag: ") and "cannot write the capture" in proc.stderr and "\n" == proc.stderr[-1]

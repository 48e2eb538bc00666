"""Captures as people hand them over, through the real command: compressed on standard input,
UTF-16 from a PowerShell redirect, UTF-8 with a byte-order mark. The report must be the one the
plain UTF-8 file gives, line numbers included."""
from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bootdiag.app.cli import run
from bootdiag.app.environment import Environment

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
CAPTURE = CORPUS / "esp-idf" / "sb2-bootloader-header-rewritten-esptool3.log"


def explain(*args: str, stdin: bytes = b"") -> tuple[int, dict]:
    """The command line's own run in this process, standard input given as bytes."""
    out, err = io.StringIO(), io.StringIO()
    code = run(["explain", *args, "--format", "json"], Environment(stdin=io.BytesIO(stdin), stdout=out, stderr=err, variables={}))
    assert not err.getvalue(), err.getvalue()
    return code, json.loads(out.getvalue())


def essentials(report: dict) -> tuple:
    return report["status"], report["stats"]["lines"], [(f["id"], [e["line"] for e in f["evidence"]]) for f in report["findings"]]


def zstd_compress(data: bytes) -> bytes:
    try:
        from compression import zstd  # type: ignore[import-not-found]
    except ImportError:
        from backports import zstd  # type: ignore[no-redef]
    return zstd.compress(data)


@pytest.fixture(scope="module")
def plain() -> tuple:
    code, report = explain(str(CAPTURE))
    assert code == 1 and report["findings"]
    return essentials(report)


def powershell_utf16(data: bytes) -> bytes:
    """What Windows PowerShell 5's `>` writes: UTF-16 LE with a byte-order mark."""
    return data.decode("utf-8").encode("utf-16")  # the codec writes the BOM, little-endian here


@pytest.mark.parametrize("encode", [gzip.compress, zstd_compress], ids=["gzip", "zstd"])
def test_compressed_standard_input_is_decompressed(plain: tuple, encode) -> None:
    code, report = explain("-", stdin=encode(CAPTURE.read_bytes()))
    assert code == 1 and report["source"] == "<stdin>"
    assert essentials(report) == plain


@pytest.mark.parametrize("encode", [gzip.compress, zstd_compress], ids=["gzip", "zstd"])
def test_compressed_file_with_any_name(tmp_path: Path, plain: tuple, encode) -> None:
    path = tmp_path / "capture.txt"  # no telling suffix: the content decides
    path.write_bytes(encode(CAPTURE.read_bytes()))
    assert essentials(explain(str(path))[1]) == plain


@pytest.mark.parametrize(
    "encode",
    [powershell_utf16, lambda d: b"\xfe\xff" + d.decode().encode("utf-16-be"), lambda d: b"\xef\xbb\xbf" + d],
    ids=["utf-16-le", "utf-16-be", "utf-8-bom"],
)
def test_byte_order_marks_keep_line_numbers(tmp_path: Path, plain: tuple, encode) -> None:
    data = encode(CAPTURE.read_bytes())
    path = tmp_path / "capture.log"
    path.write_bytes(data)
    assert essentials(explain(str(path))[1]) == plain
    assert essentials(explain("-", stdin=data)[1]) == plain  # the same through a pipe
    assert essentials(explain("-", stdin=gzip.compress(data))[1]) == plain  # and compressed


def test_damaged_compressed_input_is_one_line(tmp_path: Path) -> None:
    data = gzip.compress(CAPTURE.read_bytes())
    proc = subprocess.run([sys.executable, "-m", "bootdiag", "explain", "-"], input=data[: len(data) // 2],
                          capture_output=True, timeout=120)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("data", [b"", b"E", b"rst:", CAPTURE.read_bytes()], ids=["empty", "1-byte", "head-only", "capture"])
def test_plain_file_and_pipe_give_every_byte(tmp_path: Path, data: bytes) -> None:
    """A plain file is read again from its start (its first bytes were read to tell its kind), a
    pipe cannot go back and is read through what was already taken: both give the bytes whole."""
    import os
    import threading

    from bootdiag.core.sources import iter_chunks, open_capture

    path = tmp_path / "capture.log"
    path.write_bytes(data)
    stream, _ = open_capture(path)
    with stream:
        assert b"".join(iter_chunks(stream, 7)) == data
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_bytes, args=(data,))
    writer.start()
    stream, _ = open_capture(fifo)
    with stream:
        assert b"".join(iter_chunks(stream, 7)) == data
    writer.join()

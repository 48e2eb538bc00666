"""Bad input through the real command: one line on stderr, documented exit code, no traceback."""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE_LINE = b"Sig block 0 invalid: Image digest does not match\r\n"


def run(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "BOOTDIAG_DEBUG"}
    return subprocess.run([sys.executable, "-m", "bootdiag", *args], input=stdin or b"", capture_output=True, timeout=120, cwd=cwd, env=env)


def assert_clean_error(proc: subprocess.CompletedProcess[bytes], code: int) -> str:
    err = proc.stderr.decode()
    assert proc.returncode == code, err
    assert "Traceback" not in err
    return err


def test_missing_file(tmp_path: Path) -> None:
    err = assert_clean_error(run("explain", str(tmp_path / "nope.log")), 2)
    assert err.strip() == f"bootdiag: {tmp_path / 'nope.log'}: no such file"


def test_directory_instead_of_file(tmp_path: Path) -> None:
    assert "is a directory" in assert_clean_error(run("explain", str(tmp_path)), 2)


@pytest.mark.parametrize(
    "content",
    [b"", os.urandom(200_000), b"\x00" * 5000, b"\xff\xfe\xfa" * 3000, b"x" * (20 * 1024 * 1024)],
    ids=["empty", "binary", "nuls", "invalid-utf8", "20MB-line"],
)
def test_unusable_content_is_judged_without_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "capture.log"
    path.write_bytes(content)
    proc = run("explain", str(path), "--format", "json")
    assert_clean_error(proc, 5)
    report = json.loads(proc.stdout)
    assert report["status"] == "unrecognised" and report["stats"]["events"] == 0


def test_text_view_says_nothing_was_recognised(tmp_path: Path) -> None:
    path = tmp_path / "garbage.bin"
    path.write_bytes(os.urandom(5000))
    proc = run("explain", str(path))
    assert b"no boot or flashing log lines recognised" in proc.stdout


def test_gzip_capture_and_stdin_dash(tmp_path: Path) -> None:
    path = tmp_path / "capture.log.gz"
    path.write_bytes(gzip.compress(EXAMPLE_LINE))
    assert run("explain", str(path), "--format", "json").returncode == 1
    assert run("explain", "-", "--format", "json", stdin=EXAMPLE_LINE).returncode == 1


def test_broken_rule_file_is_one_line(tmp_path: Path) -> None:
    rules = tmp_path / "bad.toml"
    rules.write_text('[[rule]]\nid = "x.y"\ntitle = "t"\nplatform = "p"\nwhen.all = [ { event = "Nope" } ]\nexplain = "e"\nfix = ["f"]\n')
    err = assert_clean_error(run("explain", "--rules", str(rules), stdin=EXAMPLE_LINE), 2)
    assert len(err.strip().splitlines()) == 1
    assert str(rules) in err and "x.y" in err and "unknown event 'Nope'" in err


def test_unknown_option_is_a_usage_error() -> None:
    assert_clean_error(run("explain", "--format", "yaml"), 2)


def test_runs_from_another_folder(tmp_path: Path) -> None:
    proc = run("explain", "--format", "json", stdin=EXAMPLE_LINE, cwd=tmp_path)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["findings"][0]["id"] == "esp.image_modified_after_signing"


def test_no_colour_when_piped() -> None:
    proc = run("explain", stdin=EXAMPLE_LINE)
    assert b"\x1b[" not in proc.stdout


@pytest.mark.parametrize("command", ["explain", "report"])
def test_unknown_chip_is_a_usage_error_before_anything_is_read(tmp_path: Path, command: str) -> None:
    capture = tmp_path / "boot.log"
    capture.write_text("I (30) boot: ESP-IDF v5.1 2nd stage bootloader\n")
    err = assert_clean_error(run(command, str(capture), "--chip", "esp33"), 2)
    assert "unknown chip 'esp33'" in err and "esp32s3" in err
    assert run("explain", str(capture), "--chip", "ESP32-S3").returncode == 6  # case and '-' aside


def test_a_firmware_image_given_as_a_capture_says_what_it_is(tmp_path: Path) -> None:
    from esp_fixtures import build_bootloader

    path = tmp_path / "bootloader.bin"
    path.write_bytes(build_bootloader())  # written by esptool
    proc = run("explain", str(path), "--format", "json")
    assert_clean_error(proc, 5)
    report = json.loads(proc.stdout)
    assert report["status"] == "unrecognised"
    assert report["warnings"] == ["the input is no capture but a binary file (ESP firmware image); `bootdiag verify FILE` checks an image"]

"""The pytest plugin: a failed hardware test shows the diagnosis of its serial capture."""
from __future__ import annotations

import importlib
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_redact import SEED

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.skipif(not SEED.is_file(), reason="shared/seeds is not beside the checkout")

HEALTHY_BOOT = (
    "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"
    "I (31) boot: ESP-IDF v5.1.2 2nd stage bootloader\r\n"
    "I (300) cpu_start: Starting scheduler.\r\n"
)


def run_inner(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # Hypothesis's plugin costs seconds per in-process session and plays no part here.
    return pytester.runpytest("-p", "no:hypothesispytest", *args)


@pytest.fixture
def seed_capture(pytester: pytest.Pytester) -> Path:
    path = pytester.path / "serial.log"
    path.write_bytes(SEED.read_bytes())
    return path


def test_failing_test_with_fixture_capture_shows_bootdiag_section(pytester: pytest.Pytester, seed_capture: Path) -> None:
    pytester.makepyfile(
        """
        def test_ota_boots(bootdiag_capture):
            bootdiag_capture.attach("serial.log")
            assert False, "device did not come back after OTA"

        def test_passes(bootdiag_capture):
            bootdiag_capture.attach("serial.log")
        """
    )
    result = run_inner(pytester, "--junitxml=junit.xml")
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines([
        "*device did not come back after OTA*",
        "*- bootdiag -*",
        "root cause: Image is not signed  (esp.unsigned_image, high confidence)",
        "  line 37: E (296835) secure_boot_v1: image has invalid signature version field 0xf6b60c7a",
        "*espsecure.py sign_data --version 1*",
    ])
    assert result.stdout.str().count("- bootdiag -") == 1, "passing tests get no section"
    cases = {c.get("name"): c for c in ET.parse(pytester.path / "junit.xml").getroot().iter("testcase")}
    props = {p.get("name"): p.get("value") for p in cases["test_ota_boots"].iter("property")}
    assert props == {"bootdiag": "esp.unsigned_image: Image is not signed (lines 26, 37, 40)", "bootdiag_status": "diagnosed"}
    assert list(cases["test_passes"].iter("property")) == []


def test_bytes_written_to_the_fixture_and_redaction(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_flash(bootdiag_capture):
            bootdiag_capture.write(b"Serial port /dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0\\r\\n")
            bootdiag_capture.write("esptool.py v4.7.0\\r\\n")
            bootdiag_capture.write(
                "A fatal error occurred: Failed to connect to ESP32: Wrong boot mode detected (0x13)! "
                "The chip needs to be in download mode.\\r\\n"
            )
            raise RuntimeError("flashing failed")
        """
    )
    result = run_inner(pytester, "--bootdiag-redact")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "- bootdiag -" in out and "root cause:" in out
    assert "A50285BI" not in out.split("- bootdiag -")[1]


def test_run_capture_option_diagnoses_only_what_the_test_added(pytester: pytest.Pytester, tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    log.write_text(SEED.read_text())  # an earlier failure, before this test
    pytester.makepyfile(
        f"""
        def test_boot():
            with open({str(log)!r}, "a") as f:
                f.write({HEALTHY_BOOT!r})
            assert False
        """
    )
    result = run_inner(pytester, f"--bootdiag-capture={log}")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*- bootdiag -*", "healthy: no failure found in *"])
    assert "run.log (3 lines, 1 boot/tool session)" in " ".join(result.stdout.str().split())
    assert "esp.unsigned_image" not in result.stdout.str()


def test_setup_failure_and_ini_option(pytester: pytest.Pytester, seed_capture: Path) -> None:
    pytester.makeini(f"[pytest]\nbootdiag_capture = {seed_capture}\n")
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.fixture
        def board():
            with open({str(seed_capture)!r}, "ab") as f:
                f.write(open({str(SEED)!r}, "rb").read())
            raise RuntimeError("board did not boot")

        def test_needs_board(board):
            pass
        """
    )
    result = run_inner(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*- bootdiag -*", "root cause: Image is not signed*"])


def test_pytest_embedded_dut_log(pytester: pytest.Pytester, seed_capture: Path) -> None:
    pytester.makeconftest(
        f"""
        import pytest

        class Dut:  # the attribute pytest-embedded's Dut exposes
            def __init__(self, logfile):
                self.logfile = logfile

        @pytest.fixture
        def dut():  # multi-DUT: a tuple; the second DUT wrote no log
            return (Dut({str(seed_capture)!r}), Dut("missing/dut-1.txt"))
        """
    )
    pytester.makepyfile("def test_app(dut):\n    assert 0\n")
    result = run_inner(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*- bootdiag -*", "root cause: Image is not signed*"])


def test_several_captures_get_a_section_each(pytester: pytest.Pytester, seed_capture: Path) -> None:
    (pytester.path / "other.log").write_text(HEALTHY_BOOT)
    pytester.makepyfile(
        """
        def test_two(bootdiag_capture):
            bootdiag_capture.attach("serial.log")
            bootdiag_capture.attach("other.log")
            assert 0
        """
    )
    result = run_inner(pytester)
    result.stdout.fnmatch_lines(["*- bootdiag: serial.log -*", "root cause: *", "*- bootdiag: other.log -*", "healthy: *"])


def test_no_capture_no_section(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x():\n    assert 0\n")
    result = run_inner(pytester)
    result.assert_outcomes(failed=1)
    assert "- bootdiag" not in result.stdout.str()


def test_plugin_is_registered_and_import_light() -> None:
    from importlib.metadata import entry_points

    assert [e.value for e in entry_points(group="pytest11") if e.name == "bootdiag"] == ["bootdiag.app.pytest_plugin"]
    code = (
        "import sys, bootdiag.app.pytest_plugin; "
        "heavy = sorted(m for m in ('pydantic', 'lark', 'rich', 'typer', 'bootdiag.core.pipeline') if m in sys.modules); "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def test_teardown_failure_is_diagnosed_once_and_reaches_junit(pytester: pytest.Pytester, seed_capture: Path) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def board(bootdiag_capture):
            bootdiag_capture.attach("serial.log")
            yield
            raise RuntimeError("board did not power down")

        def test_fails_twice(board):
            assert False, "call failed"

        def test_fails_in_teardown(board):
            pass
        """
    )
    result = run_inner(pytester, "--junitxml=junit.xml")
    result.assert_outcomes(failed=1, passed=1, errors=2)
    cases = {c.get("name"): c for c in ET.parse(pytester.path / "junit.xml").getroot().iter("testcase")}
    for name in ("test_fails_twice", "test_fails_in_teardown"):
        props = [(p.get("name"), p.get("value")) for p in cases[name].iter("property")]
        assert props.count(("bootdiag_status", "diagnosed")) == 1, (name, props)


def test_analysis_error_does_not_hide_the_test_failure(
    pytester: pytest.Pytester, seed_capture: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise MemoryError("out of memory")

    # The inner session runs in this process and imports the module from sys.modules (an earlier
    # inner session may have dropped it there); monkeypatch restores it afterwards.
    monkeypatch.setattr(importlib.import_module("bootdiag.app.run"), "explain_chunks", broken)
    pytester.makepyfile(
        """
        def test_x(bootdiag_capture):
            bootdiag_capture.attach("serial.log")
            assert False, "the real failure"
        """
    )
    result = run_inner(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*the real failure*", "*- bootdiag -*", "bootdiag could not analyse serial.log: MemoryError: out of memory"])

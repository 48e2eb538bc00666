"""A capture that stops right after the ESP ROM's hand-over (``entry 0x...``), with nothing after it:
the report says it is incomplete, what it saw, and what to check next, and names no cause."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bootdiag.core.pipeline import explain
from bootdiag.render import render

REAL = Path(__file__).resolve().parents[1] / "corpus" / "real"
# The ROM of an ESP32-S3 loads the bootloader and jumps to it; the Arduino sketch prints nothing.
ROM_ONLY = REAL / "esp/rom-s3-usb-uart-chip-reset-arduino-sketch-silent-idf-port-works.log"


def test_a_rom_only_capture_is_incomplete_and_says_where_it_stops() -> None:
    report = explain(ROM_ONLY)
    assert report.status == "incomplete"
    assert report.findings == [] and report.nearest == []
    assert report.stopped_at is not None
    assert (report.stopped_at.line, report.stopped_at.text) == (10, "entry 0x403c98d8")
    assert "nothing the bootloader or the application printed follows" in report.silence


def test_what_to_check_next_covers_rate_console_and_an_early_stop() -> None:
    checks = " ".join(explain(ROM_ONLY).next_checks)
    for named in ("CONFIG_ESP_CONSOLE_UART_BAUDRATE", "Serial.begin()", "idf.py -p PORT monitor -b 115200",
                  "Channel for console output", "CONFIG_ESP_CONSOLE_UART", "USB Serial/JTAG", "USB CDC On Boot",
                  "CONFIG_BOOTLOADER_LOG_LEVEL_NONE", "crashes before it logs"):
        assert named in checks, named


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_text_and_markdown_say_it_as_guidance_not_a_cause(fmt: str) -> None:
    out = io.StringIO()
    render(explain(ROM_ONLY), fmt, out, width=200)
    shown = out.getvalue()
    assert "entry 0x403c98d8" in shown
    assert "nothing the bootloader or the application printed follows" in shown
    assert "general guidance: no cause is shown" in shown
    assert "CONFIG_ESP_CONSOLE_UART_BAUDRATE" in shown
    assert "Root cause" not in shown


def test_json_carries_the_stop_and_the_checks() -> None:
    out = io.StringIO()
    render(explain(ROM_ONLY), "json", out)
    data = json.loads(out.getvalue())
    assert data["status"] == "incomplete" and data["findings"] == []
    assert data["stopped_at"]["line"] == 10 and data["stopped_at"]["event"] == "RomEntry"
    assert data["silence"].startswith("The ROM loaded the second-stage bootloader")
    assert len(data["next_checks"]) == 4


def test_output_after_the_hand_over_is_a_boot_that_ran() -> None:
    text = ROM_ONLY.read_text(encoding="utf-8") + "Hello from the sketch\n"
    report = explain(text)
    assert report.status == "healthy"
    assert report.stopped_at is None and report.next_checks == []


def test_a_capture_cut_elsewhere_gives_no_hand_over_guidance() -> None:
    # The bootloader's own lines stop mid-boot: no hand-over is the last thing seen.
    report = explain(REAL / "esp/boot-healthy-reburned-ota0-boot.log")
    assert report.status == "incomplete"
    assert report.stopped_at is None and report.next_checks == [] and report.silence == ""


def test_a_failure_is_not_dressed_as_silence() -> None:
    # A boot loop whose ROM restarts after each hand-over is a failure of its own.
    report = explain(REAL / "esp/rom-s3-cores3-tg1wdt-loop-after-otadata-not-found-banner-cut-fenced.log")
    assert report.status == "unexplained"
    assert report.stopped_at is None and report.next_checks == []

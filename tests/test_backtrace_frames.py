"""A backtrace a decoder printed (idf_monitor, esp-idf-monitor, the Arduino exception decoder, gdb) is
read as the frames it lists: a function and its place in the source, never a failure line of its own
whatever words the names hold ("panic_abort at .../panic.c", "abort () at .../abort.c")."""
from __future__ import annotations

from pathlib import Path

import pytest

from bootdiag.core.messages import BacktraceFrame
from bootdiag.core.parse import parse_text
from bootdiag.core.pipeline import explain

REAL = Path(__file__).resolve().parents[1] / "corpus" / "real"


@pytest.mark.parametrize("line, address, function, source", [
    # idf_monitor (IDF v4.x)
    ("0x4008f6c2: panic_abort at /home/dev/esp-idf/components/esp_system/panic.c:367",
     0x4008F6C2, "panic_abort", "/home/dev/esp-idf/components/esp_system/panic.c:367"),
    ("0x400de89f: __assert_func at /builds/idf/newlib/libc/stdlib/assert.c:62 (discriminator 8)",
     0x400DE89F, "__assert_func", "/builds/idf/newlib/libc/stdlib/assert.c:62"),
    # esp-idf-monitor's prefix
    ("--- 0x4008d938: _esp_error_check_failed at /home/dev/esp-idf/components/esp_common/src/esp_err.c:42",
     0x4008D938, "_esp_error_check_failed", "/home/dev/esp-idf/components/esp_common/src/esp_err.c:42"),
    ("--- 0x4037f6fa: vApplicationStackOverflowHook at /esp/freertos/port.c:581",
     0x4037F6FA, "vApplicationStackOverflowHook", "/esp/freertos/port.c:581"),
    # the exception decoder's program counter, and its frames
    ("PC: 0x400d1234: abort() at /home/dev/.arduino15/newlib/abort.c:46", 0x400D1234, "abort", "/home/dev/.arduino15/newlib/abort.c:46"),
    # gdb's backtrace
    ("  #0  0x4008cfa0 in abort () at /builds/newlib/libc/stdlib/abort.c:46", 0x4008CFA0, "abort",
     "/builds/newlib/libc/stdlib/abort.c:46"),
    ("#1  0x4008d2b8 in panic_abort (details=0x3ffb5f70) at /esp/panic.c:408", 0x4008D2B8, "panic_abort",
     "/esp/panic.c:408"),
])
def test_a_decoded_frame_is_read_as_the_frame_it_is(line, address, function, source):
    [event] = parse_text(line + "\n")
    assert isinstance(event, BacktraceFrame)
    assert (event.address, event.function, event.source) == (address, function, source)


@pytest.mark.parametrize("line, failure", [
    ("0x4008f6c2: panic_abort at /home/dev/esp-idf/components/esp_system/panic.c:367", True),
    ("--- 0x4008d938: _esp_error_check_failed at /esp/components/esp_common/src/esp_err.c:42", True),
    ("  #0  0x4008cfa0 in abort () at /builds/newlib/libc/stdlib/abort.c:46", True),
    ("0x400d1234: loop() at /home/dev/sketch/sketch.ino:12", False),
    ("--- 0x400d5f1c: app_main at /home/dev/project/main/main.c:31", False),
    ("--- 0x40000000: ets_printf in ROM", False),
])
def test_a_frame_fails_only_where_it_is_the_crash_path_itself(line, failure):
    # (a frame with no failure word in it is not even screened: it gives no event at all)
    events = parse_text(line + "\n")
    assert any(e.is_failure() for e in events) is failure
    if failure:
        assert [type(e) for e in events] == [BacktraceFrame]


BOOT = ["rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)", "I (29) boot: ESP-IDF v5.1.3 2nd stage bootloader",
        "I (573) cpu_start: Pro cpu up.", "I (700) main_task: Calling app_main()"]


def test_frames_through_the_crash_path_are_a_failure_where_the_paste_lost_the_crash_itself():
    frames = ["--- 0x4008cfa0: panic_abort at /esp/esp-idf/components/esp_system/panic.c:477",
              "--- 0x400d5f1c: app_main at /home/dev/project/main/main.c:31"]
    report = explain("\n".join([*BOOT, *frames]) + "\n")
    assert report.status == "unexplained" and [u.text for u in report.unexplained] == frames[:1]
    # frames of no crash path after a boot that completed: nothing failed
    assert explain("\n".join([*BOOT, frames[1]]) + "\n").status == "healthy"


@pytest.mark.parametrize("line", [
    "E (302) esp_core_dump_flash: No core dump partition found!",
    "abort() was called at PC 0x400d1a2b on core 0",
    "0x4008f6c2: panic_abort failed at boot",  # no place in the source: not a decoder's line
    "Backtrace: 0x4008cfa0:0x3ffcbe70 0x4008cf69:0x3ffcbe90",
])
def test_lines_that_are_no_decoded_frame_are_read_as_before(line):
    assert not any(isinstance(e, BacktraceFrame) for e in parse_text(line + "\n"))


def test_the_frames_of_a_crash_are_not_listed_as_failure_lines_of_their_own():
    frames = ["--- 0x4008cfa0: panic_abort at /esp/esp-idf/components/esp_system/panic.c:477",
              "--- 0x4008cf69: esp_system_abort at /esp/esp-idf/components/esp_system/port/esp_system_chip.c:87"]
    boot = BOOT
    crash = "abort() was called at PC 0x400d1a2b on core 0"
    report = explain("\n".join([*boot, crash, *frames]) + "\n")
    # the app had started: the crash is the application's, and the frames are not lines of their own
    assert [f.id for f in report.findings] == ["esp.application_crash"]
    assert not report.unexplained
    assert [e.text for e in report.findings[0].evidence if e.text.startswith("---")] == []
    assert [e.kind for e in parse_text("\n".join(frames) + "\n")] == ["BacktraceFrame", "BacktraceFrame"]


def test_a_stack_overflow_shows_the_frame_through_the_overflow_hook():
    report = explain((REAL / "esp" / "boot-chip-main-task-stack-overflow-after-dnssd.log").read_text(encoding="utf-8"))
    [finding] = report.findings
    assert finding.id == "esp.app_stack_overflow"
    assert [(e.event, e.line) for e in finding.evidence] == [("Panic", 4), ("BacktraceFrame", 11)]
    assert "vApplicationStackOverflowHook at " in finding.evidence[1].text

"""A Zephyr image that faults, in MCUboot or after MCUboot's jump, is a failure however it is printed."""
from __future__ import annotations

import pytest

from bootdiag.core.pipeline import explain

JUMP = (
    "I: Starting bootloader\n"
    "I: Bootloader chainload address offset: 0x10000\n"
    "I: Jumping to the first image slot\n"
    "*** Booting Zephyr OS build v3.5.0 ***\n"
)


@pytest.mark.parametrize("fault", [
    # log on, full and minimal backends; log off (bare banners, old kernels); printk with "FATAL: "
    "[00:00:00.027,311] <err> os: ***** HARD FAULT *****\n[00:00:00.027,311] <err> os:   Fault escalation (see below)\n",
    "E: ***** BUS FAULT *****\nE:   Precise data bus error\nE: >>> ZEPHYR FATAL ERROR 0: CPU exception on CPU 0\n",
    "***** USAGE FAULT *****\n  Illegal load of EXC_RETURN into PC\n***** Hardware exception *****\n",
    "FATAL: >>> ZEPHYR FATAL ERROR 4: Kernel panic on CPU 0\nFATAL: Halting system\n",
    "***** MPU FAULT *****\n  Stacking error (context area might be not valid)\n",
])
def test_a_fault_after_the_application_started_is_the_application_crashing(fault: str) -> None:
    report = explain(JUMP + fault)
    assert report.status == "diagnosed" and report.exit_code == 1
    assert report.top is not None and report.top.id == "mcuboot.application_fault"


@pytest.mark.parametrize("fault", [
    "[00:00:00.027,311] <err> os: ***** HARD FAULT *****\n[00:00:00.027,311] <err> os:   Fault escalation (see below)\n",
    "E: ***** BUS FAULT *****\nE:   Precise data bus error\nE: >>> ZEPHYR FATAL ERROR 0: CPU exception on CPU 0\n",
])
def test_a_fault_right_after_the_jump_with_nothing_from_the_image_is_not_healthy_nor_the_application(fault: str) -> None:
    jump_only = JUMP.replace("*** Booting Zephyr OS build v3.5.0 ***\n", "")
    report = explain(jump_only + fault)
    assert report.status != "healthy" and report.exit_code != 0
    assert "mcuboot.application_fault" not in [f.id for f in report.findings]


def test_segger_rtt_viewer_terminal_prefix_is_taken_off() -> None:
    # J-Link RTT Viewer shows the terminal index ("00> ") before every line
    text = "".join(f"00> {line}\n" for line in JUMP.splitlines()) + "00> [00027311] <err> os: ***** HARD FAULT *****\n"
    report = explain(text)
    assert report.status == "diagnosed" and report.exit_code == 1
    assert report.top is not None and report.top.id == "mcuboot.application_fault"
    assert "HARD FAULT" in report.top.explanation


@pytest.mark.parametrize("after", [
    "",
    "Hello World! nrf52840dk\n",
    "[00:00:00.004,000] <inf> app: bus fault counter cleared\n",
    "00> Hello World! nrf52840dk\n",
])
def test_an_application_that_runs_stays_healthy(after: str) -> None:
    report = explain(JUMP + after)
    assert report.status == "healthy" and report.findings == []


@pytest.mark.parametrize("fault", [
    # log on, full and minimal backends; printk with "FATAL: "; Armv8-M's stack limit line alone
    "[00:00:01.001,000] <err> os: >>> ZEPHYR FATAL ERROR 2: Stack overflow on CPU 0\n"
    "[00:00:01.001,000] <err> os: Current thread: 0x20001f78 (sysworkq)\n",
    "E: >>> ZEPHYR FATAL ERROR 2: Stack overflow on CPU 0\nE: Current thread: 0x20000d10 (main)\nE: Halting system\n",
    "FATAL: >>> ZEPHYR FATAL ERROR 2: Stack overflow on CPU 0\nFATAL: Halting system\n",
    "E: ***** USAGE FAULT *****\nE:   Stack overflow (context area not valid)\n",
    "[00:00:02.100,000] <err> os: ***** USAGE FAULT *****\n[00:00:02.100,000] <err> os:   Stack overflow (context area not valid)\n",
])
def test_a_stack_overflow_after_the_jump_is_named(fault: str) -> None:
    report = explain(JUMP + fault)
    assert report.top is not None and report.top.id == "mcuboot.zephyr_stack_overflow"


@pytest.mark.parametrize("fault", [
    # a stacking error the kernel reports as a CPU exception: the guard did not name the stack
    "E: ***** MPU FAULT *****\nE:   Stacking error (context area might be not valid)\n"
    "E: >>> ZEPHYR FATAL ERROR 0: CPU exception on CPU 0\nE: Current thread: 0x20000d10 (main)\n",
    "[00:00:00.027,311] <err> os: >>> ZEPHYR FATAL ERROR 4: Kernel panic on CPU 0\n"
    "[00:00:00.027,311] <err> os: Current thread: 0x20000d10 (main)\n",
    # the application's own words about a stack
    "[00:00:03.000,000] <err> app: Stack overflow (context area not valid) test starting\n"
    "[00:00:03.000,000] <err> os: >>> ZEPHYR FATAL ERROR 3: Kernel oops on CPU 0\n",
])
def test_other_fatal_errors_are_not_a_stack_overflow(fault: str) -> None:
    report = explain(JUMP + fault)
    assert report.status != "healthy"
    assert "mcuboot.zephyr_stack_overflow" not in [f.id for f in report.findings]


def test_an_application_that_calls_abort_after_the_jump_is_no_healthy_boot() -> None:
    # Zephyr's libc abort() prints "abort()" and panics at once; with the fatal-error log off nothing follows.
    report = explain(JUMP + "abort()\n")
    assert report.status != "healthy" and report.exit_code != 0
    assert [(e.line, e.meaning.startswith("Code in this image called the C library's abort()")) for e in report.unexplained] == [(5, True)]


def test_abort_in_the_bootloader_is_an_unexplained_failure_with_its_meaning() -> None:
    text = "I: Starting bootloader\nD: context_boot_go\nabort()\n"
    report = explain(text)
    assert report.status == "unexplained" and report.exit_code != 0
    assert [e.line for e in report.unexplained] == [3]
    assert "panics the kernel" in report.unexplained[0].meaning


def test_esp_idf_abort_line_keeps_its_own_reading() -> None:
    from bootdiag.core.parse import parse_text

    assert [e.kind for e in parse_text("abort() was called at PC 0x40081e4b on core 0\n")] == ["Panic"]

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
    "FATAL: >>> ZEPHYR FATAL ERROR 2: Stack overflow on CPU 0\nFATAL: Halting system\n",
    "***** MPU FAULT *****\n  Stacking error (context area might be not valid)\n",
])
def test_a_fault_after_the_jump_is_not_healthy(fault: str) -> None:
    report = explain(JUMP + fault)
    assert report.status == "unexplained" and report.exit_code == 3


def test_segger_rtt_viewer_terminal_prefix_is_taken_off() -> None:
    # J-Link RTT Viewer shows the terminal index ("00> ") before every line
    text = "".join(f"00> {line}\n" for line in JUMP.splitlines()) + "00> [00027311] <err> os: ***** HARD FAULT *****\n"
    report = explain(text)
    assert report.status == "unexplained" and report.exit_code == 3
    assert [e.message for e in report.unexplained] == ["zephyr.hard_fault"]


@pytest.mark.parametrize("after", [
    "",
    "Hello World! nrf52840dk\n",
    "[00:00:00.004,000] <inf> app: bus fault counter cleared\n",
    "00> Hello World! nrf52840dk\n",
])
def test_an_application_that_runs_stays_healthy(after: str) -> None:
    report = explain(JUMP + after)
    assert report.status == "healthy" and report.findings == []

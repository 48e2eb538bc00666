"""What west flash and the programs its runners drive print is read as theirs: a west 'FATAL ERROR:'
is not a TF-M fault, a compiler's static assertion stays one line, and the runners' tools' failures
(OpenOCD, nRF Util) are known by their catalogue entries."""
from __future__ import annotations

import pytest

from bootdiag.core.parse import LineParser
from bootdiag.core.pipeline import explain


def ids(line: str) -> list[str | None]:
    return [getattr(e, "message_id", None) for e in LineParser()._parse_new(line, 1)]


@pytest.mark.parametrize("line", [
    "FATAL ERROR: required program JLinkExe not found; install it or add its location to PATH",
    "FATAL ERROR: required program nrfutil not found; install it or add its location to PATH.",
])
def test_west_missing_program_is_west_s_not_a_secure_fault(line):
    assert ids(line) == ["west.required_program_missing"]


@pytest.mark.parametrize(("line", "message"), [
    ("FATAL ERROR: HardFault", "tfm.fatal_hardfault"),
    ("FATAL ERROR: SecureFault", "tfm.fatal_securefault"),
    ("FATAL ERROR: Platform external interrupt (IRQn): 0x0000002a", "tfm.fatal_platform_irq"),
])
def test_tfm_fault_names_are_read_as_faults(line, message):
    assert ids(line) == [message]


def test_other_fatal_errors_are_not_taken_for_a_secure_fault():
    assert "tfm" not in str(ids("FATAL ERROR: refusing to guess which of 2 connected boards to use."))


def test_a_static_assertion_stays_one_line():
    found = LineParser()._parse_new('error: static assertion failed: "Can not FPROTECT region that big"', 1)
    assert [getattr(e, "message_id", None) for e in found] == ["mcuboot.fprotect_region_too_big"]


def test_a_glued_assertion_line_is_still_read_apart():
    found = LineParser()._parse_new("I: Starting bootloader assertion failed: boot/zephyr/main.c:10", 1)
    assert [e.text for e in found] == ["I: Starting bootloader", "assertion failed: boot/zephyr/main.c:10"]


def test_nrfutil_refusing_another_family_names_the_wrong_board():
    report = explain(
        "-- west flash: using runner nrfutil\n"
        "Error: One or more batch tasks failed:\n"
        " * 1050000001: Device error: Identified device family and target family do not match: NRF52 vs NRF54L (WrongFamily)\n"
    )
    assert report.findings[0].id == "mcuboot.nrf_wrong_device_family"


def test_an_nrfutil_timeout_is_no_protection_finding():
    report = explain(
        "Error: One or more batch tasks failed:\n"
        " * 1050000001: Timed out waiting for response from worker. (Generic)\n"
    )
    assert report.status == "unexplained"


def test_openocd_missing_script_is_found_without_west_around_it():
    report = explain("Open On-Chip Debugger 0.12.0\nCan't find interface/stlink-v2.cfg\n")
    assert report.findings[0].id == "mcuboot.openocd_script_not_found"


def test_west_naming_its_commands_in_a_message_is_no_flash_command():
    [event] = LineParser()._parse_new(
        "FATAL ERROR: either a pristine build is needed, or board teensy41 doesn't support west flash/debug "
        "(no ZEPHYR_RUNNERS_YAML in CMake cache)", 1)
    assert event.kind != "WestFlashCommand"
    assert event.message_id == "west.no_runners_yaml_cache"


def test_a_west_flash_command_line_is_still_one():
    [event] = LineParser()._parse_new("$ west flash --hex-file build/zephyr/zephyr.signed.hex", 1)
    assert event.kind == "WestFlashCommand"
    assert event.requested == "build/zephyr/zephyr.signed.hex"


def test_a_glued_ninja_failure_is_read_apart_from_the_message_before_it():
    found = LineParser()._parse_new(
        "FATAL ERROR: either a pristine build is needed, or board teensy41 doesn't support west flash/debug "
        "(no ZEPHYR_RUNNERS_YAML in CMake cache) FAILED: zephyr/cmake/flash/CMakeFiles/flash", 1)
    assert [e.text for e in found][1] == "FAILED: zephyr/cmake/flash/CMakeFiles/flash"
    assert found[0].message_id == "west.no_runners_yaml_cache"


def test_a_message_with_failed_and_a_number_is_not_cut():
    [event] = LineParser()._parse_new("-- verify FAILED: 3 differences, first @ 0x00001000", 1)
    assert event.message == "esptool.verify_differences_v4"


@pytest.mark.parametrize("line", [
    "fatal error: 2 No such file or directory: 'nrfjprog'",
    "fatal error: 2 No such file or directory: 'JLinkExe'",
])
def test_the_2018_west_s_missing_program_error_is_a_missing_flash_tool(line):
    assert ids(line) == ["west.runner_program_enoent"]
    report = explain("Using runner: nrfjprog\n" + line + "\n")
    assert [f.id for f in report.findings][:1] == ["mcuboot.flash_tool_not_installed"]


@pytest.mark.parametrize("line", [
    "FileNotFoundError: [Errno 2] No such file or directory: 'build/zephyr/zephyr.hex'",
    "cp: cannot stat 'zephyr.hex': No such file or directory",
])
def test_other_missing_files_are_no_missing_flash_tool(line):
    assert "mcuboot.flash_tool_not_installed" not in [f.id for f in explain(line + "\n").findings]

"""A panic from an app that had started is read as the application crashing (esp.application_crash);
a panic in start-up before app_main, one from the NVS library, and a cause a more specific rule names
are not."""
from __future__ import annotations

import pytest

from bootdiag.core.pipeline import explain

BOOTLOADER = (
    "I (29) boot: ESP-IDF v5.1.2 2nd stage bootloader\n"
    "I (114) boot: Loaded app from partition at offset 0x10000\n"
    "I (138) cpu_start: Pro cpu start user code\n"
)
MAIN_TASK = "I (181) main_task: Started on CPU0\nI (190) main_task: Calling app_main()\n"
BACKTRACE = "\nBacktrace: 0x400d5a1b:0x3ffb5b40 0x400d2c4a:0x3ffb5b60\n\nRebooting...\n"

PANICS = [
    "Guru Meditation Error: Core  0 panic'ed (LoadProhibited). Exception was unhandled.\n",
    "Guru Meditation Error: Core  1 panic'ed (Interrupt wdt timeout on CPU1).\n",
    "Guru Meditation Error: Core  0 panic'ed (Cache disabled but cached memory region accessed).\n",
    "assert failed: sensor_read sensor.c:88 (len > 0)\n",
    "ESP_ERROR_CHECK failed: esp_err_t 0x102 (ESP_ERR_INVALID_ARG) at 0x400848dc\n"
    "file: \"../main/main.c\" line 65\n",
    "E (6693) task_wdt: Task watchdog got triggered. The following tasks did not reset the watchdog in time:\n"
    "E (6693) task_wdt:  - loopTask (CPU 1)\nE (6693) task_wdt: Aborting.\n"
    "abort() was called at PC 0x4016fe84 on core 0\n",
]


def _top(report) -> str | None:
    return report.findings[0].id if report.findings else None


@pytest.mark.parametrize("panic", PANICS)
def test_a_panic_after_app_main_is_the_applications(panic: str) -> None:
    report = explain(BOOTLOADER + MAIN_TASK + panic + BACKTRACE)
    assert _top(report) == "esp.application_crash", panic
    assert report.findings[0].confidence == "medium"


@pytest.mark.parametrize("panic", PANICS[:1] + PANICS[3:4])
def test_the_crash_pasted_alone_is_read_the_same(panic: str) -> None:
    assert _top(explain(panic + BACKTRACE)) == "esp.application_crash"


def test_a_panic_in_start_up_before_the_main_task_is_not() -> None:
    for panic in (PANICS[0], "assert failed: do_core_init startup.c:298 (flash_ret == ESP_OK)\n"):
        report = explain(BOOTLOADER + panic + BACKTRACE)
        assert "esp.application_crash" not in [f.id for f in report.findings], panic
        assert report.status != "healthy"


def test_an_nvs_error_or_assert_is_not_read_as_the_applications() -> None:
    for panic in (
        "ESP_ERROR_CHECK failed: esp_err_t 0x1101 (ESP_ERR_NVS_NOT_INITIALIZED) at 0x4008808c\n",
        "assertion \"state == EntryState::WRITTEN\" failed: file \"/esp-idf/components/nvs_flash/src/nvs_page.cpp\","
        " line 712, function: esp_err_t nvs::Page::findItem()\nabort() was called at PC 0x401040ff on core 0\n",
    ):
        report = explain(BOOTLOADER + MAIN_TASK + panic + BACKTRACE)
        assert "esp.application_crash" not in [f.id for f in report.findings], panic


def test_a_stack_overflow_keeps_its_own_rule() -> None:
    panic = (
        "***ERROR*** A stack overflow in task main has been detected.\n"
        "abort() was called at PC 0x40088e8c on core 0\n"
    )
    assert _top(explain(BOOTLOADER + MAIN_TASK + panic + BACKTRACE)) == "esp.app_stack_overflow"


def test_a_restart_on_purpose_and_the_word_abort_in_a_log_stay_healthy() -> None:
    restart = (
        "I (5210) cfg: New settings saved, restarting\nets Jul 29 2019 12:21:46\n\n"
        "rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
    )
    words = "W (2410) ota_task: Download aborted: server closed the connection, retrying in 30 s\n"
    for tail in (restart + BOOTLOADER + MAIN_TASK, words):
        assert explain(BOOTLOADER + MAIN_TASK + tail).status == "healthy", tail

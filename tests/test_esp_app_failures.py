"""An app that booted and then failed is not a healthy run: the task watchdog firing (in every
ESP-IDF wording, with or without its log envelope) and an encrypted flash write the driver refused
leave the report unexplained, while the same app lines without them stay healthy."""
from __future__ import annotations

import pytest

from bootdiag.core.pipeline import explain

APP_START = "I (483) cpu_start: Pro cpu up.\nI (539) heap_init: Initializing. RAM available for dynamic allocation:\n"

# The task watchdog's caption, as ESP-IDF v5 (ESP_LOGE), v4 (ESP_EARLY_LOGE) and v2/v3 (ets_printf) print it.
WATCHDOG = [
    "E (25148) task_wdt: Task watchdog got triggered. The following tasks/users did not reset the watchdog in time:\n"
    "E (25148) task_wdt:  - IDLE1 (CPU 1)\n",
    "E (20148) task_wdt: Task watchdog got triggered. The following tasks did not reset the watchdog in time:\n"
    "E (20148) task_wdt:  - IDLE1 (CPU 1)\n",
    "Task watchdog got triggered. The following tasks did not reset the watchdog in time:\n - IDLE (CPU 0)\n",
    "Task watchdog got triggered. The following tasks did not feed the watchdog in time:\n - IDLE (CPU 0)\n",
]

REFUSED_WRITES = [
    "E (38024) spi_flash: flash encrypted write length must be multiple of 16\n",
    "E (38054) spi_flash: flash encrypted write address must be 16 bytes aligned\n",
]


@pytest.mark.parametrize("lines", WATCHDOG + REFUSED_WRITES)
def test_a_failure_while_the_app_runs_is_not_healthy(lines: str) -> None:
    report = explain(APP_START + lines + "I (40000) app: still printing\n")
    assert report.status == "unexplained", lines
    assert report.unexplained and report.unexplained[0].line == 3


def test_the_same_app_lines_without_a_failure_stay_healthy() -> None:
    assert explain(APP_START + "I (40000) app: still printing\n").status == "healthy"


def test_a_watchdog_detail_line_alone_is_not_the_failure() -> None:
    # The task list the caption introduces says nothing failed by itself.
    assert explain(APP_START + "E (1502903) task_wdt: CPU 0: AutoOTA Update\n").status == "healthy"

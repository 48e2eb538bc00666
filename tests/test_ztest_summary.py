"""A Zephyr test run's own summary (ztest): a suite that passed says "fail = 0", which is no failure;
a suite that failed, and the run's "PROJECT EXECUTION FAILED" verdict, are failures."""
from __future__ import annotations

from bootdiag.core.pipeline import explain

RUN = """*** Booting Zephyr OS build v3.5.0 ***
Running TESTSUITE kernel_common
===================================================================
START - test_a
 PASS - test_a in 0.001 seconds
===================================================================
TESTSUITE kernel_common succeeded

------ TESTSUITE SUMMARY START ------

SUITE PASS - 100.00% [kernel_common]: pass = 1, fail = 0, skip = 0, total = 1 duration = 0.001 seconds
 - PASS - [kernel_common.test_a] duration = 0.001 seconds

------ TESTSUITE SUMMARY END ------

===================================================================
PROJECT EXECUTION SUCCESSFUL
"""


def test_a_suite_that_passed_is_no_failure() -> None:
    report = explain(RUN)
    assert report.status != "unexplained" and not report.findings and not report.unexplained


def test_a_suite_that_failed_and_its_verdict_are_failures() -> None:
    failed = (RUN.replace("SUITE PASS - 100.00% [kernel_common]: pass = 1, fail = 0",
                          "SUITE FAIL -   0.00% [kernel_common]: pass = 0, fail = 1")
                 .replace("PROJECT EXECUTION SUCCESSFUL", "PROJECT EXECUTION FAILED"))
    report = explain(failed)
    assert report.status == "unexplained"
    assert [(u.line, u.message) for u in report.unexplained] == [
        (11, "ztest.suite_failed"), (17, "ztest.project_execution_failed")]

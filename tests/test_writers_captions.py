"""A writer's caption over the log they paste ("fail msg:", "Error log:", "### Error:") is their own
line, not a failure the log shows; a line a program printed that reads alike stays a failure line."""
from __future__ import annotations

import pytest

from bootdiag.core.messages import UnreadFailure
from bootdiag.core.parse import parse_text
from bootdiag.core.parse.unwrap import is_caption
from bootdiag.core.pipeline import explain

_BLOCK = ("```\n"
          "Using runner: jlink\n"
          "fatal error: command flash cannot be run in this context: Runner jlink received unknown arguments ['x']\n"
          "```\n")


def _failure_lines(text: str) -> list[str]:
    return [e.text for e in parse_text(text) if isinstance(e, UnreadFailure)]


@pytest.mark.parametrize("caption", [
    "fail msg:", "Error:", "### Error:", "Error log:", "error message from west:", "Fatal error:", "Errors:",
    "Other times the error is:", "2. Error output:", "Panic log:",
])
def test_a_caption_over_the_pasted_log_is_no_failure_line(caption: str) -> None:
    text = f"{caption}\n{_BLOCK}"
    assert is_caption(caption)
    assert _failure_lines(text) == [
        "fatal error: command flash cannot be run in this context: Runner jlink received unknown arguments ['x']"]
    assert explain(text).status == explain(_BLOCK).status


@pytest.mark.parametrize("line", [
    "ERROR:",  # a tool's level alone, its message on the next line
    "FATAL ERROR:",
    "Failed to open the device:",  # a program telling of a step that failed, its cause on the next line
    "Flash write failed:",
    "Could not connect to the target:",
    "the upload then fails:",
    "Error: 3",  # mcumgr's error and its number
    "error: flash failed",
    "Traceback (most recent call last):",
])
def test_a_line_that_says_something_failed_is_no_caption(line: str) -> None:
    assert not is_caption(line)


@pytest.mark.parametrize("line", ["Flash write failed:", "Could not connect to the target:", "Unable to halt the core:"])
def test_a_failure_with_its_cause_on_the_next_line_stays_a_failure(line: str) -> None:
    text = f"{line}\n  address 0x00010000 out of range\n"
    assert _failure_lines(text) == [line]
    assert explain(text).status != "healthy"

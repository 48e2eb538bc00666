"""A failure line someone retyped in lower case (or a tool lowered) is read as the message it is, its
case aside; only a whole line in lower case is, the message running to its end: words of a message in a
lower-case sentence stay someone's sentence."""
from __future__ import annotations

from pathlib import Path

import pytest

from bootdiag.core.messages import CatalogueMessage
from bootdiag.core.parse import parse_text
from bootdiag.core.pipeline import explain

REAL = Path(__file__).resolve().parents[1] / "corpus" / "real"


def message_ids(line: str) -> list[str | None]:
    return [getattr(e, "message_id", None) for e in parse_text(line + "\n")]


def test_the_lowered_line_of_a_real_paste_is_diagnosed():
    report = explain((REAL / "mcuboot" / "nrf9160-nix-west-flash-nrfjprog-not-installed-lowercase.log").read_text(encoding="utf-8"))
    assert [f.id for f in report.findings] == ["mcuboot.flash_tool_not_installed"]


@pytest.mark.parametrize("line, message", [
    ("fatal error: required program nrfjprog not found; install it or add its location to path",
     "west.required_program_missing"),
    ("required program jlinkexe not found; install it or add its location to path", "west.required_program_missing"),
])
def test_a_whole_line_in_lower_case_is_read_as_its_message(line, message):
    [event] = parse_text(line + "\n")
    assert event.message_id == message and event.is_failure()


@pytest.mark.parametrize("line", [
    # the message inside someone's sentence, in lower case
    "i think it said required program nrfjprog not found; install it or add its location to path and stopped",
    "so the required program nrfjprog not found; install it or add its location to path thing again",
    # not all in lower case: the case the tool prints it in is the one to match
    "Fatal Error: Required Program nrfjprog not found; install it or add its location to path",
])
def test_lower_case_words_of_a_message_inside_other_words_are_not_read_as_it(line):
    assert "west.required_program_missing" not in message_ids(line)


def test_a_lowered_line_that_tells_of_no_failure_is_not_read_by_its_words():
    # a milestone retyped in lower case says nothing completed: only failures and warnings are folded
    assert not any(isinstance(e, CatalogueMessage) for e in parse_text("calling app_main()\n"))

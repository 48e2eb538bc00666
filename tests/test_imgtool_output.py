"""imgtool's refusal to sign, read with its sizes; the click lines around it and make's error after it."""
from __future__ import annotations

import pytest

from bootdiag.core.parse import parse_text
from bootdiag.core.pipeline import explain

REFUSED = "Error: Image size (0x{size:x}) + trailer (0x630) exceeds requested size 0x150000\n"
COMMAND = "imgtool sign --pad --align 4 -v 0 -H 32 --pad-header -S 0x150000 app.hex app.bin\n"
CLICK = "Usage: imgtool sign [OPTIONS] INFILE OUTFILE\nTry 'imgtool sign -h' for help.\n\n"


def kinds(text: str) -> list[str]:
    return [type(e).__name__ for e in parse_text(text)]


def test_the_refusal_is_read_with_its_numbers() -> None:
    (event,) = [e for e in parse_text(REFUSED.format(size=0x5000004C)) if type(e).__name__ == "ImgtoolImageTooLarge"]
    assert (event.image_size, event.trailer_size, event.slot_size) == (0x5000004C, 0x630, 0x150000)
    assert event.message_id == "imgtool.image_too_large" and event.is_failure()


@pytest.mark.parametrize("line", [
    "click.exceptions.BadParameter: Image size (0x73e74) + trailer (0x630) exceeds requested size 0x74000\n",
    "Image size (0x73e74) + trailer (0x630) exceeds requested size 0x74000\n",
])
def test_the_refusal_in_a_traceback_or_bare(line: str) -> None:
    assert kinds(line) == ["ImgtoolImageTooLarge"]


def test_clicks_usage_and_hint_lines_are_no_sign_commands() -> None:
    assert kinds(CLICK) == []
    assert kinds(COMMAND) == ["ImgtoolSignCommand"]


def test_make_error_after_a_line_of_terminal_width_is_a_line_of_its_own() -> None:
    refused = REFUSED.format(size=0x5000004C)
    assert len(refused) == 81  # 80 columns and its newline: the width a terminal wraps at
    events = parse_text(refused + "make: *** [nuttx] Error 2\n")
    assert [(type(e).__name__, e.line) for e in events] == [("ImgtoolImageTooLarge", 1), ("UnreadFailure", 2)]
    assert events[0].slot_size == 0x150000


@pytest.mark.parametrize("start", ["make: *** ", "make[2]: *** ", "mingw32-make: *** "])
def test_makes_error_lines_begin_lines(start: str) -> None:
    from bootdiag.core.parse import LineParser

    assert LineParser().unwrapper.opens_log_line(start + "[all] Error 2")


def test_an_image_spanning_an_address_gap() -> None:
    report = explain(COMMAND + CLICK + REFUSED.format(size=0x5000004C))
    assert [f.id for f in report.findings][:1] == ["mcuboot.image_spans_address_gap"]
    assert "0x5000004c" in report.findings[0].explanation


@pytest.mark.parametrize("size", [0x73E74, 0x150000, 0xFFFFFF])
def test_an_image_only_too_large_for_its_slot_is_the_slot_size(size: int) -> None:
    report = explain(COMMAND + CLICK + REFUSED.format(size=size))
    assert [f.id for f in report.findings][:1] == ["mcuboot.slot_or_trailer_problem"]

"""A line whose format pads its columns with runs of blanks ("slot: 0,             retry_count: 0, ...") is
screened by its fixed text with any run of blanks: pastes keep the padding, narrow it, collapse it to one
blank or turn it into a tab, and the line is the same message each way."""
from __future__ import annotations

import re

import pytest

from bootdiag.core.messages import literal_trigger
from bootdiag.core.pipeline import explain

PADDED = "slot: 0,             retry_count: 0,             status: unbootable"


@pytest.mark.parametrize("blanks", [" " * 13, " ", "  ", "\t", " \t "])
def test_a_padded_line_reaches_the_catalogue_however_its_padding_was_pasted(blanks):
    line = PADDED.replace(" " * 13, blanks)
    report = explain(f"Current rootfs slot: B\nnum_slots: 2\n{line}\nslot: 1,{blanks}retry_count: 3,{blanks}status: normal\n")
    assert [f.id for f in report.findings] == ["tegra.rootfs_slot_unbootable"]


def test_the_same_dump_with_both_slots_normal_is_no_failure():
    report = explain(f"Current rootfs slot: A\nnum_slots: 2\n{PADDED.replace('retry_count: 0', 'retry_count: 3').replace('unbootable', 'normal')}\n")
    assert report.status == "healthy" and not report.findings


def test_a_literal_trigger_takes_any_run_of_blanks_within_its_line():
    trigger = re.compile(literal_trigger(",             retry_count:"))
    assert trigger.search("slot: 0, retry_count: 0")
    assert trigger.search("slot: 0,\t\tretry_count: 0")
    assert trigger.search("slot: 0,                      retry_count: 0")
    assert not trigger.search("slot: 0,\nretry_count: 0")  # the screen searches blocks of lines
    assert not trigger.search("slot: 0,retry_count: 0")  # as the format's pattern: a blank between words

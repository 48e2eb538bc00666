"""The host side of an SMP image upload (mcumgr, newtmgr): a finished upload is a completed flash."""
from __future__ import annotations

import pytest

from bootdiag.core.parse import parse_text
from bootdiag.core.pipeline import explain

# Shapes of apache/mynewt-newtmgr newtmgr/cli/image.go (imageUploadCmd, imageStatePrintRsp), as
# users paste them: a Windows prompt, a Unix prompt, a bare command.
UPLOADS = [
    "C:\\fw>mcumgr -c serial1 image upload build\\zephyr\\app_update.bin\n"
    " 44.00 KiB / 44.00 KiB [==========================] 100.00% 2.25 KiB/s 19s\nDone\n",
    "user@host:~$ newtmgr --conn ttyacm0 image upload bin/blinky.img\n56\n120\nDone\n",
    "mcumgr --conntype serial --connstring dev=/dev/ttyACM0,baud=115200 image upload signed.bin\nDone\n",
]


@pytest.mark.parametrize("paste", UPLOADS)
def test_done_after_an_upload_command_is_a_finished_flash(paste: str) -> None:
    report = explain(paste)
    assert report.status == "healthy" and report.findings == []
    assert [type(e).__name__ for e in parse_text(paste) if type(e).__name__ == "SmpImageUploaded"] == ["SmpImageUploaded"]


@pytest.mark.parametrize("paste", [
    "Done\n",  # no upload command before it
    "mcumgr -c serial1 image erase\nDone\n",  # another command's answer
    "mcumgr -c serial1 image upload app.bin\nError: 3\nDone\n",  # the upload failed; a later Done answers nothing
])
def test_done_without_an_upload_it_answers_is_not_a_finished_flash(paste: str) -> None:
    assert not any(type(e).__name__ == "SmpImageUploaded" for e in parse_text(paste))
    assert explain(paste).status != "healthy"


def test_a_failed_upload_stays_a_failure() -> None:
    report = explain("mcumgr --conntype=serial --connstring=/dev/ttyACM0 image upload signed.bin\n"
                     " 0 B / 109.36 KiB [----------------------------]   0.00%\nError: NMP timeout\n")
    assert report.status == "unexplained" and report.exit_code == 3


def test_a_quoted_upload_paste_is_read_too() -> None:
    paste = "> $ mcumgr -c acm0 image upload zephyr.signed.bin\n> 10.2 KiB / 10.2 KiB [====] 100.00% 1.1 KiB/s 9s\n> Done\n"
    assert explain(paste).status == "healthy"


@pytest.mark.parametrize("paste", [
    # newlines lost: the answer glued after the finished bar, on the command's line or the bar's own
    "mcumgr -c acm0 image upload zephyr.signed.bin 10.2 KiB / 10.2 KiB [====] 100.00% 1.1 KiB/s 9s Done\n",
    "mcumgr -c acm0 reset Done mcumgr -c acm0 image upload zephyr.signed.bin\n10.2 KiB / 10.2 KiB [====] 100.00% 1.1 KiB/s 0s Done\n",
    # a post that set the lines in markdown bold or inline code
    "**mcumgr -c acm0 image upload zephyr.signed.bin**\n**10.2 KiB / 10.2 KiB [====] 100.00% 1.1 KiB/s 9s**\n**Done**\n",
    "`mcumgr -c acm0 image upload zephyr.signed.bin`\n`Done`\n",
    # lines numbered by grep -n
    "1:mcumgr -c acm0 image upload zephyr.signed.bin\n2:10.2 KiB / 10.2 KiB [====] 100.00% 1.1 KiB/s 9s\n3:Done\n",
])
def test_an_upload_pasted_glued_or_marked_up_is_a_finished_flash(paste: str) -> None:
    assert [type(e).__name__ for e in parse_text(paste) if type(e).__name__ == "SmpImageUploaded"] == ["SmpImageUploaded"]
    assert explain(paste).status == "healthy"


@pytest.mark.parametrize("paste", [
    "mcumgr -c acm0 image erase 100.00% 1.1 KiB/s 9s Done\n",  # a finished bar after another command
    "10.2 KiB / 10.2 KiB [====] 100.00% 1.1 KiB/s 9s Done\n",  # no upload command before it
    "mcumgr -c acm0 image upload app.bin 4.1 KiB / 10.2 KiB [==--] 40.00% 1.1 KiB/s 3s Done\n",  # the bar unfinished
])
def test_a_glued_done_answers_only_a_finished_upload(paste: str) -> None:
    assert not any(type(e).__name__ == "SmpImageUploaded" for e in parse_text(paste))
    assert explain(paste).status != "healthy"


# cheggaaa/pb's bar as newtmgr/cli/image.go prints it, still at its first state: no chunk acknowledged.
STALLED = ("~$ mcumgr --conntype serial --connstring \"/dev/ttyACM0,baud=115200\" image upload app.signed.bin\n"
           " 0 B / 74.59 KiB [------------------------------------------]   0.00%\n")


@pytest.mark.parametrize("paste", [
    STALLED,
    "C:\\fw>mcumgr image upload signed.bin -c com3\n 0 / 110780 [----------------------------]   0.00%\n",  # a build without byte units
    "> mcumgr -c acm0 image upload zephyr.signed.bin\n> 0 B / 20.51 KiB [-----------------] 0.00%\n",  # quoted in a forum post
])
def test_an_upload_bar_that_never_left_zero_is_an_unanswered_upload(paste: str) -> None:
    report = explain(paste)
    assert report.status == "diagnosed" and report.exit_code == 1
    assert [(f.id, f.confidence) for f in report.findings] == [("mcuboot.smp_upload_no_answer", "low")]


@pytest.mark.parametrize("paste", [
    STALLED + "Done\n",  # the device answered in the end
    STALLED + "Error: NMP timeout\n",  # an answered failure: the catalogue reads it
    "mcumgr -c acm0 image upload app.bin\n 7.62 KiB / 297.34 KiB [====>-----------]   2.56% 5.02 KiB/s 00m57s\n",  # it moved
    " 0 B / 74.59 KiB [------------------------------------------]   0.00%\n",  # no upload command before it
    "mcumgr -c acm0 image list\n 0 B / 74.59 KiB [--------------]   0.00%\n",  # another command's line
])
def test_an_upload_that_moved_or_was_answered_is_not_an_unanswered_one(paste: str) -> None:
    assert all(f.id != "mcuboot.smp_upload_no_answer" for f in explain(paste).findings)


def test_a_bar_at_zero_glued_after_its_upload_command_is_an_unanswered_upload() -> None:
    paste = ("Split status: N/A (0) $ mcumgr --conntype serial --connstring \"/dev/ttyACM0,baud=115200\" image upload"
             " app_update.bin 0 B / 20.51 KiB [--------------------------] 0.00%\n")
    assert [f.id for f in explain(paste).findings] == ["mcuboot.smp_upload_no_answer"]


# The same bar at zero broken at its blanks (a mail program's rows, a narrow window): the counts alone on a
# row, then the bar with its percent, or the bar and the percent each on a row of their own.
BROKEN = [
    "$ mcumgr -c acm0 image upload zephyr.signed.bin\n 0 B / 74.59 KiB\n[------------------------------]\n0.00%\n",
    "$ mcumgr -c acm0 image upload zephyr.signed.bin\n0 / 110780\n[------------------------------]   0.00%\n",
    "> $ mcumgr -c acm0 image upload zephyr.signed.bin\n> 0 B / 20.51 KiB\n> [-----------------------]\n> 0.00%\n",
]


@pytest.mark.parametrize("paste", BROKEN)
def test_a_bar_at_zero_broken_over_rows_is_an_unanswered_upload(paste: str) -> None:
    assert [f.id for f in explain(paste).findings] == ["mcuboot.smp_upload_no_answer"]


@pytest.mark.parametrize("paste", [
    BROKEN[0].replace("image upload", "image list"),  # another command's rows
    BROKEN[0].split("\n", 1)[1],  # no upload command before them
    BROKEN[0].replace("[---", "Erasing\n[---"),  # the rows of the bar apart
    BROKEN[0].replace("0.00%", "0.00% 1.1 KiB/s"),  # not the bar's last state
    BROKEN[0].replace(" 0 B /", " 7.62 KiB /").replace("0.00%", "2.56%"),  # it moved
    BROKEN[0] + "Done\n",  # the device answered in the end
])
def test_rows_that_are_not_a_bar_at_zero_broken_are_no_unanswered_upload(paste: str) -> None:
    assert all(f.id != "mcuboot.smp_upload_no_answer" for f in explain(paste).findings)


@pytest.mark.parametrize("paste", [
    STALLED + "Error: 3\n",  # the device's SMP status (MGMT_ERR_EINVAL): it answered, with a refusal
    "C:\\go\\bin>mcumgr image upload app.bin -c com3 -e\n 0 / 110780 [--------------]   0.00%\nError: 3\n",
])
def test_an_upload_the_device_refused_with_a_status_is_not_an_unanswered_one(paste: str) -> None:
    events = [e for e in parse_text(paste) if type(e).__name__ == "SmpUploadRefused"]
    assert [e.status for e in events] == [3]
    report = explain(paste)
    assert all(f.id != "mcuboot.smp_upload_no_answer" for f in report.findings)
    assert report.status != "healthy"


@pytest.mark.parametrize("paste", [
    STALLED + "Error: NMP timeout\n",  # the tool's own text, not a status the device sent
    "mcumgr -c acm0 image erase\nError: 3\n",  # another command's answer
    STALLED + "Error: 0\n",  # no status newtmgr prints
])
def test_only_a_numeric_answer_to_an_upload_is_a_refusal(paste: str) -> None:
    assert not any(type(e).__name__ == "SmpUploadRefused" for e in parse_text(paste))


@pytest.mark.parametrize(("answer", "rule"), [
    ("Error: 3", "mcuboot.smp_upload_rejected_invalid"),  # MGMT_ERR_EINVAL
    ("Error: 6", "mcuboot.smp_upload_slot_not_free"),  # MGMT_ERR_EBADSTATE
    ("Error: 2", "mcuboot.smp_upload_slot_not_free"),  # MGMT_ERR_ENOMEM: the older image manager's "no slot"
])
def test_a_status_that_names_a_cause_is_diagnosed(answer: str, rule: str) -> None:
    report = explain(STALLED + answer + "\n")
    assert report.top is not None and report.top.id == rule
    assert report.top.confidence == ("low" if answer == "Error: 2" else "medium")


@pytest.mark.parametrize("paste", [
    STALLED + "Error: 1\n",  # MGMT_ERR_EUNKNOWN names no cause
    STALLED + "Error: 5\n",
    "mcumgr -c acm0 image erase\nError: 6\n",  # an erase's answer, not an upload's
    "mcumgr -c acm0 image upload app.bin\nError: NMP timeout\n",  # the tool's own text
])
def test_a_status_that_names_no_cause_or_answers_no_upload_is_neither_refusal_rule(paste: str) -> None:
    ids = {f.id for f in explain(paste).findings}
    assert not ids & {"mcuboot.smp_upload_rejected_invalid", "mcuboot.smp_upload_slot_not_free"}


@pytest.mark.parametrize("paste", [
    # a paste that lost its newlines: the command, the bar and the device's status on one line
    "C:\\go\\bin>mcumgr image upload app.bin -c com3 -e  0 / 110780 [--------------]   0.00% Error: 3\n",
    "$ mcumgr -c acm0 image upload app.signed.bin\n 0 / 110780 [--------------]   0.00% Error: 3\n",
])
def test_a_status_glued_after_the_bar_is_the_devices_refusal(paste: str) -> None:
    events = [e for e in parse_text(paste) if type(e).__name__ == "SmpUploadRefused"]
    assert [e.status for e in events] == [3]
    assert explain(paste).top.id == "mcuboot.smp_upload_rejected_invalid"


@pytest.mark.parametrize("paste", [
    "$ mcumgr -c acm0 image upload app.signed.bin\n 0 / 110780 [--------------]   0.00% Error: NMP timeout\n",
    "$ mcumgr -c acm0 image erase\n 12% Error: 6\n",  # no upload waiting for its answer
])
def test_only_a_number_after_an_uploads_bar_is_a_glued_refusal(paste: str) -> None:
    assert not any(type(e).__name__ == "SmpUploadRefused" for e in parse_text(paste))

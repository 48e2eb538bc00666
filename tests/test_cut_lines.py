"""A log line cut short (a paste that stops mid-line) is read as the catalogued message it begins,
when only one message begins so; otherwise it stays what its envelope says."""
from __future__ import annotations

import pytest

from bootdiag.core.messages import CatalogueMessage, UnreadFailure
from bootdiag.core.parse import LineParser
from bootdiag.core.pipeline import explain


def read(line: str) -> list:
    return LineParser()._parse_new(line, 7)


def test_idf_line_cut_mid_word_reads_as_its_message():
    [event] = read("E (116) esp_image: image at 0x20000 has in")
    assert event.kind == "InvalidMagicByte"
    assert event.address == 0x20000
    assert event.line == 7
    # the evidence is what was printed, not the words that finish it
    assert event.text == "E (116) esp_image: image at 0x20000 has in"
    assert event.msg == "image at 0x20000 has in"


def test_mcuboot_line_cut_after_a_value_reads_as_its_message():
    [event] = read("[ERR] Image in the primary slot is not va")
    assert event.kind == "McubootImageInvalid"
    assert event.slot == "primary"


def test_cut_inside_a_value_is_known_by_the_catalogue_only():
    [event] = read("E (50) esp_image: Checksum failed. Calculated 0x")
    assert isinstance(event, CatalogueMessage)
    assert event.message == "idf.checksum_failed"


@pytest.mark.parametrize(
    "line",
    [
        "E (116) esp_image: image at 0x20000 has been erased",  # goes on in other words: another message
        "E (116) esp_image: image at 0x2",  # too little of the message to tell
        "E (12) boot: Image in",
    ],
)
def test_lines_that_are_not_a_known_message_cut_short_stay_generic(line):
    [event] = read(line)
    assert event.kind == "EspLog"
    assert not isinstance(event, CatalogueMessage)


def test_a_sentence_naming_a_message_is_not_a_cut_line():
    found = read("Re: the board keeps saying Wrong boot mode detected (0x13)")
    assert not any(e.is_failure() and not e.is_weak() for e in found)


def test_bare_message_cut_short():
    [event] = read("Image hash failed - image is cor")
    assert event.kind == "ImageHashFailed"


def test_ambiguous_cut_is_not_guessed():
    # Two formats open with these words and differ after the cut: no way to tell which.
    found = read("E (5) flash_encrypt: Cannot re-encrypt data")
    assert not any(isinstance(e, CatalogueMessage) or type(e).__name__ != "EspLog" for e in found)


def test_capture_ending_mid_line_is_diagnosed_not_unexplained():
    capture = (
        "I (30) boot: ESP-IDF v4.4 2nd stage bootloader\n"
        "I (104) boot: End of partition table\n"
        "E (108) boot: ota data partition invalid and no factory, will try all partitions\n"
        "E (116) esp_image: image at 0x20000 has in"
    )
    report = explain(capture)
    assert report.status == "diagnosed"
    assert report.findings[0].id == "esp.app_partition_empty"


def test_unread_failure_still_said_for_unknown_words():
    [event] = read("something failed in a way nobody catalogued")
    assert isinstance(event, UnreadFailure)


@pytest.mark.parametrize("line", [
    "INFO[0001] Failed to find device, retrying",
    "DEBU[0012] error reading status: timeout",
    "TRAC[2024-03-01T10:00:00Z] could not open /dev/sda, trying again",
    'time="2024-03-01T10:00:00Z" level=info msg="probe failed, retrying"',
    "level=debug msg=\"unable to read partition table\"",
])
def test_a_go_tools_calm_levels_say_no_unread_failure(line):
    # logrus lines below warning tell of a step; their words of failure are no failure reported
    assert not any(isinstance(e, UnreadFailure) for e in read(line))


@pytest.mark.parametrize("line", [
    "WARN[0003] could not open device",
    "ERRO[0004] flashing failed",
    "FATA[0005] cannot continue: device disconnected",
    'time="2024-03-01T10:00:00Z" level=error msg="flash failed"',
    # a message that merely begins with a level word is not logrus's envelope
    "INFO: flashing failed",
])
def test_a_go_tools_warnings_and_errors_still_count(line):
    [event] = read(line)
    assert isinstance(event, UnreadFailure)


def test_a_tools_error_lead_may_stand_before_a_message_cut_short():
    # espflash prints its errors through miette, which wraps them: the first row holds a cut message
    [event] = read("Error:   × ESP-IDF App Descriptor (https://docs.espressif.com/projects/esp-idf/en/stable/esp32/api-")
    assert isinstance(event, CatalogueMessage) and event.message == "espflash.app_descriptor_missing"
    # words of a sentence before it are not such a lead
    assert not any(isinstance(e, CatalogueMessage) for e in read("So I then got ESP-IDF App Descriptor (https://docs.espressif.com/x"))

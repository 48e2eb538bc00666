"""ESP-IDF v3.3-v4.3 lines whose wording or tag later changed are known as their own catalogue
entries: the line names the ESP-IDF message of the version that printed it, and the rules that
name the newer wording name the older one too."""
from __future__ import annotations

import pytest

from bootdiag.core.messages import catalogue
from bootdiag.core.parse import parse_text
from bootdiag.core.pipeline import explain
from hostile_support import bootdiag


def message_id(line: str) -> str | None:
    events = parse_text(line + "\n")
    assert len(events) == 1, events
    return events[0].message_id


@pytest.mark.parametrize(("line", "expected"), [
    # v3.3-v4.2 esp_image_format.c; v4.3 added "(nothing flashed here?)"
    ("E (116) esp_image: image at 0x20000 has invalid magic byte", "idf.invalid_magic_v42"),
    # v3.3-v4.2 print the addresses with 0x and the size without the trailing h
    ("I (140) esp_image: segment 0: paddr=0x00010020 vaddr=0x3f400020 size=0x0b4f8 ( 46328) map", "idf.segment_info_v42"),
    ("I (29) boot: chip revision: 1", "idf.boot_chip_revision_v42"),
    ("I (31) boot: Chip Revision: 1", "idf.boot_chip_revision_caps_v40"),
    ("I (76) boot_comm: chip revision: 1, min. bootloader chip revision: 0", "idf.boot_chip_revision_min_v42"),
    ("E (30) boot: failed to load bootloader header!", "idf.bootloader_header_load_failed_v40"),
    ("E (76) boot_comm: can't run on lower chip revision, expected 1, found 3", "idf.chip_rev_too_old_v42"),
    ("E (1099) cpu_start: Running on single core chip, but application is built with dual core support.",
     "idf.single_core_chip_multicore_app_v42"),
    ("E (543) secure_boot_v2: Public key digest in eFuse BLK2 and the signature block don't match.",
     "idf.sbv2_digest_mismatch_v42"),
    ("W (215) flash_encrypt: Using pre-loaded flash encryption key in EFUSE block 1", "idf.fe_using_preloaded_key_v43"),
])
def test_an_old_wording_reads_as_its_own_message(line: str, expected: str) -> None:
    assert message_id(line) == expected
    known = catalogue().by_id[expected]
    assert known.platform == "esp" and "esp-idf@v" in known.upstream


@pytest.mark.parametrize(("tag", "expected"), [
    ("boot", "idf.pro_cpu_wdt_reset_v40"),  # v3.3 and v4.0 log it from bootloader_start.c
    ("boot.esp32", "idf.pro_cpu_wdt_reset_v4"),  # v4.1 on, from bootloader_esp32.c
])
def test_the_same_text_under_an_older_tag_is_the_older_entry(tag: str, expected: str) -> None:
    assert message_id(f"W (30) {tag}: PRO CPU has been reset by WDT.") == expected


def test_a_bare_line_of_a_text_several_versions_print_names_the_newest_entry() -> None:
    hit = catalogue().find("SPI Speed      : 40MHz")
    assert hit is not None and hit.known.id == "idf.boot_spi_speed"


def test_old_entries_name_the_entry_of_the_newer_wording() -> None:
    by_id = catalogue().by_id
    for old, newer in [("idf.invalid_magic_v42", "idf.invalid_magic"), ("idf.segment_info_v42", "idf.segment_info"),
                       ("idf.chip_rev_too_old_v42", "idf.chip_rev_too_old")]:
        assert by_id[old].severity == by_id[newer].severity and by_id[old].meaning == by_id[newer].meaning


def test_messages_names_the_esp_idf_entry_of_the_old_magic_byte_line() -> None:
    ran = bootdiag("messages", "E (116) esp_image: image at 0x20000 has invalid magic byte")
    assert ran.code == 0
    assert ran.out.splitlines()[0].startswith("idf.invalid_magic_v42 (esp, failure)")
    assert "esp_image_format.c" in ran.out


BOOT = ("I (29) boot: ESP-IDF v4.2.2 2nd stage bootloader\nI (29) boot: compile time 10:02:11\n"
        "I (29) boot: chip revision: 1\n")
NO_APP = "E (80) boot: Factory app partition is not bootable\nE (85) boot: No bootable app partitions in the partition table\n"


def test_an_old_revision_refusal_is_the_chip_revision_cause() -> None:
    report = explain(BOOT + "E (76) boot_comm: can't run on lower chip revision, expected 1, found 3\n" + NO_APP)
    assert report.top is not None and report.top.id == "esp.chip_mismatch"


@pytest.mark.parametrize("found", ["255", "175"])
def test_an_old_revision_refusal_of_a_byte_no_image_asks_for_is_no_chip_mismatch(found: str) -> None:
    # erased flash (255) or data that is no image header: the slot is empty or not an app
    report = explain(BOOT + f"E (76) boot_comm: can't run on lower chip revision, expected 1, found {found}\n" + NO_APP)
    assert all(finding.id != "esp.chip_mismatch" for finding in report.findings)

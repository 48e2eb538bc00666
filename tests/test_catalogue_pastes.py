"""Every failure and warning the message catalogues hold is read the ways real pastes carry it.

The shares printed by ``python bench/catalogue_reading.py`` come from the same variants
(tests/catalogue_variants.py); these floors keep them from slipping.
"""
from __future__ import annotations

import pytest

from bootdiag.core.pipeline import explain
from catalogue_variants import Outcome, outcomes, shares

FLOORS = {"native": 0.995, "stripped": 0.99, "level_lost": 0.99, "glued": 0.99, "quoted": 0.99}


@pytest.fixture(scope="module")
def results() -> list[Outcome]:
    return list(outcomes())


@pytest.mark.parametrize("variant", sorted(FLOORS))
def test_each_way_of_pasting_keeps_its_share(results: list[Outcome], variant: str) -> None:
    read, total = shares(results)[variant]
    missed = [o.known.id for o in results if o.variant == variant and not o.read]
    assert total > 900
    assert read / total >= FLOORS[variant], f"{variant}: {read}/{total}; not read: {missed[:20]}"


def test_every_platform_is_read_in_its_own_envelope(results: list[Outcome]) -> None:
    for platform, (read, total) in shares([o for o in results if o.variant == "native"], key=lambda o: o.known.platform).items():
        assert read == total, platform


def test_a_quoted_failure_is_weak_and_an_enveloped_one_is_not(results: list[Outcome]) -> None:
    # The same failure: certain as a log line, only what someone says when a sentence quotes it.
    by = {(o.known.id, o.variant): o for o in results}
    native, quoted = by["idf.image_hash_failed", "native"], by["idf.image_hash_failed", "quoted"]
    assert native.read and not any(e.is_weak() for e in native.events)
    assert quoted.read and all(e.is_weak() for e in quoted.events if e.is_failure())


QUOTED = 'After flashing the board I keep getting "Sig block 0 invalid: Image digest does not match" on every reset.\n'
HEALTHY_BOOT = (
    "I (29) boot: ESP-IDF v5.0.4 2nd stage bootloader\n"
    "I (170) boot: Loaded app from partition at offset 0x10000\n"
    "I (263) main_task: Calling app_main()\n"
)


def test_a_failure_only_quoted_is_diagnosed_with_low_confidence() -> None:
    report = explain(QUOTED)
    assert report.status == "diagnosed"
    assert report.findings[0].confidence == "low"
    assert "quoted" in report.findings[0].explanation


def test_a_quoted_failure_beside_a_boot_that_completed_is_not_a_finding() -> None:
    # "it used to print ..., now it boots": the log shows what happens now
    report = explain(QUOTED + HEALTHY_BOOT)
    assert report.status == "healthy" and report.findings == []


@pytest.mark.parametrize("said", [
    # a sentence that says "error" itself, then opens the quote of a bare ROM line
    'An error appears in the flasher logs: "invalid header: 0xffffffff".',
    "The monitor shows an error: 'invalid header: 0xffffffff' on every reset",
])
def test_a_sentence_that_opens_a_quote_is_read_as_words_about_the_line(said: str) -> None:
    report = explain(said + "\n")
    assert report.status == "diagnosed" and report.findings[0].id == "esp.bootloader_wrong_offset"
    assert report.findings[0].confidence == "low"


def test_a_quoted_failure_of_the_app_start_up_is_not_a_boot_that_completed() -> None:
    # an app-side line would show that the boot reached the app; quoted, it shows nothing ran
    text = ('The board loops; the last line it prints is: "E (282) spi_flash: Detected size(4096k) smaller '
            'than the size in the binary image header(8192k). Probe failed."\n')
    report = explain(text)
    assert report.status == "diagnosed" and report.findings[0].id == "esp.flash_size_or_partition_mismatch"
    assert report.findings[0].confidence == "low"


def test_a_quoted_completion_does_not_make_a_failing_capture_healthy() -> None:
    text = 'It should print "Calling app_main()" but instead I get:\nE (486) esp_image: Image hash failed - image is corrupt\n'
    report = explain(text)
    assert report.status != "healthy" and report.exit_code != 0


def test_a_failure_no_rule_explains_is_shown_with_its_catalogue_meaning() -> None:
    report = explain("ERR: signing failed at 2024-12-13T10:21:10-05:00\n")
    assert report.status == "unexplained" and report.exit_code == 3
    [line] = report.unexplained
    assert line.message == "tegra.mt_signing_failed"
    assert line.meaning and "signing" in line.meaning


def test_a_log_lines_message_is_not_a_host_tools_message_inside_its_words() -> None:
    # pyserial's "write failed: %s" stands inside these messages, but neither line is the serial
    # port failing: a message is the line's when it opens it.
    report = explain(
        "[00:00:29.922,000] <err> STREAM_FLASH: flash_write error -5 offset=0x00100000\n"
        "[00:00:29.922,000] <err> mcumgr_img_grp: Irrecoverable error: flash write failed: 12\n"
        "[00:00:29.923,000] <err> app: could not log: flash write failed: 3\n"
    )
    assert report.status == "unexplained"
    assert [line.message for line in report.unexplained] == [
        "zephyr.stream_flash_write_failed", "mcumgr.upload_flash_write_failed", None]
    # the marks Zephyr prints before its fatal error do not hide that message
    [line] = explain("[00:00:02.426,147] <err> os: >>> ZEPHYR FATAL ERROR 0: CPU exception on CPU 0\n").unexplained
    assert line.message == "zephyr.fatal_error"


def test_a_failure_no_rule_explains_names_the_rules_it_came_near() -> None:
    # The key guard is one condition of the key-mismatch rule; alone it does not make the rule hold.
    text = "ERR: Target is configured for secure boot (PKC); use -u and -v options to specify key files\n"
    report = explain(text)
    assert report.status == "unexplained"
    assert "tegra.key_mismatch" in [n.id for n in report.nearest]
    assert explain(HEALTHY_BOOT).nearest == []

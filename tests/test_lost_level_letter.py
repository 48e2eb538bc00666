"""An ESP-IDF line pasted without its level letter ("(1203) esp_ota_ops: ...") gets the level the
catalogue knows for its message; a message the catalogue does not know gets E when its words say
something failed, I otherwise: a lost letter never turns a failing boot into a healthy one."""
from __future__ import annotations

from bootdiag.core.pipeline import explain
from bootdiag.platforms.esp.paste import normalise

_BOOT = "(149) boot: ESP-IDF v4.4.4 2nd stage bootloader\n(150) boot: compile time 10:12:41\n"


def test_an_unknown_message_that_says_it_failed_gets_the_error_letter():
    assert normalise("(1203) esp_ota_ops: CRC mismatch for OTA slot 0: crc=0x00000000").startswith("E (1203) ")
    assert normalise("(1216) fw_update: esp_ota_get_state_partition failed, err=265").startswith("E (1216) ")


def test_an_unknown_message_that_says_nothing_failed_stays_informational():
    assert normalise("(1203) esp_ota_ops: switching to OTA slot 1").startswith("I (1203) ")
    assert normalise("(88) app: sensor ready, 3 channels").startswith("I (88) ")


def test_a_catalogued_message_keeps_the_letter_the_catalogue_knows():
    # esp-idf bootloader_support: "No bootable app partitions in the partition table" is an ESP_LOGE
    assert normalise("(90) boot: No bootable app partitions in the partition table").startswith("E (90) ")


def test_a_boot_whose_failing_line_lost_its_letter_is_no_healthy_boot():
    lost = _BOOT + "(1203) esp_ota_ops: CRC mismatch for OTA slot 0: ota_seq=0x00000001, crc=0x00000000\n"
    kept = _BOOT.replace("(1", "I (1") + "E (1203) esp_ota_ops: CRC mismatch for OTA slot 0: ota_seq=0x00000001, crc=0x00000000\n"
    assert explain(kept).status == "unexplained"
    assert explain(lost).status == "unexplained"


def test_an_application_line_that_says_it_failed_is_still_the_application_s_own():
    # as with its letter: an application's own error after the boot is no boot failure
    report = explain(_BOOT + "(1300) wifi: connect failed, retrying\n(1400) app: heartbeat\n")
    assert report.status == "healthy" and not report.findings

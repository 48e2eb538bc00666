"""An OTA update whose downloaded file is a whole-flash image: the running app's image check reads
the bootloader's descriptor as an impossible eFuse block revision. The same line at boot, with no
OTA check around it, stays the app built without a descriptor; an OTA that failed on a revision a
chip can have is no merged image."""
from __future__ import annotations

import pytest

from bootdiag.core.pipeline import explain

IMPOSSIBLE = "E (88252) boot_comm: Image requires efuse blk rev >= v103.56, but chip is v1.3\n"
FIRST_SEGMENT = "I (88252) esp_image: segment 0: paddr=00700020 vaddr=3fce2820 size=00568h (  1384)\n"

# What the running app says after esp_ota_end()/esp_ota_set_boot_partition() refused the image.
OTA_REFUSALS = [
    "E (88262) Ota: Image validation failed, image is corrupted\n",
    "E (63753) esp_ota_ops: New image failed verification\n",
    "E (153132) WebServer: ota_end failed: 5379\n",
    "E (9001) esp_https_ota: esp_ota_end failed! ESP_ERR_OTA_VALIDATE_FAILED\n",
    "E (2244) app: Failed to set boot partition: ESP_ERR_OTA_VALIDATE_FAILED\n",
]


@pytest.mark.parametrize("refusal", OTA_REFUSALS)
def test_an_impossible_revision_in_an_ota_check_is_a_merged_image(refusal: str) -> None:
    report = explain(FIRST_SEGMENT + IMPOSSIBLE + refusal)
    assert report.status == "diagnosed"
    assert [f.id for f in report.findings][:1] == ["esp.ota_merged_image"]
    assert "esp.app_descriptor_missing" not in [f.id for f in report.findings]


def test_the_first_segment_loading_into_ram_is_named_as_the_bootloader_s() -> None:
    report = explain(FIRST_SEGMENT + IMPOSSIBLE + OTA_REFUSALS[0])
    assert "line 1" in report.findings[0].explanation and "bootloader's" in report.findings[0].explanation


def test_the_same_revision_at_boot_is_the_missing_app_descriptor() -> None:
    boot = (
        "I (45) boot: Loaded app from partition at offset 0x10000\n"
        + IMPOSSIBLE
        + "E (47) boot: OTA app partition slot 0 is not bootable\n"
        + "E (48) boot: No bootable app partitions in the partition table\n"
    )
    ids = [f.id for f in explain(boot).findings]
    assert ids[:1] == ["esp.app_descriptor_missing"]
    assert "esp.ota_merged_image" not in ids


def test_an_ota_refused_for_a_revision_a_chip_can_have_is_not_a_merged_image() -> None:
    report = explain("E (5000) boot_comm: Image requires efuse blk rev >= v1.3, but chip is v0.2\n" + OTA_REFUSALS[1])
    assert "esp.ota_merged_image" not in [f.id for f in report.findings]


def test_a_tag_that_only_contains_ota_in_a_word_is_no_ota_check() -> None:
    report = explain(IMPOSSIBLE + "E (88262) rotary: encoder lost\n")
    assert "esp.ota_merged_image" not in [f.id for f in report.findings]


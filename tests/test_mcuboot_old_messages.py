"""MCUboot v1.3-v1.8 and TF-M 1.0-1.7 lines whose wording later changed are known as their own
catalogue entries: the line names the MCUboot message of the version that printed it, with the
meaning and severity of the newer wording, and the lines those versions print unchanged are the
newer entries."""
from __future__ import annotations

import pytest

from bootdiag.core.messages import catalogue
from bootdiag.core.pipeline import explain
from hostile_support import bootdiag


def found(line: str) -> str | None:
    hit = catalogue().find(line, "mcuboot")
    return hit.known.id if hit is not None else None


@pytest.mark.parametrize(("line", "expected"), [
    # v1.3.1 loader.c: no "; Image=%u" yet
    ("[ERR] bad image magic 0x12345678", "mcuboot.bad_image_magic_v13"),
    # v1.5.0-v1.6.0 swap_move.c
    ("[00:00:00.009,000] <wrn> mcuboot: Cannot upgrade: slots don't have same amount of sectors",
     "mcuboot.cannot_upgrade_sector_count_v16"),
    # v1.6.0-v1.7.2 measured boot
    ("E: Failed to add Image 0 data to shared memory area", "mcuboot.shared_data_failed_v17"),
    # v1.7.2 direct-XIP
    ("I: Primary slot: Image not found", "mcuboot.image_not_found_v17"),
    ("I: Booting image from the secondary slot", "mcuboot.image_loaded_from_slot_v17"),
    # v1.8.0 Espressif port
    ("[esp32] [ERR] load_image: Bootloader nmap failed", "mcuboot.esp_mmap_failed_v18"),
    # TF-M 1.0: its own copy of bootutil and its BL2 main
    ("[ERR] Failed to add Image 1 data to shared area", "mcuboot.shared_data_failed_tfm10"),
    ("[INF] Image 1: No valid image", "mcuboot.image_not_found_tfm10"),
    ("[INF] Error whilst copying image from Flash to SRAM", "mcuboot.ram_copy_failed_tfm10"),
    ("[ERR] Error while initializing cryptographic accelerator.", "tfm.crypto_accel_init_failed_v10"),
    ("[INF] OTP provisioning succeeded. TF-M won't be loaded.", "tfm.otp_provisioning_done_v10"),
])
def test_an_old_wording_reads_as_its_own_message(line: str, expected: str) -> None:
    assert found(line) == expected
    known = catalogue().by_id[expected]
    assert known.platform == "mcuboot"
    assert "mcuboot@v1." in known.upstream or "trusted-firmware-m@TF-Mv1." in known.upstream


@pytest.mark.parametrize(("old", "newer"), [
    ("mcuboot.bad_image_magic_v13", "mcuboot.bad_image_magic"),
    ("mcuboot.cannot_upgrade_sector_count_v16", "mcuboot.cannot_upgrade_sector_count"),
    ("mcuboot.shared_data_failed_v17", "mcuboot.shared_data_failed"),
    ("mcuboot.image_not_found_v17", "mcuboot.image_not_found"),
    ("mcuboot.image_loaded_from_slot_v17", "mcuboot.image_loaded_from_slot"),
    ("mcuboot.ram_load_ok_tfm10", "mcuboot.ram_load_ok"),
    ("mcuboot.ram_load_failed_tfm10", "mcuboot.ram_load_failed"),
])
def test_an_old_wording_keeps_the_severity_of_the_newer_one(old: str, newer: str) -> None:
    by_id = catalogue().by_id
    assert by_id[old].severity == by_id[newer].severity
    assert by_id[old].milestone == by_id[newer].milestone


@pytest.mark.parametrize(("line", "expected"), [
    # printed the same from v1.3.1 on
    ("[ERR] Unable to find bootable image", "mcuboot.no_bootable_image"),
    ("[WRN] Cannot upgrade: slots are not compatible", "mcuboot.cannot_upgrade_slots"),
    # TF-M 1.0 pads the magic to five characters (magic=%5s): the same message
    ("[INF] Primary image: magic= good, swap_type=0x1, copy_done=0x3, image_ok=0x3", "mcuboot.swap_state_primary"),
])
def test_an_unchanged_line_is_the_newer_entry(line: str, expected: str) -> None:
    assert found(line) == expected


def test_messages_names_the_mcuboot_entry_of_the_old_magic_line() -> None:
    ran = bootdiag("messages", "[ERR] bad image magic 0x12345678")
    assert ran.code == 0
    assert ran.out.splitlines()[0].startswith("mcuboot.bad_image_magic_v13 (mcuboot, failure)")
    assert "mcuboot@v1.3.1:boot/bootutil/src/loader.c" in ran.out


def test_a_tfm_1_0_provisioning_failure_is_a_failure_with_its_meaning() -> None:
    report = explain("[INF] Starting bootloader\n[INF] OTP provisioning started.\n[ERR] OTP provisioning FAILED: 0x1A\n")
    assert report.status == "unexplained"
    assert [(e.line, e.message) for e in report.unexplained] == [(3, "tfm.otp_provisioning_failed_v10")]


def test_a_tfm_1_0_no_swap_boot_that_hands_over_stays_healthy() -> None:
    report = explain(
        "[INF] Starting bootloader\n"
        "[INF] Image 0: version=1.0.0+0, magic= good, image_ok=0x1\n"
        "[INF] Image 1: No valid image\n"
        "[INF] Booting image from the primary slot\n"
        "[INF] Bootloader chainload address offset: 0x10000\n"
        "[INF] Jumping to the first image slot\n"
        "\x1b[1;34mBooting TFM v1.0 \x1b[0m\n"
    )
    assert report.status == "healthy" and not report.findings


_TFM_BL2_TO_SECURE = (
    "[INF] Starting bootloader\n"
    "[INF] Swap type: none\n"
    "{failure}"
    "[INF] Bootloader chainload address offset: 0x10000\n"
    "[INF] Jumping to the first image slot\n"
    "\x1b[1;34m{banner}\x1b[0m\n"
)


@pytest.mark.parametrize("banner, version", [
    ("Booting TFM v1.0 ", "v1.0"), ("Booting TFM v1.3.0", "v1.3.0"), ("Booting TF-M v1.8.0", "v1.8.0"),
])
def test_the_secure_images_banner_of_every_tfm_release_is_the_hand_over_reaching_it(banner: str, version: str) -> None:
    report = explain(_TFM_BL2_TO_SECURE.format(failure="", banner=banner))
    assert report.status == "healthy"
    assert report.context.get("tf-m") == version


def test_tfm_1_0_bl2_failing_to_share_the_boot_record_is_the_missing_boot_record() -> None:
    for failure in ("[ERR] Failed to add Image 0 data to shared area\n", "[ERR] Failed to add data to shared area\n"):
        capture = _TFM_BL2_TO_SECURE.format(failure=failure, banner="Booting TFM v1.0 ") + "[Attest] Boot record is not available\n"
        report = explain(capture)
        assert [f.id for f in report.findings] == ["mcuboot.boot_record_not_shared"], failure


@pytest.mark.parametrize("line, expected", [
    ("I: Starting network core update", "mcuboot.network_core_update_start"),
    ("[00:00:00.403,000] <inf> mcuboot: Done updating network core", "mcuboot.network_core_update_done"),
    ("E: Failed to provide EXT_APIs to 0x10200", "mcuboot.ext_api_not_provided"),
    ("<err> mcuboot: Failed to provide EXT_APIs", "mcuboot.ext_api_not_provided_v17"),
])
def test_the_lines_nrf_connect_sdks_mcuboot_adds_read_as_their_messages(line: str, expected: str) -> None:
    assert found(line) == expected


def test_mcuboot_failing_to_hand_over_the_immutable_bootloaders_apis_is_a_failure() -> None:
    report = explain("*** Booting Zephyr OS build v2.7.99-ncs1 ***\nI: Starting bootloader\nI: Image index: 0, Swap type: none\n"
                     "I: Bootloader chainload address offset: 0x10000\nE: Failed to provide EXT_APIs\n")
    assert report.status == "unexplained"
    assert [e.message for e in report.unexplained] == ["mcuboot.ext_api_not_provided_v17"]

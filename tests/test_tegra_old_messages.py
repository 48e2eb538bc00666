"""Jetson lines of L4T R28 and R32.5-R32.6 (the T210 tools of TX1 and Nano) whose wording later changed are
known as their own catalogue entries: the line names the message of the release that printed it, with the
severity of the newer wording; lines those releases print as later ones do stay the newer entry."""
from __future__ import annotations

import tomllib

import pytest

from bootdiag.core.pipeline import explain
from bootdiag import platforms as registry

from bootdiag.core.messages import MessageEntry, catalogue
from bootdiag.core.parse import parse_text


def message_ids(line: str) -> list[str]:
    return [e.message_id for e in parse_text(line + "\n") if e.kind == "CatalogueMessage"]


@pytest.mark.parametrize(("line", "expected"), [
    # T210 tegrarcm of R32.5/R32.6; R28 and the _v2 tools print "USB communication failed..."
    ("[   0.0423 ] Cannot open usb device.Check if device is in recovery", "tegra.rcm_usb_comm_failed_r326"),
    ("[   1.3097 ] Bootloader magic(NVDA) is invalid", "tegra.host_bl_magic_invalid_r326"),
    ("[   2.0110 ] Start LBA for APP, expected >= 98304, actual 0", "tegra.parser_start_sector_mismatch_r326"),
    ("[   2.0114 ] Partitions' size cannot fit to storage device, total sectors 30777344, all partition size "
     "31116288", "tegra.parser_partitions_size_cannot_fit_r326"),
    # T210 tegradevflash polls cboot, not "CPU Bootloader"
    ("[   3.1192 ] Cboot is not running on device.", "tegra.devflash_cpubl_not_running_r326"),
    ("[  12.0456 ] Failed to burn fuses as per fuse info blob, Error:4", "tegra.rcm_fuse_burn_failed_r326"),
    ("[  12.0456 ] Successfully burnt fuses as per fuse info blob", "tegra.rcm_fuse_burn_ok_r326"),
    ("[   0.0712 ] Not a valid PKC key format", "tegra.sign_not_pkc_key_r28"),
    ("Error: Board not found.", "tegra.autoflash_target_board_not_found_r325"),
    ("Error: Boot device not found for BOARDID=3448, BOARDSKU=0002", "tegra.autoflash_boot_device_not_found_r325"),
])
def test_an_old_wording_reads_as_its_own_message(line: str, expected: str) -> None:
    assert message_ids(line) == [expected]
    known = catalogue().by_id[expected]
    assert known.platform == "tegra" and "Linux_for_Tegra/" in known.upstream


@pytest.mark.parametrize(("line", "expected"), [
    ("Command tegrarcm --chip 0x21 0 --rcm rcm_list_signed.xml", "tegra.tf_command_tegrarcm_t210"),
    ("Command tegradevflash --pt flash.xml.bin --create", "tegra.tf_command_tegradevflash_t210"),
    ("Command tegrarcm_v2 --chip 0x19 0 --rcm rcm_list_signed.xml", "tegra.tf_command_tegrarcm"),
])
def test_the_failed_command_line_names_the_tool_of_the_chip(line: str, expected: str) -> None:
    hit = catalogue().find(line)
    assert hit is not None and hit.known.id == expected


@pytest.mark.parametrize(("old", "newer"), [
    ("tegra.rcm_usb_comm_failed_r326", "tegra.rcm_usb_comm_failed"),
    ("tegra.host_bl_magic_invalid_r326", "tegra.host_bl_magic_invalid"),
    ("tegra.parser_start_sector_mismatch_r326", "tegra.parser_start_sector_mismatch"),
    ("tegra.devflash_cpubl_not_running_r326", "tegra.devflash_cpubl_not_running"),
    ("tegra.devflash_bl_version_r326", "tegra.devflash_bl_version"),
    ("tegra.rcm_fuse_burn_failed_r326", "tegra.rcm_fuse_burn_failed"),
    ("tegra.rcm_fuse_burn_ok_r326", "tegra.rcm_fuse_burn_ok"),
    ("tegra.autoflash_target_board_not_found_r325", "tegra.autoflash_target_board_not_found"),
    ("tegra.tf_command_tegrarcm_t210", "tegra.tf_command_tegrarcm"),
])
def test_an_old_entry_keeps_the_severity_of_the_newer_wording(old: str, newer: str) -> None:
    by_id = catalogue().by_id
    assert by_id[old].severity == by_id[newer].severity
    assert by_id[old].milestone == by_id[newer].milestone


@pytest.mark.parametrize(("line", "expected", "release"), [
    ("Error: probing the target board failed.", "tegra.flashsh_probe_failed", "R32.5.1"),
    ("[   0.0566 ] Boot Rom communication failed", "tegra.rcm_bootrom_failed", "R28 (TX1)"),
    ("*** The target jetson-nano-qspi-sd has been flashed successfully. ***", "tegra.flashsh_flash_success", "R28 (TX1)"),
])
def test_a_line_old_releases_print_unchanged_stays_the_newer_entry(line: str, expected: str, release: str) -> None:
    hit = catalogue().find(line)
    assert hit is not None and hit.known.id == expected
    entry = next(m for m in catalogue_entries() if m.id == expected)
    assert release in entry.versions


def catalogue_entries() -> list[MessageEntry]:
    path = registry.resolve("tegra.toml", "messages")
    return [MessageEntry(**m) for m in tomllib.loads(path.read_text())["message"]]


_T210_RECOVERY_BOOT = (
    "[   0.0014 ] tegrarcm --chip 0x21 0 --rcm rcm_list_signed.xml\n"
    "[   0.0020 ] BR_CID: 0x32101001644b8d7c0c0000000e0180c0\n"
    "[   3.0211 ] tegrarcm --isapplet\n"
    "[   3.1000 ] Applet version 00.01.0000\n"
    "[   3.2000 ] tegradevflash --iscpubl\n"
)


def test_t210_cboot_answering_is_the_recovery_boot_reaching_its_cpu_bootloader() -> None:
    # T210's tegradevflash says "Cboot version" where later ones say "Bootloader version"; the grammar
    # reads both (the catalogue keeps the wording, tegra.devflash_bl_version_r326).
    assert [e.kind for e in parse_text("[   3.2211 ] Cboot version 00.01.0000\n")] == ["TegraVersionReport"]
    assert explain(_T210_RECOVERY_BOOT + "[   3.2211 ] Cboot version 00.01.0000\n").status == "healthy"
    assert explain(_T210_RECOVERY_BOOT + "[   3.2211 ] Bootloader version 01.00.0000\n").status == "healthy"
    # Near-miss: an applet answering is an earlier stage.
    assert explain(_T210_RECOVERY_BOOT.removesuffix("[   3.2000 ] tegradevflash --iscpubl\n")).status == "incomplete"

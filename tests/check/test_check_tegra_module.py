"""`bootdiag check` on Linux_for_Tegra folders: the configuration flash.sh prepared against the module attached
(its EEPROM, bootloader/cvm.bin or --board-info), and the BR_CID read from the board with --port."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import tegra_builds as l4t
from test_check_tegra import check

MODULE_CHECKS = ("tegra.module_soc", "tegra.module_board", "tegra.module_storage")


def outcomes(report: dict) -> dict[str, str]:
    return {c["check"]: c["outcome"] for c in report["checks"] if c["check"] in MODULE_CHECKS}


@pytest.mark.parametrize(("command", "module", "layout"), [
    (l4t.ORIN_NANO_COMMAND, ("3767", "0003"), "qspi+sd"),
    (l4t.XAVIER_NX_COMMAND, ("3668", "0000"), "qspi+sd"),
    (l4t.XAVIER_NX_COMMAND, ("3668", "0001"), "qspi+emmc"),
    (l4t.AGX_ORIN_COMMAND, ("3701", "0005"), "qspi+emmc"),
    (l4t.ZERO_KEY_COMMAND, ("2888", "0004"), "emmc"),
])
def test_a_configuration_made_for_the_module_attached_passes(tmp_path: Path, command: str, module: tuple[str, str], layout: str) -> None:
    l4t.write_l4t(tmp_path, command, module=module, layout=layout)
    _code, report, _ = check(tmp_path)
    assert outcomes(report) == dict.fromkeys(MODULE_CHECKS, "pass")
    assert report["findings"] == [] and report["context"]["module"].startswith(f"P{module[0]}-{module[1]} (699-1{module[0]}-")


@pytest.mark.parametrize(("command", "module", "layout", "failing", "words"), [
    (l4t.AGX_ORIN_COMMAND, ("2888", "0001"), "qspi+emmc", "tegra.module_soc", "is a T194"),
    (l4t.PKC_COMMAND, ("3668", "0001"), "emmc", "tegra.module_board", "are for P2888 (Jetson AGX Xavier), but the module in cvm.bin is P3668-0001"),
    (l4t.ORIN_NANO_COMMAND, ("3767", "0004"), "qspi+emmc", "tegra.module_storage", "P3767-0004 (Jetson Orin NX / Orin Nano) has no eMMC"),
    (l4t.XAVIER_NX_COMMAND, ("3668", "0001"), "qspi+sd", "tegra.module_storage", "has no SD card; it boots from its eMMC"),
    (l4t.XAVIER_NX_COMMAND, ("3668", "0000"), "qspi+emmc", "tegra.module_storage", "has no eMMC; it boots from its SD card"),
])
def test_a_configuration_for_another_module_gives_the_board_mismatch(tmp_path: Path, command: str, module: tuple[str, str], layout: str,
                                                                      failing: str, words: str) -> None:
    l4t.write_l4t(tmp_path, command, module=module, layout=layout)
    code, report, _ = check(tmp_path)
    assert code == 1 and report["findings"][0]["id"] == "tegra.board_config_mismatch"
    failed = [c for c in report["checks"] if c["outcome"] == "fail"]
    assert failing in [c["check"] for c in failed]
    assert any(words in c["detail"] for c in failed if c["check"] == failing)


def test_without_the_module_eeprom_says_which_file_or_option_decides(tmp_path: Path) -> None:
    l4t.write_l4t(tmp_path, l4t.ZERO_KEY_COMMAND, module=None)
    code, report, _ = check(tmp_path, "--fuse-info", l4t.fuse_info(tmp_path, l4t.ZERO_HASH, "00000000"))
    assert (code, report["status"]) == (6, "incomplete")
    assert outcomes(report) == dict.fromkeys(MODULE_CHECKS, "undecided")
    assert all("bootloader/cvm.bin" in c["needs"] and "--board-info" in c["needs"] for c in report["checks"] if c["check"] in MODULE_CHECKS)


def test_board_info_names_the_module_when_the_folder_has_no_eeprom(tmp_path: Path) -> None:
    l4t.write_l4t(tmp_path, l4t.ORIN_NANO_COMMAND, module=None, layout="qspi+emmc")
    (tmp_path / "nano.bin").write_bytes(l4t.cvm_bin("3767", "0005", fab="300", version=2))
    code, report, _ = check(tmp_path, "--board-info", tmp_path / "nano.bin")
    assert code == 1 and outcomes(report)["tegra.module_storage"] == "fail"


@pytest.mark.parametrize(("damage", "says"), [
    (lambda b: b[:128], "128 bytes"),
    (lambda b: b[:100] + b"X" + b[101:], "CRC-8"),
    (lambda b: b"\xff" * 256, "blank"),
])
def test_a_file_that_is_no_module_eeprom_is_one_line_and_exit_2(tmp_path: Path, damage, says: str) -> None:
    l4t.write_l4t(tmp_path, l4t.ZERO_KEY_COMMAND, module=None)
    (tmp_path / "cvm.bin").write_bytes(damage(l4t.cvm_bin("2888", "0001")))
    code, _report, err = check(tmp_path, "--board-info", tmp_path / "cvm.bin")
    assert code == 2 and says in err and err.count("\n") == 1


def test_a_customer_part_number_leaves_the_module_undecided(tmp_path: Path) -> None:
    from bootdiag.platforms.tegra.module_eeprom import crc8

    data = bytearray(l4t.cvm_bin("2888", "0001"))
    data[20] = 0xCC
    data[255] = crc8(bytes(data[:255]))
    folder = l4t.write_l4t(tmp_path, l4t.ZERO_KEY_COMMAND)
    (folder / "bootloader" / "cvm.bin").write_bytes(bytes(data))
    _code, report, _ = check(tmp_path)
    assert outcomes(report)["tegra.module_board"] == "undecided"
    assert "customer part number" in next(c["detail"] for c in report["checks"] if c["check"] == "tegra.module_board")


# ------------------------------------------------------------------------------------------- --port

T194_NS = "0x88021911645838891c00000019028200"  # flval 8: production, NS (not fused)
T194_PKC = "0xA8021911645838891c00000019028200"  # flval a: PKC, RSA-3K


def fake_tegrarcm(folder: Path, printed: str, status: int = 0) -> Path:
    """A tegrarcm_v2 on the PATH that prints what the real one prints for --uid, and records its arguments."""
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "tegrarcm_v2"
    tool.write_text(f'#!/bin/sh\necho "$@" > "{bin_dir}/argv"\nprintf "%s\\n" "{printed}"\nexit {status}\n')
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    return bin_dir


@pytest.fixture
def on_path(monkeypatch: pytest.MonkeyPatch):
    def put(bin_dir: Path) -> None:
        monkeypatch.setenv("PATH", str(bin_dir) + os.pathsep + os.environ.get("PATH", ""))
    return put


def test_port_reads_br_cid_read_only_and_decides_soc_and_fuses(tmp_path: Path, on_path) -> None:
    l4t.write_l4t(tmp_path, l4t.PKC_COMMAND, module=None)
    bin_dir = fake_tegrarcm(tmp_path, f"BR_CID: {T194_PKC}")
    on_path(bin_dir)
    code, report, _ = check(tmp_path, "--port", "usb")
    assert (bin_dir / "argv").read_text().split() == ["--uid"]  # the query flash.sh makes, nothing else
    by_check = {c["check"]: c for c in report["checks"]}
    assert by_check["tegra.module_soc"]["outcome"] == "pass" and "BR_CID" in by_check["tegra.module_soc"]["detail"]
    assert by_check["tegra.fuses_burned"]["outcome"] == "pass"
    assert "--fuse-info" in by_check["tegra.key_hash"]["needs"]
    assert code == 6 and report["context"]["br_cid"] == "0xA80219..."


def test_port_on_another_soc_predicts_the_board_mismatch(tmp_path: Path, on_path) -> None:
    l4t.write_l4t(tmp_path, l4t.AGX_ORIN_COMMAND, module=None, layout="qspi+emmc")
    bin_dir = fake_tegrarcm(tmp_path, f"BR_CID: {T194_NS}")
    on_path(bin_dir)
    code, report, _ = check(tmp_path, "--port", "1-4")
    assert (bin_dir / "argv").read_text().split() == ["--new_session", "--chip", "0x23", "--instance", "1-4", "--uid"]
    assert code == 1 and report["findings"][0]["id"] == "tegra.board_config_mismatch"


def test_port_on_a_fused_board_refuses_zero_key_images(tmp_path: Path, on_path) -> None:
    l4t.write_l4t(tmp_path, l4t.ZERO_KEY_COMMAND)
    on_path(fake_tegrarcm(tmp_path, f"BR_CID: {T194_PKC}"))
    code, report, _ = check(tmp_path, "--port", "usb")
    assert code == 1 and report["findings"][0]["id"] == "tegra.key_mismatch"


@pytest.mark.parametrize(("port", "printed", "says"), [
    ("/dev/ttyUSB0", None, "--port usb"),
    ("usb", None, "tegrarcm_v2, which is neither in"),
    ("usb", "Failed to read UID", "printed no BR_CID (Failed to read UID)"),
])
def test_port_that_cannot_read_the_board_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 port: str, printed: str | None, says: str) -> None:
    l4t.write_l4t(tmp_path, l4t.PKC_COMMAND)
    bin_dir = fake_tegrarcm(tmp_path, printed, status=3) if printed else tmp_path
    monkeypatch.setenv("PATH", str(bin_dir))
    code, _report, err = check(tmp_path, "--port", port)
    assert code == 2 and says in err and err.count("\n") == 1


def test_port_runs_the_tegrarcm_of_the_folder_first_as_flash_sh_does(tmp_path: Path, on_path) -> None:
    folder = l4t.write_l4t(tmp_path, l4t.ZERO_KEY_COMMAND)
    on_path(fake_tegrarcm(tmp_path, f"BR_CID: {T194_PKC}"))
    own = fake_tegrarcm(folder / "bootloader", f"BR_CID: {T194_NS}") / "tegrarcm_v2"
    own.rename(folder / "bootloader" / "tegrarcm_v2")
    code, report, _ = check(tmp_path, "--port", "usb")
    assert code == 0 and report["context"]["br_cid"] == "0x880219..."

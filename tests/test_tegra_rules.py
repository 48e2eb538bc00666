"""Jetson secure-boot diagnoses as a user sees them: key vs fuses vs board vs host."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bootdiag.core.pipeline import explain

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SEED_000 = SEEDS / "000_187d5b13f2c6e3eb.txt"


def ids(text: str) -> list[str]:
    return [f.id for f in explain(text).findings]


@pytest.mark.skipif(not SEED_000.is_file(), reason="shared/seeds is not beside the checkout")
def test_seed_000_pasted_whole_names_both_causes_and_how_to_tell() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bootdiag", "explain", "--format", "json"],
        stdin=SEED_000.open("rb"), capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    top = report["findings"][0]
    assert top["id"] in ("tegra.fuses_not_burned", "tegra.key_mismatch")
    assert top["id"] == "tegra.fuses_not_burned"
    # The user's failing lines are the evidence; the healthy fragment pasted later by someone else is not.
    lines = {e["line"] for e in top["evidence"]}
    text = SEED_000.read_text(encoding="utf-8").splitlines()
    assert any("Stage2Signature" in text[n - 1] for n in lines)
    assert any(".signed" in text[n - 1] for n in lines)
    assert not any(".encrypt" in text[n - 1] for n in lines)
    # The other possibility is named, and so is how to confirm which one it is.
    explanation = top["explanation"]
    assert "another key" in explanation and "cannot tell" in explanation
    causes = " ".join(c["cause"] for c in top["candidates"])
    assert "not burned" in causes and "different PKC key" in causes
    confirm = " ".join(top["fix"]) + " ".join(c["check"] for c in top["candidates"])
    for how in ("BR_CID", "odmfuseread.sh", "bootdiag verify", "--fuse-info"):
        assert how in confirm
    assert [f["id"] for f in report["findings"]] == ["tegra.fuses_not_burned"]


SIGNED_REJECTED = (
    "[ 2.0769 ] Sending BCTs\n"
    "[ 2.0795 ] tegrarcm_v2 --download bct_bootrom br_bct_BR.bct --download bct_mb1 mb1_bct_MB1_sigheader.bct.signed\n"
    "[ 2.1175 ] Sending bct_bootrom\n"
    "[ 2.1208 ] 000000001d1d1118: E> LOADER: Failed to verify Stage2Signature SHA2.\n"
    "Error: Return value 24\n"
)


def test_board_state_decides_between_fuses_and_key() -> None:
    assert ids(SIGNED_REJECTED) == ["tegra.fuses_not_burned"]
    ns = "[ 1.0000 ] BR_CID: 0x88021911645838891c00000019028200\n"
    report = explain(ns + SIGNED_REJECTED.replace("[ 2.", "[ 3."))
    assert [f.id for f in report.findings] == ["tegra.fuses_not_burned"]
    assert "ruled out" in report.findings[0].explanation
    pkc = "[ 1.0000 ] BR_CID: 0xA8021911645838891c00000019028200\n"
    report = explain(pkc + SIGNED_REJECTED.replace("[ 2.", "[ 3."))
    assert [f.id for f in report.findings] == ["tegra.key_mismatch"]
    assert "not the one whose hash is fused" in report.findings[0].explanation


def test_healthy_flash_of_someone_else_does_not_hide_the_failure() -> None:
    healthy = (
        "[ 0.0021 ] Sending BCTs\n"
        "[ 0.0040 ] tegrarcm_v2 --download bct_bootrom br_bct_BR.bct --download bct_mb1 mb1_bct_MB1_sigheader.bct.encrypt\n"
        "[ 40.8474 ] Writing partition kernel with boot_sigheader.img.encrypt\n"
        "*** The target t186ref has been flashed successfully. ***\n"
    )
    assert ids(SIGNED_REJECTED + healthy) == ["tegra.fuses_not_burned"]
    assert ids(healthy + SIGNED_REJECTED) == ["tegra.fuses_not_burned"]


def test_fused_board_given_zero_key_images() -> None:
    text = (
        "[ 0.0383 ] tegrarcm_v2 --new_session --chip 0x23 0 --uid --download bct_br br_bct_BR.bct --download mb1 mb1_t234_prod_aligned_sigheader.bin.encrypt\n"
        "[ 0.0385 ] BR_CID: 0x81012344705DE8033400000003FF8100\n[ 0.0395 ] Sending bct_br\n"
        "[ 5.0399 ] ERROR: might be timeout in USB write.\nError: Return value 3\n"
    )
    report = explain(text)
    assert [f.id for f in report.findings] == ["tegra.key_mismatch"]
    assert "not signed with any key" in report.findings[0].explanation


def test_consistent_images_and_fuses_point_at_the_host() -> None:
    text = (
        "[ 0.0383 ] tegrarcm_v2 --new_session --chip 0x23 0 --uid --download bct_br br_bct_BR.bct --download mb1 mb1_t234_prod_aligned_sigheader.bin.encrypt\n"
        "[ 0.0385 ] BR_CID: 0x80012344705DE8033400000003FF8100\n[ 0.0395 ] Sending bct_br\n"
        "[ 5.0399 ] ERROR: might be timeout in USB write.\nError: Return value 3\n"
    )
    assert ids(text) == ["tegra.usb_host_problem"]
    assert ids("usbipd attach --wsl --busid 2-3\n" + text) == ["tegra.unsupported_host"]


@pytest.mark.parametrize(
    "text,rule",
    [
        ("[ 0.0208 ] tegrarcm_v2 --chip 0x18 --rcm rcm_list_signed.xml --skipuid\nError: Return value 8\n", "tegra.not_in_recovery_mode"),
        ("[ 0.0208 ] tegrarcm_v2 --chip 0x19 0 --rcm rcm_list_signed.xml\nError: Return value 16\n", "tegra.not_root"),
        ("flash.sh requires root privilege\n", "tegra.not_root"),
        ("Error: None of the bootloaders are running on device. Check the UART log.\nFailed flashing t186ref.\n", "tegra.bootloader_not_running"),
    ],
)
def test_board_and_host_causes(text: str, rule: str) -> None:
    assert ids(text)[0] == rule


def test_uart_line_is_quoted_when_no_bootloader_answers() -> None:
    text = (
        "Error: None of the bootloaders are running on device. Check the UART log.\nFailed flashing t186ref.\n"
        "[0360.204] C> MTS error (2) : dram alias check failure\n"
    )
    finding = explain(text).findings[0]
    assert "dram alias check failure" in finding.explanation
    assert 3 in {e.line for e in finding.evidence}


def test_benign_lines_alone_give_a_healthy_report() -> None:
    text = (
        "[ 0.0184 ] tegrarcm_v2 --chip 0x23 0 --ismb2applet\n[ 0.0193 ] File rcm_state open failed\n"
        "[ 0.0197 ] ERROR: failed to read rcm_state\n[ 21.0925 ] USB communication failed.Check if device is in recovery\n"
        "[ 21.8434 ] Cannot Open USB\n[ 22.7998 ] Bootloader version 01.00.0000\n"
        "*** The target generic has been flashed successfully. ***\n"
    )
    report = explain(text)
    assert report.status == "healthy" and report.exit_code == 0 and not report.unexplained


def test_an_unknown_tegraflash_error_is_reported_as_unexplained() -> None:
    report = explain("[ 0.0100 ] Boot Rom communication\nError: Return value 13\n")
    assert report.status == "unexplained" and report.exit_code == 3

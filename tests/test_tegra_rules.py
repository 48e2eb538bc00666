"""Jetson secure-boot diagnoses as a user sees them: key vs fuses vs board vs host."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bootdiag.core.parse import parse_text
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


def test_exit_8_after_the_host_listed_the_recovery_device_points_at_the_host() -> None:
    failing = "[ 0.0208 ] tegrarcm_v2 --chip 0x18 --rcm rcm_list_signed.xml --skipuid\n[ 0.7286 ]\nError: Return value 8\n"
    listed = "Bus 003 Device 010: ID 0955:7c18 NVidia Corp.\n"
    assert ids(listed + failing) == ["tegra.usb_host_problem"]
    kernel = "usb 1-3: New USB device found, idVendor=0955, idProduct=7c18, bcdDevice= 1.02\n"
    assert ids(kernel + failing) == ["tegra.usb_host_problem"]
    probe = "Error: probing the target board failed.\n       Make sure the target board is connected through \n       USB port and is in recovery mode.\n"
    assert ids(listed + probe) == ["tegra.usb_host_problem"]
    assert ids(probe) == ["tegra.not_in_recovery_mode"]
    # Near misses: no device listed, or a listed device that is not in recovery (a booted Jetson).
    assert ids(failing) == ["tegra.not_in_recovery_mode"]
    assert ids("Bus 003 Device 010: ID 0955:7020 NVIDIA Corp. L4T\n" + failing) == ["tegra.not_in_recovery_mode"]


def test_no_recovery_device_is_only_the_likelier_reading() -> None:
    # Exit status 8 and a failed probe say no recovery device answered: a board never put in recovery,
    # one an earlier step rebooted out of it, and a device a VM holds print the same lines.
    after_flash = (
        " Entering RCM boot\n[   0.0225 ] rcm boot with presigned binaries\n"
        "[   0.0229 ] tegrarcm_v2 --new_session --chip 0x23 0 --uid --download bct_br br_bct_BR.bct\n"
        "Error: Return value 8\n"
    )
    probe = "Error: probing the target board failed.\n"
    for text in (after_flash, probe, "ERR: chip does not identify as tegra210 ()\n"):
        top = explain(text).findings[0]
        assert (top.id, top.confidence) == ("tegra.not_in_recovery_mode", "medium")
        assert "VM" in " ".join(c.cause for c in top.candidates)


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


def _poll(answer_after: float) -> str:
    """tegraflash's poll after the recovery boot: each ask answered ``answer_after`` seconds later."""
    lines, t = ["[   6.6976 ] Sending blob", "[   7.1046 ] tegrarcm_v2 --boot recovery"], 8.1
    for ask in ("tegrarcm_v2 --isapplet", "tegrarcm_v2 --ismb2", "tegradevflash_v2 --iscpubl"):
        lines += [f"[ {t:8.4f} ] {ask}", f"[ {t + answer_after:8.4f} ] "]
        t += answer_after + 0.01
    return "\n".join(lines + [f"[ {t:8.4f} ] CPU Bootloader is not running on device."]) + "\n"


def test_a_poll_that_hangs_for_minutes_is_a_board_that_stopped_answering() -> None:
    # Each ask of tegraflash's poll returns within seconds; one that takes 17 minutes is stuck in USB timeouts.
    report = explain(_poll(1012.0))
    assert [f.id for f in report.findings] == ["tegra.bootloader_not_running"]
    assert "took 1012 s to answer" in report.findings[0].explanation
    assert report.findings[0].occurrences == 1  # said once, not for every stuck ask


def test_a_poll_answered_within_seconds_is_not_a_hang() -> None:
    # the same polls answered at once, the capture cut before the bootloader answered: nothing to say yet
    report = explain(_poll(0.5))
    assert report.findings == [] and report.status == "incomplete"


@pytest.mark.parametrize(
    ("line", "what", "actual", "expected"),
    [
        ("Error: The Actual SoC ID(0x19) mismatches intended jetson-agx-orin-devkit SoC ID(0x23).", "soc", "0x19", "0x23"),
        ("ERR: chip does not identify as tegra210 (0x18)", "soc", "0x18", "tegra210"),
        ("ERR: CHIPID (0x23) does not match actual chip ID (0x19)", "soc", "0x19", "0x23"),
        ("ERR: actual board SKU 0005 does not match expected board SKU 0000", "board_sku", "0005", "0000"),
        ("ERR: actual board ID 3767 does not match expected board ID 3701", "board_id", "3767", "3701"),
        ("ERR: unrecognized board ID 3668", "board_id", "3668", None),
        ("ERR: no default chip SKU set", "chip_sku", None, None),
    ],
)
def test_board_checks_read_what_the_board_is_and_what_the_config_expects(line: str, what: str, actual: str | None, expected: str | None) -> None:
    report = explain(line + "\n")
    assert [f.id for f in report.findings] == ["tegra.board_config_mismatch"]
    event = next(e for e in parse_text(line) if e.kind in ("TegraBoardMismatch", "TegraSocMismatch"))
    assert (event.what, event.actual, event.expected) == (what, actual, expected)


def test_an_empty_chip_id_is_a_board_that_did_not_answer() -> None:
    # tegra210-flash-helper.sh prints the id it read from BR_CID: nothing when tegrarcm --uid got no answer
    assert ids("./doflash.sh\nERR: chip does not identify as tegra210 ()\n") == ["tegra.not_in_recovery_mode"]


def test_rebooting_to_recovery_ends_a_board_information_run() -> None:
    text = "[  17.0357 ] Rebooting to recovery mode\n[  17.2066 ] tegrarcm_v2 --reboot recovery\n[  17.2088 ] MB2 Applet version 01.00.0000\n"
    assert explain(text).status == "healthy"


# Orin fuse burner (FSKP) lines on the debug UART, in the bare "E> " envelope threads paste them in.
_FUSE_BURN_STOPPED = (
    "I> 2. Start SecureBootKey burn\n"
    "E> FUSE: Failed to burn fuse addr: 0x2fe.\n"
    "E> FUSE: Could not write Fuse: 0x66.\n"
    "E> FSKP: Failed to burn fuses.\n"
)


def test_a_fuse_bit_the_value_would_clear_is_named_with_high_confidence() -> None:
    report = explain("I> 6. Start BootSecurityInfo burn\nE> Tried to set fuse bit 5 from 1 to 0\nE> FSKP: Failed to burn fuses.\n")
    top = report.findings[0]
    assert (top.id, top.confidence) == ("tegra.fuse_already_set", "high")
    assert "from 1 to 0" in top.explanation
    assert any("odmfuseread.sh" in step for step in top.fix)


def test_a_fuse_that_could_not_be_written_is_only_the_likelier_reading() -> None:
    top = explain(_FUSE_BURN_STOPPED).findings[0]
    assert (top.id, top.confidence) == ("tegra.fuse_already_set", "medium")
    # The line alone fits locked fuses too: the other reading and the check that tells are given.
    assert "SecurityMode" in " ".join(c.cause + c.check for c in top.candidates)


@pytest.mark.parametrize("text", [
    "I> 1. Start PublicKeyHash burn\nI> Fuse is already burned with the same value\nI> 1. PublicKeyHash burn skipped\n",
    "I> 2. Start BootSecurityInfo burn\nI> Dry run detected, returning now.\nI> 2. BootSecurityInfo burnt successfully\n",
])
def test_a_fuse_burn_without_a_failure_names_no_cause(text: str) -> None:
    report = explain(text)
    assert report.findings == [] and report.status != "unexplained"


SIGNED_SENT = (
    "[ 0.0137 ] tegrarcm_v2 --new_session --chip 0x23 0 --uid --download bct_br br_bct_BR.bct"
    " --download mb1 mb1_t234_prod_aligned_sigheader_encrypt.bin.signed\n"
    "[ 0.0405 ] Sending bct_br\n"
)


def test_signed_images_beside_an_open_board_fail_before_the_rejection_is_shown() -> None:
    # A paste that stops after the first send still shows the whole mismatch: the BR_CID says open.
    ns = "[ 0.0141 ] BR_CID: 0x80012344705DF11F2400000013028100\n"
    assert ids(SIGNED_SENT.replace("[ 0.0405 ]", ns + "[ 0.0405 ]")) == ["tegra.fuses_not_burned"]
    # Near misses: the same send to a fused board, or zero-key images to an open one, say nothing yet.
    pkc = "[ 0.0141 ] BR_CID: 0xEB012344705DF11F2400000013028100\n"
    assert "tegra.fuses_not_burned" not in ids(SIGNED_SENT.replace("[ 0.0405 ]", pkc + "[ 0.0405 ]"))
    zero_key = SIGNED_SENT.replace("_encrypt.bin.signed", ".bin.encrypt")
    assert "tegra.fuses_not_burned" not in ids(zero_key.replace("[ 0.0405 ]", ns + "[ 0.0405 ]"))


def _t210_rcm(version: str, chip: str = "0x21", key: str = "None") -> str:
    return "\n".join([
        f"[ 0.0056 ] tegrasign --key {key} --list rcm_list.xml --pubkeyhash pub_key.key",
        "[ 0.0126 ] Boot Rom communication",
        f"[ 0.0145 ] tegrarcm --chip {chip} 0 --rcm rcm_list_signed.xml --skipuid",
        f"[ 0.0152 ] RCM version {version}",
        "[ 0.0843 ] Boot Rom communication failed",
        "Error: Return value 3",
        f"Command tegrarcm --chip {chip} 0 --rcm rcm_list_signed.xml --skipuid",
    ]) + "\n"


def test_a_t210_refusing_zero_key_rcm_messages_is_a_fused_board() -> None:
    # no BR_CID (--skipuid): the BootROM's 0x13 where its version belongs is what shows the fuses
    report = explain(_t210_rcm("0X13"))
    assert report.findings[0].id == "tegra.key_mismatch"
    assert "0x13" in report.findings[0].explanation


@pytest.mark.parametrize("text", [
    _t210_rcm("0X210001"),  # the BootROM gave its version: nothing says the board is fused
    _t210_rcm("0X13", chip="0x18"),  # another chip's BootROM: the answer is not known to mean that
    _t210_rcm("0X8"),  # a value that names no chip and is no known refusal: garbled reads
])
def test_a_failed_bootrom_exchange_without_a_t210_refusal_is_not_a_fused_board(text: str) -> None:
    assert "tegra.key_mismatch" not in ids(text)


SIGNED_DOWNLOAD = (
    "[ 0.0255 ] tegrarcm_v2 --new_session --chip 0x23 0 --uid --download bct_br br_bct_BR.bct"
    " --download mb1 mb1_t234_prod_aligned_sigheader_encrypt.bin.signed\n"
    "[ 7.9000 ] Sending bct_br\n[ 16.8955 ] Sending mb1\n"
)


def test_signed_images_refused_by_a_board_of_unknown_fuse_state_are_a_low_reading() -> None:
    # Real threads split both ways: open boards, and boards fused for production refusing images
    # signed for them (a presigned set that does not fit, another key). Only a board shown open is sure.
    timeout = SIGNED_DOWNLOAD + "[ 16.8960 ] ERROR: might be timeout in USB write.\nError: Return value 3\n"
    top = explain(timeout).findings[0]
    assert (top.id, top.confidence) == ("tegra.fuses_not_burned", "low")
    ns = "[ 0.0260 ] BR_CID: 0x80012344705DF11F2400000013028100\n"
    top = explain(timeout.replace("[ 7.9000 ]", ns + "[ 7.9000 ]")).findings[0]
    assert (top.id, top.confidence) == ("tegra.fuses_not_burned", "high")
    pkc = "[ 0.0260 ] BR_CID: 0xEB012344705DF11F2400000013028100\n"
    assert ids(timeout.replace("[ 7.9000 ]", pkc + "[ 7.9000 ]")) == ["tegra.key_mismatch"]


def test_a_bootrom_error_code_for_signed_rcm_messages_does_not_say_the_board_is_open() -> None:
    # Xavier NX fused by odmfuse.sh, then flash.sh -u/-v: the BootROM answers error 22 (forum 178172).
    text = (
        "[ 0.0082 ] tegrarcm_v2 --chip 0x19 0 --rcm rcm_1_signed.rcm --rcm rcm_2_signed.rcm --skipuid\n"
        "[ 0.0087 ] Bootrom returned error 22\n[ 0.0374 ] Boot Rom communication failed\n"
    )
    top = explain(text).findings[0]
    assert (top.id, top.confidence) == ("tegra.fuses_not_burned", "low")
    assert "cannot tell (1) from (2)" in top.explanation
    # Near miss: the same refusal of zero-key messages names no signing cause at all.
    zero_key = text.replace("rcm_1_signed.rcm --rcm rcm_2_signed.rcm", "rcm_1_encrypt.rcm --rcm rcm_2_encrypt.rcm")
    assert "tegra.fuses_not_burned" not in ids(zero_key)


def test_a_timeout_line_the_paste_cut_before_its_direction_is_still_a_usb_timeout() -> None:
    cut = SIGNED_DOWNLOAD + "[ 16.8960 ] ERROR: might be timeout\n"
    events = [e for e in parse_text(cut) if e.kind == "TegraUsbTimeout"]
    assert [e.direction for e in events] == ["unknown"]
    top = explain(cut).findings[0]
    assert (top.id, top.confidence) == ("tegra.fuses_not_burned", "low")
    # Near miss: zero-key images and the same cut line are the host's USB path, not a key question.
    zero_key = cut.replace("_encrypt.bin.signed", ".bin.encrypt")
    assert ids(zero_key) == ["tegra.usb_host_problem"]
    # Another tegrarcm error that happens to start alike is not a timeout.
    assert not [e for e in parse_text("[ 1.0000 ] ERROR: might be timeout in handshake with device\n")
                if e.kind == "TegraUsbTimeout"]


def test_r38_flash_sh_no_board_spec_is_no_board_in_recovery() -> None:
    text = "# R38 , REVISION: 4.0\nError: No Board Spec. and no target connected, exit.\n"
    top = explain(text).findings[0]
    assert (top.id, top.confidence) == ("tegra.not_in_recovery_mode", "medium")
    # Near miss: read-info's board spec banner is ordinary output.
    report = explain("==== Board Spec. ====\nBOARDID=3767\nFAB=300\n")
    assert report.findings == [] and report.status != "unexplained"


def test_r38_flash_sh_sd_layout_for_a_module_without_sd_is_a_board_config_mismatch() -> None:
    text = (
        "Error: Using a flash partition table config file of SD card, "
        "/home/u/Linux_for_Tegra/bootloader/generic/cfg/flash_t234_qspi_sd.xml, but the target board does not have SD card\n"
        "To bypass this error, please add your board information to the board_with_sdcard array in this script.\n"
    )
    top = explain(text).findings[0]
    assert top.id == "tegra.board_config_mismatch"
    assert "flash_t234_qspi_sd.xml is for a module with an SD card" in top.explanation
    # Near miss: the same layout named in a flash command is no refusal.
    command = "sudo ./flash.sh -c bootloader/generic/cfg/flash_t234_qspi_sd.xml jetson-orin-nano-devkit internal\n"
    assert "tegra.board_config_mismatch" not in ids(command)

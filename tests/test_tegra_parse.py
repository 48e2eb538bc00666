"""Jetson flash output: identifier decoding, grammar, and how runs become sessions."""
from __future__ import annotations

import pytest

from bootdiag.core.kinds import event_from_dict
from bootdiag.platforms.tegra import events as ev
from bootdiag.core.parse import LineParser, parse_text
from bootdiag.platforms.tegra.decode import args_signing, decode_br_cid, file_signing
from bootdiag.platforms.tegra.host import parse_console_login
from bootdiag.platforms.tegra.tegraflash import TegraFamily, split_stamp
from bootdiag.core.pipeline import explain
from bootdiag.core.session import SessionTracker


# ------------------------------------------------------------------ BR_CID (worked examples: Jetson reference §1.5)
@pytest.mark.parametrize(
    "value,chip,auth,level",
    [
        ("0x80012344705DE8033400000003FF8100", "t234", "NS", "production"),  # meta-tegra#1892
        ("0x81012344705DE8033400000003FF8100", "t234", "PKC", "production"),  # code 810: RSA-3K
        ("0x8a012344705DE8033400000003FF8100", "t234", "SBKPKC", "production"),  # code 8a0: SBK + P-256
        ("0x00012344705DE8033400000003FF8100", "t234", None, "nofuse"),
        ("0x88021911645838891c00000019028200", "t194", "NS", "production"),
        ("0xA8021911645838891c00000019028200", "t194", "PKC", "production"),
        ("0xe8021911645838891c00000019028200", "t194", "SBKPKC", "production"),
        ("0x18021911645838891c00000019028200", "t194", None, "nofuse"),
        ("0x8180100164122242040000000b020380", "t186", "NS", "production"),
        ("0xa180100164122242040000000b020380", "t186", "PKC", "production"),
        ("0x621010016445b507200000000c000100", "t210", "PKC", "production"),
    ],
)
def test_br_cid_decodes_chip_and_fuse_state(value: str, chip: str, auth: str | None, level: str) -> None:
    decoded = decode_br_cid(value)
    assert (decoded.chip, decoded.auth, decoded.fuse_level) == (chip, auth, level)


def test_br_cid_names_the_t234_key_type() -> None:
    assert decode_br_cid("0x82012344705DE8033400000003FF8100").key_type == "ECDSA P-256"
    assert decode_br_cid("0xa8021911645838891c00000019028200").key_type == "RSA-3072"


@pytest.mark.parametrize(
    "name,mode",
    [
        ("mb1_bct_MB1_sigheader.bct.encrypt", "zero-key"),
        ("mb1_bct_MB1_sigheader.bct.signed", "pkc"),
        ("mb1_t234_prod_aligned_sigheader_encrypt.bin.signed", "sbkpkc"),
        ("mb1_bct_MB1.bct_sigheader.encrypt.signed", "sbkpkc"),
        ("rcm_1_signed.rcm", "pkc"),
        ("rcm_2_encrypt.rcm", "zero-key"),
        ("rcm_list_signed.xml", None),  # used by zero-key runs too
        ("br_bct_BR.bct", None),
    ],
)
def test_file_suffix_says_how_it_was_signed(name: str, mode: str | None) -> None:
    assert file_signing(name) == mode


def test_keyed_files_outrank_zero_key_ones_and_tegrasign_key_counts() -> None:
    assert args_signing("tegrarcm_v2", ["--download", "bct_br", "br_bct_BR.bct", "--download", "mb1", "a.bin.encrypt", "--download", "bct_mb1", "b.bct.signed"]) == "pkc"
    assert args_signing("tegrasign_v3.py", ["--key", "None", "--list", "images_list.xml"]) == "zero-key"
    assert args_signing("tegrasign_v3.py", ["--key", "rsa_priv.pem", "--list", "images_list.xml"]) == "pkc"
    assert args_signing("tegrarcm_v2", ["--isapplet"]) is None


# ------------------------------------------------------------------ grammar
def one(text: str) -> ev.TegraEvent:
    events = parse_text(text + "\n")
    assert len(events) == 1, events
    return events[0]


def test_stamps_are_split_whatever_the_padding_or_markup() -> None:
    assert split_stamp("[   2.0769 ] Sending BCTs") == (2.0769, "Sending BCTs")
    assert split_stamp("[ 2.0769 ] Sending BCTs") == (2.0769, "Sending BCTs")
    assert split_stamp("[b][  20.0803 ] tegrarcm_v2 --boot recovery") == (20.0803, "tegrarcm_v2 --boot recovery")
    assert split_stamp("[ 0.0197 ] **ERROR: failed to read rcm_state**") == (0.0197, "ERROR: failed to read rcm_state")


def test_download_command_and_its_failure_report() -> None:
    cmd = one("[ 2.0795 ] tegrarcm_v2 --download bct_bootrom br_bct_BR.bct --download bct_mb1 mb1_bct_MB1_sigheader.bct.signed")
    assert isinstance(cmd, ev.TegraToolCommand) and cmd.signing == "pkc" and cmd.t == 2.0795
    assert cmd.downloads == ["bct_bootrom=br_bct_BR.bct", "bct_mb1=mb1_bct_MB1_sigheader.bct.signed"]
    failed = one("Command tegrarcm_v2 --chip 0x18 --rcm rcm_list_signed.xml --skipuid")
    assert isinstance(failed, ev.TegraFailedCommand) and failed.chip == "t186"
    rv = one("Error: Return value 24")
    assert isinstance(rv, ev.TegraReturnValue) and rv.code == 24 and rv.is_failure()


def test_device_lines_relayed_by_tegrarcm_and_from_the_uart() -> None:
    loader = one("[ 2.1208 ] 000000001d1d1118: E> LOADER: Failed to verify Stage2Signature SHA2.")
    assert isinstance(loader, ev.TegraDeviceAuthFailure)
    assert (loader.level, loader.module, loader.message) == ("E", "LOADER", "Failed to verify Stage2Signature SHA2.")
    mts = one("[0360.204] C> MTS error (2) : dram alias check failure")
    assert type(mts) is ev.TegraDeviceLog and mts.level == "C" and mts.is_failure()
    info = one("I> Burning fuses")
    assert type(info) is ev.TegraDeviceLog and not info.is_failure()


def test_br_cid_and_flash_sh_header_give_the_board_state() -> None:
    cid = one("[   0.0385 ] BR_CID: 0x80012344705DE8033400000003FF8100")
    assert isinstance(cid, ev.TegraBrCid) and cid.secured is False and cid.auth == "NS" and cid.chip == "t234"
    auth = one("# OpMode: production, Boot Authentication: PKC, ")
    assert isinstance(auth, ev.TegraTargetAuth) and auth.secured is True
    preprod = one("# OpMode: pre-production, Boot Authentication: , ")
    assert preprod.secured is False
    release = one("# R35 , REVISION: 3.1")
    assert isinstance(release, ev.TegraL4tRelease) and release.release == "R35.3.1"


@pytest.mark.parametrize(
    "line,cls",
    [
        ("[ 0.0399 ] ERROR: might be timeout in USB write.", ev.TegraUsbTimeout),
        ("[ 0.0566 ] Boot Rom communication failed", ev.TegraBootRomFailed),
        ("[ 0.0193 ] File rcm_state open failed", ev.TegraRcmStateMissing),
        ("[ 0.0197 ] ERROR: failed to read rcm_state", ev.TegraRcmStateMissing),
        ("[ 19.8434 ] Cannot Open USB", ev.TegraUsbNotReady),
        ("[ 20.8811 ] USB communication failed.Check if device is in recovery", ev.TegraUsbNotReady),
        ("Error: None of the bootloaders are running on device. Check the UART log.", ev.TegraBootloaderNotRunning),
        ("*** Error: Checking CPU bootloader failed.", ev.TegraBootloaderNotRunning),
        ("Error: probing the target board failed.", ev.TegraProbeFailed),
        ("flash.sh requires root privilege", ev.TegraNotRoot),
        ("Failed flashing t186ref.", ev.TegraFlashFailed),
        ("*** The target t186ref has been flashed successfully. ***", ev.TegraFlashSucceeded),
        ("Welcome to Tegra Flash", ev.TegraflashBanner),
        ("[ 459.4635 ] Writing partition kernel with boot_sigheader.img.encrypt", ev.TegraWritePartition),
        ("[ 21.8203 ] Writing partition A_kernel with boot_sigheader.img.encrypt [ 47120384 bytes ]", ev.TegraWritePartition),
        ("ERR: Target is configured for secure boot (PKC); use -u option to specify key file", ev.TegraKeyGuard),
    ],
)
def test_line_kinds(line: str, cls: type) -> None:
    assert type(one(line)) is cls


def test_benign_usb_noise_is_not_a_failure() -> None:
    for line in ("[ 19.8434 ] Cannot Open USB", "[ 0.0197 ] ERROR: failed to read rcm_state"):
        assert not one(line).is_failure()


def test_flash_sh_guards_say_what_the_board_is_and_what_was_given() -> None:
    ns = one("Error: either RSA key file and/or SBK key file are provided for none SBK and PKC protected target board.")
    assert isinstance(ns, ev.TegraKeyGuard) and (ns.board_auth, ns.signing) == ("NS", "pkc")
    pkc = one("Error: Either RSA key file is not provided or SBK key file is provided for PKC protected target board.")
    assert (pkc.board_auth, pkc.signing) == ("PKC", None)


def test_typed_commands_inside_prose_are_found_but_mentions_are_not() -> None:
    cmd = one("  2. Sign the boot files by “$ sudo ./flash.sh --no-flash -u rsa_priv.pem jetson-xavier-nx-devkit-emmc mmcblk0p1”")
    assert isinstance(cmd, ev.FlashScriptCommand)
    assert (cmd.key_file, cmd.board, cmd.signing) == ("rsa_priv.pem", "jetson-xavier-nx-devkit-emmc", "pkc")
    assert parse_text("Orin AGX flashing with doflash.sh fails after Sending mb1\n") == []


def test_generic_phrases_need_the_tegraflash_stamp() -> None:
    assert parse_text("Sending BCTs\nWriting partition kernel with boot.img\n") == []


def test_host_lines() -> None:
    wsl = one("Linux DESKTOP-7Q2M1 5.15.153.1-microsoft-standard-WSL2 #1 SMP Fri Mar 29 23:14:13 UTC 2024 x86_64 GNU/Linux")
    assert isinstance(wsl, ev.TegraHost) and wsl.environment == "wsl" and wsl.problem
    vm = one("I'm flashing from Ubuntu 16.04 running in VMware Workstation 12")
    assert vm.environment == "vm"
    assert parse_text("I tried a native host instead of VMware\n") == []  # named only to be ruled out


def test_an_arm_machine_named_as_the_host_is_unsupported() -> None:
    for said in ("Flashing a Xavier NX from a Jetson Nano devkit used as the host, it stops at once",
                 "So tried with Raspberry Pi 3 ( armv7l ) as host with Ubuntu 20.04.1 LTS .",
                 "The host is an aarch64 board"):
        host = one(said)
        assert isinstance(host, ev.TegraHost) and host.environment == "arm" and "x86-64" in host.problem
    assert parse_text("I flash from an x86 PC, not the Jetson Nano as the host\n") == []  # ruled out
    assert parse_text("The Jetson Nano boots fine; the host is Ubuntu 18.04\n")[0].environment == "ubuntu"


def test_the_host_seeing_the_board_in_recovery() -> None:
    kernel = one("[ 7636.877264] usb 1-3: New USB device found, idVendor=0955, idProduct=7023, bcdDevice= 4.01")
    assert isinstance(kernel, ev.TegraRecoveryDevice) and (kernel.chip, kernel.seen_by) == ("t234", "kernel")
    assert kernel.completes()  # the board's BootROM is in recovery: the step a flash starts from
    listed = one("Bus 001 Device 023: ID 0955:7e19 NVIDIA Corp. APX")
    assert (listed.chip, listed.seen_by) == ("t194", "lsusb") and not listed.completes()
    # 0955:7020 is a booted Jetson (L4T USB device mode), not the recovery device
    assert parse_text("Bus 001 Device 009: ID 0955:7020 NVIDIA Corp. L4T (Linux for Tegra) running on Tegra\n") == []


def test_sdk_manager_prefixes_are_taken_off_the_script_lines() -> None:
    command = one("13:41:23 INFO: [ 0.3455 ] tegrarcm_v2 --instance 1-4 --chip 0x23 0 --pollbl --download applet a.bin")
    assert isinstance(command, ev.TegraToolCommand) and command.t == 0.3455 and command.tool == "tegrarcm_v2"
    timeout = one("13:41:24 INFO: [ 0.5286 ] ERROR: might be timeout in USB write.")
    assert isinstance(timeout, ev.TegraUsbTimeout) and timeout.t == 0.5286  # the script's own ERROR: stays
    assert isinstance(one("ERROR: might be timeout in USB write."), ev.TegraUsbTimeout)
    failed = one("ERROR: Flash Jetson Nano - flash: Failed flashing t210ref.")
    assert isinstance(failed, ev.TegraFlashFailed)


def test_the_boards_console_reaching_a_login_completes_the_boot() -> None:
    banner = one("Ubuntu 20.04.6 LTS localhost ttyTCU0")
    assert isinstance(banner, ev.TegraConsoleLogin) and (banner.node, banner.tty) == ("localhost", "ttyTCU0")
    assert banner.completes()  # the board's own OS, not the flashing host
    yocto = one("Poky (Yocto Project Reference Distro) 5.0.6 jetson-orin-nano-devkit /dev/ttyTCU0")
    assert isinstance(yocto, ev.TegraConsoleLogin) and yocto.node == "jetson-orin-nano-devkit"
    prompt = one("jetson-nano login: ")
    assert isinstance(prompt, ev.TegraConsoleLogin) and prompt.tty is None
    # near misses: the host described, a shell's last-login line, a sentence naming a login
    assert isinstance(one("Description:\tUbuntu 20.04.6 LTS"), ev.TegraHost)
    assert parse_text("Last login: Thu Dec  3 14:48:19 2026 from 10.0.0.2\n") == []
    assert parse_text("I never get a login: the screen stays black\n") == []
    assert parse_console_login("Tool v4.5 port /dev/ttyUSB0") is None  # a host's USB-serial adapter
    # driver probe failures before the login do not stop a boot
    report = explain("[   16.192333] imx219: probe of 9-0010 failed with error -121\n"
                     "[   16.228811] imx219 10-0010: board setup failed\n\nUbuntu 20.04.6 LTS localhost ttyTCU0\n")
    assert report.status == "healthy"
    # without the login, the unread driver failure keeps it from passing as healthy
    report = explain("[   16.228811] imx219 10-0010: board setup failed\n")
    assert report.status == "unexplained"


def test_the_display_probe_lines_of_an_ordinary_nano_boot_are_no_failure() -> None:
    # the L4T R32 display driver without a pad power-down state for the SOR, and one host1x read
    # timeout while the display is probed: printed on good Jetson Nano boots
    probe = ("[    3.207148] tegradc tegradc.1: dpd enable lookup fail:-19\n"
             "[    3.712848] Host read timeout at address 545c00c4\n")
    events = parse_text(probe)
    assert [e.message for e in events] == ["tegra.linux_sor_dpd_enable_lookup_failed", "tegra.linux_host1x_read_timeout"]
    assert events[1].values == {"address": "545c00c4"}
    assert not any(e.is_failure() for e in events)
    assert explain(probe).status == "incomplete"  # a console cut there shows no end, and no failure
    assert explain(probe + "\nUbuntu 18.04.5 LTS jetson-nano ttyS0\n\njetson-nano login: \n").status == "healthy"
    # near misses: a panic after them stays the failure; the write timeout is no entry of its own
    report = explain(probe + "[    5.100000] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(179,1)\n")
    assert report.status == "unexplained" and [e.line for e in report.unexplained] == [3]
    assert explain("[    3.712848] Host write timeout at address 545c00c4\n").status == "unexplained"


def test_u_boot_refusing_an_empty_device_tree_carveout_is_no_failure() -> None:
    # L4T R32 U-Boot on a Nano/TX1/TX2: the display carveouts of the device tree are left at address 0
    # and size 0, which U-Boot's reservation refuses before it boots the kernel
    boot = ("## Flattened Device Tree blob at 83100000\n"
            "   Booting using the fdt blob at 0x83100000\n"
            "ERROR: reserving fdt memory region failed (addr=0 size=0)\n"
            "ERROR: reserving fdt memory region failed (addr=0 size=0)\n"
            "   Using Device Tree in place at 0000000083100000, end 00000000831843cf\n\n"
            "Starting kernel ...\n\n")
    events = [e for e in parse_text(boot) if getattr(e, "message", None) == "tegra.uboot_fdt_reserve_failed"]
    assert [(e.line, e.values) for e in events] == [(3, {"addr": "0", "size": "0"}), (4, {"addr": "0", "size": "0"})]
    assert not any(e.is_failure() for e in events)
    assert explain(boot).status == "incomplete"  # U-Boot handed over; the kernel's lines would say the rest
    assert explain(boot + "Ubuntu 18.04.5 LTS jetson-nano ttyS0\n\njetson-nano login: \n").status == "healthy"
    # near miss: U-Boot stopping after the hand-over failed is still the failure
    report = explain(boot.replace("Starting kernel ...", "ERROR: arch-specific fdt fixup failed"))
    assert report.status == "unexplained" and [e.line for e in report.unexplained] == [7]


def test_a_login_prompt_under_a_banner_as_wide_as_a_terminal_is_a_line_of_its_own() -> None:
    # an issue banner that happens to be 80 characters, the width terminals wrap at: the prompt under
    # it is getty's next line, not the rest of a longer one
    banner = "Poky (Yocto Project Reference Distro) 5.0.6 jetson-orin-nano-devkit /dev/ttyTCU0"
    assert len(banner) == 80
    events = parse_text(f"{banner}\njetson-orin-nano-devkit login:\n" * 2)
    assert [(type(e), e.line) for e in events] == [(ev.TegraConsoleLogin, n) for n in (1, 2, 3, 4)]
    assert explain(f"```\n{banner}\njetson-orin-nano-devkit login:\n```\n").status == "healthy"
    # a row cut at the width goes on in the next one when that is no prompt standing alone
    whole = "[   4.5743 ] tegrarcm_v2 --chip 0x19 0 --rcm rcm_list_signed.xml --download rcm mb1_t194_prod.bin 0 0"
    rows = parse_text(f"{whole[:80]}\n{whole[80:]}\n")
    assert [e.text for e in rows] == [whole]
    # (the banner then took the row as its rest: read as one line, it is neither banner nor prompt)
    assert parse_text(f"{banner}\nnode login: root denied\n") == []
    # and a prompt inside a pasted sentence cuts nothing off it
    assert parse_text("The console stops at the jetson login: and takes no input\n") == []


def test_a_bootloader_answering_after_the_recovery_boot_completes_it() -> None:
    events = parse_text("[   7.1059 ] Applet version 01.00.0000\n[   9.1274 ] Bootloader version 01.00.0000\n")
    assert [e.completes() for e in events] == [False, True]
    report = explain("[   8.1121 ] tegrarcm_v2 --isapplet\n[   8.1137 ] USB communication failed.Check if device is in recovery\n"
                          "[   9.1259 ] tegradevflash_v2 --iscpubl\n[   9.1274 ] Bootloader version 01.00.0000\n")
    assert report.status == "healthy"
    report = explain("[   8.1121 ] tegrarcm_v2 --isapplet\n[   8.1137 ] USB communication failed.Check if device is in recovery\n")
    assert report.status == "incomplete"  # no stage answered: the capture may end too early


def test_tool_file_and_layout_failures_are_catalogued() -> None:
    report = explain("[   3.0110 ] tegraparser_v2 --pt flash.xml.bin\n[   3.0121 ] File DATAFILE open failed\n")
    assert report.status == "unexplained" and report.unexplained[0].line == 2
    report = explain("[   3.0121 ] End sector for RECROOTFS, expected at: 30253022, actual: 30369575\n")
    assert report.status == "unexplained"


def test_bl31_without_trusty_is_benign_but_another_service_failing_is_not() -> None:
    # TF-A skips the Trusty service when no Trusty image was loaded (T210 monitor-only TOS)
    skipped = one("ERROR:   Error initializing runtime service trusty_fast")
    assert skipped.message == "tegra.tfa_trusty_service_not_started" and not skipped.is_failure()
    assert one("ERROR:   Error initializing runtime service opteed_fast").is_failure()


def test_mb1_refusing_a_memory_bct_without_dram_size_is_a_failure() -> None:
    report = explain("[   5.6363 ] 0000000000000102: E> NONE: Invalid value MemBct dram size: 0MB for slot: 2.\n")
    [line] = report.unexplained
    assert report.status == "unexplained" and line.line == 1
    assert line.message == "tegra.dev_membct_dram_size_zero" and "memory BCT" in line.meaning


def test_a_stub_warning_after_the_hand_over_does_not_undo_it() -> None:
    boot = (
        "L4TLauncher: Attempting Direct Boot\n"
        "L4TLauncher: Unable to boot via extlinux: Not Found\n"
        "EFI stub: Booting Linux Kernel...\n"
        "EFI stub: ERROR: Failed to load initrd!\n"
    )
    assert explain(boot + "EFI stub: Exiting boot services and installing virtual address map...\n").status == "healthy"
    # nothing after the warning: nothing shows the kernel ran
    assert explain(boot).status == "unexplained"
    # a failure after the hand-over is the next stage failing, not running
    failed = boot.replace("EFI stub: ERROR: Failed to load initrd!", "EFI stub: ERROR: Failed to relocate kernel")
    assert explain(failed + "Shell>\n").status != "healthy"


def test_nvautoflash_finding_no_configuration_for_the_board_is_a_failure() -> None:
    event = one("Error: Target board not found.")
    assert event.message == "tegra.autoflash_target_board_not_found" and event.is_failure()
    # its progress lines are no failure
    assert not any(e.is_failure() for e in parse_text("--- Parsing board SKU (0003) succeeded.\n"))


def test_make_sdcard_partitioning_failures_are_catalogued() -> None:
    gpt = one("ERR: could not initialize GPT on /dev/sda")
    assert gpt.message == "tegra.mt_sdcard_gpt_init_failed" and gpt.is_failure()
    zapped = one("ERR: could not initialize GPT on /dev/sdb after --zap-all")
    assert zapped.message == "tegra.mt_sdcard_gpt_init_failed_zapped"
    missing = one("ERR: 'sgdisk' command not found. Please install the 'gdisk' package.")
    assert missing.message == "tegra.mt_sgdisk_missing" and missing.is_failure()


def test_a_capsule_update_fails_only_on_a_non_zero_last_attempt_status() -> None:
    # UEFI prints the status of every capsule it applies, success (0) included
    failed = "FmpDxe(NVIDIA System Firmware): SetTheImage() LastAttemptStatus: 6164.\n"
    report = explain(failed)
    assert report.status == "unexplained" and report.unexplained[0].line == 1
    applied = parse_text("FmpDxe(NVIDIA System Firmware): SetTheImage() LastAttemptStatus: 0.\n")
    assert [e.is_failure() for e in applied] == [False]
    assert explain("FmpDxe(NVIDIA System Firmware): SetTheImage() LastAttemptStatus: 0.\n").status != "unexplained"


@pytest.mark.parametrize("banner", [
    "Jetson UEFI firmware (version 35.3.1 built on 1980-01-01T00:00:00+00:00)",
    "Jetson System firmware version v36.4.0 date 2024-10-02T18:07:54+00:00",
    "L4TLauncher: Attempting Direct Boot",
])
def test_a_console_that_stops_after_uefi_started_is_a_boot_under_way(banner: str) -> None:
    # a reset right after the banner is not "nothing recognised": UEFI ran, the boot did not complete
    report = explain(f"{banner}\nESC   to enter Setup.\nShutdown state requested 1\nRebooting system ...\n")
    assert report.status == "incomplete"


def test_ubuntu_release_is_judged_against_the_l4t_release() -> None:
    events = parse_text("Host is Ubuntu 22.04\n# R35 , REVISION: 3.1\n")
    assert events[-1].problem and "Ubuntu 22.04" in events[-1].problem
    events = parse_text("# R35 , REVISION: 3.1\nHost is Ubuntu 20.04.6 LTS\n")
    assert events[-1].problem is None


def test_a_host_release_supported_from_a_minor_l4t_release_on_is_judged_against_that_minor() -> None:
    # SDK Manager 2.2.0: JetPack 6.1 (L4T R36.4.0) flashes from Ubuntu 24.04; JetPack 6.0 (R36.2, R36.3) does not.
    assert parse_text("Host is Ubuntu 24.04\n# R36 , REVISION: 4.0\n")[-1].problem is None
    older = parse_text("# R36 , REVISION: 3.0\nHost: Ubuntu 24.04.1 LTS\n")[-1].problem
    assert older and "R36.3.0" in older and "24.04" not in older.split("supported:")[1]
    # With no release shown, a host a later R36 release supports is not called unsupported.
    assert parse_text("Host is Ubuntu 24.04\n")[-1].problem is None
    text = ("Host is Ubuntu 24.04\n# R36 , REVISION: 4.0\n"
            "[ 0.0395 ] Sending bct_br\n[ 5.0399 ] ERROR: might be timeout in USB write.\nError: Return value 3\n")
    assert [f.id for f in explain(text).findings] == ["tegra.usb_host_problem"]
    assert [f.id for f in explain(text.replace("REVISION: 4.0", "REVISION: 2.0")).findings] == ["tegra.unsupported_host"]


def test_events_round_trip_through_json() -> None:
    for event in parse_text("[ 0.0385 ] BR_CID: 0x80012344705DE8033400000003FF8100\nError: Return value 3\n"):
        assert event_from_dict(event.model_dump()) == event


# ------------------------------------------------------------------ runs and sessions
def sessions_of(text: str) -> list[list[int]]:
    tracker = SessionTracker()
    grouped: list[list[int]] = []
    for event in parse_text(text):
        if tracker.starts_new(event) or not grouped:
            grouped.append([])
        grouped[-1].append(event.line)
    return grouped


FAILED_RUN = (
    "[ 2.0769 ] Sending BCTs\n"
    "[ 2.0795 ] tegrarcm_v2 --download bct_bootrom br_bct_BR.bct --download bct_mb1 mb1_bct_MB1_sigheader.bct.signed\n"
    "[ 2.1208 ] 000000001d1d1118: E> LOADER: Failed to verify Stage2Signature SHA2.\n"
    "Error: Return value 24\n"
)


def test_stamps_after_the_run_ended_open_a_new_session() -> None:
    fragment = "[ 459.4635 ] Writing partition kernel with boot_sigheader.img.encrypt\n"
    assert sessions_of(FAILED_RUN + fragment) == [[1, 2, 3, 4], [5]]


def test_stamps_going_back_open_a_new_session() -> None:
    text = "[ 12.5000 ] Sending BCTs\n[ 12.6000 ] Sending bct_br\n[ 0.0021 ] Generating RCM messages\n[ 0.0040 ] Signing RCM messages\n"
    assert sessions_of(text) == [[1, 2], [3, 4]]


def test_a_restart_on_a_line_without_an_event_is_carried_to_the_next_one() -> None:
    text = FAILED_RUN + "[ 0.0011 ] [................................................] 100%\n[ 0.0200 ] Sending BCTs\n"
    assert sessions_of(text) == [[1, 2, 3, 4], [6]]


def test_small_reorderings_within_a_run_are_not_restarts() -> None:
    text = "[ 0.1306 ] Generating signatures\n[ 0.1297 ] Generating br-bct\n[ 0.1460 ] Signing BCT\n"
    assert sessions_of(text) == [[1, 2, 3]]


def test_flash_sh_then_two_tegraflash_runs() -> None:
    text = (
        "sudo ./flash.sh jetson-tx2 mmcblk0p1\n# OpMode: production, Boot Authentication: NS, \n"
        "./tegraflash.py --chip 0x18 --cmd \"dump eeprom boardinfo cvm.bin\"\nWelcome to Tegra Flash\n[ 0.0024 ] Generating RCM messages\n"
        "./tegraflash.py --chip 0x18 --cmd \"flash; reboot\"\nWelcome to Tegra Flash\n[ 0.0021 ] Generating RCM messages\n"
    )
    assert sessions_of(text) == [[1, 2, 3, 4, 5], [6, 7, 8]]


def test_family_state_is_per_parser() -> None:
    first, second = LineParser(), LineParser()
    tegra = next(f for f in first.families if isinstance(f, TegraFamily))
    for block in _blocks(FAILED_RUN):
        list(first.events_in_block(block))
    assert tegra._ended
    assert not next(f for f in second.families if isinstance(f, TegraFamily))._ended


def _blocks(text: str):
    from bootdiag.core.lines import iter_blocks

    return iter_blocks([text.encode()])


def test_fuse_state_from_an_earlier_run_reaches_the_failing_one() -> None:
    text = (
        "sudo ./flash.sh jetson-agx-orin-devkit internal\n[ 0.0385 ] BR_CID: 0x81012344705DE8033400000003FF8100\n"
        "./tegraflash.py --chip 0x23 --cmd \"flash; reboot\"\nWelcome to Tegra Flash\n"
        "[ 0.0383 ] tegrarcm_v2 --new_session --chip 0x23 0 --download bct_br br_bct_BR.bct --download mb1 mb1_t234_prod_aligned_sigheader.bin.encrypt\n"
        "[ 0.0395 ] Sending bct_br\n[ 5.0399 ] ERROR: might be timeout in USB write.\nError: Return value 3\n"
    )
    report = explain(text)
    assert [f.id for f in report.findings] == ["tegra.key_mismatch"]
    assert 2 in {e.line for e in report.findings[0].evidence}


def test_cboot_board_id_eeprom_probe_misses_are_no_failure() -> None:
    # T210 cboot tries each I2C bus for the board-ID EEPROM; the misses print error words by design
    # (forums.developer.nvidia.com/t/eeprom-init-eeprom-read-failed/78502).
    probe = ["[0002.597] pm_ids_update: Updating 1,ae, size 256, type 0", "[0002.603] I2C slave not started",
             "[0002.606] I2C write failed", "[0002.608] Writing offset failed",
             "[0002.611] eeprom_init: EEPROM read failed", "[0002.615] pm_ids_update: eeprom init failed",
             "[0002.671] pm_ids_update: The pm board id is 2180-1000-100"]
    report = explain("\n".join(probe) + "\n")
    assert report.status not in ("unexplained", "diagnosed", "healthy")
    # the same words from MB1 on an Orin that stops are still a failure, one a rule names
    stopped = explain("E> eeprom: Failed to read I2C slave device\nC> Task 0x0 failed (err: 0x1f1e050d)\nI> Busy Spin\n")
    assert stopped.status == "diagnosed" and stopped.findings[0].id == "tegra.carrier_eeprom_unreadable"


def test_a_fuse_burners_lines_glued_without_timestamps_are_read_apart():
    from bootdiag.core.parse import LineParser

    found = LineParser()._parse_new("I> Fuse is already burned with the same value E> FUSE: Failed to burn fuse addr: 0x2fe.", 4)
    assert len(found) == 2 and not found[0].is_failure() and found[1].is_failure()


def test_the_firmware_parking_after_a_fatal_error_is_a_failure_at_any_level():
    from bootdiag.core.parse import parse_text

    [event] = parse_text("I> Busy Spin\n")
    assert event.is_failure()
    [event] = parse_text("I> Fuse is already burned with the same value\n")
    assert not event.is_failure()


def test_an_error_level_line_the_catalogue_knows_as_benign_is_not_a_failure():
    from bootdiag.core.parse import parse_text

    # printed by the bootloader of a headless board on its way to a reset
    [event] = parse_text("[0016.607] E> tegrabl_display_shutdown: display is not initialized\n")
    assert not event.is_failure()
    # its neighbours of the same level stay failures
    [event] = parse_text("[0000.086] E> LOADER: Failed to verify SMD.\n")
    assert event.is_failure()
    # a reset after a panic is not made healthy by it: the panic line stays the failure
    report = explain("[0006.600] panic (caller 0xa0601238): die\n[0006.604] Will reset in 10 seconds...\n"
                     "[0016.607] E> tegrabl_display_shutdown: display is not initialized\n")
    assert report.status == "unexplained"
    assert [e.line for e in report.unexplained] == [1]


# T210 cboot (L4T R32) between loading the kernel and handing over to U-Boot: failure-worded lines it prints
# on every healthy Nano boot (optional partitions absent, no display, SBK check on an unfused board).
_NANO_CBOOT = [
    "[0002.499] se_aes_verify_sbk_clear: Error", "[0002.502] SE operation failed",
    "[0002.519] switch_backlight failed",
    "[0002.525] device_query_partition_size: failed to open partition spiflash0:MSC !",
    "[0002.532] MSC Partition not found",
    "[0002.539] device_query_partition_size: failed to open partition spiflash0:USP !",
    "[0002.546] USP partition read failed!", "[0002.549] blob_init: blob-partition USP header read failed",
    "[0002.555] android_boot Unable to update recovery partition",
    "[0003.172] Successfully loaded kernel and ramdisk images",
    "[0003.223] Failed to retrieve display resolution", "[0003.232] Failed to display boot-logo",
    "[0003.429] shim_eeprom_update_mac:267: Failed to update 0 MAC address in DTB",
    "[0003.609] WARNING: Failed to pass NS DRAM ranges to TOS, err: -7",
    "[0003.633] Found secure-pmc; disable BPMP", "", "U-Boot 2020.04-g46e4604c78 (Jul 26 2021 - 12:09:42 -0700)",
    "", "Starting kernel ...", "",
]


def test_nano_cboot_lines_of_a_healthy_boot_are_no_failure() -> None:
    report = explain("\n".join(_NANO_CBOOT) + "\n")
    # the kernel was entered, not yet up: nothing failed, nothing completed
    assert report.status == "incomplete"
    login = explain("\n".join(_NANO_CBOOT) + "\n[    0.000000] Booting Linux on physical CPU 0x0\n"
                    "Ubuntu 18.04.6 LTS jetson-nano ttyS0\n")
    assert login.status == "healthy"


def test_a_real_failure_after_the_nano_cboot_lines_is_still_reported() -> None:
    panic = explain("\n".join(_NANO_CBOOT) + "\n[    2.311519] Kernel panic - not syncing: VFS: Unable to mount "
                    "root fs on unknown-block(179,1)\n")
    assert panic.status == "unexplained"
    # only the panic is left unexplained, not the cboot lines before it
    assert [e.text for e in panic.unexplained] == [
        "Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(179,1)"]


_UEFI_TO_KERNEL = ("L4TLauncher: Attempting Direct Boot\nEFI stub: Booting Linux Kernel...\n"
                   "EFI stub: Exiting boot services...\n"
                   "[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x410fd421]\n")


def test_a_kernel_waiting_for_its_root_device_is_not_called_healthy() -> None:
    waiting = explain("\n".join(_NANO_CBOOT) + "\n[    3.012345] Waiting for root device /dev/nvme0n1p1...\n")
    assert waiting.status == "incomplete"
    # the kernel was entered, but the capture ends on the wait: nothing after it ran
    hung = explain(_UEFI_TO_KERNEL + "[    3.012345] Waiting for root device PARTUUID=be6c5e24-02...\n")
    assert hung.status == "incomplete"
    # a wait the boot got past is no hang
    slow = explain(_UEFI_TO_KERNEL + "[    3.012345] Waiting for root device PARTUUID=be6c5e24-02...\n"
                   "[    4.201000] EXT4-fs (nvme0n1p1): mounted filesystem with ordered data mode. Opts: (null)\n"
                   "Ubuntu 22.04.4 LTS ubuntu ttyTCU0\n")
    assert slow.status == "healthy"


def test_a_capture_that_starts_with_the_kernel_is_read_as_a_boot() -> None:
    dmesg = explain("[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x410fd421]\n"
                    "[    0.000000] Machine model: NVIDIA Orin Nano Developer Kit\n")
    assert dmesg.status == "incomplete"
    assert explain("[    0.000000] Booting Linux on physical CPU 0x0\n").status == "incomplete"


def test_nvbootctrl_slot_dump_shows_a_booted_board() -> None:
    dump = ("Current version: 36.4.0\nCapsule update status: 1\nCurrent bootloader slot: A\n"
            "Active bootloader slot: A\nnum_slots: 2\n")
    assert explain(dump).status == "healthy"
    # its 'not found' notice about the capsule-update variable is no failure
    assert explain(dump + "Info: variable BootChainFwStatus is not found.\n").status == "healthy"
    assert explain("Info: variable BootChainFwStatus is not found.\n").status != "healthy"


def test_the_initrd_rescue_shell_banner_is_no_failure_but_what_sent_it_there_is() -> None:
    banner = "bash: cannot set terminal process group (-1): Inappropriate ioctl for device\n"
    assert explain(banner).status == "incomplete"
    report = explain(banner + "ERROR: nvme0n1p1 not found\n")
    assert report.status == "unexplained"
    assert [e.text for e in report.unexplained] == ["ERROR: nvme0n1p1 not found"]


@pytest.mark.parametrize("line", [
    "[    6.848123] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100",
    "[    2.311519] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(179,1)",
    "[    1.104512] Unable to handle kernel NULL pointer dereference at virtual address 0000000000000008",
    "[    1.104990] Internal error: Oops: 96000005 [#1] PREEMPT SMP",
    # hangs: the lines carry no failure word, only the catalogue knows them
    "[   29.101010] rcu: INFO: rcu_preempt self-detected stall on CPU",
    "[   29.101010] INFO: rcu_sched detected stalls on CPUs/tasks:",
    "[   44.000001] watchdog: BUG: soft lockup - CPU#2 stuck for 22s! [swapper/0:1]",
    "[  242.870012] INFO: task systemd-udevd:231 blocked for more than 120 seconds.",
])
def test_a_kernel_that_dies_or_hangs_after_uefi_handed_over_is_no_healthy_boot(line: str) -> None:
    # the EFI stub's hand-over to Linux shows the bootloader done, not the boot
    report = explain(_UEFI_TO_KERNEL + line + "\n")
    assert report.status == "unexplained"
    assert [e.text for e in report.unexplained] == [line.split("] ", 1)[1]]


def test_the_initrd_not_finding_its_root_after_uefi_handed_over_is_no_healthy_boot() -> None:
    report = explain(_UEFI_TO_KERNEL + "ERROR: nvme0n1p1 not found\n"
                     "bash: cannot set terminal process group (-1): Inappropriate ioctl for device\n"
                     "bash: no job control in this shell\nbash-5.0#\n")
    assert report.status == "unexplained"
    assert [e.text for e in report.unexplained] == ["ERROR: nvme0n1p1 not found"]
    # the hand-over with the kernel's own output after it, and nothing failing, is a boot that went on
    assert explain("L4TLauncher: Attempting Direct Boot\nEFI stub: Booting Linux Kernel...\n"
                   "EFI stub: Exiting boot services...\n").status == "healthy"
    assert explain("L4TLauncher: Attempting Direct Boot\nEFI stub: Booting Linux Kernel...\n").status == "incomplete"


_STUB_HANDOVER = ("EFI stub: Booting Linux Kernel...\nEFI stub: Using DTB from configuration table\n"
                  "EFI stub: Exiting boot services...\n")


@pytest.mark.parametrize("mode", ["RCM", "GRUB"])
def test_the_launchers_other_boot_modes_are_steps_of_a_boot(mode: str) -> None:
    # the initrd flash's kernel sent over USB, a GRUB set-up that falls through to the direct boot
    line = f"L4TLauncher: Attempting {mode} Boot"
    assert [e.message for e in parse_text(line + "\n")] == [f"tegra.dev_l4tlauncher_{mode.lower()}_boot"]
    assert explain(f"{line}\nL4TLauncher: Attempting Direct Boot\n{_STUB_HANDOVER}").status == "healthy"


def test_the_recovery_kernel_starting_instead_of_the_os_is_no_healthy_boot() -> None:
    # the UEFI progress dots glued in front of it, as the Jetson console prints them
    recovery = ("Jetson UEFI firmware (version 35.4.1-gcid-33958178 built on 2023-08-01T19:34:02+00:00)\n"
                "......L4TLauncher: Attempting Recovery Boot\n" + _STUB_HANDOVER)
    report = explain(recovery)
    assert report.status == "unexplained"
    assert [e.text for e in report.unexplained] == ["......L4TLauncher: Attempting Recovery Boot"]
    assert report.unexplained[0].message == "tegra.dev_l4tlauncher_recovery_boot"
    assert "retry count" in (report.unexplained[0].meaning or "")
    # the same hand-over from the direct boot is the OS starting
    assert explain(recovery.replace("Recovery Boot", "Direct Boot")).status == "healthy"


def test_r39_initrd_flash_log_lines_are_read_with_their_meaning() -> None:
    # JetPack 7's initrd flash logs "HH:MM:SS.mmm - Error: MESSAGE"; a flashing initrd that never came up
    text = (
        "Waiting for target to boot-up...\n"
        "16:12:15.019 - Error: Timeout\n"
        "16:12:15.022 - Error: Device ping failed after RCM boot.\n"
        "16:12:15.024 - Error: This can be due to XUSB not being                     enabled or device failed to boot.\n"
        "16:12:15.027 - Error: Please retrieve the serial log to debug further.\n"
    )
    report = explain(text)
    # the board never came up after the RCM boot: why is on its own console, so the finding is a low one
    assert report.status == "diagnosed" and report.findings[0].id == "tegra.initrd_flash_target_not_up"
    assert report.findings[0].confidence == "low"
    read = {e.message for e in parse_text(text) if e.kind == "CatalogueMessage"}
    assert {"tegra.initrd_device_ping_failed", "tegra.initrd_xusb_hint", "tegra.initrd_retrieve_serial_log"} <= read
    # the network flash's own failure, bare as R35/R36 print it or in the R39 envelope
    for line in ("Either the device cannot mount the NFS server on the host or a flash command has failed.",
                 "09:01:02.345 - Error: Either the device cannot mount the NFS server on the host or a flash command"
                 " has failed. Check your network setting (VPN, firewall,...) to make sure the device can mount NFS server."):
        assert [e.message for e in parse_text(line + "\n") if e.kind == "CatalogueMessage"] == ["tegra.initrd_nfs_mount_or_flash_failed"]


def test_glued_initrd_flash_and_flash_sh_lines_are_split_where_a_line_began() -> None:
    # a post that lost its newlines: the relayed device-side lines and the verdict each start a line
    glued = ("[ 251]: l4t_flash_from_kernel: Successfully flash the external device [ 251]: l4t_flash_from_kernel: Flashing success\n"
             "[ 251]: l4t_flash_from_kernel: The device size indicated in the partition layout xml is smaller than the actual"
             " size. This utility will try to fix the GPT. Flash is successful Reboot device\n")
    assert explain(glued).status == "healthy"
    refused = "sudo ./flash.sh -r jetson-xavier-nx-devkit mmcblk0p1 Error: Invalid target board - jetson-xavier-nx-devkit.\n"
    assert "tegra.flashsh_invalid_board" in {e.message for e in parse_text(refused) if e.kind == "CatalogueMessage"}


def test_a_capture_of_uboot_alone_is_read_as_a_boot_log_that_stops_early():
    # the loader's countdown and its hand-over line are the lines U-Boot prints on every boot; its
    # default-environment warning is normal on a freshly flashed board
    uboot = ["U-Boot 2020.04 (Jan 05 2022 - 19:59:34 +0000)", "",
             "Loading Environment from MMC... *** Warning - bad CRC, using default environment", "",
             "Hit any key to stop autoboot:  0 ", "Retrieving file: /boot/extlinux/extlinux.conf"]
    report = explain("\n".join(uboot) + "\n")
    assert report.status == "incomplete"
    report = explain("\n".join([*uboot, "", "Starting kernel ...", ""]) + "\n")
    assert report.status == "incomplete" and not report.unexplained


def test_ext_probe_lines_before_an_ext4_root_mount_are_benign_and_a_failed_mount_is_not():
    # kernel log of a root mount without '-t': ext3 and ext2 are probed before ext4 mounts
    probe = ("[    2.564302] EXT4-fs (mmcblk0p1): couldn't mount as ext3 due to feature incompatibilities\n"
             "[    2.574054] EXT4-fs (mmcblk0p1): couldn't mount as ext2 due to feature incompatibilities\n"
             "[    2.592747] EXT4-fs (mmcblk0p1): mounted filesystem with ordered data mode. Opts: (null)\n")
    assert [e.is_failure() for e in parse_text(probe) if hasattr(e, "is_failure")] == [False, False]
    # the same probes before an ext4 driver error and the initramfs's failed mount
    report = explain("EXT4-fs (mmcblk0p1): couldn't mount as ext3 due to feature incompatibilities\n"
                     "EXT4-fs error (device mmcblk0p1): ext4_iget:4591: inode #8 comm mount: checksum invalid\n"
                     "mount: mounting /dev/mmcblk0p1 on /mnt failed: Invalid argument\n")
    assert report.status == "unexplained"
    assert [e.line for e in report.unexplained] == [2, 3]


def test_t210_level_less_stamps_start_lines_a_paste_glued():
    # nvtboot's "[SSSS.mmm] " with no level mark: each stamp begins a line of its own
    glued = ("[0003.872] [L4T TegraBoot] (version 00.00.2018.01-l4t-e82258de) [0003.878] Processing in recovery mode "
             "[0003.885] Power-up reason: pmc por [0004.955] NvTbootI2c: Read failed for slave 0xac, offset 0x00 with "
             "error code 0x00045001 [0004.060] Enabled early print")
    events = LineParser()._parse_new(glued, 3)
    assert [e.kind for e in events] == ["CatalogueMessage", "UnreadFailure"]
    assert events[0].message == "tegra.dev_t210_tegraboot_banner"
    # the piece is the one line, its stamp kept: none of the lines around it
    assert events[1].text == "[0004.955] NvTbootI2c: Read failed for slave 0xac, offset 0x00 with error code 0x00045001"


def test_t210_stamped_line_after_a_sentence_stays_a_log_line():
    # a sentence, then the console line glued after it: the line is what the board printed, not a quote
    [event] = LineParser()._parse_new("Here is what the console shows [0004.955] NvTbootI2c: Read failed for slave 0xac", 1)
    assert event.kind == "UnreadFailure" and not event.quoted


@pytest.mark.parametrize("banner", ["[L4T TegraBoot] (version 00.00.2018.01-l4t-b1625959)",
                                    "[TegraBoot] (version 00.00.2018.01-l4t-33e7fa82)"])
def test_t210_tegraboot_banner_alone_shows_a_boot_under_way(banner):
    report = explain(f"[0000.125] {banner}\n[0000.131] Processing in cold boot mode Bootloader 2\n")
    assert report.status == "incomplete"


@pytest.mark.parametrize("line, node", [
    ("Starting network: OK Welcome to Buildroot buildroot login:", "buildroot"),  # newlines lost before the prompt
    ("jetson-nano login:", "jetson-nano"),
    ("it always stops at the jetson login:", None),  # someone saying where it stops
    ("Welcome to Buildroot buildroot login: root Password:", None),  # the prompt answered: more follows it
])
def test_console_login_prompt_ends_a_glued_line(line, node):
    found = parse_console_login(line)
    assert (found and found["node"]) == node


def test_the_efi_stubs_lines_glued_together_read_apart() -> None:
    # a paste that lost its newlines: UEFI's launcher gives up on extlinux, then the kernel's EFI stub
    # takes over, warns of the missing initrd and goes on
    lines = ["L4TLauncher: Unable to boot via extlinux: Not Found", "EFI stub: Booting Linux Kernel...",
             "EFI stub: Using DTB from configuration table", "EFI stub: ERROR: Failed to load initrd!",
             "EFI stub: Exiting boot services and installing virtual address map..."]
    pieces = LineParser().unwrapper.pieces(" ".join(lines), as_pasted=True)
    assert pieces == lines
    glued = explain(" ".join(lines[:3]) + "\n" + " ".join(lines[3:]) + "\n")
    apart = explain("\n".join(lines) + "\n")
    assert (glued.status, [f.id for f in glued.findings]) == (apart.status, [f.id for f in apart.findings])


def test_efi_stub_words_in_a_sentence_that_introduces_them_stay_its_lead() -> None:
    # a tool's own "tag:" before the stub's words introduces them: no cut there
    assert LineParser().unwrapper.pieces("loader: EFI stub: Booting Linux Kernel...", as_pasted=True) == [
        "loader: EFI stub: Booting Linux Kernel..."]


_INITRD_FLASH_HEAD = (
    "Starting at 2024-08-19T13:53:04-07:00\n"
    "Machine:       jetson-orin-nano-devkit\n"
    "Rootfs device: mmcblk0p1\n"
    "Found Jetson device in recovery mode at USB 1-8.4\n"
    "== Step 1: Signing binaries at 2024-08-19T13:53:05-07:00 ==\n"
    "== Step 2: Boot Jetson via RCM at 2024-08-19T13:53:18-07:00 ==\n"
    "== Step 3: Sending flash sequence commands at 2024-08-19T13:53:22-07:00 ==\n"
    "Waiting for USB storage device flashpkg from 1137aeb0.......[/dev/sda]\n"
    "Device size in blocks: 262144\n"
    "Unmounted /dev/sda.\n"
    "== Step 4: Writing partitions on internal storage device at 2024-08-19T13:53:45-07:00 ==\n"
)


def test_initrd_flash_cut_while_it_waits_for_the_exported_device_is_incomplete() -> None:
    stalled = _INITRD_FLASH_HEAD + "Waiting for USB storage device mmcblk0 from 1137aeb0" + "." * 60 + "\n"
    report = explain(stalled)
    assert report.status == "incomplete"
    waits = [e for e in parse_text(stalled) if getattr(e, "message", None) == "tegra.mt_waiting_usb_storage"]
    assert [(e.line, e.values["device"], e.values["source"]) for e in waits] == [(8, "flashpkg", "1137aeb0"), (12, "mmcblk0", "1137aeb0")]


def test_initrd_flash_progress_alone_is_a_flash_under_way() -> None:
    # its numbered steps carry no failure word, yet they show a flash that started and did not end
    head = _INITRD_FLASH_HEAD.split("== Step 3")[0]
    report = explain(head)
    assert report.status == "incomplete"
    assert explain("== Step 1 of the tutorial: install the SDK ==\n").status == "unrecognised"


def test_initrd_flash_wait_that_found_its_device_does_not_stall_a_completed_run() -> None:
    done = (_INITRD_FLASH_HEAD + "Waiting for USB storage device mmcblk0 from 1137aeb0....[/dev/sdb]\n"
            "== Step 5: Waiting for final status from device at 2024-08-19T13:55:10-07:00 ==\n"
            "Waiting for USB storage device flashpkg from 1137aeb0...[/dev/sda]\n"
            "Final status: SUCCESS\n"
            "Successfully finished at 2024-08-19T13:55:20-07:00\n")
    assert explain(done).status == "healthy"


def test_initrd_flash_status_package_glued_to_the_wait_is_still_the_failure() -> None:
    report = explain(_INITRD_FLASH_HEAD.replace("internal", "external")
                     + "Waiting for USB storage device nvme0n1 from a4380a09......[got flashpkg when expecting nvme0n1]\n"
                     "ERR: could not find nvme0n1\n")
    assert report.status != "healthy" and report.status != "incomplete"
    assert [e.line for e in report.unexplained][:1] == [12]


def test_a_board_conf_without_the_module_sku_is_read_with_the_sku_or_without_one() -> None:
    # flash.sh's board .conf stops on a module SKU it has no device tree for; with an empty SKU the
    # EEPROM was never read
    found = parse_text("Board ID(3767) version(300) sku(0005) revision(N.1)\n"
                       "Error: Unrecognized module SKU 0005\nError: failed to generate images\n")
    known = [(e.message, e.values) for e in found if getattr(e, "message", None) == "tegra.conf_unrecognized_module_sku"]
    assert known == [("tegra.conf_unrecognized_module_sku", {"sku": "0005"})]
    empty = parse_text("Error: Unrecognized module SKU\n")
    assert [getattr(e, "message", None) for e in empty] == ["tegra.conf_unrecognized_module_sku"]
    assert explain("Error: Unrecognized module SKU 0005\n").status == "unexplained"


def test_the_kernel_panic_countdown_on_a_jetson_console_is_the_kernel_s_not_esp_idf_s() -> None:
    panic = ("[    2.404920] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000000\n"
             "[    2.575663] Rebooting in 5 seconds..\n")
    found = [(e.platform, e.message) for e in parse_text(panic) if hasattr(e, "message")]
    assert found == [("tegra", "tegra.linux_kernel_panic"), ("tegra", "tegra.linux_panic_rebooting")]
    assert explain(panic).status == "unexplained"
    # near miss: ESP-IDF's panic handler, in an ESP log, stays ESP-IDF's
    esp = parse_text("E (1234) esp_core_dump: Core dump flash config is corrupted\nRebooting in 5 seconds...\n")
    assert [(e.platform, e.message) for e in esp if hasattr(e, "message")][-1] == ("esp", "idf.panic_rebooting_in")


@pytest.mark.parametrize("line", [
    "[    2.311519] Kernel panic - not syncing:VFS: Unable to mount root fs on unknown-block(179,1)",
    "[    2.311519] Kernel panic -not syncing: VFS: Unable to mount root fs on unknown-block(179,1)",
    "[    2.311519] Kernel panic-not syncing: VFS: Unable to mount root fs on unknown-block(179,1)",
])
def test_a_kernel_panic_that_lost_a_blank_beside_its_punctuation_is_still_the_panic(line: str) -> None:
    [event] = parse_text(line + "\n")
    assert event.message == "tegra.linux_kernel_panic"
    assert event.values["reason"] == "VFS: Unable to mount root fs on unknown-block(179,1)"



def test_a_write_naming_no_partition_of_the_layout_is_a_catalogued_failure() -> None:
    event = one("Error: Error: Can not find partition type for dtb")
    assert event.message == "tegra.tf_t234_partition_type_not_found" and event.is_failure()
    assert event.values == {"partition": "dtb"}
    report = explain("[  11.2554 ] MB2 version 01.00.0000\nError: Error: Can not find partition type for a_kernel-dtb\n")
    [line] = report.unexplained
    assert report.status == "unexplained" and line.line == 2 and "flash layout" in line.meaning


def test_op_tee_key_derivation_it_skips_is_no_failure_but_an_ekb_it_cannot_open_is() -> None:
    # a fused Orin whose OEM_K2 slot gives no key: the security engine refuses, OP-TEE skips that key,
    # and from R35.5 the secure storage root key's failure is not critical either
    skipped = ("M/TC: SE abnormal cond, error info: 0x30040000\n"
               "M/TC: HW error: d(0), e(0), ro(0x110), rv(0xb0040000), che(0x30), act(0x0)\n"
               "M/TC: device SE0(0) AES DONE: error_capture 0x30040000\n"
               "M/TC: AES crypto failed: -17\n"
               "E/TC:00 00 se_aes_encrypt:35 se_aes_encrypt failed with: -17\n"
               "I/TC: Derive EKB_RK from #1 fuse key failed, ignored.\n"
               "E/TC:00 00 hwkey_derivation_process:369 hwkey_derivation_process: Failed to derive SSK root key (ffff0000)\n")
    events = [e for e in parse_text(skipped) if e.kind == "CatalogueMessage"]
    assert len(events) == 7 and not any(e.is_failure() for e in events)
    assert explain(skipped).status != "unexplained"
    # no root key verifies the EKB: the key blob was made for other fuse keys
    refused = ("E/TC:00 00 ekb_extraction_process:261 EKB signature mismatch when using #0 EKB_RK.\n"
               "E/TC:00 00 ekb_extraction_process:328 Tried all EKB_RKs but still can't extract the EKB image.\n"
               "E/TC:00 00 jetson_user_key_pta_init:982 jetson_user_key_pta_init: Failed (ffff000f).\n")
    assert [e.message for e in parse_text(refused) if e.kind == "CatalogueMessage"] == [
        "tegra.dev_optee_ekb_rk_mismatch", "tegra.dev_optee_ekb_not_extracted", "tegra.dev_optee_user_key_service_failed"]
    report = explain(refused)
    assert report.status == "diagnosed" and report.findings[0].id == "tegra.ekb_not_for_board"
    # one root key that did not verify, another that did: nothing failed
    assert explain("E/TC:00 00 ekb_extraction_process:261 EKB signature mismatch when using #0 EKB_RK.\n").status != "diagnosed"


def test_a_bootloader_without_a_display_boots_on_but_an_uncorrectable_ras_error_stops_it() -> None:
    # cboot/NVDisp-Init on a board with no HDMI display: it gives up on the display and goes on booting
    headless = ("[0003.847] E> tegrabl_display_init_regulator: hdmi cable is not connected\n"
                "[0003.848] E> tegrabl_display_get_pdata, failed to parse dtb settings\n"
                "[0003.849] E> cannot find any other nvdisp nodes\n"
                "[0003.849] E> no valid display unit config found in dtb\n"
                "[0003.862] starting app kernel_boot_app\n")
    events = [e for e in parse_text(headless) if e.kind == "TegraDeviceLog"]
    assert len(events) == 4 and not any(e.is_failure() for e in events)
    assert explain(headless).status != "unexplained"
    # the same level mark on a display error the catalogue does not know stays a failure
    [other] = [e for e in parse_text("[0003.847] E> tegrabl_display_init_regulator: cannot read hdmi pin status\n")
               if e.kind == "TegraDeviceLog"]
    assert other.is_failure()
    # T194 BL31 reporting RAS error records: only the uncorrectable one is the failure
    ras = ("ERROR:   MPIDR 0x80000000: exception reason=0 syndrome=0xbe000000\n"
           "ERROR:   RAS Error in L2, ERRSELR_EL1=0x200:\n"
           "ERROR:   \tUncorrectable (this is fatal)\n")
    report = explain(ras)
    assert report.status == "unexplained" and [line.line for line in report.unexplained] == [3]


def test_systemd_boot_without_the_firmware_dt_fixup_protocol_goes_on() -> None:
    skipped = one("Could not locate device tree fixup protocol, skipping.")
    assert skipped.message == "tegra.systemd_boot_no_dt_fixup_protocol" and not skipped.is_failure()
    handover = (
        "Could not locate device tree fixup protocol, skipping.\n"
        "EFI stub: Booting Linux Kernel...\n"
        "EFI stub: Using DTB from configuration table\n"
        "EFI stub: Exiting boot services and installing virtual address map...\n"
    )
    assert explain(handover).status == "healthy"
    # the stub refusing the firmware's device tree is still a failure beside it
    refused = handover.replace("Using DTB from configuration table",
                               "ERROR: Invalid header detected on UEFI supplied FDT, ignoring ...")
    [line] = explain(refused).unexplained
    assert line.line == 3


def test_nvtboot_missing_a_boot_binary_partition_is_a_failure_but_the_optional_nct_is_not() -> None:
    missing = one("[0000.338] PT: Partition TBC NOT found ! ")
    assert missing.message == "tegra.nvtboot_pt_partition_not_found" and missing.is_failure()
    assert missing.values == {"partition": "TBC"}
    nct = one("[0000.946] PT: Partition NCT NOT found !")
    assert nct.message == "tegra.nvtboot_pt_nct_not_found" and not nct.is_failure()
    report = explain(
        "[0000.314] Nano-SD: checking PT table on QSPI ...\n[0000.338] PT: Partition TBC NOT found ! \n"
        "[0000.342] Warning: Find Partition via PT Failed\n"
    )
    assert report.status == "unexplained" and [u.line for u in report.unexplained] == [2]


def test_an_empty_reserved_memory_node_of_an_l4t_kernel_is_no_failure() -> None:
    # L4T R32's device tree carries the framebuffer carveouts at size 0 unless the bootloader drives a
    # display: the 4.9 kernel reports each as a failed reservation on every such boot
    empty = ("[    0.000000] Booting Linux on physical CPU 0x0\n"
             "[    0.000000] OF: fdt:Reserved memory: failed to reserve memory for node 'fb0_carveout': "
             "base 0x0000000000000000, size 0 MiB\n")
    events = parse_text(empty)
    assert events[1].message == "tegra.linux_reserved_mem_empty_node"
    assert events[1].values == {"node": "fb0_carveout", "base": "0x0000000000000000"}
    assert not any(e.is_failure() for e in events)
    assert explain(empty).status == "incomplete"
    # near miss: a region with a size the kernel could not set aside stays a failure
    sized = ("[    0.000000] OF: fdt:Reserved memory: failed to reserve memory for node 'vpr-carveout': "
             "base 0x00000000c0000000, size 512 MiB\n")
    assert explain(sized).status == "unexplained"


def test_exit_status_8_says_whether_the_device_answered_the_command_first() -> None:
    def return_value(log: str) -> ev.TegraReturnValue:
        return next(e for e in parse_text(log) if isinstance(e, ev.TegraReturnValue))

    command = ("[   9.7460 ] tegrarcm_v2 --download bct_bootrom br_bct_BR.bct --download bct_mb1 "
               "mb1_bct_MB1_sigheader.bct.encrypt --download bct_mem mem_rcm_sigheader.bct.encrypt\n")
    answered = command + "[   9.7488 ] Applet version 01.00.0000\n[   9.8369 ] Sending bct_bootrom\nError: Return value 8\n"
    assert return_value(answered).answered
    silent = "[ 0.0199 ] tegrarcm_v2 --chip 0x18 --rcm rcm_list_signed.xml --skipuid\n[ 0.7299 ] \nError: Return value 8\n"
    assert not return_value(silent).answered
    # an answer to an earlier command of the run is not one to the command that failed
    earlier = ("[ 1.0000 ] tegrarcm_v2 --isapplet\n[ 1.0100 ] Applet version 01.00.0000\n" + silent)
    assert not return_value(earlier).answered
    assert "tegra.not_in_recovery_mode" in [f.id for f in explain(silent).findings]
    assert "tegra.not_in_recovery_mode" not in [f.id for f in explain(answered).findings]


def test_a_kernel_log_after_the_efi_stub_hand_over_is_the_kernel_stage_under_way() -> None:
    # UEFI's part ends at the EFI stub: its own lines after the hand-over show the kernel was entered.
    # Once the kernel prints its banner the boot is in the kernel's hands, and a kernel log that stops
    # before a login is a boot under way or hung, not a completed one.
    stub = ("L4TLauncher: Attempting Direct Boot\n"
            "EFI stub: Booting Linux Kernel...\n"
            "EFI stub: Using DTB from configuration table\n"
            "EFI stub: Exiting boot services...\n")
    assert explain(stub).status == "healthy"
    kernel = stub + ("[    0.000000] Linux version 5.10.104-tegra (buildbrain@mobile-u64-5273-d7000) (aarch64-buildroot-linux-gnu-gcc.br_real "
                     "(Buildroot 2020.08) 9.3.0, GNU ld (GNU Binutils) 2.33.1) #1 SMP PREEMPT Wed Aug 10 20:32:39 PDT 2022\n"
                     "[    0.000000] Machine model: Jetson AGX Orin\n")
    events = parse_text(kernel)
    assert [e.message for e in events if getattr(e, "message", None) == "tegra.linux_version_banner"]
    assert explain(kernel).status == "incomplete"
    assert explain(kernel + "\nUbuntu 20.04.6 LTS ubuntu ttyTCU0\n\nubuntu login: \n").status == "healthy"


def test_a_failed_bct_download_went_to_an_applet_the_bootrom_had_taken() -> None:
    # tegraflash sends the BCTs to the applet only after the BootROM exchange of the same run: a paste
    # of only the failure lines still shows the board was in recovery mode
    failure = ("Error: Return value 8\n"
               "Command tegrarcm_v2 --download bct_bootrom br_bct_BR.bct --download bct_mb1 "
               "mb1_bct_MB1_sigheader.bct.encrypt --download bct_mem mem_rcm_sigheader.bct.encrypt\n"
               "Failed flashing t186ref.\n")
    command = next(e for e in parse_text(failure) if isinstance(e, ev.TegraFailedCommand))
    assert command.after_bootrom
    assert "tegra.not_in_recovery_mode" not in [f.id for f in explain(failure).findings]
    # near misses: the first contact with the BootROM (--rcm, or --new_session --uid on T234)
    for first in ("Command tegrarcm_v2 --chip 0x18 --rcm rcm_list_signed.xml --skipuid\n",
                  "Command tegrarcm_v2 --new_session --chip 0x23 0 --uid --download bct_br br_bct_BR.bct\n"):
        report = explain("Error: Return value 8\n" + first)
        assert not next(e for e in parse_text(first) if isinstance(e, ev.TegraFailedCommand)).after_bootrom
        assert "tegra.not_in_recovery_mode" in [f.id for f in report.findings]


def test_a_tegraflash_traceback_is_a_failure_and_other_python_frames_are_not() -> None:
    crashed = (
        "Traceback (most recent call last):\n"
        '  File "./tegraflash.py", line 1280, in <module>\n'
        "    tegraflash_run_commands()\n"
        '  File "./tegraflash.py", line 1149, in tegraflash_run_commands\n'
        "    interpreter.onecmd(command)\n"
    )
    read = [(e.message, e.severity) for e in parse_text(crashed) if e.kind == "CatalogueMessage"]
    assert read == [("tegra.tegraflash_python_exception", "failure")]
    # a traceback of another program, or a frame of another tegraflash function, is not this message
    other = '  File "./tegraflash.py", line 1280, in <module>\n  File "/usr/lib/python3.8/cmd.py", line 217, in onecmd\n'
    assert not [e for e in parse_text(other) if e.kind == "CatalogueMessage" and e.message == "tegra.tegraflash_python_exception"]

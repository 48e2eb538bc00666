"""MCUboot parsing and rules on whole captures: the measured-boot case in every wire format, seed 002."""
from __future__ import annotations

from pathlib import Path

import pytest

from bootdiag.core.parse import parse_text
from bootdiag.core.pipeline import explain

SEED_002 = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "002_a7627d92c4bf82be.txt"
TAIL = ["Image index: 1, Swap type: none", "Failed to add image data to shared area", "Unable to find bootable image"]
LEVELS = ["INF", "ERR", "ERR"]
WIRES = {
    "tf-m": ("\r\n", lambda lvl, m: f"[{lvl}] {m}"),
    "zephyr-minimal": ("\n", lambda lvl, m: f"{lvl[0]}: {m}"),
    "zephyr-log": ("\r\n", lambda lvl, m: f"[00:00:00.041,289] <{lvl.lower()[:1] + {'INF': 'nf', 'ERR': 'rr'}[lvl]}> mcuboot: {m}"),
    "espressif": ("\n\r", lambda lvl, m: f"[esp32c3] [{lvl}] {m}"),
}


@pytest.mark.parametrize("wire", sorted(WIRES))
def test_missing_boot_record_from_the_log_alone(wire: str) -> None:
    eol, fmt = WIRES[wire]
    report = explain(eol.join(fmt(lvl, m) for lvl, m in zip(LEVELS, TAIL)) + eol)
    assert report.exit_code == 1
    assert report.findings[0].id == "mcuboot.missing_boot_record"


def test_not_valid_before_the_shared_area_line_is_not_pinned_on_the_boot_record() -> None:
    log = "[INF] Image index: 1, Swap type: none\n[ERR] Image in the primary slot is not valid!\n[ERR] Unable to find bootable image\n"
    ids = [f.id for f in explain(log).findings]
    assert ids[0] == "mcuboot.image_not_valid"
    assert "mcuboot.missing_boot_record" not in ids
    assert len(explain(log).findings[0].candidates) >= 5


def test_app_banner_after_the_jump_does_not_open_a_session() -> None:
    log = "*** Booting Zephyr OS build v3.2.99 ***\nI: Starting bootloader\nI: Jumping to the first image slot\n*** Booting Zephyr OS build v3.2.99 ***\n"
    report = explain(log)
    assert report.stats["sessions"] == 1 and report.status == "healthy"
    assert [e.kind for e in parse_text(log)][-1] == "ZephyrAppBanner"


def test_a_banner_only_bootloader_hands_over_to_the_next_banner() -> None:
    # MCUboot built without logging prints its banners and nothing else; the next image's banner shows it started.
    log = "*** Booting MCUboot v2.1.0-dev-ae1ee57f3906 ***\n*** Using Zephyr OS v4.0.99 ***\n*** Booting My Application v0.1.99 ***\nHello\n"
    assert [e.kind for e in parse_text(log)][-1] == "ZephyrAppBanner"
    assert explain(log).status == "healthy"


def test_a_banner_after_bootloader_log_lines_without_a_jump_is_not_the_application() -> None:
    log = "*** Booting MCUboot v2.1.0 ***\nI: Starting bootloader\nI: Boot source: none\n*** Booting Zephyr OS build v4.0.99 ***\n"
    assert "ZephyrAppBanner" not in [e.kind for e in parse_text(log)]


def test_a_lone_uneven_slot_split_is_a_weak_layout_lead_but_no_alarm_on_a_boot_that_ran() -> None:
    uneven = "D: Non-optimal sector distribution, slot0 has 62 usable sectors (64 assigned) but slot1 has 64 assigned\n"
    alone = explain("I: Starting bootloader\n" + uneven)
    assert alone.findings[0].id == "mcuboot.slot_or_trailer_problem" and alone.findings[0].confidence == "low"
    ran = explain("I: Starting bootloader\n" + uneven + "I: Jumping to the first image slot\n*** Booting Zephyr OS build v3.6.0 ***\nHello\n")
    assert ran.status == "healthy"


def test_west_naming_a_failed_imgtool_run_is_a_failure_but_a_quoted_command_is_not() -> None:
    failed = "FATAL ERROR: command exited with status 2: /usr/local/bin/imgtool sign --header-size 0x200 --slot-size 4096 a.bin b.bin\n"
    (event,) = [e for e in parse_text(failed) if e.kind == "ImgtoolSignCommand"]
    assert event.exit_status == 2 and event.is_failure()
    assert explain(failed).status == "unexplained"
    quoted = "I signed it with imgtool sign --header-size 0x200 --slot-size 0x60000 a.bin b.bin\n"
    assert not [e for e in parse_text(quoted) if e.is_failure()]
    # the interpreter west ran an imgtool.py (or the imgtool module) with comes before it
    for runner in ("/usr/bin/python3 /opt/mcuboot/scripts/imgtool.py", "C:\\Python311\\python.exe -m imgtool"):
        line = f"FATAL ERROR: command exited with status 1: {runner} sign --header-size 0x200 --slot-size 4096 a.bin b.bin\n"
        (event,) = [e for e in parse_text(line) if e.kind == "ImgtoolSignCommand"]
        assert event.exit_status == 1, runner
    # a command that merely follows west's words somewhere else on the line is not the one that failed
    other = "FATAL ERROR: command exited with status 1: cmake --build build; then imgtool sign --header-size 0x200 a.bin b.bin\n"
    assert [e.exit_status for e in parse_text(other) if e.kind == "ImgtoolSignCommand"] == [None]


def test_west_sign_passing_a_zero_header_size_means_the_build_left_no_header_room() -> None:
    run = "FATAL ERROR: command exited with status 2: /usr/local/bin/imgtool sign --version 0.0.0+0 --align 4 --header-size 0 --slot-size 4096 a.bin b.bin\n"
    assert explain(run).findings[0].id == "mcuboot.sign_header_offset_zero"
    # The same header size in a command someone quotes (not one west ran) says nothing about the build.
    quoted = "I tried imgtool sign --header-size 0 --slot-size 4096 a.bin b.bin\n"
    assert "mcuboot.sign_header_offset_zero" not in [f.id for f in explain(quoted).findings]


def test_a_zero_header_size_run_broken_by_a_mail_program_is_the_same_finding() -> None:
    import textwrap

    run = [
        'Error: Invalid value for "-H" / "--header-size": Minimum value for -H/--header-size is 32',
        "FATAL ERROR: command exited with status 2: /usr/local/bin/imgtool sign --version 0.0.0+0 --align 4"
        " --header-size 0 --slot-size 421888 --key key.pem /ci/build/zephyr/zephyr.bin /ci/build/zephyr/zephyr.signed.bin",
    ]
    mailed = ["> " + row for line in run for row in textwrap.wrap(line, 72, break_long_words=False, break_on_hyphens=False)]
    for text in (run, mailed):
        assert explain("\n".join(text) + "\n").findings[0].id == "mcuboot.sign_header_offset_zero"


def test_a_header_size_given_to_west_sign_under_the_vector_table_alignment_is_a_finding() -> None:
    signed = "west sign -t imgtool -- --key root-rsa-2048.pem --header-size 32 --pad-header\n"
    assert explain(signed).findings[0].id == "mcuboot.sign_header_size_too_small"
    # The mcuboot_pad size of a partition-manager build, or no header size at all, is no finding.
    for fine in ("--header-size 0x200 --pad-header", ""):
        report = explain(f"west sign -t imgtool -- --key root-rsa-2048.pem {fine}\n")
        assert "mcuboot.sign_header_size_too_small" not in [f.id for f in report.findings]
    # An application that ran after the update shows the header was where its code starts.
    ran = signed + "I: Starting bootloader\nI: Jumping to the first image slot\n*** Booting Zephyr OS build v3.6.0 ***\nHello World!\n"
    assert explain(ran).status == "healthy"


def test_west_flash_read_with_its_long_verbose_option_and_markdown_emphasis() -> None:
    events = parse_text(
        "run **west --verbose flash --bin-file build/zephyr/app.signed.bin**\n"
        "**-- runners.openocd: Flashing file: /w/build/zephyr/zephyr.hex**\n"
    )
    command, flashing = [e for e in events if e.kind in ("WestFlashCommand", "WestFlashingFile")]
    assert command.requested == "build/zephyr/app.signed.bin"
    assert flashing.file == "/w/build/zephyr/zephyr.hex" and flashing.runner == "openocd"
    # west's own "-- west flash: ..." lines are not a command someone ran
    assert not [e for e in parse_text("-- west flash: using runner openocd\n") if e.kind == "WestFlashCommand"]


def test_application_minimal_log_lines_are_not_mcuboot_events() -> None:
    assert not [e for e in parse_text("I: sensor ready\nE: sensor read failed (-5)\n") if e.family == "mcuboot"]


@pytest.mark.skipif(not SEED_002.is_file(), reason="shared/seeds is not beside the checkout")
def test_seed_002_prose_is_read_as_a_report_not_as_a_log() -> None:
    # The article quotes no raw log line: its "not valid" story must not become a boot-record finding,
    # and nothing in it is taken for a line MCUboot printed.
    report = explain(SEED_002)
    assert [f.id for f in report.findings] == ["mcuboot.reported_not_valid"]
    assert not [e for e in parse_text(SEED_002.read_text(encoding="utf-8")) if e.family == "mcuboot"]


ESP_LOAD = "[esp32c3] [INF] br_image_off = 0x20000\n[esp32c3] [INF] ih_hdr_size = {size}\n[esp32c3] [ERR] Load header magic verification failed. Aborting\n"


def test_a_load_header_failure_is_the_image_unless_the_bootloader_lost_the_header_size() -> None:
    assert [f.id for f in explain(ESP_LOAD.format(size="0x20")).findings] == ["mcuboot.esp_app_not_port_image"]
    lost = explain(ESP_LOAD.format(size="0x0"))  # no validated image has a header of 0 bytes
    assert (lost.status, lost.findings) == ("unexplained", [])


@pytest.mark.parametrize("line", ["Erasing faulty image in the primary slot.", "[DBG] Erasing faulty image in the secondary slot."])
def test_an_erased_faulty_image_is_a_failure_even_without_a_level(line: str) -> None:
    report = explain(f"Primary slot: version=1.0.0+0\n{line}\n")
    assert report.status == "diagnosed"
    assert [(f.id, f.confidence) for f in report.findings] == [("mcuboot.update_not_confirmed", "medium")]


SWAP_BOOT = (
    "I: Starting bootloader\n"
    "I: Primary image: magic=good, swap_type=0x2, copy_done=0x1, image_ok={image_ok}\n"
    "I: Image index: 0, Swap type: {swap}\n"
    "I: Bootloader chainload address offset: 0xc000\n"
    "I: Jumping to the first image slot\n"
    "*** Booting Zephyr OS build v3.7.0 ***\n"
)
TEST_BOOT = SWAP_BOOT.replace("magic=good, swap_type=0x2, copy_done=0x1", "magic=unset, swap_type=0x1, copy_done=0x3").format(image_ok="0x3", swap="test")


def test_a_revert_is_an_unconfirmed_update_surest_after_the_test_swap_it_undoes() -> None:
    reverted = explain(TEST_BOOT + SWAP_BOOT.format(image_ok="0x3", swap="revert"))
    assert [(f.id, f.confidence) for f in reverted.findings] == [("mcuboot.update_not_confirmed", "high")]
    # The revert alone is the update lost all the same (the previous image runs again after the reset);
    # without the test swap in view, what kept the image from confirming itself is less sure.
    alone = explain(SWAP_BOOT.format(image_ok="0x3", swap="revert"))
    assert alone.status == "diagnosed"
    assert [(f.id, f.confidence) for f in alone.findings] == [("mcuboot.update_not_confirmed", "medium")]
    # A confirmed update boots with "Swap type: none".
    assert explain(TEST_BOOT + SWAP_BOOT.format(image_ok="0x1", swap="none")).status == "healthy"


SECTORS = "I: Starting bootloader\nW: Failed reading sectors; BOOT_MAX_IMG_SECTORS=128 - too small?\nE: Unable to find bootable image\n"


def test_failed_reading_sectors_alone_is_a_low_confidence_layout_finding() -> None:
    (finding,) = explain(SECTORS).findings
    assert (finding.id, finding.confidence) == ("mcuboot.slot_or_trailer_problem", "low")
    assert "flash map" in finding.explanation
    swap = "I: Starting bootloader\nW: Not enough free space to run swap upgrade\n"
    assert [(f.id, f.confidence) for f in explain(swap).findings] == [("mcuboot.slot_or_trailer_problem", "high")]


SWAP_PANIC = "[INF] Starting bootloader\n[INF] Starting swap using scratch algorithm.\n{extra}[ERR] panic!\n"


def test_a_panic_alone_is_a_low_confidence_layout_finding_that_names_the_flash_driver() -> None:
    (finding,) = explain(SWAP_PANIC.format(extra="")).findings
    assert (finding.id, finding.confidence) == ("mcuboot.slot_or_trailer_problem", "low")
    assert "flash driver" in finding.explanation and any("flash driver" in step for step in finding.fix)
    beside = explain(SWAP_PANIC.format(extra="[WRN] Not enough free space to run swap upgrade\n")).findings
    assert [(f.id, f.confidence) for f in beside] == [("mcuboot.slot_or_trailer_problem", "high")]


JUMP = "[INF] Starting bootloader\n[INF] Bootloader chainload address offset: 0x20000\n[INF] Jumping to the first image slot\n"


@pytest.mark.parametrize("after", [
    "", "```\n", "\n\n",
    # a closing fence, or the poster's own words under the log, are not the image printing
    "```\nNothing from the application follows; my app runs when built without MCUboot.\n",
    "They also seem to show a jump offset that doesn't account for the header, but I'm not sure.\n",
    "\nAfter this the board does nothing and I am stuck with it.\n",
    "```\nAny idea?\n", "What am I missing?\n",
])
def test_silence_after_the_jump_is_a_finding(after: str) -> None:
    assert [f.id for f in explain(JUMP + after).findings] == ["mcuboot.bad_header_size"]


@pytest.mark.parametrize("after", [
    "NuttShell (NSH)\nnsh> \n", "\n> Hello from my RTOS\n",
    "I am not sure this is right, but the board then prints:\n*** Booting Zephyr OS build v3.7.0 ***\n",
])
def test_output_after_the_jump_shows_the_image_ran(after: str) -> None:
    report = explain(JUMP + after)
    assert report.status == "healthy" and report.findings == []


def test_the_tf_m_secure_image_glued_after_the_jump_is_read_apart_from_it() -> None:
    events = parse_text("[INF] Bootloader chainload address offset: 0x80000 [INF] Jumping to the first image slot "
                        "[Sec Thread] Secure image initializing!\n")
    assert [e.kind for e in events] == ["McubootChainload", "McubootJump", "TfmSecureLog"]


# The NXP MCUXpresso SDK port prints every MCUboot line bare (DbgConsole_Printf, no level or tag) and
# hands over with its own words (nxp-mcuxpresso/mcuboot boot/nxp_mcux_sdk/boot.c).
NXP_JUMP = (
    "hello sbl.\nBootloader Version 1.9.0\nImage 0 loaded from the primary slot\n"
    "Bootloader chainload address offset: 0x40000\nReset_Handler address offset: 0x40400\nJumping to the image\n\n\n"
)


def test_nxp_port_hand_over_is_read_bare() -> None:
    events = [e for e in parse_text(NXP_JUMP) if type(e).__name__ == "McubootJump"]
    assert [e.line for e in events] == [6] and events[0].direct_xip is False


def test_nxp_port_silence_after_the_hand_over_is_a_finding() -> None:
    assert [f.id for f in explain(NXP_JUMP + "After this the MCU keeps resetting and the app is not executed.\n").findings] == ["mcuboot.bad_header_size"]


def test_nxp_port_application_output_after_the_hand_over_is_healthy() -> None:
    report = explain(NXP_JUMP + "Booting the primary slot - flash remapping is disabled\n\n* Basic MCUBoot application example *\n")
    assert report.status == "healthy" and report.findings == []


def test_line_ends_shown_as_hex_codes_are_line_breaks() -> None:
    # A terminal program that prints CR and LF as "{0D}{0A}" puts the whole capture on one line.
    shown = "*** Booting Zephyr OS build v3.0.99-ncs1 ***{0D}{0A} " + "{0D}{0A} ".join(JUMP.splitlines()) + "{0D}"
    kinds = [type(e).__name__ for e in parse_text(shown)]
    assert kinds[-3:] == ["McubootStart", "McubootChainload", "McubootJump"]
    assert [f.id for f in explain(shown).findings] == ["mcuboot.bad_header_size"]


@pytest.mark.parametrize("after", [
    "     8\t\n     9\tAfter this the MCU keeps resetting and the app is not executed.\n",
    "[2024-03-01 10:00:09.063] \n[2024-03-01 10:00:10.070] The CPU is stuck in this case and a boot never occurs.\n",
    "     8\t```\n",
])
def test_line_numbers_or_stamps_after_the_jump_are_not_output(after: str) -> None:
    assert [f.id for f in explain(JUMP + after).findings] == ["mcuboot.bad_header_size"]


def test_an_application_banner_glued_to_the_next_line_shows_the_application_ran() -> None:
    # A forum post lost the line ends: the application's banner and its first output share a line.
    glued = (
        "[00:00:00.366,668] <inf> mcuboot: Starting bootloader "
        "[00:00:00.388,854] <inf> mcuboot: Swap type: none "
        "[00:00:28.769,042] <inf> mcuboot: Bootloader chainload address offset: 0x10000 "
        "[00:00:28.776,916] <inf> mcuboot: Jumping to the first image slot "
        "*** Booting Zephyr OS build v2.4.0-ncs1 *** Flash regions Domain Permissions 00 02 0x00000 0x18000 Secure rwxl\n"
    )
    report = explain(glued)
    assert report.status == "healthy" and report.findings == []
    # the same jump with nothing after it is still the silent hand-over
    silent = glued.split(" *** Booting")[0] + "\n"
    assert [f.id for f in explain(silent).findings] == ["mcuboot.bad_header_size"]


# The nRF Connect SDK immutable bootloader (b0) prints through printk with no level; its own build prints
# the NCS banner first, so the banner alone must not make a failed b0 boot look healthy.
B0_FOUND_NOTHING = (
    "*** Booting nRF Connect SDK v2.5.1 ***\nAttempting to boot slot 0.\nNo fw_info struct found.\n"
    "Attempting to boot slot 1.\nNo fw_info struct found.\nNo bootable image found. Aborting boot.\n"
)


def test_b0_finding_no_bootable_slot_is_a_failure_not_a_healthy_boot() -> None:
    report = explain(B0_FOUND_NOTHING)
    assert report.status == "unexplained" and report.exit_code == 3
    assert [e.line for e in report.unexplained] == [6]


def test_b0_handing_over_to_mcuboot_and_the_application_is_healthy() -> None:
    chain = (
        "*** Booting nRF Connect SDK v2.9.0 ***\nAttempting to boot slot 0.\nAttempting to boot from address 0x8200.\n"
        "I: Verifying signature against key 0.\nI: Firmware signature verified.\nFirmware version 1\nBooting (0x8200).\n"
        + JUMP + "*** Booting nRF Connect SDK v2.9.0 ***\nHello World! nrf5340dk\n"
    )
    report = explain(chain)
    assert report.status == "healthy" and report.findings == []
    kinds = {e.message for e in parse_text(chain) if type(e).__name__ == "CatalogueMessage"}
    assert "nsib.booting" in kinds  # the hand-over to the next stage


def test_b0_rejecting_one_slot_but_booting_the_other_is_not_a_failure() -> None:
    fallback = (
        "Attempting to boot slot 0.\nAttempting to boot from address 0x8200.\n"
        "E: Failed to validate signature.\nFailed to validate, permanently invalidating!\n"
        "Attempting to boot slot 1.\nAttempting to boot from address 0x18200.\nBooting (0x18200).\n"
        + JUMP + "*** Booting Zephyr OS build v3.7.0 ***\n"
    )
    assert explain(fallback).status == "healthy"


# loader.c's flash-area open failure carries flash_area_open()'s return: Zephyr's -ENOENT (-2, not in
# the flash map) and -ENODEV (-19, device not ready) name two different causes; other codes name none.
FLASH_OPEN = "Failed to open flash area ID 2 (image 0 slot 1): {rc}, cannot continue"


@pytest.mark.parametrize("wire", sorted(WIRES))
@pytest.mark.parametrize(("rc", "rule"), [(-2, "mcuboot.slot_area_not_in_flash_map"), (-19, "mcuboot.slot_flash_device_not_ready")])
def test_flash_area_open_failure_is_read_by_its_code(wire: str, rc: int, rule: str) -> None:
    eol, fmt = WIRES[wire]
    lines = [fmt("INF", "Starting bootloader"), fmt("ERR", FLASH_OPEN.format(rc=rc))]
    report = explain(eol.join(lines) + eol)
    assert report.findings[0].id == rule
    assert report.findings[0].confidence == "low"


def test_flash_area_open_failure_fields_and_other_codes() -> None:
    events = [e for e in parse_text("E: " + FLASH_OPEN.format(rc=-19) + "\n") if e.kind == "McubootFlashOpenFailed"]
    assert (events[0].area_id, events[0].image, events[0].slot, events[0].rc) == (2, 0, 1, -19)
    for other in ("E: " + FLASH_OPEN.format(rc=-13), "E: Failed to open flash area ID 1: -2", "E: Failed to open scratch flash area: -19"):
        ids = [f.id for f in explain(other + "\n").findings]
        assert not {"mcuboot.slot_area_not_in_flash_map", "mcuboot.slot_flash_device_not_ready"} & set(ids), other


# STM32 BL2 (TF-M platform/ext/target/stm/.../low_level_security.c): with TFM_ENABLE_SET_OB it logs
# "Unexpected value for <item> : set <ob>" and programs the option byte itself; without it, the line
# has no ": set" and Error_Handler() stops the boot.
TFM_BOOT = "[INF] Starting bootloader\n[INF] Image index: 0, Swap type: none\n[INF] Jumping to the first image slot\nBooting TF-M v2.1.0\n"


def test_stm32_bl2_setting_its_option_bytes_is_no_failure() -> None:
    report = explain("[ERR] Unexpected value for write protection : set wrp1\n" + TFM_BOOT)
    assert report.status == "healthy"


def test_stm32_bl2_option_byte_check_without_set_still_stops() -> None:
    report = explain("[ERR] Unexpected value for write protection \n")
    assert report.status == "unexplained"


@pytest.mark.parametrize("wire", sorted(WIRES))
def test_an_image_key_whose_mac_fails_is_an_encryption_key_mismatch(wire: str) -> None:
    eol, fmt = WIRES[wire]
    lines = [("INF", "Image index: 0, Swap type: test"), ("ERR", "MAC verification failed -149"),
             ("ERR", "Image in the secondary slot is not valid!")]
    report = explain(eol.join(fmt(lvl, m) for lvl, m in lines) + eol)
    assert [f.id for f in report.findings][:1] == ["mcuboot.encryption_key_mismatch"]
    assert "mcuboot.image_not_valid" not in [f.id for f in report.findings]


def test_the_encrypted_image_trace_is_read_as_progress() -> None:
    trace = [
        "D: boot_enc_load: slot 1", "D: boot_enc_load: already loaded", "D: boot_decrypt_key",
        "D: boot_decrypt_key: PSA ED25519", "D: boot_read_enc_key: TLV", "D: boot_read_enc_key: RAW key",
        "D: writing enc_key; fa_id=2 off=0x6ffd0 (0x8ffd0)",
    ]
    events = parse_text("\n".join(trace) + "\n")
    assert [e.message_id for e in events] == [
        "mcuboot.enc_load", "mcuboot.enc_load_already", "mcuboot.enc_decrypt_key", "mcuboot.enc_decrypt_key_psa",
        "mcuboot.enc_read_key_tlv", "mcuboot.enc_read_key_raw", "mcuboot.enc_key_written",
    ]
    assert explain("\n".join(trace) + "\n").status != "unexplained"


def test_a_secondary_image_rejected_without_the_mac_line_is_no_key_mismatch() -> None:
    report = explain("E: Image in the secondary slot is not valid!\nE: Unable to find bootable image\n")
    assert "mcuboot.encryption_key_mismatch" not in [f.id for f in report.findings]


HANDED_OVER = (
    "[00:00:00.000,000] <inf> mcuboot: Starting bootloader\n"
    "[00:00:00.010,000] <inf> mcuboot: Bootloader chainload address offset: 0xc000\n"
    "[00:00:00.011,000] <inf> mcuboot: Jumping to the first image slot\n"
)
APP_DUMP = (
    "[00:00:00.260,000] <err> os: ***** MPU FAULT *****\n"
    "[00:00:00.260,000] <err> os:   Data Access Violation\n"
    "[00:00:00.260,000] <err> os:   MMFAR Address: 0x0\n"
    "[00:00:00.260,000] <err> os: Faulting instruction address (r15/pc): 0x0000a3f2\n"
    "[00:00:00.260,000] <err> os: >>> ZEPHYR FATAL ERROR 0: CPU exception on CPU 0\n"
    "[00:00:00.260,000] <err> os: Current thread: 0x20000460 (main)\n"
)


@pytest.mark.parametrize("ran", ["*** Booting Zephyr OS build v3.5.0 ***\n", "[00:00:00.250,000] <inf> sensor: started\n"])
def test_a_fault_after_the_application_ran_is_the_application_crashing(ran: str) -> None:
    report = explain(HANDED_OVER + ran + APP_DUMP)
    finding = report.findings[0]
    assert finding.id == "mcuboot.application_fault"
    assert finding.confidence == "medium"
    assert "ZEPHYR FATAL ERROR 0: CPU exception" in finding.explanation
    assert "0x0000a3f2" in finding.explanation and "MMFAR Address: 0x0" in finding.explanation
    assert "addr2line" in finding.fix[0]


def test_a_fault_right_after_the_jump_with_nothing_from_the_image_is_not_the_application() -> None:
    ids = [f.id for f in explain(HANDED_OVER + APP_DUMP).findings]
    assert "mcuboot.application_fault" not in ids


def test_a_fault_while_mcuboot_still_runs_is_not_the_application() -> None:
    log = "*** Booting Zephyr OS build v3.5.0 ***\nI: Starting bootloader\nE: ***** BUS FAULT *****\nE: >>> ZEPHYR FATAL ERROR 0: CPU exception on CPU 0\n"
    assert "mcuboot.application_fault" not in [f.id for f in explain(log).findings]


def test_a_stack_overflow_after_the_hand_over_keeps_its_own_cause() -> None:
    dump = APP_DUMP.replace("ERROR 0: CPU exception", "ERROR 2: Stack overflow")
    ids = [f.id for f in explain(HANDED_OVER + "*** Booting Zephyr OS build v3.5.0 ***\n" + dump).findings]
    assert ids[0] == "mcuboot.zephyr_stack_overflow"
    assert "mcuboot.application_fault" not in ids


def test_a_tf_m_exception_after_bl2_started_the_secure_image_is_past_the_bootloader() -> None:
    log = (
        "[INF] Starting bootloader\n[INF] Bootloader chainload address offset: 0x0\n[INF] Jumping to the first image slot\n"
        "Booting TF-M v1.8.0\nFATAL ERROR: HardFault\n"
    )
    finding = explain(log).findings[0]
    assert finding.id == "mcuboot.application_fault"
    assert "FATAL ERROR: HardFault" in finding.explanation and "CONFIG_MCUBOOT_CLEANUP_ARM_CORE" in finding.fix[-1]


def test_a_tf_m_exception_without_its_banner_is_not_placed_after_the_hand_over() -> None:
    log = "[INF] Starting bootloader\n[INF] Bootloader chainload address offset: 0x0\nFATAL ERROR: HardFault\n"
    assert "mcuboot.application_fault" not in [f.id for f in explain(log).findings]

"""Lines a paste glued together are read apart: at a log envelope, at a tool's own line start, and
where one catalogued message ends and the next begins."""
from __future__ import annotations

import pytest

from bootdiag.core.parse import LineParser
from bootdiag.core.pipeline import explain


def read(line: str) -> list:
    return LineParser()._parse_new(line, 3)


def test_a_tools_note_glued_into_one_line_reads_as_its_messages():
    found = read(
        "WARNING: ESP32-S2FNR2 (revision v0.0) chip was placed into download mode using GPIO0. esptool.py can not "
        "exit the download mode over USB. To run the app, reset the chip manually. To suppress this note, set "
        "--after option to 'no_reset'."
    )
    assert [e.message for e in found] == [
        "esptool.gpio0_download_over_usb", "esptool.gpio0_download_over_usb_detail", "esptool.gpio0_download_over_usb_suppress",
    ]
    assert all(e.line == 3 for e in found)


def test_one_long_message_is_not_cut_at_words_it_holds():
    [event] = read("A fatal error occurred: Failed to connect to ESP32: Timed out waiting for packet header, and more words")
    assert event.kind == "ToolFatal"


def test_a_sentence_that_introduces_a_pasted_line_leaves_the_line_a_log_line():
    text = (
        "OTA of a binary built with another SDK, on an ESP8266 running ESP8266_RTOS_SDK: E (15034) esp_ota_ops: "
        "OTA image has invalid magic byte (expected 0xE9, saw 0xea)\n"
        "E (15105) simple_ota_example: Firmware Upgrades Failed\n"
    )
    report = explain(text)
    assert report.status == "unexplained"


def test_a_message_in_quote_marks_after_a_sentence_stays_quoted():
    [event] = read('Since the update I keep getting "E (486) esp_image: Image hash failed - image is corrupt" again.')
    assert event.is_weak()


def test_an_arduino_log_line_is_not_a_sentence():
    found = read(
        "[    31][I][main.cpp:39] setup(): Device name: SHIFTR 331BD8, host name: SHIFTR-331BD8.local "
        "Brownout detector was triggered"
    )
    assert len(found) == 1 and found[0].is_failure() and not found[0].is_weak()


def test_the_next_lines_terminal_stamp_is_not_left_on_a_piece():
    found = read("load:0x403879b8,len:0x4c4c 16:55:48.519 -> SHA-256 comparison failed: 16:55:48.519 -> Attempting to boot anyway...")
    assert [e.text for e in found] == ["load:0x403879b8,len:0x4c4c", "SHA-256 comparison failed:", "Attempting to boot anyway..."]


def test_a_bare_tool_line_glued_after_an_enveloped_one_is_read_apart():
    found = read("[   0.0195 ] Boot Rom communication Error: Not an xml file")
    assert [getattr(e, "message", e.kind) for e in found][-1] == "tegra.tf_not_xml"
    assert found[-1].is_failure()



def test_two_short_lines_glued_are_read_apart():
    found = read("Starting BLE work! Brownout detector was triggered ets Jun  8 2016 00:22:57")
    assert [e.text for e in found] == ["Brownout detector was triggered", "ets Jun  8 2016 00:22:57"]
    report = explain("Starting BLE work! Brownout detector was triggered ets Jun  8 2016 00:22:57\n"
                     "rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n")
    assert report.findings and report.findings[0].id == "esp.brownout"


def test_a_message_that_names_an_entry_is_not_cut_at_it():
    [event] = read("D (79) boot: load partition table entry 0x3f408000")
    assert event.msg == "load partition table entry 0x3f408000"


def test_a_failure_glued_after_a_line_read_as_information_is_read_apart():
    found = read("[INF] Starting bootloader ***** BUS FAULT *****")
    assert [e.text for e in found] == ["[INF] Starting bootloader", "***** BUS FAULT *****"]
    assert not found[0].is_failure() and found[1].is_failure()


def test_a_failure_glued_after_an_information_lines_message_is_read_apart():
    found = read("I (29) boot: ESP-IDF v5.0.4 2nd stage bootloader Backtrace:0x400d1234:0x3ffb5e40")
    assert len(found) == 2 and found[1].is_failure()


def test_an_information_line_that_names_a_failure_in_its_words_stays_one_line():
    found = read("I (812) app: will retry when Image hash failed - image is corrupt shows again")
    assert len(found) == 1 and not found[0].is_failure()


def test_a_failure_glued_after_an_apps_information_line_is_not_passed_over():
    text = (
        "I (10) boot: Loaded app from partition at offset 0x10000\n"
        "I (12) wifi: state: init -> auth E (13) esp_image: image at 0x10000 has invalid magic byte\n"
        "I (14) wifi: state: auth -> assoc (0)\n"
    )
    report = explain(text)
    assert report.status != "healthy"
    assert any(e.line == 2 for f in report.findings for e in f.evidence)


def test_a_tools_failure_glued_to_its_command_line_is_the_failure():
    # imgtool's error and the sign command a build printed with it, on one line: the command alone
    # is what a report shows; with the error beside it the line is the failed run.
    [event] = read(
        "Error: Image size (0xbac8) + trailer (0xc30) exceeds requested size 0x1000 "
        "scripts/imgtool.py sign --version 0.0.0+0 --header-size 0x200 --slot-size 4096 --align 8 --key"
    )
    assert event.message_id == "imgtool.image_too_large" and event.is_failure()
    [event] = read("Usage: imgtool.py sign [OPTIONS] INFILE OUTFILE  Error: Header padding was not requested and image does not start with zeros")
    assert event.message == "imgtool.header_not_zero"


def test_a_command_in_a_sentence_that_quotes_a_failure_stays_the_report():
    found = read('I ran imgtool sign --key k.pem --slot-size 0x1000 in.bin out.bin and it says "Image size (0x10) + trailer (0x20) exceeds requested size 0x30"')
    assert found[0].kind == "ImgtoolSignCommand"
    assert all(event.kind != "CatalogueMessage" or event.quoted for event in found)  # told of, not a log line


def test_esptool_ck_lines_glued_on_one_line_read_apart():
    # how forum posts quote the ESP8266 Arduino core's old uploader once the newlines are gone
    found = read("warning: espcomm_sync failed error: espcomm_open failed error: espcomm_upload_mem failed")
    assert [e.kind for e in found][:1] == ["ToolFatal"]
    assert [getattr(e, "message", None) for e in found[1:]] == ["esptool_ck.open_failed", "esptool_ck.upload_mem_failed"]
    report = explain("warning: espcomm_sync failed error: espcomm_open failed error: espcomm_upload_mem failed\n")
    assert report.status == "diagnosed" and report.findings[0].id == "esp.not_in_download_mode"


def _as_answer(text: str) -> tuple[str, list[str]]:
    report = explain(text)
    return report.status, [f.id for f in report.findings]


def test_the_next_stages_output_glued_after_the_hand_over_shows_it_ran():
    lines = [
        "*** Booting MCUboot v2.1.0 ***",
        "[00:00:00.004,000] <inf> mcuboot: Starting bootloader",
        "[00:00:00.011,000] <inf> mcuboot: Primary image: magic=unset, swap_type=0x1, copy_done=0x3, image_ok=0x3",
        "[00:00:00.016,000] <inf> mcuboot: Boot source: none",
        "[00:00:00.021,000] <inf> mcuboot: Image index: 0, Swap type: none",
        "[00:00:00.671,000] <inf> mcuboot: Bootloader chainload address offset: 0xc000",
        "[00:00:00.679,000] <inf> mcuboot: Jumping to the first image slot",
        "uart:~$ ***",
        "Hello World! nrf52840dk",
    ]
    one_per_line = _as_answer("\n".join(lines) + "\n")
    assert one_per_line == ("healthy", [])
    # a terminal that shows line ends as text, or a paste that lost its newlines
    assert _as_answer("\n".join(lines[:5]) + "\n" + "{0D}{0A}".join(lines[5:]) + "\n") == one_per_line
    assert _as_answer("\n".join(lines[:5]) + "\n" + " ".join(lines[5:]) + "\n") == one_per_line


def test_an_apps_information_line_glued_after_the_bootloader_reads_as_it_does_on_its_own_line():
    # The app's own information lines are output the screen passes over: glued to a bootloader
    # line, they do not complete a boot they would not complete on their own lines.
    lines = [
        "I (82) boot: Loading image 0 - slot 0 from flash, area id: 2",
        "I (84) boot: DRAM segment: paddr=0003edc8h, vaddr=3fc9ed60h, size=02784h ( 10116) load",
        "I (130) boot: libc heap size 66 kB.",
        "I (130) spi_flash: detected chip: generic",
        "I (130) spi_flash: flash io: dio",
    ]
    one_per_line = _as_answer("\n".join(lines) + "\n")
    assert _as_answer(" ".join(lines) + "\n") == one_per_line
    assert _as_answer("\n".join(lines[:2]) + "\n" + " ".join(lines[2:]) + "\n") == one_per_line


def test_a_line_end_a_terminal_shows_as_text_ends_the_sentence_before_it():
    # On its own line after the sentence, the failure is a log line; shown as "{0D}{0A}" or
    # "<CR><LF>", the line end is still there: the failure is not quoted by the sentence.
    sentence = "The board stops at this point, every time:"
    failure = "mount: mounting /dev/root=/dev/mmcblk0p1 on /mnt failed: No such file or directory"
    on_its_line = explain(f"{sentence}\n{failure}\n")
    assert on_its_line.status == "unexplained"
    for shown in ("{0D}{0A}", "<CR><LF>"):
        report = explain(f"{sentence}{shown}{failure}{shown}\n")
        assert (report.status, [u.line for u in report.unexplained]) == ("unexplained", [1]), shown


def test_what_the_bootloader_printed_after_the_rom_jump_counts_on_the_same_line():
    # A restart right after the ROM's jump, with nothing printed between, reads as a silent restart;
    # a paste that glued the bootloader's lines after "entry 0x..." still shows them between.
    rom = [
        "rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)",
        "configsip: 0, SPIWP:0xee",
        "mode:DIO, clock div:2",
        "load:0x3fff0030,len:6704",
        "entry 0x40080698",
    ]
    printed = "E (305) boot: Factory app partition is not bootable"
    again = "ets Jul 29 2019 12:21:46"
    silent = explain("\n".join([*rom, again, *rom]) + "\n")
    assert [f.id for f in silent.findings][:1] == ["esp.silent_restart"]
    one_per_line = _as_answer("\n".join([*rom, printed, again, *rom]) + "\n")
    assert "esp.silent_restart" not in one_per_line[1]
    assert _as_answer("\n".join([*rom[:-1], f"{rom[-1]} {printed}", again, *rom]) + "\n") == one_per_line


def test_a_short_failure_printed_after_progress_dots_is_read_apart():
    # l4t_initrd_flash_internal.sh wait_for_ssh(): printf "Waiting for device to expose ssh ...",
    # printf "..." each second, then echo "Timeout" on the same line
    found = read("Waiting for device to expose ssh ..................Timeout")
    assert [e.message for e in found] == ["tegra.initrd_waiting_ssh", "tegra.initrd_timeout"]
    assert explain(
        "Waiting for target to boot-up...\nWaiting for device to expose ssh ..................Timeout\nCleaning up...\n"
    ).status == "unexplained"


def test_progress_dots_that_end_in_no_failure_stay_one_message():
    [event] = read("Waiting for device to expose ssh .........")
    assert event.message == "tegra.initrd_waiting_ssh"


def test_a_failure_line_a_sentence_introduces_on_the_same_line_is_unexplained_not_unrecognised():
    line = ("The image flashed with doflash.sh shows the logo, then stops at: "
            "`mount: mounting /dev/root=/dev/mmcblk0p1 on /mnt failed: No such file or directory`")
    report = explain(line + "\n")
    assert report.status == "unexplained"
    assert report.unexplained[0].text.startswith("mount: mounting /dev/root")


def test_a_sentence_that_goes_on_after_its_colon_is_no_failure_line():
    assert explain("Here is what happens: the board failed to boot after we changed the supply.\n").status == "unrecognised"


def test_a_failure_a_sentence_shows_does_not_outweigh_a_boot_that_completed():
    boot = "\n".join([
        "*** Booting MCUboot v2.1.0 ***",
        "[00:00:00.004,000] <inf> mcuboot: Starting bootloader",
        "[00:00:00.021,000] <inf> mcuboot: Image index: 0, Swap type: none",
        "[00:00:00.040,000] <inf> mcuboot: Bootloader chainload address offset: 0xc000",
        "[00:00:00.041,000] <inf> mcuboot: Jumping to the first image slot",
        "*** Booting Zephyr OS build v3.5.0 ***",
    ])
    prose = "Before the fix it stopped at: RecordVarErrorFlag (0xEF) Error setting Platform Config data: Bad Buffer Size"
    assert explain(prose + "\n" + boot + "\n").status == "healthy"


def test_a_message_glued_to_the_number_that_ended_the_line_before_it_is_found():
    # The newline after "0x3fc000" was lost: the message's first word is fused to the number.
    found = read("0x3fc,0x3fc000rf_cal[0] !=0x05,is 0x00")
    assert [e.message_id for e in found] == ["rom.esp8266_rf_cal_blank"] and found[0].is_failure()


def test_letters_after_a_number_inside_an_address_are_not_a_message():
    assert not any(e.is_failure() for e in read("load:0x3fce3808,len:0x44c entry 0x403c98d4"))


def test_a_terminal_stamp_inside_a_glued_line_is_where_the_next_line_began():
    found = read("[22:25:56]load:0x3fff0018,len:4 [22:25:56]load:0xfcddccec,len:-822218804 [22:25:56]1162 mmu set 00010000, pos 00010000")
    assert [e.kind for e in found][:2] == ["RomLoad", "RomLoad"]
    assert found[1].length == -822218804
    assert found[2].message == "rom.mmu_set"


def test_a_banner_glued_straight_after_a_word_starts_a_line_of_its_own():
    found = read("I: Jumping to the first image slot*** Booting MCUboot v2.1.0-rc1-106-ge890df7ab975 ***")
    assert [e.kind for e in found] == ["McubootJump", "McubootBanner"]
    # stars inside a message are no banner: "***ERROR***" has no space after its frame
    assert "McubootBanner" not in [e.kind for e in read("E: ***ERROR*** A stack overflow in task main")]


RESTART = (
    "I: Starting bootloader\nI: Bootloader chainload address offset: 0x10000\nI: Jumping to the first image slot\n"
    "*** Booting MCUboot v2.1.0 ***\nI: Starting bootloader\nI: Primary image: magic=unset, swap_type=0x1, copy_done=0x3, image_ok=0x3\n"
)


def test_a_restart_after_the_jump_is_silence_even_when_the_capture_is_cut_off_mid_line():
    # the cut-off last line is output after the capture's last event, printed by the restarted
    # bootloader: it does not show that the image ran after the earlier jump
    for tail in ("", "I: Image index"):
        report = explain(RESTART + tail)
        assert report.status == "diagnosed", tail
        assert report.findings[0].id == "mcuboot.bad_header_size"


def test_output_after_the_last_jump_still_shows_the_image_running():
    report = explain("I: Starting bootloader\nI: Jumping to the first image slot\nHello World! frdm_k64f\n")
    assert report.status == "healthy"


def test_a_powershell_prompt_glued_after_a_tools_last_line_starts_the_next_command():
    found = read(
        "A fatal error occurred: This chip is ESP32-C3 not ESP32. Wrong --chip argument? "
        "PS D:\\github> esptool.py --chip esp32c3 write_flash 0 app.bin"
    )
    assert [e.kind for e in found] == ["ToolFatal", "ToolCommand"]
    assert found[1].command == "write_flash"


def test_a_message_that_ends_another_tools_sentence_is_not_that_message():
    # Espressif's Flash Download Tool prints "not found waiting for download" while it probes the
    # chip: the ROM's "waiting for download" is a line of its own.
    kinds = [e.kind for e in read("not found waiting for download")]
    assert "RomWaitingForDownload" not in kinds


def test_the_roms_download_line_still_reads_alone_glued_or_after_a_paste_mark():
    for line in (
        "waiting for download",
        "rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))waiting for download",
        "[12:01:33] waiting for download",
        "> waiting for download",
        # ROMs that wait on USB say so in other words, glued the same way
        "rst:0x1 (POWERON),boot:0x0 (USB_BOOT) wait usb download",
    ):
        assert "RomWaitingForDownload" in [e.kind for e in read(line)], line
    assert "RomWaitingForDownload" not in [e.kind for e in read("not found wait usb download")]


def test_a_lower_case_word_before_a_capitalised_message_leaves_it_the_message():
    [event] = read("boot: A fatal error occurred: Failed to connect to ESP32: Timed out waiting for packet header")
    assert event.kind == "ToolFatal"


def test_a_serial_monitor_stamp_with_a_colon_before_its_milliseconds_is_the_next_lines():
    # VS Code's Serial Monitor stamps each line "15:12:17:072 -> "; a paste that lost the newlines
    # leaves the next line's stamp at the end of each piece.
    found = read(
        "15:12:17:073 -> mode:QIO, clock div:2 15:12:17:075 -> load:0x4086c410,len:0xcf8 15:12:17:085 -> ets_loader.c 67"
    )
    assert [e.kind for e in found] == ["RomFlashMode", "RomLoad", "RomAbort"]
    assert all("->" not in e.text for e in found)


def test_stars_of_the_next_line_do_not_make_a_massflash_step_a_zephyr_banner():
    found = read("*** Booting Recovery succeeded. *** Checking applet")
    assert [getattr(e, "message", e.kind) for e in found] == ["tegra.mflash_step_succeeded"]


def test_a_zephyr_banner_with_the_next_line_glued_after_it_is_still_a_banner():
    found = read("*** Booting Zephyr OS build b05b8ad63acf *** I: Starting bootloader")
    assert [e.kind for e in found] == ["ZephyrBootBanner", "McubootStart"]


@pytest.mark.parametrize("stamp", ["[00:00:00.318,000] ", "[00000318] ", "[0:0:0.318] ", ""])
def test_zephyr_log_lines_glued_read_apart_whatever_their_timestamp(stamp):
    # Zephyr's log_output prints the formatted time, the raw ticks, or no timestamp at all; a port's
    # own clock may print fewer digits ("[0:0:1.799]", mcu-tools/mcuboot#2747)
    text = (
        f"{stamp}<inf> mcuboot: Starting bootloader {stamp}<wrn> mcuboot: Failed reading image headers; Image=0 "
        f"{stamp}<err> mcuboot: Image in the primary slot is not valid! {stamp}<err> mcuboot: Unable to find bootable image\n"
    )
    report = explain(text)
    assert report.status == "diagnosed"
    assert {e.line for f in report.findings for e in f.evidence} == {1}


def test_a_failure_quoted_in_a_report_sentence_glued_after_a_setting_is_read_too():
    # a post's sentences that lost their newlines: a setting named, then a message the setting causes
    sentences = ["In the board file for this target you can see the line:", "CONFIG_BOOT_MAX_IMG_SECTORS=128",
                 'With it the bootloader prints "mcuboot: Failed reading sectors; BOOT_MAX_IMG_SECTORS=128 - too small?" on every boot.']
    glued = " ".join(sentences)
    kinds = [e.kind for e in read(glued)]
    assert kinds[0] == "ReportedSetting" and len(kinds) == 2
    [said] = [e for e in read(glued) if e.kind != "ReportedSetting"]
    assert said.quoted and said.kind == "McubootLayoutProblem"  # as the bootloader prints it, told of
    apart = explain("\n".join(sentences) + "\n")
    assert [f.id for f in explain(glued + "\n").findings][:1] == [f.id for f in apart.findings][:1] != []


def test_a_setting_line_that_quotes_no_failure_reads_as_the_setting_alone():
    for line in ('In the board file for this target you can see the line: CONFIG_BOOT_MAX_IMG_SECTORS=128 and '
                 'the documentation calls it "the most sectors an image may span" which seems right to me.',
                 'In the board file for this target you can see "CONFIG_BOOT_MAX_IMG_SECTORS=128" in it, which reads '
                 'as too small? Failed reading sectors is what I would expect then.'):
        assert [e.kind for e in read(line)] == ["ReportedSetting"], line

"""A paste that lost its newlines: what a hand-over line holds after its own message is the next
stage's output; the lines glued after a failure, a prompt's user and host, a baud-rate change's bytes
are read as the lines they were."""
from __future__ import annotations

from bootdiag.core.parse import LineParser, parse_text
from bootdiag.core.pipeline import explain

_ESP32C3_ROM = (
    "ESP-ROM:esp32c3-api1-20210207\nBuild:Feb  7 2021\nrst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\n"
    "load:0x403c8000,len:0x2600\nentry 0x403c805c\n"
)
_ESPRESSIF_PORT = (
    "[esp32c3] [INF] *** Booting MCUboot build  ***\n"
    "[esp32c3] [INF] Image index: 0, Swap type: none\n"
    "[esp32c3] [INF] Loading image 0 - slot 0 from flash, area id: 1\n"
    "[esp32c3] [INF] IRAM segment: start=0xa9b4, size=0x68c, vaddr=0x40380000\n"
)


# bytes at another baud rate, as a terminal shows them
_GARBAGE = "\ufffd\ufffdn\ufffd\ufffd\ufffd\ufffdrl\ufffd\ufffd\ufffdl\ufffd\ufffdl\ufffd8\ufffd\ufffd\ufffd\ufffd\ufffd|\ufffd\ufffd"


def read(line: str) -> list:
    return LineParser()._parse_new(line, 3)


def test_the_espressif_ports_jump_with_the_images_output_glued_on_completes():
    report = explain(_ESP32C3_ROM + _ESPRESSIF_PORT + "[esp32c3] [INF] start=0x403804e8 NuttShell (NSH)\n")
    assert report.status == "healthy"


def test_a_writers_note_after_the_jump_is_no_output():
    alone = explain(_ESP32C3_ROM + _ESPRESSIF_PORT + "[esp32c3] [INF] start=0x403804e8\n")
    noted = explain(_ESP32C3_ROM + _ESPRESSIF_PORT + "[esp32c3] [INF] start=0x403804e8 <-- it hangs here\n")
    assert alone.status != "healthy" and noted.status != "healthy"


def test_the_jump_line_is_read_apart_from_the_output_after_it():
    parser = LineParser()
    [jump] = parser._parse_new("[esp32c3] [INF] start=0x403804e8 NuttShell (NSH)", 3)
    assert jump.kind == "McubootJump" and jump.text == "[esp32c3] [INF] start=0x403804e8"
    assert parser.output_on_line == (3, True)


def test_no_line_is_cut_inside_the_envelope_that_opens_it():
    found = read("[esp32c3] [INF] Primary image: magic=good, swap_type=0x1, copy_done=0x3, image_ok=0x1 [esp32c3] [INF] Boot source: primary slot")
    assert [e.text for e in found] == [
        "[esp32c3] [INF] Primary image: magic=good, swap_type=0x1, copy_done=0x3, image_ok=0x1",
        "[esp32c3] [INF] Boot source: primary slot",
    ]


def test_esp8266_eboots_mark_with_the_sketchs_output_glued_on_completes():
    report = explain(
        "ets Jan 8 2013,rst cause:2, boot mode:(3,6)\n\nload 0x4010f000, len 3456, room 16\ntail 0\nchksum 0x84\ncsum 0x84\n"
        "va5432625\n~ld --------------STARTING---------------\n"
    )
    assert report.status == "healthy"


def test_a_zephyr_banner_with_the_applications_log_glued_on_completes():
    report = explain(
        "*** Booting nRF Connect SDK v2.5.1 *** Starting Bluetooth Peripheral LBS example I: 2 Sectors of 4096 bytes\n"
        "I: alloc wra: 0, fd0 I: data wra: 0, 1c I: HW Platform: Nordic Semiconductor (0x0002)\n"
    )
    assert report.status == "healthy"


def test_zephyrs_minimal_log_level_is_no_pronoun():
    from bootdiag.core.parse.unwrap import is_sentence, output_follows

    assert output_follows("I: alloc wra: 0, fd0 I: data wra: 0, 1c I: HW Platform: Nordic Semiconductor (0x0002)\n")
    assert is_sentence("After the update I: see nothing on the console at all")  # the writer's own I stays one


def test_a_bracketed_level_letter_is_no_pronoun():
    from bootdiag.core.parse.unwrap import is_sentence

    # ESPHome's lines glued after the ROM's hand-over: the application ran
    rom = ("rst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT) SPIWP:0xee mode:DIO, clock div:2\n"
           "load:0x403d0000,len:0x2398 entry 0x403ce000\n")
    app = ("[19:55:23][I][logger:214]: Log initialized [19:55:23][C][ota:458]: There have been 1 suspected "
           "unsuccessful boot attempts. [19:55:23][D][esp32.preferences:114]: Saving preferences to flash...\n")
    assert not is_sentence(app.strip())
    assert explain(rom + app).status == "healthy"
    # the writer's own I after the hand-over is still the end of the paste
    assert is_sentence("After the flash I only see the ROM lines and nothing else at all")
    assert explain(rom + "After the flash I only see these lines and nothing else at all\n").status != "healthy"


def test_a_zephyr_minimal_line_that_begins_with_a_number_begins_a_line():
    pieces = LineParser().unwrapper.pieces("Starting Bluetooth Peripheral LBS example I: 2 Sectors of 4096 bytes")
    assert pieces == ["Starting Bluetooth Peripheral LBS example", "I: 2 Sectors of 4096 bytes"]


def test_the_prompts_user_and_folder_go_with_the_next_command():
    pieces = LineParser().unwrapper.pieces("Done andk@t450s ~/devel/mynewt$ newtmgr --conn ttyacm0 image list")
    assert pieces == ["Done", "$ newtmgr --conn ttyacm0 image list"]
    pieces = LineParser().unwrapper.pieces("Hard resetting via RTS pin... pi@raspberrypi:~ $ esptool.py --chip esp32 erase_flash")
    assert pieces == ["Hard resetting via RTS pin...", "$ esptool.py --chip esp32 erase_flash"]


def test_an_address_in_a_line_before_a_prompt_stays():
    pieces = LineParser().unwrapper.pieces("Contact support@example.com for help with this $ newtmgr --conn ttyacm0 image list")
    assert pieces[0] == "Contact support@example.com for help with this"


def test_a_failure_with_the_next_line_of_output_glued_on_is_read_as_printed():
    found = read("E (221) psram: PSRAM ID read error: 0xffffffff Start configuring and initializing the camera...")
    assert found[0].text == "E (221) psram: PSRAM ID read error: 0xffffffff"
    assert found[0].msg == "PSRAM ID read error: 0xffffffff"


def test_a_failure_with_a_line_naming_a_product_glued_on_is_read_as_printed():
    # the next line's second word is a name in capitals: still a line of its own
    found = read("A fatal error occurred: Timed out waiting for packet header Detecting M5Stack products. Found one.")
    assert found[0].text == "A fatal error occurred: Timed out waiting for packet header"


def test_a_failure_whose_message_goes_on_in_lower_case_is_not_cut():
    [event] = read("E (221) psram: PSRAM ID read error: 0xffffffff, and then some more words")
    assert event.text.endswith("more words")


def test_every_message_before_the_most_specific_one_is_read_apart():
    found = read("jump to run user2 @ 81000 error magic! backup boot failed.")
    assert [e.message for e in found] == [
        "rom.esp8266_boot_v1_jump", "rom.esp8266_boot_v1_error_magic", "rom.esp8266_boot_v1_backup_failed",
    ]


def test_a_log_line_before_a_baud_rate_changes_bytes_is_kept():
    found = read(
        "W (56) rtc_clk_init: Possibly invalid CONFIG_ESP32_XTAL_FREQ setting (40MHz). Detected 26 MHz. " + _GARBAGE * 4
    )
    assert [e.text for e in found] == ["W (56) rtc_clk_init: Possibly invalid CONFIG_ESP32_XTAL_FREQ setting (40MHz). Detected 26 MHz."]


def test_garbage_alone_is_still_no_line():
    assert read(_GARBAGE * 4) == []
    assert read("Detected 26 MHz " + _GARBAGE * 4) == []  # no log line's start before it


def test_a_python_traceback_begins_a_line():
    pieces = LineParser().unwrapper.pieces(
        'espsecure.py v3.0-dev Traceback (most recent call last): File "/esp/espsecure.py", line 826, in <module>'
    )
    assert pieces == ["espsecure.py v3.0-dev", "Traceback (most recent call last):", 'File "/esp/espsecure.py", line 826, in <module>']


def test_a_coreutils_error_in_a_jetson_script_begins_a_line():
    found = read(
        "[LOG] Kernel image has been extracted and the BSP kernel has been replaced with the one in balenaOS "
        "cp: cannot stat 'orin/Linux_for_Tegra/kernel/dtb/tegra234-p3737-0000+p3701-0005.dtb': No such file or directory"
    )
    assert [e.text for e in found] == [
        "cp: cannot stat 'orin/Linux_for_Tegra/kernel/dtb/tegra234-p3737-0000+p3701-0005.dtb': No such file or directory"
    ]


def test_a_brownout_printed_without_time_is_read_after_another_line():
    found = read("I (29) boot: ESP-IDF v5.0.4 2nd stage bootloader I BOD: Brownout detector was triggered")
    assert found[-1].message_id == "idf.brownout_v51" and found[-1].is_failure()


def test_a_python_exception_after_its_frames_source_line_is_a_failure():
    [event] = read("f.write(private_key) TypeError: a bytes-like object is required, not 'str'")
    assert event.kind == "UnreadFailure" and event.is_failure() and not event.quoted


def test_a_python_exception_named_in_a_sentence_is_no_failure_of_the_log():
    assert read("I think (as the docs say) TypeError: is what my script raises when I pass a str") == []


def test_an_initrd_flash_log_line_begins_a_line():
    found = read("Waiting for target to boot-up... 16:12:15.022 - Error: NFS server is not running")
    assert found[-1].message == "tegra.initrd_nfs_server_not_running" and found[-1].is_failure()


def test_a_failure_after_another_tools_line_is_the_logs_not_a_quote():
    found = read("[   0.0195 ] Boot Rom communication flash.sh requires root privilege")
    assert found[-1].kind == "TegraNotRoot" and not found[-1].is_weak()


def test_another_programs_start_address_is_no_jump():
    report = explain(
        "[INF] Starting bootloader\n[INF] Primary image: magic=unset, swap_type=0x1, copy_done=0x3, image_ok=0x3\n"
        "[    0.000000] memblock: region start=0x80000000 size=0x1000\nmore output here\n"
    )
    assert report.status == "incomplete"


_ESP32_ROM_TO_ENTRY = (
    "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\nconfigsip: 0, SPIWP:0xee\n"
    "clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\nmode:DIO, clock div:2\n"
    "load:0x3fff0030,len:184\nload:0x40078000,len:13228\nload:0x40080400,len:4\nentry 0x40080570\n"
)


def test_a_note_that_the_paste_repeats_is_no_output_after_the_hand_over():
    from bootdiag.core.parse.unwrap import is_repeat_note

    for note in ("in loop...", "----- repeats -----", "... (repeats)", "[...] loop again, again", "etc", "[Etc...]"):
        assert is_repeat_note(note), note
        report = explain(_ESP32_ROM_TO_ENTRY + "\n" + note + "\n")
        assert report.status == "incomplete", note  # the boot was not seen to go on
    for line in ("entering main console loop", "Main loop started", "loop: 3 iterations", "repeat=1",
                 "I (30) boot: ESP-IDF v4.4 2nd stage bootloader"):
        assert not is_repeat_note(line), line
    # the application's own first line after the hand-over is output: the boot went on
    assert explain(_ESP32_ROM_TO_ENTRY + "\nHello from the sketch\n").status == "healthy"


_ESP32_ROM_GLUED = (
    "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT) configsip: 0, SPIWP:0xee mode:DIO, clock div:2\n"
    "load:0x3fff0030,len:1184 load:0x40078000,len:13132 load:0x40080400,len:3036 entry 0x400805e4 {app}\n"
)


def _restart_banner(line: str) -> bool:
    return next(e for e in parse_text(line) if type(e).__name__ == "RomBanner").restarted_after_entry


def test_a_restart_after_the_sketchs_output_glued_on_the_jump_is_no_restart_right_after_it() -> None:
    # The sketch printed after the ROM's jump, on the line the paste glued it to: the restart the
    # next banner shows ended a run of the sketch, not a boot that died at the jump.
    capture = _ESP32_ROM_GLUED.format(app="00:00:00.002 HDW: ESP32-D0WD-V3 00:00:00.059 CFG: Loaded, Count 2 ets Jul 29 2019 12:21:46")
    assert not _restart_banner(capture)
    # near-miss: the next banner glued right after the jump: the chip restarted with nothing run between
    assert _restart_banner(_ESP32_ROM_GLUED.format(app="ets Jul 29 2019 12:21:46"))

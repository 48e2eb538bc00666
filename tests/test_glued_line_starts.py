"""Lines that always begin a line of their own, read apart when a paste lost the newline before or
after them; the same words inside someone's sentence stay where they are."""
from __future__ import annotations

from bootdiag.core.parse import LineParser
from bootdiag.core.pipeline import explain


def read(line: str) -> list:
    return LineParser()._parse_new(line, 3)


def pieces(line: str) -> list[str]:
    return LineParser().unwrapper.pieces(line)


def _same_answer(lines: list[str], per_line: int = 3) -> tuple[str, str]:
    """(the answer for the lines as printed, the answer with every ``per_line`` lines glued on one)."""
    def answer(text: str) -> str:
        report = explain(text)
        return f"{report.status}:{report.findings[0].id}" if report.findings else report.status

    glued = [" ".join(lines[i:i + per_line]) for i in range(0, len(lines), per_line)]
    return answer("\n".join(lines) + "\n"), answer("\n".join(glued) + "\n")


# -- quote marks the next lines opened with, left at a cut piece's end

def test_the_next_lines_quote_marks_are_not_left_on_a_piece():
    found = read("> E (482) esp_image: Image length 1068192 doesn't fit in partition length 1048576 > > "
                 "E (487) boot: Factory app partition is not bootable >")
    assert [e.kind for e in found] == ["ImageTooLarge", "PartitionNotBootable"]
    assert [e.text[-1] for e in found] == ["6", "e"]


def test_a_quoted_boot_glued_reads_as_the_quoted_lines_do():
    lines = ["> rst:0x5 (DEEPSLEEP_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)", ">", "> flash read err, 1000",
             "> ets_main.c 371", ">", "> ets Jun  8 2016 00:22:57"]
    plain, glued = _same_answer(lines)
    assert plain == glued and plain.startswith("diagnosed:")


def test_a_whole_line_ending_in_a_mark_keeps_it():
    [event] = read("I (10) app: menu >")
    assert event.text.endswith(" >")


# -- a shell prompt before a tool's next command

def test_a_prompt_glued_after_esptools_last_line_starts_the_next_command():
    found = read("Hard resetting via RTS pin... `--> esptool.py --port /dev/ttyUSB0 --chip esp32h2 get_security_info")
    assert [getattr(e, "message", e.kind) for e in found] == ["esptool.hard_resetting_rts", "ToolCommand"]
    assert found[1].command == "get_security_info"


def test_a_tool_named_in_a_sentence_starts_nothing():
    line = "Hard resetting via RTS pin... and then I ran esptool.py --port /dev/ttyUSB0 chip_id again"
    assert len(pieces(line)) == 1


def test_an_smp_upload_whose_done_is_glued_to_the_next_prompt_completes():
    lines = [
        "$ newtmgr --conn ttyacm0 image upload bin/blinky.img",
        "56", "120", "Done",
        "$ newtmgr --conn ttyacm0 image list",
        "Images:", " slot=0", "    version: 1.0.0.0", "Split status: N/A",
    ]
    plain, glued = _same_answer(lines)
    assert plain == glued == "healthy"
    assert pieces("Done $ newtmgr --conn ttyacm0 image list")[0] == "Done"
    assert pieces("Done # mcumgr --conn acm0 image list")[0] == "Done"


# -- the ESP8266 ROM and eboot

def test_ebootsload_mark_after_the_roms_checksum_is_read_apart():
    found = read("chksum 0x42 csum 0x42 ~ld")
    assert [getattr(e, "message", None) for e in found] == ["rom.esp8266_eboot_load"]
    assert [getattr(e, "message", None) for e in read("chksum 0x84 csum 0x84 va5432625 ~ld")] == ["rom.esp8266_eboot_load"]
    [alone] = read("~ld")
    assert alone.message == "rom.esp8266_eboot_load"


def test_output_glued_after_ebootsload_mark_leaves_the_mark():
    found = read("~ld --------------STARTING---------------")
    assert [getattr(e, "message", None) for e in found] == ["rom.esp8266_eboot_load"]


def test_the_mark_inside_a_sentence_is_not_cut_out():
    assert pieces("then it prints ~ld and stops") == ["then it prints ~ld and stops"]
    assert not [e for e in read("then it prints ~ld and stops") if getattr(e, "message", None) == "rom.esp8266_eboot_load"]


def test_the_esp8266_roms_abort_after_its_banner_is_read_apart():
    found = read("ets Jan  8 2013,rst cause:5, boot mode:(3,7) ets_main.c")
    assert [e.kind for e in found] == ["Esp8266Reset", "CatalogueMessage"]
    assert pieces("the module stops in ets_main.c after the wake") == ["the module stops in ets_main.c after the wake"]


# -- a Rust flasher's panic

def test_a_panics_note_glued_after_the_error_is_read_apart():
    line = ("thread 'tokio-runtime-worker' panicked at src/flasher.rs:117:81: called `Result::unwrap()` on an `Err` "
            "value: Connection(ConnectionFailed) note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace")
    assert any(e.kind == "ToolFatal" for e in read(line))
    unglued = line.replace(" note: run", "\nnote: run").split("\n")
    assert any(e.kind == "ToolFatal" for e in read(unglued[0]))


def test_the_backtrace_hint_named_in_a_sentence_is_not_cut():
    line = "I set RUST_BACKTRACE=1 as the note: run with it said, and got nothing more"
    assert len(pieces(line)) == 1


# -- a terminal program's own status line

def test_minicoms_status_line_after_a_login_prompt_leaves_the_prompt():
    found = read("jetson-orin-nano-devkit login: CTRL-A Z for help | 115200 8N1 | NOR | Minicom 2.7.1 | VT102 | Offline | ttyUSB0")
    assert [e.kind for e in found] == ["TegraConsoleLogin"]
    [alone] = read("jetson-orin-nano-devkit login:")
    assert alone.kind == "TegraConsoleLogin"


def test_minicoms_help_key_in_a_sentence_is_not_cut():
    line = "To leave minicom press CTRL-A Z for help and then X to exit the program"
    assert len(pieces(line)) == 1


def test_esphome_lines_glued_together_are_read_apart():
    # ESPHome's "[E][tag:NNN]: " envelope begins a line of its own: a paste that lost the newlines
    # between them still shows the boot loop line as a line.
    line = ("[C][safe_mode:079]: There have been 10 suspected unsuccessful boot attempts "
            "[E][safe_mode:086]: Boot loop detected. Proceeding to safe mode "
            "[E][component:164]: Component safe_mode set Error flag: unspecified")
    assert pieces(line) == [
        "[C][safe_mode:079]: There have been 10 suspected unsuccessful boot attempts",
        "[E][safe_mode:086]: Boot loop detected. Proceeding to safe mode",
        "[E][component:164]: Component safe_mode set Error flag: unspecified",
    ]
    # a task other than the main loop adds its name after the line number
    assert pieces("[I][app:029]: Running through setup()... [D][esp32_ble_tracker:269][BTU_TASK]: Starting scan") == [
        "[I][app:029]: Running through setup()...", "[D][esp32_ble_tracker:269][BTU_TASK]: Starting scan"]
    # an Arduino log line, whose envelope closes with a space and no colon, is not cut by it
    assert pieces("[E][WiFiGeneric.cpp:1438] setTxPower(): Neither AP or STA has been started") == [
        "[E][WiFiGeneric.cpp:1438] setTxPower(): Neither AP or STA has been started"]


# -- STM32CubeProgrammer's Error:/Warning: lines and its step lines

def test_stm32cubeprogrammer_lines_glued_together_are_read_apart():
    found = read("RUNNING Program ... Address: : 0x8000000 Warning: The core is locked up Start operation achieved successfully")
    assert [getattr(e, "message", e.kind) for e in found] == ["stm32prog.core_locked_up", "stm32prog.start_done"]


def test_a_stm32cubeprogrammer_flash_whose_core_locked_up_is_no_healthy_flash_when_glued():
    lines = ["Memory Programming ...", "Opening and parsing file: zephyr.signed.hex", "  File          : zephyr.signed.hex",
             "Erasing memory corresponding to segment 0:", "Download in Progress:", "File download complete",
             "RUNNING Program ...", "  Address:      : 0x8000000", "Warning: The core is locked up",
             "Start operation achieved successfully"]
    plain, glued = _same_answer(lines)
    assert plain == glued == "unexplained"


def test_an_error_named_in_a_sentence_is_read_after_the_sentence():
    line = ("With BOOT0 held high it connects in hot-plug mode and shows RDP = 0x55; writing RDP back to 0xAA "
            "answers: Error: Option Byte Programming failed Or modified by application after OB_LAUNCH.")
    assert pieces(line)[-1] == "Error: Option Byte Programming failed Or modified by application after OB_LAUNCH."


def test_lower_case_error_words_start_no_line():
    line = "Flashing went wrong and the log said Error: something else went wrong here"
    assert len(pieces(line)) == 1

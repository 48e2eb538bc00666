"""Lines a mail program broke at a blank (a log pasted into a mail, as a list archive shows it) are
read as the line the device printed; rows that only look that wide stay the lines they are."""
from __future__ import annotations

import textwrap

import pytest

from bootdiag.core.lines import MAX_LINE_BYTES, iter_lines
from bootdiag.core.parse import LineParser
from bootdiag.core.parse.wrapped import joined, wrapped_span
from bootdiag.core.pipeline import Analyzer, explain
from linear_time import assert_linear, best_cpu_times

FAILURE = ("E (628) spi_flash: Detected size(4096k) smaller than the size in the binary image header(8192k). "
           "Probe failed.")
TOOL_FAILURE = ("A fatal error occurred: Failed to connect to Espressif device: Invalid head of packet (0x4F): "
                "Possible serial noise or corruption.")
MCUBOOT_FAILURE = "[00:00:00.005,659] <err> mcuboot: Failed to open flash area ID 1 (image 1 slot 1): -2, cannot continue"
BOOT = [
    "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)",
    "I (29) boot: ESP-IDF v4.4.6 2nd stage bootloader",
    "I (573) cpu_start: Pro cpu up.",
]


def mail(line: str, width: int = 72, marks: str = "") -> list[str]:
    """``line`` as a mail program breaks it at ``width`` columns, each row after ``marks``."""
    return [marks + row for row in textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False)]


def answer(lines: list[str]) -> tuple[str, list[str]]:
    report = explain("\n".join(lines) + "\n")
    return report.status, [f.id for f in report.findings]


def answers_however_cut(data: bytes, sizes: tuple[int, ...]) -> set[tuple[str, tuple[str, ...]]]:
    """The (status, finding ids) of ``data`` fed in reads of each of ``sizes`` bytes."""
    answers = set()
    for size in sizes:
        analyzer = Analyzer("<capture>")
        for at in range(0, len(data), size):
            analyzer.feed_bytes(data[at : at + size])
        report = analyzer.finish()
        answers.add((report.status, tuple(f.id for f in report.findings)))
    return answers


def rows_read(text: str) -> list[str]:
    return [text[start:end] for _, start, end in LineParser().screened(text)]


@pytest.mark.parametrize("width", [72, 76, 78])
def test_a_failure_a_mail_program_broke_reads_as_the_line_it_was(width):
    whole = answer([*BOOT, FAILURE])
    assert whole == ("diagnosed", ["esp.flash_size_or_partition_mismatch"])
    assert len(mail(FAILURE, width)) == 2
    assert answer([*BOOT, *mail(FAILURE, width)]) == whole


@pytest.mark.parametrize("marks", ["> ", "> > ", ">> "])
def test_a_reply_quoting_the_broken_rows_reads_them_as_one_line(marks):
    expected = ("diagnosed", ["esp.flash_size_or_partition_mismatch"])
    assert answer([marks + line for line in BOOT] + mail(FAILURE, 72, marks)) == expected
    # rows broken at 72 columns, the quote marks put before them later
    assert answer([marks + line for line in BOOT] + [marks + row for row in mail(FAILURE, 72)]) == expected


def test_a_tool_failure_and_a_bootloader_failure_broken_in_a_mail():
    assert answer(mail(TOOL_FAILURE)) == answer([TOOL_FAILURE]) == ("diagnosed", ["esp.not_in_download_mode"])
    assert answer(mail(TOOL_FAILURE, 72, "> ")) == answer([TOOL_FAILURE])
    whole = answer(["*** Booting Zephyr OS build v3.7.0 ***", "[00:00:00.005,623] <inf> mcuboot: Starting bootloader",
                    MCUBOOT_FAILURE])
    assert answer(["*** Booting Zephyr OS build v3.7.0 ***", "[00:00:00.005,623] <inf> mcuboot: Starting bootloader",
                   *mail(MCUBOOT_FAILURE, 72, "> ")]) == whole
    assert whole[1] == ["mcuboot.slot_area_not_in_flash_map"]


def test_the_rows_join_after_a_blank_without_the_repeated_quote_marks():
    assert joined("> > E (628) spi_flash: Detected size(4096k) smaller than the size in the\n"
                  "> > binary image header(8192k).") == (
        "> > E (628) spi_flash: Detected size(4096k) smaller than the size in the binary image header(8192k).")


def test_a_broken_line_reads_the_same_however_the_capture_was_cut_into_reads():
    for rows in (mail(FAILURE), mail(FAILURE, 72, "> ")):
        for after in (["I (700) main_task: Calling app_main()"], []):
            data = ("\n".join([*BOOT, *rows, *after]) + "\n").encode()
            answers = answers_however_cut(data, (1, 7, 70, 71, 72, 73, 80, 160, len(data)))
            assert answers == {("diagnosed", ("esp.flash_size_or_partition_mismatch",))}, (rows, after)


def test_a_row_whose_next_word_would_have_fitted_is_a_whole_line():
    line = "Bash: cannot set terminal process group (-1): inappropriate ioctl"  # 65 columns
    for following in ("for device", "shell ready"):
        text = f"{line}\n{following}\n"
        assert rows_read(text)[0] == line, following


@pytest.mark.parametrize("following", [
    "error: nvme0n1p1 not found",  # a label opens a line
    "13:I (31) boot: compile time 10:00:01",  # grep -n's line number
    "- I (31) boot: compile time 10:00:01",  # a list item
    "  indented continuation of something else",
])
def test_a_next_row_that_begins_a_line_of_its_own_is_not_joined(following):
    line = "Bash: cannot set terminal process group (-1): inapproprate iocl for device"  # 74 columns
    assert rows_read(f"{line}\n{following}\n")[0] == line


@pytest.mark.parametrize("line, following", [
    ("**rst:0x10 (RTCWDT_RTC_RESET),boot:0xb (HSPI_FLASH_BOOT)**", "**[22:07:33.949]invalid header: 0xffffffff**"),
    ("`A fatal error occurred: Timed out waiting for packet header`", "`Detecting_M5Stack_products... found`"),
    ("| rst:0x10 (RTCWDT_RTC_RESET),boot:0xb (HSPI_FLASH_BOOT) | 10:00 |", "|invalid_header:_0xffffffff |"),
])
def test_rows_a_pastes_markup_closes_and_opens_are_not_joined(line, following):
    assert rows_read(f"{line}\n{following}\n")[0] == line


@pytest.mark.parametrize("line, following", [
    ("I (539) heap_init: Initializing. RAM available for dynamic allocation:",
     "Task watchdog got triggered. The following tasks did not reset the watchdog in time:"),
    ('./tegraflash.py --chip 0x18 --cmd "dump eeprom boardinfo cvm.bin"', "Welcome to Tegra Flash"),
])
def test_a_next_row_that_opens_with_a_capitalised_word_is_a_line_of_its_own(line, following):
    assert all("\n" not in row for row in rows_read(f"{line}\n{following}\n"))


@pytest.mark.parametrize("line, following", [
    # an uploader's own verdict in capitals after esptool's question (esptool#851's data upload)
    ("A fatal error occurred: This chip is ESP32-S3 not ESP32. Wrong --chip argument?", "SPIFFS Upload failed!"),
    ("I (1053) example: all 3 sensors calibrated, starting the measurement loop now.", "DHT22 timeout"),
])
def test_a_word_in_capitals_after_a_sentences_end_opens_a_line_of_its_own(line, following):
    assert len(line) in range(72, 81) and len(line) + 1 + len(following.split()[0]) > 80
    assert all("\n" not in row for row in rows_read(f"{line}\n{following}\n"))


def test_the_uploaders_verdict_is_not_read_into_esptools_message():
    report = explain("esptool.py v4.5.1\nSerial port /dev/ttyACM0\nConnecting...\n\n"
                     "A fatal error occurred: This chip is ESP32-S3 not ESP32. Wrong --chip argument?\n"
                     "SPIFFS Upload failed!\n")
    assert [f.id for f in report.findings] == ["esp.chip_mismatch"]
    assert [e.text for e in report.findings[0].evidence] == [
        "A fatal error occurred: This chip is ESP32-S3 not ESP32. Wrong --chip argument?"]


@pytest.mark.parametrize("command", [
    "dev@ws:~/Linux_for_Tegra$ ./flash.sh jetson-xavier-nx-devkit-emmc mmcblk0p1",
    "C:\\Users\\dev\\esp>esptool.py --chip esp32 --port COM3 write_flash 0x1000",
])
def test_a_command_at_a_shells_prompt_is_apart_from_what_it_printed(command):
    assert rows_read(f"{command}\nflash.sh requires root privilege\n")[0] == command
    assert answer(["dev@ws:~/Linux_for_Tegra$ ./flash.sh jetson-xavier-nx-devkit-emmc mmcblk0p1",
                   "flash.sh requires root privilege"]) == ("diagnosed", ["tegra.not_root"])


def test_rows_with_other_quote_marks_or_a_shown_line_end_are_whole_lines():
    line = "> E (628) spi_flash: Detected size(4096k) smaller than the size in the"
    assert rows_read(f"{line}\nbinary image header(8192k). Probe failed.\n")[0] == line
    shown = "I (29) boot: ESP-IDF v4.4.6 2nd stage bootloader, compile time\\r"
    assert rows_read(f"{shown}\nI (31) boot: chip revision: v3.0\\r\n")[0] == shown


def test_thousands_of_rows_that_each_go_on_in_the_next_are_read_in_linear_time():
    # every row 69 columns wide and the next one's first word too long to have fitted on it: one long
    # line a mail program broke, no trigger in it, whose rows are each looked at once
    import random
    import string

    rng = random.Random(0)

    def capture(rows: int) -> str:
        return "".join("qqqq" + "".join(rng.choice(string.ascii_lowercase + " ") for _ in range(63)) + "xy\n"
                       for _ in range(rows))

    parser = LineParser()
    small, large = best_cpu_times(lambda text: list(parser.screened(text)), [capture(1000), capture(4000)])
    assert_linear(small, large, 4)


def test_a_quoted_line_the_quoting_mail_broke_reads_whole_in_a_reply():
    # "> [line]" broken at 72 columns by the mail that quoted it ("> " before its first row only),
    # then quoted again in a reply: "> > " before the first row, "> " before the rest
    line = "[14:01:49.128][W][safe_mode:094]: OTA rollback detected! Rolled back from partition 'app1'"
    first, rest = mail("> " + line)
    assert answer(["> " + first, "> " + rest]) == answer([line]) == ("diagnosed", ["esp.ota_update_rolled_back"])
    # a row without marks after a quoted one is no rest of it (a reply's own words after a quote)
    assert not rows_read(f"> {first}\n{rest}\n")
    assert answer([f"> {first}", rest]) == ("unrecognised", [])


def test_a_message_broken_before_a_word_that_looks_like_a_lines_first_reads_whole():
    # a word of the message's own text begins the next row
    rows = ['On boot the board printed "Invalid chip id. Expected 2 read 0.',
            'Bootloader for wrong chip? ets_main.c 386" and stopped.']
    assert rows_read("\n".join(rows) + "\n") == ["\n".join(rows)]
    assert answer(rows) == answer([" ".join(rows)]) == ("diagnosed", ["esp.chip_mismatch"])
    # a value that looks like a label begins it, and the message's own text closes after it
    rows = ["A fatal error occurred: Failed to write to target RAM (result was", "01070000: Operation timed out)"]
    assert rows_read("\n".join(rows) + "\n") == ["\n".join(rows)]


@pytest.mark.parametrize("line, following", [
    # a message that ends with a value: the next row's capitalised line is no rest of it
    ("E (463) esp_image: Checksum failed. Calculated 0x41 read 0x22 and then some", "Rebooting..."),
    ("E (3072) esp_https_ota: Failed to open HTTP connection: ESP_ERR_HTTP_CONNECT", "Retrying after the network comes back"),
    # a row no message begins on
    ("this paragraph of someone's own words is long enough to be broken by a mail", "Welcome to Tegra Flash"),
])
def test_a_capitalised_line_after_a_message_that_ends_with_a_value_stays_apart(line, following):
    assert 56 <= len(line) < 80 and len(line) + 1 + len(following.split()[0]) > 72
    assert all("\n" not in row for row in rows_read(f"{line}\n{following}\n"))


def test_a_message_over_three_rows_goes_on_before_a_capitalised_word_of_its_own():
    sentence = ("The S3 reboots in a loop after flashing through the web installer; the line that stands out "
                f"in the serial log is `{FAILURE}`")
    rows = mail(sentence, 72, "> ")
    assert rows[-1].startswith("> Probe failed.") and len(rows) == 4
    assert answer(rows) == answer([sentence]) == ("diagnosed", ["esp.flash_size_or_partition_mismatch"])


SIGNED_DOWNLOAD = (
    "[   0.6556 ] tegrarcm_v2 --new_session --chip 0x23 0 --uid --download bct_br br_bct_BR.bct --download mb1 "
    "mb1_t234_prod_aligned_sigheader_encrypt.bin.signed --download psc_bl1 "
    "psc_bl1_t234_prod_aligned_sigheader_encrypt.bin.signed --download bct_mb1 mb1_bct_MB1_sigheader_encrypt.bct.signed"
)
SIGNED_AFTER = ["[   0.7387 ] Sending bct_br", "[   0.8193 ] ERROR: might be timeout in USB write.", "Error: Return value 3"]


@pytest.mark.parametrize("marks", ["", "> "])
def test_a_row_the_mail_program_broke_early_before_a_long_word_goes_on(marks):
    # The word after "mb1" is too long for the rest of the row, so the program broke that row early.
    rows = mail(SIGNED_DOWNLOAD, 72, marks)
    assert any(len(row) < 56 for row in rows[:-1])
    whole = answer([SIGNED_DOWNLOAD, *SIGNED_AFTER])
    assert whole == ("diagnosed", ["tegra.fuses_not_burned"])
    assert answer([*rows, *(marks + line for line in SIGNED_AFTER)]) == whole
    assert rows_read("\n".join(rows) + "\n")[0].count("\n") == len(rows) - 1


def test_a_row_broken_early_reads_the_same_however_the_capture_was_cut_into_reads():
    for marks in ("", "> "):
        data = ("\n".join([*mail(SIGNED_DOWNLOAD, 72, marks), *(marks + line for line in SIGNED_AFTER)]) + "\n").encode()
        answers = answers_however_cut(data, (1, 7, 37, 38, 39, 70, 72, 80, 160, len(data)))
        assert answers == {("diagnosed", ("tegra.fuses_not_burned",))}, marks


def test_a_short_row_after_a_broken_one_ends_the_line_when_its_next_word_would_have_fitted():
    # The 69-column row goes on in "short rest" (its next word did not fit); "short rest" has room for
    # "I", so the line ended there.
    text = ("E (628) spi_flash: Detected size(4096k) smaller than the size in the binary\n"
            "image header(8192k).\n"
            "I (700) main_task: Calling app_main()\n")
    rows = rows_read(text)
    assert rows[0] == ("E (628) spi_flash: Detected size(4096k) smaller than the size in the binary\n"
                       "image header(8192k).")
    assert rows[1] == "I (700) main_task: Calling app_main()"
    # A narrow row that follows a row as wide as a mail's but whole (its next word would have fitted)
    # is a line of its own.
    line = "Bash: cannot set terminal process group (-1): inappropriate ioctl"  # 65 columns
    assert rows_read(f"{line}\nfor device\nmb1_t234_prod_aligned_sigheader_encrypt.bin.signed\n")[0] == line


# A flash whose runner wrote the build's .hex where the command named a signed .bin: the runner's line
# names the file, and a mail breaks it before the path, on a row narrower than its width.
FLASHED = ["west flash --bin-file build/zephyr/zephyr.signed.bin", "-- west flash: using runner nrfjprog",
           "-- runners.nrfjprog: Flashing file: /home/dev/zephyrproject/build/zephyr/zephyr.hex", "Parsing hex file."]


@pytest.mark.parametrize("marks", ["", "> ", "> > "])
def test_a_row_broken_before_a_long_path_reads_whole_however_narrow(marks):
    whole = answer([marks + line for line in FLASHED])
    assert whole == ("diagnosed", ["mcuboot.unsigned_image_flashed"])
    rows = [marks + row for line in FLASHED for row in mail(line)]
    assert marks + "-- runners.nrfjprog: Flashing file:" in rows and len(rows) == len(FLASHED) + 1
    assert answer(rows) == whole
    broken = rows.index(marks + "-- runners.nrfjprog: Flashing file:")
    assert rows_read("\n".join(rows) + "\n").count("\n".join(rows[broken : broken + 2])) == 1


@pytest.mark.parametrize("line", [
    "runners.nrfjprog: nrfjprog --program /home/dev/zephyrproject/build/zephyr/zephyr.hex -f NRF52",  # an option's path
    "west sign -t imgtool -- --key C:\\ncs\\v2.5.2\\bootloader\\mcuboot\\root-rsa-2048.pem  --header-size 32",
    "For troubleshooting steps visit: https://docs.espressif.com/projects/esptool/en/latest/troubleshooting.html",
    "espsecure.py sign_data --version 2 --keyfile ~/keys/project/secure_boot_signing_key_v2.pem build/app.bin",
])
def test_a_path_a_url_or_an_option_that_did_not_fit_carries_the_line_on(line):
    rows = mail(line)
    assert len(rows[0]) < 56 and len(rows) > 1
    assert rows_read("\n".join(rows) + "\n")[0] == "\n".join(rows[:2])
    assert joined("\n".join(rows[:2])) == f"{rows[0]} {rows[1]}"


@pytest.mark.parametrize("line, following", [
    # a ROM's line, and the next one that begins with a long value, not a path
    ("configsip: 0, SPIWP:0xee", "clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00"),
    # a compiler's error opens with its file, line and column
    ("cc1: all warnings being treated as errors",
     "/home/dev/esp/blink/main/blink_example_main.c:42:13: error: unused variable 'level'"),
    # a row that ends a sentence, then the command a build tool ran next
    ("Hard resetting via RTS pin...", "/home/dev/.platformio/penv/bin/python -m esptool --chip esp32 erase_flash"),
    ("Wrote 16384 bytes (10979 compressed) at 0x00001000.", "/dev/ttyUSB0: closed"),
    # a function's name alone, then its file (addr2line without -p)
    ("app_main", "/home/dev/esp/blink/main/blink_example_main.c:42"),
    # a heading, then a command wider than a mail's rows (a mail would have broken it too)
    ("Uploading LittleFS filesystem",
     "C:\\Users\\dev\\AppData\\Local\\Arduino15\\packages\\esp8266\\tools\\python3\\3.7.2-post1/python3.exe "
     "C:\\Users\\dev\\AppData\\Local\\Arduino15\\packages\\esp8266\\hardware\\esp8266\\3.0.2/tools/upload.py"),
    # a next row whose long word would have fitted on a mail's row after this one
    ("Serial port /dev/ttyUSB0", "/home/dev/esp/blink/build/blink.bin"),
    # a command at a shell's prompt, then what it printed
    ("$ west flash --bin-file", "/home/dev/zephyrproject/build/zephyr/zephyr.signed.bin: No such file or directory"),
    # a line of its own that begins with a list's mark, or a line number
    ("I (31) boot: compile time", "- /home/dev/esp/blink/build/bootloader/bootloader.bin"),
    ("Backtrace: 0x400d1a2b:0x3ffb5f70", "12:/home/dev/esp/blink/build/bootloader/bootloader.bin"),
])
def test_a_narrow_row_before_a_line_of_its_own_stays_whole(line, following):
    assert len(line) < 56
    assert all("\n" not in row for row in rows_read(f"{line}\n{following}\n"))
    assert all("\n" not in row for row in rows_read(f"> {line}\n> {following}\n"))


def test_a_narrow_row_and_the_path_it_was_broken_before_are_read_together_however_the_capture_was_cut():
    rows = [row for line in FLASHED for row in mail(line)]
    for after in (["Erasing page at address 0x0."], []):
        data = ("\n".join([*rows, *after]) + "\n").encode()
        answers = answers_however_cut(data, (1, 7, 36, 37, 38, 52, 80, len(data)))
        assert answers == {("diagnosed", ("mcuboot.unsigned_image_flashed",))}, after


def test_the_line_splitter_holds_a_narrow_row_only_while_a_long_word_may_carry_it_on():
    from bootdiag.core.lines import LineSplitter

    splitter = LineSplitter()
    # the last row may go on in the next read: it waits for it (or a release)
    first = splitter.feed(b"Parsing hex file.\n-- runners.nrfjprog: Flashing file:\n")
    assert first is not None and first.text == "Parsing hex file."
    after = splitter.feed(b"/home/dev/zephyrproject/build/zephyr/zephyr.hex\nApplying system reset.\n")
    assert after is not None and after.text.startswith("-- runners.nrfjprog: Flashing file:\n/home/")
    # a row before one that begins with a short word: read at once (the last row waits)
    block = LineSplitter().feed(b"I (31) boot: compile time\nI (32) boot: chip revision: 1\n")
    assert block is not None and block.text == "I (31) boot: compile time"
    # one word alone, a sentence, a line a console ended with CR LF: nothing to wait for
    for data in (b"app_main\n", b"Leaving...\n", b"I (32) boot: chip revision: 1\r\n"):
        block = LineSplitter().feed(data)
        assert block is not None and block.text == data.decode()[:-1]


def test_thousands_of_narrow_rows_each_broken_before_a_path_are_read_in_linear_time():
    import random

    rng = random.Random(0)

    def capture(rows: int) -> str:
        # each row 50 columns wide, the next one's first word a path of 31 characters: one long line
        # (of letters no trigger is made of, so that the line's cost is the rows', not a search's)
        return "".join(("~/", "./")[n % 2] + "".join(rng.choice("jkqxz") for _ in range(29)) + " "
                       + "".join(rng.choice("jkqxz/") for _ in range(18)) + "\n" for n in range(rows))

    text = capture(1000)
    # joined as one line up to the longest a device prints (the line splitter's limit), no further
    end = wrapped_span(text, 0, text.index("\n"), 0, lambda text, at: False)[1]
    assert MAX_LINE_BYTES <= end < MAX_LINE_BYTES + 51 < len(text)
    parser = LineParser()
    small, large = best_cpu_times(lambda text: list(parser.screened(text)), [text, capture(4000)])
    assert_linear(small, large, 4)


def lines_read(data: bytes, cuts: tuple[int, ...] = ()) -> list[tuple[int, str]]:
    """(number, text) of every line the parser reads in ``data``, fed in reads cut at ``cuts``."""
    from bootdiag.core.lines import LineSplitter

    splitter, parser, read = LineSplitter(), LineParser(), []
    bounds = (0, *cuts, len(data))
    blocks = [splitter.feed(data[a:b]) for a, b in zip(bounds, bounds[1:])] + [splitter.flush()]
    for block in blocks:
        if block is not None:
            read += [(no, block.text[start:end]) for no, start, end in parser.screened(block.text, 0, block.first_no)]
    return read


def test_rows_a_mail_program_broke_early_one_after_another_read_the_same_however_cut():
    # after a row as wide as a mail's, each narrower row was broken before a word too long for it
    rows = ["E (628) spi_flash: reading failed and the device could not read the",
            "configuration_partition_table_entry_name_xyz at offset",
            "another_extremely_long_identifier_that_goes x.",
            "yet_another_extremely_long_identifier_here end"]
    data = ("\n".join([*BOOT, *rows, "I (700) main_task: Calling app_main()"]) + "\n").encode()
    whole = lines_read(data)
    assert "\n".join(rows) in dict(whole).values()
    start = data.index(rows[1].encode())
    for cut in range(start, start + 200):
        assert lines_read(data, (cut,)) == whole, cut


@pytest.mark.parametrize("word", ["PermissionError(13,", "LastAttemptStatus:", "[Errno_13_Permission]"])
def test_a_row_before_a_long_capitalised_word_or_label_waits_for_it(word):
    # a catalogued message may run on into the word (the reader decides): the row broken before it
    # waits for it at a read's end, whatever the word is
    from bootdiag.core.lines import LineSplitter

    rows = [b"A fatal error occurred: Could not connect to an Espressif device on any",
            b"of the 1 available serial ports; the port is busy here.",  # broken early: the word did not fit
            word.encode() + b" 'Access is denied.', None, 5)"]
    splitter = LineSplitter()
    block = splitter.feed(b"\n".join(rows) + b"\n")
    assert block is None or rows[1].decode() not in block.text


# Real captures whose long line a mail program breaks before a capitalised word or a label that the
# line's catalogued message runs on into ("... Expected 2 read 0." + "Bootloader for wrong chip?",
# "(result was" + "01070000: Operation timed out)", "reason: 0x02," + "aux_info: 0x09").
JOINED_BEFORE_A_CAPITAL_OR_LABEL = [
    "esp/boot-s2-esp32-bootloader-invalid-chip-id",
    "esp/flash-c6-macos-usbmodem-port-write-ram-timeout",
    "esp/flash-pio-esp32-project-on-s3-board-wrong-chip-prose",
    "esp/flash-pio-upload-port-held-by-monitor-during-debug",
    "tegra/t234-orin-nx-applet-qspi-invalid-device-id-module-fault",
]


@pytest.mark.parametrize("case", JOINED_BEFORE_A_CAPITAL_OR_LABEL)
@pytest.mark.parametrize("marks", ["", "> "])
def test_a_line_broken_before_a_capitalised_word_or_label_reads_the_same_however_cut(case, marks):
    from pathlib import Path

    from paste_variants import plain_lines

    text = plain_lines((Path(__file__).parents[1] / "corpus" / "real" / f"{case}.log").read_text(encoding="utf-8"))
    rows = [row for line in text.splitlines() for row in mail(line, 72, marks) or [line]]
    data = ("\n".join(rows) + "\n").encode()
    whole = lines_read(data)
    # the rows joined where the next one begins with a capitalised word or a label
    joins = [data.index(("\n" + row + "\n").encode()) + 1 for (_, line) in whole for row in line.split("\n")[1:]
             if row[len(marks)].isupper() or row[len(marks):].split(" ", 1)[0].endswith(":")]
    assert joins, "no row joined before a capitalised word or a label"
    expected = answers_however_cut(data, (len(data),))
    for at in joins:
        before = data.rfind(b"\n", 0, at - 1) + 1
        after = data.find(b"\n", data.find(b"\n", at) + 1) + 1 or len(data)
        for cut in range(before, after + 1):
            assert lines_read(data, (cut,)) == whole, (cut, data[before:after])
        assert answers_however_cut(data, (at - before, at - 1, at)) == expected


def test_console_lines_stay_whole_whether_a_lone_cr_came_in_the_same_read():
    # esptool's progress rewrites its line after a lone CR; the device's lines end with CR LF, never a
    # mail's bare LF, so none is joined to the next whatever else a read carried
    rows = [*BOOT, "E (628) spi_flash: Detected size(4096k) smaller than the size in the",
            "binary image header(8192k). Probe failed.", "I (700) main_task: Calling app_main()"]
    data = ("Writing at 0x00010000... (50 %)\r" + "\r\n".join(rows) + "\r\n").encode()
    whole = lines_read(data)
    assert [text.rstrip("\r") for _, text in whole if "spi_flash" in text] == [rows[-3]]
    for cut in range(1, len(data)):
        assert lines_read(data, (cut,)) == whole, cut
    assert [line.text for line in iter_lines([data])][1:] == rows


@pytest.mark.parametrize("case", ["mcuboot/west-sign-rom-start-offset-zero-header-size",
                                  "tegra/t234-orin-nano-oe4t-signed-doflash-unfused-board-truncated"])
def test_a_mails_rows_a_web_page_escaped_read_the_same_however_cut(case):
    # a list archive's page: the rows a mail program broke, quoted in a reply, then escaped as the
    # page's source has them ("&gt; " before each row); the widths are those of the rows read
    from pathlib import Path

    from paste_variants import STYLES, plain_lines

    text = plain_lines((Path(__file__).parents[1] / "corpus" / "real" / f"{case}.log").read_text(encoding="utf-8"))
    rows = [row for line in text.splitlines() for row in mail(line, 72, "> ") or ["> " + line]]
    data = STYLES["html"]("\n".join(rows) + "\n").encode()
    whole = lines_read(data)
    for at in range(len(data)):
        if data[at - 1 : at] == b"\n":
            assert lines_read(data, (at,)) == whole, at
    assert len(answers_however_cut(data, (len(data), 1024, 256, 97))) == 1


@pytest.mark.parametrize("marks", ["", "> "])
def test_a_broken_line_before_a_long_run_of_rows_that_may_go_on_reads_the_same_however_cut(marks):
    # A failure a mail program broke, then more stamped lines as wide as a mail's rows than the line
    # splitter holds back at a read's end: no read may end a block between the failure's two rows.
    stamped = [f"{marks}[00:00:00.003,{400 + i:03d}] <dbg> spi_nor: spi_nor_process_bfp: Erase 32768 with 52"
               for i in range(12)]
    rows = [*mail(MCUBOOT_FAILURE, 72, marks), *stamped]
    assert all(len(row) in range(56, 80) for row in (rows[0], *stamped)) and not rows[1].startswith(f"{marks}[")
    data = ("\n".join(rows) + "\n").encode()
    whole = _reading(data)
    assert whole[:2] == ("diagnosed", ("mcuboot.slot_area_not_in_flash_map",))
    for at in range(1, len(data)):
        assert _reading(data[:at], data[at:]) == whole, at


def _reading(*reads: bytes) -> tuple[str, tuple[str, ...], int]:
    """The status, finding ids and number of events of a capture fed in ``reads``."""
    analyzer = Analyzer("<capture>")
    for read in reads:
        analyzer.feed_bytes(read)
    report = analyzer.finish()
    return report.status, tuple(f.id for f in report.findings), report.stats["events"]


def test_rows_the_splitter_may_end_a_block_between_are_never_joined():
    # every pair of rows of the real captures that rows_apart says are apart, read by wrapped_span
    # in both directions (from the row before, and from the row)
    from pathlib import Path

    parser = LineParser()
    opens = parser.unwrapper.opens_log_line
    apart = 0
    for path in sorted(Path(__file__).resolve().parents[1].glob("corpus/real/*/*.log")):
        rows = path.read_bytes().decode("utf-8", "replace").replace("\x00", "").split("\n")
        for before, row in zip(rows, rows[1:]):
            if not parser.rows_apart(before.rstrip("\r"), row):
                continue
            apart += 1
            text = f"{before}\n{row}"
            cut = len(before)
            assert wrapped_span(text, 0, cut, 0, opens, parser._message_goes_on)[1] == cut, (path.name, before, row)
            if row:  # (the screen hands over no empty row)
                assert wrapped_span(text, cut + 1, len(text), 0, opens, parser._message_goes_on)[0] == cut + 1, (path.name, before, row)
    assert apart > 1000


# A reset line a mail program broke early, before a word in a paste's markup that is neither a path, a
# URL nor an option: the word did not fit on the row, and the line goes on after it on the next row.
MARKED_RESET = "`[02:37:22]Build:Feb 7 2021 [02:37:22]rst:0xf (`**`BROWNOUT_RST`**`),boot:0xc (SPI_FAST_FLASH_BOOT`"


@pytest.mark.parametrize("marks", ["", "> "])
def test_a_row_broken_early_before_a_long_word_of_any_kind_goes_on_when_the_line_does(marks):
    rows = mail(MARKED_RESET, 72, marks)
    assert len(rows) == 2 and len(rows[0]) < 56 and not rows[1][len(marks):].startswith(("/", "--", "http"))
    assert rows_read("\n".join(rows) + "\n") == ["\n".join(rows)]
    assert answer(rows) == answer([MARKED_RESET]) == ("diagnosed", ["esp.brownout"])
    data = ("\n".join([*(marks + line for line in BOOT[1:]), *rows, marks + BOOT[1]]) + "\n").encode()
    assert answers_however_cut(data, (1, 7, 40, 47, 48, 49, 80, len(data))) == {("diagnosed", ("esp.brownout",))}


@pytest.mark.parametrize("line, following", [
    # the long word alone on its row: a value a log prints on a line of its own
    ("configsip: 0, SPIWP:0xee", "clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00"),
    # a row that opens with a source location (a function at its file and line), or a rule
    ("[    2.706234] Freeing unused kernel memory: 2048K", "irq_handler@main.c:630 IRQ 68 Dropped"),
    ("install_linux_devices@main.c:656 module: init_ram", "init_ram_module@init_ram.c:23 register RAM: 0xc0000000"),
    ("airm2m_core_esp32c3  FAILED    00:01:13.897", "==================================================================== 1"),
    # a row wider than a mail's after the word: no mail program made it
    ("I (31) boot: compile time", "configuration_partition_table_entry_name_and_more " + "and so on " * 5),
])
def test_a_narrow_row_before_a_long_word_that_opens_a_line_of_its_own_stays_whole(line, following):
    assert len(line) + 1 + len(following.split()[0]) > 72
    for marks in ("", "> "):
        assert all("\n" not in row for row in rows_read(f"{marks}{line}\n{marks}{following}\n"))


def test_a_command_a_mail_program_broke_before_an_option_goes_on_in_the_next_row():
    command = ("dev@ws:~/ncs/zephyr/samples/basic/blinky_with_mcumgr_smp$ mcumgr --conntype serial --connstring "
               "\"/dev/ttyACM0,baud=115200\" image upload /home/dev/ncs/build/zephyr/app_update.bin")
    rows = mail(command)
    assert rows[0].endswith("mcumgr") and rows[1].startswith("--conntype")
    text = "\n".join(rows) + "\n"
    assert wrapped_span(text, 0, len(rows[0]), 0, lambda _text, _at: False) == (0, len(text) - 1)
    assert answer([*rows, "0 B / 20.51 KiB [-------------------------] 0.00%"]) == (
        "diagnosed", ["mcuboot.smp_upload_no_answer"])
    # what the command printed, whatever its first word
    for output in ("--- waiting for the device", "Error: NMP timeout", "/dev/ttyACM0: No such file or directory"):
        text = f"{rows[0]}\n{output}\n"
        assert wrapped_span(text, 0, len(rows[0]), 0, lambda _text, _at: False) == (0, len(rows[0]))

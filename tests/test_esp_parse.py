"""ESP32 log lines that real captures contain, each read into the right event (or none)."""
from __future__ import annotations

import pytest

from bootdiag.core.events import Unparsed
from bootdiag.platforms.esp import events as ev
from bootdiag.core.lines import lines_from_text
from bootdiag.core.parse import LineParser, parse_text
from bootdiag.core.pipeline import explain
from bootdiag.core.session import SessionTracker


def one(line: str):
    events = parse_text(line + "\n")
    assert len(events) == 1, events
    return events[0]


def test_key_blocks_are_indexes_not_a_count() -> None:
    # esp-idf #13273 boots fine with "... blocks: 0"; esp-rs/esp-hal #4770 (C6) lists three.
    single = one("Valid secure boot key blocks: 0")
    assert isinstance(single, ev.RomValidKeyBlocks) and single.blocks == [0] and not single.is_failure()
    assert one("Valid secure boot key blocks: 0 1 2").blocks == [0, 1, 2]
    assert one("Valid secure boot key blocks:").is_failure()


@pytest.mark.parametrize("line", ["ECDSA secure boot verification succeeded", "secure boot verification succeeded",
                                  "secure boot v2 enabled"])
def test_rom_secure_boot_ok(line: str) -> None:
    assert isinstance(one(line), ev.RomSecureBootOk)


@pytest.mark.parametrize("line,address,length", [
    ("load:0x403ce000 [_iram_data_end:??:??],len:0x928", 0x403CE000, 0x928),
    ("load:0x40078000 [__udivmoddi4:??:??],len:14296", 0x40078000, 14296),
    ("load:0x403ce000,len:0x928", 0x403CE000, 0x928),
])
def test_rom_load_with_a_monitor_symbol_after_its_address(line: str, address: int, length: int) -> None:
    # A serial monitor that resolves addresses writes the symbol after one; the line is still the ROM's.
    event = one(line)
    assert isinstance(event, ev.RomLoad) and (event.address, event.length) == (address, length)


def test_rom_entry_with_a_monitor_symbol_after_its_address() -> None:
    event = one("entry 0x403ce000 [_iram_data_end:??:??]")
    assert isinstance(event, ev.RomEntry) and event.address == 0x403CE000


def test_bracketed_words_that_are_no_symbol_do_not_make_a_rom_load() -> None:
    # a space inside the brackets: prose, not one symbol
    events = parse_text("load:0x403ce000 [see the map file],len:0x928\n")
    assert not any(isinstance(e, ev.RomLoad) for e in events)


def test_forum_title_is_not_a_rom_failure() -> None:
    # A sentence-case title says something failed (an unread failure at most), not the ROM's line.
    assert [e.kind for e in parse_text("Secure Boot Verification failed\n")] == ["UnreadFailure"]
    assert isinstance(one("secure boot verification failed"), ev.RomSecureBootFailed)
    assert isinstance(one("Secure boot check fail"), ev.RomSecureBootFailed)


@pytest.mark.parametrize("banner,chip", [("ESP-ROM:esp32c3-api1-20210207", "esp32c3"), ("ESP-ROM:esp32s2-rc4-20191025", "esp32s2"),
                                         ("ESP-ROM:esp32s3-20210327", "esp32s3")])
def test_rom_banners_with_revision_tags(banner: str, chip: str) -> None:
    event = one(banner)
    assert isinstance(event, ev.RomBanner) and event.chip == chip


@pytest.mark.parametrize("prefix", ["[22:02:10]", "[12:00:01.123] ", "14:56:33.435305 ", "12:00:01.123 -> ", "02:37:22]"])
def test_host_timestamps(prefix: str) -> None:
    event = one(prefix + "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)")
    assert isinstance(event, ev.RomReset) and event.boot_mode == 0x13


def test_a_reset_line_kept_without_its_boot_byte_is_still_a_reset() -> None:
    # ESPresense #2244 kept only the reset lines of a watchdog loop, the rest elided with "...": the
    # reason is read, the strapping byte is unknown (no download-mode or flash-voltage verdict).
    event = one("rst:0x7 (TG0WDT_SYS_RST)")
    assert isinstance(event, ev.RomReset) and event.reason == "TG0WDT_SYS_RST" and event.reason_code == 7
    assert event.boot_mode is None and event.download is None and not event.flash_voltage_strap
    # A wrapped line keeps its comma; a reset number without the reason in brackets is not the ROM's line.
    assert isinstance(one("rst:0x10 (RTCWDT_RTC_RESET),"), ev.RomReset)
    assert not any(isinstance(e, ev.RomReset) for e in parse_text("rst:0x7\n"))


def test_a_watchdog_loop_pasted_as_its_reset_lines_is_not_healthy() -> None:
    text = ("SHA-256 comparison failed:\nCalculated: " + "e0" * 32 + "\nExpected: " + "ff" * 32
            + "\nAttempting to boot anyway...\nentry 0x403823ac\n...\nrst:0x7 (TG0WDT_SYS_RST)\n...\n"
            "rst:0x10 (RTCWDT_RTC_RST)\n")
    report = explain(text)
    assert report.status != "healthy"
    # The same boot without the restarts after it is not called a failure.
    assert explain(text.split("...")[0]).status != "diagnosed"


def test_a_word_bolded_inside_a_quoted_line_is_read_as_printed() -> None:
    # A forum reply that breaks the inline code span to bold the reset reason, after a timestamp whose
    # "[" the quote cut off and another line glued before it.
    events = parse_text("`02:37:22]Build:Feb 7 2021 [02:37:22]rst:0xf (`**`BROWNOUT_RST`**`),boot:0xc (SPI_FAST_FLASH_BOOT`\n")
    resets = [e for e in events if isinstance(e, ev.RomReset)]
    assert len(resets) == 1 and resets[0].reason == "BROWNOUT_RST" and resets[0].boot_mode == 0xC


def test_stars_of_a_log_line_are_kept() -> None:
    event = one("`***ERROR*** A stack overflow in task main has been detected.`")
    assert "***ERROR***" in event.text


def test_newer_flash_speed_wording_and_esp_fail_code() -> None:
    speed = one("I (31) boot.esp32s3: Boot SPI Speed : 80MHz")
    assert isinstance(speed, ev.BootFlashConfig) and (speed.setting, speed.value) == ("speed", "80MHz")
    failed = one("E (266) boot: Secure Boot v2 failed (-1)")
    assert isinstance(failed, ev.SecureBootEnableFailed) and failed.error == -1


@pytest.mark.parametrize("line,garbage", [
    ("load:0x0780000,len:5012", True),  # no chip has memory there
    ("load:0x206f7420,len:0x1000", True),  # text read as a header
    ("load:0x3fff0030,len:7000", False),  # ESP32 bootloader DRAM
    ("load:0x403c9700,len:0x4", False),  # ESP32-S3 bootloader IRAM
    ("load:0x3f400020,len:188412", False),  # an app's DROM: mapped flash, a wrong file but a real image
    ("load:0x3fce3818,len:-1", True),
])
def test_a_rom_segment_no_chip_could_load_is_garbage(line: str, garbage: bool) -> None:
    event = one(line)
    assert isinstance(event, ev.RomLoad) and event.implausible is garbage


@pytest.mark.parametrize("line,name,new", [
    ("    - 'FLASH_TYPE' (Selects SPI flash type) 0b0 -> 0b1", "FLASH_TYPE", "0b1"),
    ("    - 'SPI_PAD_CONFIG_HD' (SPI HD (D3) pad) 0b000000 -> 0b011100", "SPI_PAD_CONFIG_HD", "0b011100"),
])
def test_espefuse_burn_plan_lines_name_the_field_and_its_new_value(line: str, name: str, new: str) -> None:
    event = one(line)
    assert isinstance(event, ev.ToolEfuseBurn) and (event.name, event.new) == (name, new)


@pytest.mark.parametrize("line,name,on", [
    # espefuse v4/v5 summary rows (``%-50s %-50s%s = %s %s %s``), ESP32 and later chips
    ("FLASH_CRYPT_CNT (BLOCK0)                           Flash encryption is enabled if this field has an o = 1 R/W (0b0000001)",
     "FLASH_CRYPT_CNT", True),
    ("FLASH_CRYPT_CNT (BLOCK0)                           Flash encryption is enabled if this field has an o = 3 R/W (0b0000011)",
     "FLASH_CRYPT_CNT", False),
    ("SPI_BOOT_CRYPT_CNT (BLOCK0)                        Enables flash encryption when 1 or 3 bits are set  = Enable R/W (0b111)",
     "SPI_BOOT_CRYPT_CNT", True),
    ("SPI_BOOT_CRYPT_CNT (BLOCK0)                        Enables flash encryption when 1 or 3 bits are set  = Disable R/W (0b000)",
     "SPI_BOOT_CRYPT_CNT", False),
    # espefuse v3 (``%-40s``) and v2.6 (raw value in hex)
    ("FLASH_CRYPT_CNT (BLOCK0)                 Flash encryption mode counter                      = 7 R/W (0b0000111)",
     "FLASH_CRYPT_CNT", True),
    ("FLASH_CRYPT_CNT        Flash encryption mode counter                     = 0 R/W (0x0)", "FLASH_CRYPT_CNT", False),
    ("FLASH_CRYPT_CNT        Flash encryption mode counter                     = 127 R/W (0x7f)", "FLASH_CRYPT_CNT", True),
])
def test_espefuse_summary_row_of_the_crypt_counter_says_whether_encryption_is_on(line: str, name: str, on: bool) -> None:
    event = one(line)
    assert isinstance(event, ev.EfuseCryptCount) and event.name == name and event.encryption_on is on


def test_esptool_security_report_count_line_is_no_espefuse_row() -> None:
    assert not any(isinstance(e, ev.EfuseCryptCount) for e in parse_text("Flash Crypt Count (FLASH_CRYPT_CNT): 0x1\n"))


@pytest.mark.parametrize("line,beside,encrypts", [
    # the esptool docs' names for espsecure encrypt_flash_data output, a plain table among them
    ("esptool.py --chip esp32 write_flash 0x1000 bootloader-enc.bin 0x8000 build/partition_table/partition-table.bin "
     "0x10000 my-app-enc.bin", True, False),
    ("esptool.py write_flash 0x10000 my-app-ciphertext.bin 0x8000 partition-table.bin", True, False),
    # every file encrypted on the host, or none, or esptool encrypting them on the chip
    ("esptool.py write_flash 0x1000 bootloader-enc.bin 0x8000 partition-table-enc.bin", False, False),
    ("esptool.py write_flash 0x1000 bootloader.bin 0x8000 partition-table.bin 0x10000 unencrypted.bin", False, False),
    ("esptool.py write_flash --encrypt 0x1000 bootloader.bin 0x10000 app-enc.bin", False, True),
    ("esptool.py write-flash --encrypt-files 0x10000 app.bin 0x1000 bootloader.bin", False, True),
])
def test_a_write_of_host_encrypted_files_beside_a_plain_one(line: str, beside: bool, encrypts: bool) -> None:
    event = one(line)
    assert isinstance(event, ev.ToolCommand)
    assert (event.host_encrypted_beside_plain, event.encrypts) == (beside, encrypts)


def _poweron_boots(readings: list[int]) -> str:
    boot = ("ets Jun  8 2016 00:22:57\n\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
            "mode:DIO, clock div:2\nload:0x3fff0030,len:6704\nentry 0x40080698\n"
            "I (29) boot: ESP-IDF v4.4.6 2nd stage bootloader\nI (233) cpu_start: Starting scheduler on PRO CPU.\n")
    return "".join(boot + "".join(f"I ({5400 + 4000 * k}) app: reading {k}\n" for k in range(n)) for n in readings)


@pytest.mark.parametrize("readings,counted", [
    ([4, 4, 4, 4], [0, 0, 1, 2]),  # each boot stops at the same point: a loop
    ([4, 5, 4, 6], [0, 0, 1, 2]),  # a line or two apart still is
    ([3, 9, 1, 12], [0, 0, 0, 1]),  # EN pressed after any amount of output: never two alike before
    ([2, 14, 30, 7], [0, 0, 0, 0]),
])
def test_poweron_resets_count_boots_that_ended_at_the_same_point(readings: list[int], counted: list[int]) -> None:
    resets = [e for e in parse_text(_poweron_boots(readings)) if isinstance(e, ev.RomReset)]
    assert [r.ended_started_before for r in resets] == counted


def test_an_app_writing_an_update_is_read_at_info_level() -> None:
    event = one("I (40221) esp_https_ota: Writing to partition subtype 16 at offset 0x150000")
    assert isinstance(event, ev.EspLog) and event.tag == "esp_https_ota" and not event.is_failure()


@pytest.mark.parametrize("line,message", [
    ("serial.serialutil.SerialException: [Errno 2] could not open port /dev/ttyUSB0: [Errno 2] No such file or directory: '/dev/ttyUSB0'",
     "[Errno 2] could not open port /dev/ttyUSB0"),
    ("A serial exception error occurred: Could not configure port: (5, 'Input/output error')", "Could not configure port"),
])
def test_serial_port_errors_outside_the_fatal_wrapper(line: str, message: str) -> None:
    event = one(line)
    assert isinstance(event, ev.ToolFatal) and event.message.startswith(message)


@pytest.mark.parametrize("plain", [
    "A fatal error occurred: Failed to connect to ESP32: Invalid head of packet (0x65): Possible serial noise or corruption.",
    "A fatal error occurred: Packet content transfer stopped (received 8 bytes)",
    "A serial exception error occurred: Could not configure port: (5, 'Input/output error')",
])
def test_esptool_error_level_label_reads_as_the_fatal_line_it_leads(plain: str) -> None:
    # esptool after v5.3.1 logs through esp-pylib, which puts "ERROR: " before the fatal line
    labelled, bare = one(f"ERROR: {plain}"), one(plain)
    assert isinstance(labelled, ev.ToolFatal)
    assert (labelled.message, labelled.connect_chip, labelled.reason) == (bare.message, bare.connect_chip, bare.reason)


@pytest.mark.parametrize("line", [
    "  \u2570\u2500\u25b6 Failed to connect to the device",
    "    \u2570\u2500\u25b6 Failed to connect to the device",
    "  \u2570\u2500\u25b6 Failed to connect to the device  help: Ensure that the device is connected and the reset and boot pins are not being held down",
    # a program that uses espflash as a library, unwrapping or logging the error in its debug form
    "called `Result::unwrap()` on an `Err` value: Connection(ConnectionFailed)",
    "Error: Connection(ConnectionFailed)",
    "flash failed: Err(Connection(ConnectionFailed))",
])
def test_espflash_connection_failure_is_a_fatal_connect_error(line: str) -> None:
    event = one(line)
    assert isinstance(event, ev.ToolFatal) and event.message == "Failed to connect to the device"
    assert event.message_era.startswith("espflash")


def test_espflash_report_glued_on_one_line_is_split_at_its_marks() -> None:
    glued = ("Error: espflash::connection_failed   \u00d7 Error while connecting to device"
             "   \u2570\u2500\u25b6 Failed to connect to the device   help: Ensure that the device is connected")
    assert any(isinstance(e, ev.ToolFatal) for e in parse_text(glued + "\n"))


@pytest.mark.parametrize("line", [
    "I keep getting Failed to connect to the device when the monitor is open, any idea?",
    "  \u2570\u2500\u25b6 Timeout while running FlashData command",
    "called `Result::unwrap()` on an `Err` value: Connection(Timeout(TimedOutCommand { command: Some(Sync) }))",
    "Connection(ConnectionFailed) is what the library returns when nothing answers; how do I retry?",
])
def test_other_espflash_lines_are_no_connect_failure(line: str) -> None:
    assert not any(isinstance(e, ev.ToolFatal) for e in parse_text(line + "\n"))


@pytest.mark.parametrize("line,message,era", [
    ("Error: Failed to connect with the device", "Failed to connect with the device", "esptool-js"),
    ("Failed to connect with the device", "Failed to connect with the device", "esptool-js"),
    ("Error: Couldn't sync to ESP. Try resetting.", "Couldn't sync to ESP. Try resetting.", "esp-web-flasher"),
    ("[12:01:33] Error: Couldn't sync to ESP. Try resetting.", "Couldn't sync to ESP. Try resetting.", "esp-web-flasher"),
])
def test_browser_flasher_connect_failure_is_a_fatal_connect_error(line: str, message: str, era: str) -> None:
    event = one(line)
    assert isinstance(event, ev.ToolFatal) and event.message == message and event.message_era.startswith(era)


ESPTOOL_JS_CONNECTED = (
    "esptool.js\nSerial port WebSerial VendorID 0x303a ProductID 0x1001\nConnecting...\n"
    "Detecting chip type... ESP32-S3\nChip is ESP32-S3 (QFN56) (revision v0.2)\nUploading stub...\n"
    "Running stub...\nStub running...\nWriting at 0x10000... (5%)\n"
)


def test_web_serial_device_lost_after_the_chip_answered_is_the_link_lost() -> None:
    event = one("NetworkError: The device has been lost.")
    assert isinstance(event, ev.ToolFatal) and event.message == "The device has been lost."
    report = explain(ESPTOOL_JS_CONNECTED + "NetworkError: The device has been lost.\n")
    assert report.top is not None and report.top.id == "esp.serial_link_lost"


def test_web_serial_device_lost_before_any_chip_answered_names_no_link_cause() -> None:
    report = explain("Installation failed, The device has been lost.\n")
    assert report.status == "unexplained"


@pytest.mark.parametrize("line", [
    "I get Failed to connect with the device every time, what should I try?",
    "Couldn't sync to ESP. Try resetting. is all I see after pressing connect",
])
def test_browser_flasher_failure_quoted_in_a_sentence_is_no_connect_failure(line: str) -> None:
    assert not any(isinstance(e, ev.ToolFatal) for e in parse_text(line + "\n"))


@pytest.mark.parametrize("line,message_id", [
    ("NetworkError: Failed to execute 'open' on 'SerialPort': Failed to open serial port.", "esptool.webserial_open_failed"),
    ("Error: Failed to open serial port.", "esptool.webserial_open_failed"),
    ("Connecting... Error: Failed to execute 'open' on 'SerialPort': The port is already open.", "esptool.webserial_already_open"),
])
def test_web_serial_open_refusals_are_known(line: str, message_id: str) -> None:
    assert any(getattr(e, "message_id", None) == message_id for e in parse_text(line + "\n"))


# The browser installers' own wording of a failed connection, one per release line: each is a failure
# the catalogue explains, which no rule pins on one cause (threads blame boot mode, cables and drivers).
@pytest.mark.parametrize("line,message_id", [
    ("Failed to initialize. Try resetting your device or holding the BOOT button while clicking INSTALL.",
     "esptool.web_tools_failed_to_initialize"),
    ("Error: Failed to initialize. Try resetting your device or holding the BOOT button while selecting your serial port.",
     "esptool.web_tools_failed_to_initialize_v3"),
    ("Failed to initialize. Try resetting your device or holding the BOOT button while selecting your serial port "
     "until it starts preparing the installation.", "esptool.esphome_dashboard_failed_to_initialize"),
    ("Configuration does not match the platform of the connected device. Expected an ESP32 device.",
     "esptool.esphome_dashboard_platform_mismatch"),
])
def test_browser_installer_failures_are_failures_read_not_nothing_recognised(line: str, message_id: str) -> None:
    assert any(getattr(e, "message_id", None) == message_id for e in parse_text(line + "\n"))
    report = explain(line + "\n")
    assert report.status == "unexplained"


@pytest.mark.parametrize("tag,message_id", [
    ("psram", "idf.psram_id_error_line_mode_v4"),
    ("quad_psram", "idf.quad_psram_id_error_line_mode"),
    ("opi psram", "idf.opi_psram_id_error_v4"),
])
def test_a_message_several_drivers_print_is_known_by_the_tag_that_logged_it(tag: str, message_id: str) -> None:
    line = f"E (216) {tag}: PSRAM ID read error: 0x00ffffff, PSRAM chip not found or not supported, or wrong PSRAM line mode"
    assert one(line).message_id == message_id


def test_otadata_fallback_is_no_failure() -> None:
    event = one("E (120) boot: ota data partition invalid, falling back to factory")
    assert isinstance(event, ev.BootSelection) and not event.is_failure()


def sessions(text: str) -> list[list[str]]:
    """Event kinds grouped by boot/tool session."""
    tracker, parser, grouped = SessionTracker(), LineParser(), []
    for event in parser.all_lines(lines_from_text(text)):
        if isinstance(event, Unparsed):
            continue
        if tracker.starts_new(event) or not grouped:
            grouped.append([])
        grouped[-1].append(event.kind)
    return grouped


FAILED_CHECK = ("ets Jul 29 2019 12:21:46\n\nrst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
                "Sig block 0 invalid: Image digest does not match\nsecure boot verification failed\nets_main.c 371 \n")


def test_watchdog_retry_after_failed_check_is_the_same_boot() -> None:
    text = FAILED_CHECK + ("ets Jul 29 2019 12:21:46\n\nrst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
                           "secure boot verification succeeded\n")
    groups = sessions(text)
    assert len(groups) == 1, groups
    ok = [e for e in parse_text(text) if isinstance(e, ev.RomSecureBootOk)]
    assert ok[0].after_failure


def test_power_on_after_failed_check_is_a_new_boot() -> None:
    text = FAILED_CHECK + ("ets Jul 29 2019 12:21:46\n\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
                           "secure boot verification succeeded\n")
    assert len(sessions(text)) == 2
    ok = [e for e in parse_text(text) if isinstance(e, ev.RomSecureBootOk)]
    assert not ok[0].after_failure


FAILED_READ = "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\nflash read err, 1000\nets_main.c 371 \n"


def test_watchdog_retry_after_flash_read_error_is_the_same_boot_even_without_its_banner() -> None:
    # The banner between them is garbled in the paste (bytes lost at power-up), so only the reset is read.
    for banner in ("ets Jun  8 2016 00:22:57", "??ets? Jun  8 2016 00:22:57"):
        text = FAILED_READ + banner + "\n\nrst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\nentry 0x40080764\n"
        assert len(sessions(text)) == 1, banner
        resets = [e for e in parse_text(text) if isinstance(e, ev.RomReset)]
        assert [r.retry for r in resets] == [False, True], banner


def test_power_on_after_flash_read_error_is_a_new_boot() -> None:
    text = FAILED_READ + "\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\nentry 0x40080764\n"
    assert len(sessions(text)) == 2


def test_a_watchdog_reset_long_after_a_read_banner_is_a_new_boot() -> None:
    # The banner came too late to be the retry; the reset right after it follows that verdict.
    text = FAILED_READ + "\n\n\n\nets Jun  8 2016 00:22:57\nrst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
    assert len(sessions(text)) == 2


def test_a_double_spaced_capture_keeps_the_watchdog_retry_in_the_same_boot() -> None:
    # A terminal that wrote "\r\r\n" puts a blank line after every line: the abort stands two lines
    # after the failure, and the retry twice as far as it would (its banner garbled, as power-up leaves
    # it, so only the reset line tells).
    retry = "??ets? Jun  8 2016 00:22:57\n\nrst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\nentry 0x40080764\n"
    double = (FAILED_READ + retry).replace("\n", "\r\r\n")
    assert len(sessions(double)) == 1
    assert [r.retry for r in parse_text(double) if isinstance(r, ev.RomReset)] == [False, True]
    # Near-miss: the same capture with a power-on in place of the watchdog reset is two boots.
    assert len(sessions(double.replace("rst:0x10 (RTCWDT_RTC_RESET)", "rst:0x1 (POWERON_RESET)"))) == 2


def test_a_double_spaced_banner_too_far_after_the_abort_is_a_new_boot() -> None:
    # Near-miss: double-spaced, the banner comes after more than twice the window.
    text = (FAILED_READ.replace("\n", "\n\n") + "\n" * 8
            + "ets Jun  8 2016 00:22:57\n\nrst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n")
    assert len(sessions(text)) == 2


def test_esptool_run_after_download_wait_joins_it() -> None:
    text = ("rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\nwaiting for download\n"
            "esptool.py v4.7.0\nConnecting....\nChip is ESP32-D0WD-V3 (revision v3.0)\n")
    assert sessions(text) == [["RomReset"], ["RomWaitingForDownload", "ToolStart", "ToolConnecting", "ToolChip"]]


WRITE_AT_0 = ("python3 -m esptool --chip esp32s3 --port /dev/cu.usbmodem1201 write_flash 0x0 firmware.bin\n"
              "Wrote 1161552 bytes (719764 compressed) at 0x00000000 in 6.5 seconds\nHash of data verified.\n\n")
SHA_MISMATCH = ("SHA-256 comparison failed:\n"
                "Calculated: ecf69ac069ccda1ef87397872c0457909f511b4c8cd431fd63fd484bab832929\n"
                "Expected: 2aa665f2d8cba7530ceccc64ddc37bc3d7d1e5480f2fbcab277ac0a576e41c48\n"
                "Attempting to boot anyway...\n")


def test_a_rom_hash_mismatch_pasted_after_a_write_opens_the_boot() -> None:
    # The ROM's lines after an esptool run, their banner left out of the paste: the boot they show
    # never reached the bootloader, and the write that completed before it does not make it healthy.
    groups = sessions(WRITE_AT_0 + SHA_MISMATCH)
    assert len(groups) == 2 and groups[1][0] == "RomShaMismatch", groups
    report = explain(WRITE_AT_0 + SHA_MISMATCH)
    # a file far larger than a bootloader at 0x0, then a bad digest and no bootloader: an app in its place
    assert [(f.id, f.confidence) for f in report.findings] == [("esp.rom_invalid_image_block", "low")]
    # without the write, the boot alone shows nothing completing and nothing certain failing
    assert explain(SHA_MISMATCH).status == "incomplete"
    # near-miss: what went to 0x0 is bootloader-sized, so nothing says an app sits there
    small = WRITE_AT_0.replace("1161552 bytes (719764 compressed)", "20992 bytes (13031 compressed)")
    assert explain(small + SHA_MISMATCH).status == "incomplete"


def test_a_rom_hash_mismatch_after_its_banner_and_reset_is_the_same_boot() -> None:
    # Near-miss: with its banner and reset line, the mismatch is a step of that boot, and a boot that
    # goes on to start the app after it (the ROM boots anyway without secure boot) is healthy.
    boot = ("ESP-ROM:esp32c3-api1-20210207\nBuild:Feb  7 2021\nrst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\n"
            "SPIWP:0xee\nmode:DIO, clock div:1\nload:0x3fcd6100,len:0x420\n" + SHA_MISMATCH + "entry 0x403ce000\n"
            "I (30) boot: ESP-IDF v4.4 2nd stage bootloader\nI (31) boot: compile time 15:52:58\n"
            "I (573) cpu_start: Pro cpu up.\nI (600) main_task: Calling app_main()\n")
    assert len(sessions(boot)) == 1
    assert len(sessions(WRITE_AT_0 + boot)) == 2
    assert explain(WRITE_AT_0 + boot).status == "healthy"


def test_a_repeated_message_is_the_same_event_at_its_own_line_and_time() -> None:
    from bootdiag.core.parse import parse_text

    first, again = parse_text("I (39) boot: chip revision: 3\nI (41) boot: chip revision: 3\n")
    assert type(again) is type(first)
    assert (again.line, again.ms, again.text) == (2, 41, "I (41) boot: chip revision: 3")
    assert again == type(first)(**{**first.model_dump(), "line": 2, "ms": 41, "text": "I (41) boot: chip revision: 3"})
    assert again.model_dump_json() != first.model_dump_json() and first.line == 1  # the first is untouched


def _image_blocks(text: str) -> list[ev.RomInvalidImageBlock]:
    return [e for e in parse_text(text) if isinstance(e, ev.RomInvalidImageBlock)]


def test_an_image_block_rejected_after_a_segment_in_the_chips_ram() -> None:
    # An ESP32-S3 bootloader's first segment goes to the S3's DRAM; the next header read back as garbage.
    s3 = ("ESP-ROM:esp32s3-20210327\nrst:0x1 (POWERON),boot:0x2b (SPI_FAST_FLASH_BOOT)\n"
          "load:0x3fcd0108,len:0x178c\nload:0x3b600000,len:0x8c8ff\nInvalid image block, can't boot.\n")
    assert [b.after_ram_segment for b in _image_blocks(s3 * 2)] == [True, True]


def test_an_image_block_rejected_after_segments_for_another_chips_ram() -> None:
    # The ESP32's bootloader on an ESP32-C3: its segments load to addresses only the ESP32 has.
    c3 = ("ESP-ROM:esp32c3-api1-20210207\nrst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\n"
          "load:0x3fff0030,len:0x1a30\nload:0x40078000,len:0x3ad4\nInvalid image block, can't boot.\n")
    assert [b.after_ram_segment for b in _image_blocks(c3 * 2)] == [False, False]


def _checksum_errors(text: str) -> list[ev.RomChecksumError]:
    return [e for e in parse_text(text) if isinstance(e, ev.RomChecksumError)]


_ESP32_RESET = "rst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"


def test_a_checksum_error_knows_where_the_image_the_rom_read_ends() -> None:
    # An ESP32 (load addresses only its RAM has, no banner) reads a bootloader from 0x1000: a 24-byte
    # header, then 8 bytes before each segment. 0x1000 + 24 + 4 * 8 + 34364 = 0x9674, past 0x8000.
    big = (_ESP32_RESET + "load:0x3fff0018,len:4\nload:0x3fff001c,len:9268\nload:0x40078000,len:18428\n"
           "load:0x40080400,len:6664\ncsum err:0x20!=0x3b\nets_main.c 371\n")
    first, again = _checksum_errors(big * 2)
    assert first.image_end == again.image_end == 0x9674 and first.past_default_table  # a reset starts the count again
    small = _ESP32_RESET + "load:0x3fff0018,len:4\nload:0x3fff001c,len:6620\nload:0x40078000,len:11096\ncsum err:0x9a!=0x89\n"
    assert not _checksum_errors(small)[0].past_default_table
    assert _checksum_errors("csum err:0x9a!=0x89\n")[0].image_end is None  # no load: lines, nothing known


@pytest.mark.parametrize(("line", "no_chip"), [
    ("E (206154) esp_https_ota: Mismatch chip id, expected 0, found 27757", True),  # '<!DOCTYPE html' read as a header
    ("E (67786) boot_comm: mismatch chip ID, expected 2, found 3460", True),  # an ESP8266 image's segment length
    ("E (8826) esp_https_ota: Mismatch chip id, expected 0, found 9", False),  # an ESP32-S3 build
    ("E (2115) boot_comm: mismatch chip ID, expected 9, found 0", False),
    ("E (41) boot_comm: mismatch chip ID, expected 0, found 65535", False),  # erased flash, not a foreign header
    ("E (1128935) boot_comm: mismatch chip ID, expected 16, found 14", False),  # an ESP32-H2/H4 beta build
])
def test_a_chip_id_no_chip_has_is_told_apart(line: str, no_chip: bool) -> None:
    event = one(line)
    assert isinstance(event, ev.ChipMismatch)
    assert event.found_no_chip is no_chip


ESPFLASH_CONNECT = (
    "[2026-07-27T14:05:29Z INFO ] Serial port: '/dev/ttyUSB0'\n"
    "[2026-07-27T14:05:29Z INFO ] Connecting...\n"
    "[2026-07-27T14:05:30Z INFO ] Using flash stub\n"
)


@pytest.mark.parametrize("ending", [
    "[2026-07-27T14:05:31Z INFO ] Flash has been erased!\n",
    "[INFO ] Flash content successfully read and written to 'flash_content.bin'!\n",
    "[INFO ] Binary successfully written to flash!\n",
    "Chip type:         esp32 (revision v3.0)\nMAC address:       34:86:5d:dc:2c:40\nSecurity features: None\n",
])
def test_espflash_commands_that_completed_read_as_completed(ending: str) -> None:
    from bootdiag.core.pipeline import explain

    assert explain(ESPFLASH_CONNECT + ending).status == "healthy"


def test_espflash_board_info_cut_before_its_end_is_not_healthy() -> None:
    from bootdiag.core.pipeline import explain

    assert explain(ESPFLASH_CONNECT + "Chip type:         esp32 (revision v3.0)\n").status == "incomplete"


def test_a_header_word_a_reset_cut_short_is_neither_erased_nor_garbage() -> None:
    # The ROM prints all eight digits (WLED #3874: `invalid header: 0x000081b3`); ESP32-DIV #119 shows
    # `invalid header: 0xfESP-ROM:esp32s3-20210327` where a watchdog reset cut the word.
    full = one("invalid header: 0x000081b3")
    assert isinstance(full, ev.RomInvalidHeader) and not full.cut and not full.erased
    [cut, *_rest] = parse_text("invalid header: 0xfESP-ROM:esp32s3-20210327\n")
    assert isinstance(cut, ev.RomInvalidHeader) and cut.cut
    assert not one("invalid header: 0xffffffff").cut


def test_esptools_wrong_boot_mode_standing_alone_is_its_fatal_connect_error() -> None:
    # esptool prints it only inside "A fatal error occurred: Failed to connect to ...: ..."; a paste that
    # kept the message alone still shows the failed connect.
    event = one("Wrong boot mode detected (0x13)! The chip needs to be in download mode.")
    assert isinstance(event, ev.ToolFatal) and event.is_failure()
    assert event.message_id == "esptool.wrong_boot_mode"


@pytest.mark.parametrize("line", [
    "I (475) quad_psram: This chip is ESP32-D0WD",  # ESP-IDF v5 (esp_psram/esp32/esp_psram_impl_quad.c)
    "\x1b[0;32mI (228) psram: This chip is ESP32-D0WD\x1b[0m",  # v4.4 (esp_hw_support/port/esp32/spiram_psram.c)
    "(515) psram: This chip is ESP32-D0WD",  # the level letter lost
])
def test_the_psram_drivers_chip_package_line_is_read(line: str) -> None:
    event = one(line)
    assert isinstance(event, ev.EspLog) and event.level == "I" and not event.is_failure()
    assert event.message_id in ("idf.psram_chip_d0wd", "idf.psram_chip_d0wd_v4")


def test_the_apps_other_informational_psram_lines_are_still_passed_over() -> None:
    assert parse_text("I (230) spiram: Found 64MBit SPI RAM device\n") == []


SIMPLE_BOOT_START = (
    "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
    "entry 0x40083840\n"
    "I (29) soc_init: ESP Simple boot\n"
    "I (29) soc_init: compile time Mar  2 2025 12:54:08\n"
    "W (29) soc_init: Unicore bootloader\n"
)


def test_zephyr_start_up_lines_cut_short_show_no_boot_completing() -> None:
    from bootdiag.core.pipeline import explain

    assert explain(SIMPLE_BOOT_START).status == "incomplete"


def test_the_kernel_banner_after_zephyr_start_up_completes_the_boot() -> None:
    from bootdiag.core.pipeline import explain

    banner = "*** Booting Zephyr OS build v4.1.0 ***\nHello World! esp32_devkitc_wroom/esp32/procpu\n"
    assert explain(SIMPLE_BOOT_START + banner).status == "healthy"


def test_the_esp8266_rom_stopping_without_a_line_number_is_a_failure() -> None:
    # The ESP8266 ROM prints "ets_main.c" alone when it stops without starting a program (here after
    # a deep-sleep wake); ESP32 ROMs give the line, which stays their own message.
    from bootdiag.core.messages import catalogue
    from bootdiag.core.pipeline import explain

    report = explain("ets Jan  8 2013,rst cause:5, boot mode:(3,7)\nets_main.c \n")
    assert report.status == "unexplained"
    assert report.unexplained[0].message == "rom.esp8266_ets_main_abort"
    assert catalogue().find("ets_main.c 371").known.id == "rom.ets_main_abort"


@pytest.mark.parametrize("line", [
    # esptool's write announcements, each on its own line: the start of a write, no failure
    "Flash will be erased from 0x00010000 to 0x000e7fff...",
    "Compressed 881152 bytes to 554285...",
])
def test_a_write_announcement_opens_a_write(line: str) -> None:
    event = one(line)
    assert event.opens_write() and not event.is_failure() and not event.completes()


def test_a_failure_glued_to_a_write_announcement_stays_a_failure() -> None:
    # a browser flasher's output that lost its newlines: the stub upload's error, then the next file's
    # compression line (esptool-js, ESP32-C3 over USB-Serial/JTAG)
    event = one("Running stub... Error: Timeout Compressed 2209028 bytes to 1330626...")
    assert event.is_failure() and not event.opens_write()


# esptool v5 prints a file's name in single quotes ('%s' requires chip revision ...; cmds.py v5.3.1:1038).
REVISION_RANGE = "requires chip revision in range [v1.0 - v1.99] (this chip is revision v3.1). Use the force argument to flash anyway."


@pytest.mark.parametrize("name", ["'bootloader.bin'", "bootloader.bin", "'build/my app.bin'"])
def test_a_name_esptool_quotes_is_read_with_or_without_its_quotes(name: str) -> None:
    report = explain(f"A fatal error occurred: {name} {REVISION_RANGE}\n")
    assert [f.id for f in report.findings][:1] == ["esp.chip_mismatch"]
    assert report.findings[0].confidence == "high"



# espflash checks the app against its app partition before writing (espflash/src/error.rs:97, v3.0.0-v4.5.0),
# printed as a miette diagnostic: the code line, then the message after "  × ".
@pytest.mark.parametrize("mark", ["  × ", "", "Error: "])
def test_espflash_refusing_an_app_bigger_than_its_partition_is_a_layout_that_does_not_fit(mark: str) -> None:
    report = explain(
        "Error: espflash::image_too_big (link)\n\n"
        f"{mark}Supplied ELF image of 1799664B is too big, and doesn't fit configured app partition of 1048576B\n"
    )
    assert [f.id for f in report.findings][:1] == ["esp.flash_size_or_partition_mismatch"]
    assert "--partition-table" in report.findings[0].fix[0]


def test_the_espflash_code_line_alone_names_no_layout() -> None:
    report = explain("Error: espflash::image_too_big (link)\n")
    assert "esp.flash_size_or_partition_mismatch" not in [f.id for f in report.findings]


# The Zigbee stack's port (esp-zboss-lib libzboss_port, zb_esp_nvram.c.obj, v1.6.1-v1.6.2) and its assertion
# (libzboss_stack, v1.6.4): read as failures with a meaning, not as lines nothing knows.
@pytest.mark.parametrize("line,message_id", [
    ("E (300) ZB_ESP_NVRAM: NVRAM op failed (error = 259) after 3 retries", "zboss.nvram_op_failed"),
    ("Zigbee stack assertion failed /builds/thread_zigbee/esp-zboss/components/zboss_port/src/zb_esp_nvram.c:84",
     "zboss.stack_assertion_failed"),
    ("E (290) ZB_ESP_NVRAM: Allocated zb_storage partition (0x400) cannot be divided into 8 16-byte aligned pages",
     "zboss.storage_partition_misaligned"),
])
def test_zigbee_stack_failures_are_known(line: str, message_id: str) -> None:
    report = explain(line + "\n")
    assert report.status == "unexplained"
    assert report.unexplained[0].message == message_id


@pytest.mark.parametrize("line", [
    "E (283) ZB_ESP_NVRAM: Failed to find zb_storage partition",
    "Failed to find zb_storage partition",
    "assert failed: zb_osif_nvram_init zb_esp_nvram.c:70 (zb_partition != NULL)",
])
def test_a_zigbee_stack_without_its_storage_partition_is_diagnosed(line: str) -> None:
    report = explain(line + "\nabort() was called at PC 0x42013785 on core 0\n")
    assert report.status == "diagnosed"
    assert report.findings[0].id == "esp.zigbee_storage_partition_missing"


def test_a_missing_zigbee_production_partition_alone_is_no_failure() -> None:
    # zb_fct holds the production configuration; the stack goes on without it.
    report = explain("E (301) ZB_ESP_NVRAM: Failed to find zb_fct partition\n")
    assert report.status == "healthy"
    assert not report.findings


def test_an_espflash_error_miette_wrapped_over_two_rows_is_read_from_its_first_row() -> None:
    # miette wraps a long error at the terminal's width and marks the next rows with "│"
    report = explain(
        "Error: espflash::image_too_big (link)\n\n"
        "  \u00d7 Supplied ELF image of 1327680B is too big, and doesn't fit configured app\n"
        "  \u2502 partition of 1048576B\n"
    )
    assert [f.id for f in report.findings][:1] == ["esp.flash_size_or_partition_mismatch"]


def test_a_sentence_before_a_cut_espflash_error_keeps_it_someone_s_words() -> None:
    report = explain("I think it said Supplied ELF image of 1327680B is too big, and doesn't fit configured app\n")
    assert report.status != "diagnosed" or report.findings[0].confidence == "low"


# espflash 2.x (error.rs:466 at v2.1.0) refusing the direct-boot image format for a chip or revision.
@pytest.mark.parametrize("line", [
    "  \u00d7 Image format direct-boot is not supported by the esp32c3 revision v0.3",
    "  \u00d7 Image format direct-boot is not supported by the esp32",
])
def test_espflash_refusing_an_image_format_is_its_own_failure(line: str) -> None:
    report = explain("Error: espflash::unsupported_image_format\n\n" + line + "\n")
    assert report.status == "unexplained"
    assert [u.message for u in report.unexplained if u.line == 3] == ["espflash.unsupported_image_format"]


def test_a_chip_newer_than_the_image_accepts_is_fixed_by_a_newer_esp_idf_not_the_minimum_revision() -> None:
    report = explain("E (100) boot_comm: Image requires chip rev <= v0.99, but chip is v1.0\n")
    assert [f.id for f in report.findings][:1] == ["esp.chip_mismatch"]
    assert "ESP-IDF release that supports this chip revision" in report.findings[0].fix[0]
    older = explain("E (100) boot_comm: Image requires chip rev >= v3.0, but chip is v1.0\n")
    assert "Lower the minimum chip revision" in older.findings[0].fix[0]


# The chip is older than the image's minimum revision: the fix names the menuconfig choice to lower,
# for the chip the capture shows (ESP-IDF <chip>_REV_MIN; esptool's range refusal compared by its numbers).
@pytest.mark.parametrize("text", [
    "E (96) boot_comm: This chip is revision 1 but the application is configured for minimum revision 3. Can't run.\n",
    "E (6) boot_comm: Image requires chip rev >= v0.1, but chip is v0.0\n",
    "A fatal error occurred: bootloader/bootloader.bin requires chip revision in range [v3.1 - v3.99] "
    "(this chip is revision v1.3). Use --force to flash anyway.\n",
    "A fatal error occurred: bootloader/bootloader.bin requires chip revision in range [v3.1 - v3.99] "
    "(this chip is revision v3.0). Use --force to flash anyway.\n",
])
def test_a_chip_older_than_the_image_minimum_is_fixed_by_lowering_the_minimum(text: str) -> None:
    report = explain(text)
    assert [f.id for f in report.findings][:1] == ["esp.chip_mismatch"]
    assert "CONFIG_ESP32_REV_MIN" in report.findings[0].fix[0] and "Lower" in report.findings[0].fix[0]


def test_the_minimum_revision_option_follows_the_chip_the_bootloader_names() -> None:
    report = explain(
        "ESP-ROM:esp32c3-api1-20210207\nI (30) boot: ESP-IDF v5.3.2 2nd stage bootloader\n"
        "I (31) boot: chip revision: v0.3\nE (96) boot_comm: Image requires chip rev >= v1.1, but chip is v0.3\n"
    )
    assert "CONFIG_ESP32C3_REV_MIN" in report.findings[0].fix[0]


@pytest.mark.parametrize("text", [
    # the chip is newer than the range: a newer ESP-IDF, not a lower minimum
    "A fatal error occurred: bootloader.bin requires chip revision in range [v1.0 - v1.99] "
    "(this chip is revision v3.1). Use the force argument to flash anyway.\n",
    "A fatal error occurred: bootloader/bootloader.bin requires chip revision in range [v0.0 - v0.99] "
    "(this chip is revision v1.0). Use --force to flash anyway.\n",
])
def test_a_chip_newer_than_esptool_range_is_not_told_to_lower_the_minimum(text: str) -> None:
    report = explain(text)
    assert [f.id for f in report.findings][:1] == ["esp.chip_mismatch"]
    assert not any("Lower the minimum" in line for line in report.findings[0].fix)
    assert "ESP-IDF release that supports this chip revision" in report.findings[0].fix[0]


@pytest.mark.parametrize("line,tool,command", [
    (r".\esptool.exe --chip esp32 --port COM6 --baud 460800 write_flash -z 0x0 C:\fw\app.bin", "esptool", "write_flash"),
    ("esptool.exe write_flash 0x0 data2_ex.bin", "esptool", "write_flash"),
    (r"C:\tools\espefuse.exe --port COM3 summary", "espefuse", "summary"),
    ("PS C:\\esp> .\\espsecure.exe sign_data --version 2 --keyfile key.pem app.bin", "espsecure", "sign_data"),
    # the Arduino core runs the tool by its quoted path
    ('"C:\\Users\\me\\AppData\\Local\\Arduino15\\packages\\esp32\\tools\\esptool_py\\4.6/esptool.exe" --chip esp32s2 '
     '--port "COM5" --baud 921600 write_flash -z 0x1000 "C:\\tmp/Blink.ino.bootloader.bin"', "esptool", "write_flash"),
])
def test_the_windows_release_binaries_are_read_as_their_command_lines(line: str, tool: str, command: str) -> None:
    event = one(line)
    assert isinstance(event, ev.ToolCommand) and event.tool == tool and event.command == command


@pytest.mark.parametrize("line", ["Download esptool.exe from the release page", "esptool.exe",
                                  'File "/home/me/venv/bin/esptool.py", line 4722, in main',
                                  '"esptool.exe" is not recognized as a command'])
def test_the_windows_binary_named_in_prose_is_no_command_line(line: str) -> None:
    assert not any(isinstance(e, ev.ToolCommand) for e in parse_text(line + "\n"))


def test_a_zb_storage_of_another_subtype_is_named_in_the_zigbee_finding() -> None:
    report = explain(
        "I (76) boot:  2 zb_storage       WiFi data        01 02 00010000 00006000\n"
        "E (430) ZB_ESP_NVRAM: Failed to find zb_storage partition\n"
    )
    finding = report.findings[0]
    assert finding.id == "esp.zigbee_storage_partition_missing"
    assert "subtype 0x02" in finding.explanation
    plain = explain("E (430) ZB_ESP_NVRAM: Failed to find zb_storage partition\n").findings[0]
    assert "subtype 0x02" not in plain.explanation


@pytest.mark.parametrize(("line", "text"), [
    ("invalid header: 0x4f44213c", "<!DO"),
    ("invalid header: 0x25207325", "%s %"),
    ("invalid header: 0xffffffff", None),
    ("invalid header: 0x15914773", None),
    ("invalid header: 0x0000e9a0", None),
])
def test_an_invalid_header_word_reads_as_the_bytes_in_flash(line: str, text: str | None) -> None:
    event = one(line)
    assert isinstance(event, ev.RomInvalidHeader)
    assert event.as_text == text and event.printable is (text is not None)


def test_a_header_word_of_text_says_a_text_file_sits_at_the_bootloader_offset() -> None:
    report = explain("invalid header: 0x4f44213c\ninvalid header: 0x4f44213c\n")
    assert report.top is not None and report.top.id == "esp.rom_invalid_image_block"
    assert "`<!DO`" in report.top.explanation
    report = explain("invalid header: 0x15914773\ninvalid header: 0x15914773\n")
    assert report.top is not None and "printable text" not in report.top.explanation


@pytest.mark.parametrize("line", [
    "A fatal error occurred: Timed out waiting for packet header",
    "Timed out waiting for packet header",
])
def test_a_bare_packet_header_timeout_came_after_the_connection(line: str) -> None:
    report = explain("Changing baud rate to 460800\nChanged.\n\n" + line + "\n")
    assert report.top is not None and report.top.id == "esp.serial_link_lost"
    assert report.top.confidence == "low"


@pytest.mark.parametrize("line", [
    "A fatal error occurred: Failed to connect to ESP32: Timed out waiting for packet header",
    "Failed to connect to ESP8266: Timed out waiting for packet header",
])
def test_a_packet_header_timeout_inside_a_failed_connect_is_no_link_lost(line: str) -> None:
    report = explain("Connecting........_____....._____\n" + line + "\n")
    assert report.top is not None and report.top.id == "esp.not_in_download_mode"


@pytest.mark.parametrize(("line", "port", "macos_cdc"), [
    ("Serial port /dev/cu.usbmodem55740133451", "/dev/cu.usbmodem55740133451", True),
    ("Serial port /dev/tty.usbmodem54B00098311", "/dev/tty.usbmodem54B00098311", True),
    ("Serial port /dev/cu.wchusbserial54B00098311", "/dev/cu.wchusbserial54B00098311", False),
    ("Serial port /dev/ttyUSB0:", "/dev/ttyUSB0", False),
    ("Serial port COM5", "COM5", False),
])
def test_the_serial_port_esptool_opened(line: str, port: str, macos_cdc: bool) -> None:
    event = one(line)
    assert isinstance(event, ev.ToolSerialPort)
    assert event.port == port and event.macos_usb_modem is macos_cdc


def test_a_sentence_about_a_serial_port_is_no_port_line() -> None:
    assert not any(isinstance(e, ev.ToolSerialPort) for e in parse_text("The Serial port is busy, try again\n"))


STUB_TIMEOUT = (
    "Connecting....\nChip is {chip}\nUploading stub...\n\n"
    "A fatal error occurred: Failed to write to target RAM (result was 01070000: Operation timed out)\n"
)


@pytest.mark.parametrize(("port", "chip", "confidence"), [
    ("/dev/cu.usbmodem52780006671", "ESP32-D0WD (revision 1)", "medium"),
    ("/dev/cu.usbmodem52780006671", "ESP32-S3 (revision v0.2)", "low"),
])
def test_a_stub_upload_timeout_on_a_macos_usbmodem_port(port: str, chip: str, confidence: str) -> None:
    report = explain(f"Serial port {port}\n" + STUB_TIMEOUT.format(chip=chip))
    assert report.top is not None and report.top.id == "esp.macos_usb_serial_driver"
    assert report.top.confidence == confidence


def test_esptools_own_wch_driver_note_is_the_strongest_reading() -> None:
    text = STUB_TIMEOUT.format(chip="ESP32-D0WD-V3 (revision v3.1)").replace(
        "\n\nA fatal", "\n\nNote: If issues persist, try installing the WCH USB-to-Serial MacOS driver.\n\nA fatal")
    report = explain(text)
    assert report.top is not None and report.top.id == "esp.macos_usb_serial_driver"
    assert report.top.confidence == "high"


@pytest.mark.parametrize("port", ["/dev/ttyUSB0", "/dev/cu.wchusbserial52780006671", "COM7"])
def test_a_stub_upload_timeout_elsewhere_names_no_macos_driver(port: str) -> None:
    report = explain(f"Serial port {port}\n" + STUB_TIMEOUT.format(chip="ESP32-D0WD (revision 1)"))
    assert all(f.id != "esp.macos_usb_serial_driver" for f in report.findings)


@pytest.mark.parametrize("cause,failure", [(1, False), (2, False), (3, False), (4, True), (5, False)])
def test_an_esp8266_watchdog_reset_is_the_only_failing_reset_cause(cause: int, failure: bool) -> None:
    # rst cause 4 is the ROM's watchdog reset: the run before it hung, as a TG0WDT/TG1WDT reset says
    # on the later chips; power-on, reset pin, software reset and deep-sleep wake end no failure.
    banner = one(f"ets Jan  8 2013,rst cause:{cause}, boot mode:(3,7)")
    assert isinstance(banner, ev.Esp8266Reset) and banner.is_failure() is failure


def test_a_rom_boot_loop_on_esp8266_watchdog_resets_is_a_failure_not_an_incomplete_boot() -> None:
    boot = (" ets Jan  8 2013,rst cause:4, boot mode:(3,7)\n\nwdt reset\n"
            "load 0x4010f000, len 3424, room 16 \ntail 0\nchksum 0x2e\nload 0x3fff20b8, len 40, room 8 \n"
            "tail 0\nchksum 0x2b\ncsum 0x2b\nv0004fc60\n~ld\n")
    assert explain(boot + boot).status == "unexplained"
    # Near-miss: the same boot after the reset pin is no failure.
    assert explain(boot.replace("cause:4", "cause:2")).status != "unexplained"


def test_an_all_zero_bootloader_header_is_a_low_confidence_offset_finding() -> None:
    loop = "rst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n" + "invalid header: {}\n" * 3
    # All ones is what an erase leaves: nothing was written where the ROM reads the bootloader.
    erased = explain(loop.format("0xffffffff", "0xffffffff", "0xffffffff")).findings[0]
    assert (erased.id, erased.confidence) == ("esp.bootloader_wrong_offset", "medium")
    # All zeros is no erased flash: written zeros or a flash that did not answer, the offset one cause of several.
    zeros = explain(loop.format("0x00000000", "0x00000000", "0x00000000")).findings[0]
    assert (zeros.id, zeros.confidence) == ("esp.bootloader_wrong_offset", "low")
    assert "not erased flash" in zeros.explanation


def test_configsip_and_its_spiwp_are_one_esp32_rom_line() -> None:
    # "SPIWP:0x.." opens a line of the later ROMs, but on the ESP32 it ends the configsip line: not cut
    # there, the line is the ROM's, with the header's WP pin.
    from bootdiag.core.lines import TextBlock

    text = "rst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\nconfigsip: 0, SPIWP:0xee\nmode:DIO, clock div:2"
    config = [e for e in LineParser().events([TextBlock(1, text)]) if e.line == 2]
    assert [(type(e), e.text, e.flash_pin_config, e.wp_pin) for e in config] == [
        (ev.RomSpiConfig, "configsip: 0, SPIWP:0xee", 0, 0xEE)]
    glued = "rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)SPIWP:0xee"  # an S3 paste that lost its newline
    events = list(LineParser(messages=["rom.spiwp"]).events([TextBlock(1, glued)]))  # (read where a rule names it)
    assert any(getattr(e, "message", None) == "rom.spiwp" for e in events)


@pytest.mark.parametrize("line", ["attempts 7, fails 6, retry 0", "sent: 12, errors: 0"])
def test_a_line_of_tallies_is_no_failure(line: str) -> None:
    assert "UnreadFailure" not in [e.kind for e in parse_text(line + "\n")]


@pytest.mark.parametrize("line", ["flash write failed, error 5", "fails 6 times, giving up"])
def test_a_failure_with_numbers_beside_it_stays_a_failure(line: str) -> None:
    assert [e.kind for e in parse_text(line + "\n")] == ["UnreadFailure"]


def test_esptool_flash_id_unknown_size_is_read() -> None:
    (event,) = [e for e in parse_text("Manufacturer: 00\nDevice: 0000\nDetected flash size: Unknown\n") if e.kind == "CatalogueMessage"]
    assert event.message == "esptool.flash_size_unknown"


def test_tallies_glued_among_other_lines_are_no_failure() -> None:
    line = "SDK version 2.2.0-dev(9422289) attempts 7, fails 6, retry 0 appState 1"
    assert "UnreadFailure" not in [e.kind for e in parse_text(line + "\n")]

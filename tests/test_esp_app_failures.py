"""An app that booted and then failed is not a healthy run: the task watchdog firing (in every
ESP-IDF wording, with or without its log envelope) and an encrypted flash write the driver refused
leave the report unexplained, while the same app lines without them stay healthy."""
from __future__ import annotations

import pytest

from bootdiag.core.pipeline import explain

APP_START = "I (483) cpu_start: Pro cpu up.\nI (539) heap_init: Initializing. RAM available for dynamic allocation:\n"

# The task watchdog's caption, as ESP-IDF v5 (ESP_LOGE), v4 (ESP_EARLY_LOGE) and v2/v3 (ets_printf) print it.
WATCHDOG = [
    "E (25148) task_wdt: Task watchdog got triggered. The following tasks/users did not reset the watchdog in time:\n"
    "E (25148) task_wdt:  - IDLE1 (CPU 1)\n",
    "E (20148) task_wdt: Task watchdog got triggered. The following tasks did not reset the watchdog in time:\n"
    "E (20148) task_wdt:  - IDLE1 (CPU 1)\n",
    "Task watchdog got triggered. The following tasks did not reset the watchdog in time:\n - IDLE (CPU 0)\n",
    "Task watchdog got triggered. The following tasks did not feed the watchdog in time:\n - IDLE (CPU 0)\n",
]

REFUSED_WRITES = [
    "E (38024) spi_flash: flash encrypted write length must be multiple of 16\n",
    "E (38054) spi_flash: flash encrypted write address must be 16 bytes aligned\n",
    # An eFuse write the app started (a key into a block already in use) and dropped: ESP-IDF cancels a
    # batch of eFuse writes only after an error, whatever the app prints about it in its own words.
    "I (364) efuse: Batch mode of writing fields is enabled\nI (374) efuse: Batch mode of writing fields is cancelled\n",
]


@pytest.mark.parametrize("lines", WATCHDOG + REFUSED_WRITES)
def test_a_failure_while_the_app_runs_is_not_healthy(lines: str) -> None:
    report = explain(APP_START + lines + "I (40000) app: still printing\n")
    assert report.status == "unexplained", lines
    assert report.unexplained and report.unexplained[0].line in (3, 4)


def test_the_same_app_lines_without_a_failure_stay_healthy() -> None:
    assert explain(APP_START + "I (40000) app: still printing\n").status == "healthy"


def test_an_efuse_write_batch_committed_stays_healthy() -> None:
    committed = ("I (364) efuse: Batch mode of writing fields is enabled\n"
                 "I (390) efuse: Batch mode. Prepared fields are committed\n")
    assert explain(APP_START + committed + "I (40000) app: still printing\n").status == "healthy"


def test_a_watchdog_detail_line_alone_is_not_the_failure() -> None:
    # The task list the caption introduces says nothing failed by itself.
    assert explain(APP_START + "E (1502903) task_wdt: CPU 0: AutoOTA Update\n").status == "healthy"


# An app that printed, then a new ROM boot whose reset line names why the run before it ended, then
# a boot that reaches the app again.
def _restart(reason: str) -> str:
    return (APP_START + "I (10666) main: core id: 0, prio: 1\nets Jun  8 2016 00:22:57\n\n"
            f"rst:{reason},boot:0x13 (SPI_FAST_FLASH_BOOT)\nconfigsip: 0, SPIWP:0xee\n"
            "mode:DIO, clock div:1\nload:0x3fff0030,len:6952\nload:0x40078000,len:15520\nentry 0x400806b4\n"
            "I (29) boot: ESP-IDF v4.4.1 2nd stage bootloader\nI (194) boot: Loaded app from partition at offset 0x10000\n"
            + APP_START + "I (310) main_task: Calling app_main()\n")


@pytest.mark.parametrize("reason", ["0x7 (TG0WDT_SYS_RESET)", "0x8 (TG1WDT_SYS_RESET)", "0x9 (RTCWDT_SYS_RESET)",
                                    "0xb (TGWDT_CPU_RESET)", "0x7 (TG0WDT_SYS_RST)", "0x7 (TG0_WDT_HPSYS)",
                                    "0x7 (HP_SYS_HP_WDT_RESET)"])
def test_a_watchdog_reset_after_the_app_ran_is_not_healthy(reason: str) -> None:
    # The run before this boot hung until a watchdog reset the chip, however well the next boot goes.
    report = explain(_restart(reason))
    assert report.status == "unexplained", reason
    assert reason.split()[1] in report.unexplained[0].text
    assert report.unexplained[0].meaning  # the catalogue says what the reset reason means


@pytest.mark.parametrize("reason", ["0xc (SW_CPU_RESET)", "0x1 (POWERON_RESET)", "0x5 (DEEPSLEEP_RESET)",
                                    "0x10 (RTCWDT_RTC_RESET)", "0x3 (SW_RESET)", "0x10 (CHIP_LP_WDT_RESET)",
                                    "0x17 (CHIP_USB_UART_RESET)"])
def test_a_restart_for_another_reason_stays_healthy(reason: str) -> None:
    # esp_restart(), power cycling, deep-sleep wake-ups, a reset over the USB Serial/JTAG port, and the
    # whole-chip RTC (LP) watchdog reset that ESP32 revision 0 gives at every power-on restart the chip with
    # no failure before them (ESP32-P4's ROM names that one CHIP_LP_WDT_RESET).
    assert explain(_restart(reason)).status == "healthy", reason


def test_the_rom_watchdog_retry_after_a_failed_read_is_not_a_second_failure() -> None:
    capture = ("rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\nflash read err, 1000\nets_main.c 371 \n"
               "ets Jun  8 2016 00:22:57\n\nrst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
               "configsip: 0, SPIWP:0xee\nmode:DIO, clock div:2\nload:0x3fff0018,len:4\nentry 0x40080764\n"
               "I (29) boot: ESP-IDF v4.0 2nd stage bootloader\n")
    assert [f.id for f in explain(capture).findings][:1] == ["esp.flash_read_transient"]


ESP8266_BOOT = ("ets Jan  8 2013,rst cause:2, boot mode:(3,6)\n\nload 0x4010f000, len 1384, room 16 \ntail 8\n"
                "chksum 0x2d\ncsum 0x2d\nv09f0c112\n~ld\nSetup done\n")


@pytest.mark.parametrize("caption", ["Soft WDT reset", "Exception (28):", "Abort called", "Stack overflow detected",
                                     "Stack smashing detected at 0x40201234"])
def test_the_esp8266_core_crash_report_is_a_failure(caption: str) -> None:
    # The ESP8266 Arduino core's postmortem says why the sketch's run ended; the ROM's banner follows.
    report = explain(ESP8266_BOOT + "loop\n\n" + caption + "\n\nctx: cont\nsp: 3ffffdf0 end: 3fffffc0 offset: 01b0\n"
                     + ESP8266_BOOT)
    assert report.status == "unexplained", caption
    assert report.unexplained[0].text == caption and report.unexplained[0].meaning


def test_an_esp8266_boot_without_a_crash_report_is_not_a_failure() -> None:
    assert explain(ESP8266_BOOT + "loop\n" + ESP8266_BOOT).status in ("healthy", "incomplete")


@pytest.mark.parametrize("load", ["~ld", "@ld"])
def test_the_esp8266_eboot_hand_over_completes_a_boot(load: str) -> None:
    # eboot prints "~ld" (or "@ld" after an RTC-memory command) right before it jumps to the sketch.
    assert explain(ESP8266_BOOT.replace("~ld", load)).status == "healthy"


@pytest.mark.parametrize("mark", ["> {}", "  12\t{}", "- {}", "**{}**", "{}{{0D}}{{0A}}", "`{}`"])
def test_the_eboot_hand_over_is_read_inside_a_paste_s_marks(mark: str) -> None:
    # Pasted as a forum quote, with line numbers, as a bullet, in bold, with its line end shown,
    # in backticks: the screen must still hand the line over.
    text = "".join(mark.format(line) + "\n" for line in ESP8266_BOOT.splitlines() if line)
    assert explain(text).status == "healthy", text


def test_an_esp8266_boot_cut_before_the_eboot_hand_over_stays_incomplete() -> None:
    # Near-miss: the same boot cut after the version word, and a sketch line that merely holds "~ld".
    assert explain(ESP8266_BOOT.split("~ld")[0]).status == "incomplete"
    assert explain(ESP8266_BOOT.replace("~ld\n", "echo ~ld done\n")).status == "incomplete"


@pytest.mark.parametrize("before", ["loop running", "count=12", ">>> ", ""])
def test_a_fatal_exception_glued_to_the_line_it_cut_short_is_a_failure(before: str) -> None:
    # The exception cuts the line being printed: its report follows that line's last word directly.
    report = explain(ESP8266_BOOT + before + "Fatal exception (0): \n"
                     "epc1=0x400ef424, epc2=0x00000000, epc3=0x00000000, excvaddr=0x00000000, depc=0x00000000\n")
    assert report.status == "unexplained", before
    assert report.unexplained[0].text == "Fatal exception (0):"


@pytest.mark.parametrize("noise", ["   " + "\u2592" * 40, "l\ufffd\ufffdr\ufffd\ufffdyr\ufffd'b\ufffd\ufffd\ufffd\ufffd8\ufffdp"])
def test_only_undecodable_bytes_after_the_eboot_hand_over_do_not_complete_the_boot(noise: str) -> None:
    # After '~ld' the app talks at another baud rate: its bytes, shown as shade blocks or replacement
    # characters, show no app that ran. Readable output after them still does.
    cut = ESP8266_BOOT.replace("Setup done\n", noise + "\n")
    assert explain(cut).status == "incomplete"
    assert explain(cut + "Setup done\n").status == "healthy"


_S3_BOOT = "rst:0x{code} ({reason}),boot:0x8 (SPI_FAST_FLASH_BOOT)\nI (25) boot: ESP-IDF v5.0 2nd stage bootloader\n"


@pytest.mark.parametrize("reason", ["DSLEEP", "DEEPSLEEP_RESET"])
def test_a_deep_sleep_wake_after_a_shown_boot_completes_it(reason: str) -> None:
    # Only the app puts the chip to sleep: the wake shows the boot before it reached the app, even in a
    # capture trimmed to its reset and bootloader lines.
    capture = _S3_BOOT.format(code=1, reason="POWERON") + "\n" + _S3_BOOT.format(code=5, reason=reason)
    assert explain(capture).status == "healthy", reason


def test_a_deep_sleep_wake_without_an_earlier_boot_or_after_another_reset_stays_incomplete() -> None:
    # Near-misses: a capture that opens on the wake shows no boot of its own reaching the app, and a
    # power-on or software reset says nothing of the boot before it.
    assert explain(_S3_BOOT.format(code=5, reason="DSLEEP")).status == "incomplete"
    for code, reason in ((1, "POWERON"), (3, "RTC_SW_SYS_RST")):
        capture = _S3_BOOT.format(code=1, reason="POWERON") + "\n" + _S3_BOOT.format(code=code, reason=reason)
        assert explain(capture).status == "incomplete", reason


def test_deep_sleep_wakes_after_rom_hand_overs_alone_stay_incomplete() -> None:
    # Near-miss: the ROM's "entry" shows no second stage running, however many wakes follow it.
    rom_boot = ("rst:0x5 (DEEPSLEEP_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\nmode:DIO, clock div:1\n"
                "load:0x40080400,len:3600\nentry 0x400805f0\n")
    assert explain(rom_boot + rom_boot).status == "incomplete"


# ESPHome's safe_mode says a bootloader rollback happened (esphome safe_mode.cpp dump_config).
ROLLBACK = "[W][safe_mode:094]: OTA rollback detected! Rolled back from partition 'app1'\n"


def test_an_esphome_rollback_is_an_update_that_did_not_stick() -> None:
    report = explain(ROLLBACK + "[W][safe_mode:094]:  The device reset before the boot was marked successful\n")
    assert [f.id for f in report.findings][:1] == ["esp.ota_update_rolled_back"]
    assert not any("3.3 V supply" in line for line in report.findings[0].fix)


def test_an_esphome_rollback_after_a_brownout_points_at_the_supply() -> None:
    report = explain(ROLLBACK + "[W][safe_mode:099]: Last reset was due to brownout - check your power supply!\n")
    assert report.findings[0].id == "esp.ota_update_rolled_back"
    assert "3.3 V supply" in report.findings[0].fix[0]


@pytest.mark.parametrize("line", [
    "[E][safe_mode:086]: Boot loop detected. Proceeding to safe mode",
    "[12:00:01][E][safe_mode:120]: Boot loop detected",
    "[E][ota:468]: Boot loop detected. Proceeding to safe mode.",
])
def test_an_esphome_boot_loop_is_diagnosed_as_one_in_every_wording(line: str) -> None:
    report = explain(line + "\n")
    assert report.status == "diagnosed"
    assert [f.id for f in report.findings] == ["esp.esphome_boot_loop"]


def test_the_reason_the_boots_ended_ranks_above_the_boot_loop() -> None:
    # A brownout shown before safe mode took over is the cause; the boot loop is what it led to.
    report = explain(
        "Brownout detector was triggered\n\nets Jun  8 2016 00:22:57\n\n"
        "rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\nentry 0x400806ac\n"
        "[I][logger:166]: Log initialized\n"
        "[C][ota:366]: There have been 10 suspected unsuccessful boot attempts.\n"
        "[E][ota:371]: Boot loop detected. Proceeding to safe mode.\n"
    )
    assert [f.id for f in report.findings][:2] == ["esp.brownout", "esp.esphome_boot_loop"]


def test_safe_mode_asked_for_is_no_boot_loop() -> None:
    report = explain(
        "[I][safe_mode:077]: Safe mode invoked manually\n"
        "[E][component:164]: Component safe_mode set Error flag: unspecified\n"
        "[W][safe_mode:099]: SAFE MODE IS ACTIVE\n"
    )
    assert report.status not in ("diagnosed", "unexplained")


def test_an_esphome_boot_confirmed_is_no_rollback() -> None:
    report = explain(
        "[C][safe_mode:038]:   Bootloader rollback: supported\n"
        "[I][safe_mode:142]: Boot seems successful; resetting boot loop counter\n"
    )
    assert report.status != "diagnosed" and report.status != "unexplained"


@pytest.mark.parametrize("line,message_id", [
    ("[W][esphome.ota:210]: Auth failed! Passwords do not match", "esphome.ota_auth_failed"),
    ("[W][esphome.ota:309]: Error ending update! error_code: 132", "esphome.ota_end_failed"),
    ("[W][esphome.ota:277]: Error writing binary data to flash!, error_code: 137", "esphome.ota_write_failed"),
])
def test_an_esphome_ota_upload_the_device_refused_is_a_failure(line: str, message_id: str) -> None:
    report = explain(line + "\n")
    assert report.status == "unexplained"
    assert report.unexplained[0].message == message_id

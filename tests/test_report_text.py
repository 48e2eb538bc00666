"""Written reports: quoted or retold MCUboot messages, named settings and imgtool sign commands."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bootdiag.platforms.reported.events import ImgtoolSignCommand, ReportedLogMessage, ReportedSetting
from bootdiag.core.parse import LineParser, default_families, parse_text
from bootdiag.platforms.reported.prose import ReportTextFamily
from bootdiag.core.parse.screen import TriggerScreen
from bootdiag.core.pipeline import explain


def only_event(line: str):
    events = parse_text(line + "\n")
    assert len(events) == 1, events
    return events[0]


def command(line: str) -> ImgtoolSignCommand:
    event = only_event(line)
    assert isinstance(event, ImgtoolSignCommand)
    return event


# ------------------------------------------------------------------ family wiring
def test_report_family_comes_after_every_log_family() -> None:
    assert isinstance(default_families()[-1], ReportTextFamily)


def test_triggers_stay_screenable() -> None:
    screen = TriggerScreen([ReportTextFamily.trigger])
    assert screen.unanchored == []


def test_a_real_log_line_stays_a_log_line() -> None:
    event = only_event("[ERR] Image in the primary slot is not valid!")
    assert event.kind == "McubootImageInvalid"


# ------------------------------------------------------------------ messages
@pytest.mark.parametrize(
    "line,ids,slot",
    [
        ("The error message indicates that the image in the primary slot is not valid, and MCUboot is unable to find a bootable image.",
         ["mcuboot.image_not_valid", "mcuboot.no_bootable_image"], "primary"),
        ('BL2 keeps printing "Image in the primary slot is not valid!" on every reset', ["mcuboot.image_not_valid"], "primary"),
        ("IMAGE IN THE SECONDARY SLOT IS INVALID according to the bootloader", ["mcuboot.image_not_valid"], "secondary"),
        ("so the primary slot image was not valid after the update", ["mcuboot.image_not_valid"], "primary"),
        ("Why would MCUboot say it can't find any bootable image?", ["mcuboot.no_bootable_image"], None),
        ("then: Unable to find bootable image", ["mcuboot.no_bootable_image"], None),
        ("it fails with 'Failed to add image data to shared area'", ["mcuboot.shared_data_failed"], None),
        ("v1.7 printed Failed to add Image 0 data to shared memory area instead", ["mcuboot.shared_data_failed"], None),
        ("MCUboot could not add the boot data to the shared area, then found no bootable image",
         ["mcuboot.shared_data_failed", "mcuboot.no_bootable_image"], None),
    ],
)
def test_messages_are_read_from_prose(line: str, ids: list[str], slot: str | None) -> None:
    event = only_event(line)
    assert isinstance(event, ReportedLogMessage)
    assert event.messages == ids and event.message == ids[0]
    assert event.slot == slot and event.platform == "mcuboot"
    assert event.phrase.lower() in line.lower()


@pytest.mark.parametrize(
    "line",
    [
        "the TLS certificate is not valid in the application",
        "the primary slot size is not valid for this layout",
        "Do I need --pad for a bootable image?",
        "the signature is invalid, says the verifier",
        "imgtool says the slot is too small",
    ],
)
def test_other_things_that_are_not_valid_are_not_messages(line: str) -> None:
    assert not [e for e in parse_text(line + "\n") if isinstance(e, ReportedLogMessage)]


# ------------------------------------------------------------------ settings
def test_settings_are_named_with_their_values() -> None:
    event = only_event("built with -DMCUBOOT_HW_ROLLBACK_PROT=OFF and CONFIG_MEASURED_BOOT=y")
    assert isinstance(event, ReportedSetting)
    assert event.names == ["MCUBOOT_HW_ROLLBACK_PROT", "CONFIG_MEASURED_BOOT"]
    assert event.name == "MCUBOOT_HW_ROLLBACK_PROT" and event.value == "OFF"


def test_other_config_symbols_are_not_settings() -> None:
    assert parse_text("CONFIG_BT=y and CONFIG_ESP_TASK_WDT=n\n") == []


# ------------------------------------------------------------------ imgtool sign commands
SEED_COMMAND = (
    "python imgtool.py sign -k ./trusted-firmware-m/bl2/ext/mcuboot/root-RSA-3072.pem --public-key-format full "
    "--align 8 -v 1.3.0 -H 0x400 --pad-header -S 0x2D000 --pad --boot-record "
    "./trusted-firmware-m/cmake_build_gcc_fix/bin/tfm_s.bin ./trusted-firmware-m/cmake_build_gcc_fix/bin/tfm_s_signed.bin"
)


def test_seed_command_boot_record_swallows_the_input_path() -> None:
    cmd = command(SEED_COMMAND)
    assert cmd.key == "./trusted-firmware-m/bl2/ext/mcuboot/root-RSA-3072.pem"
    assert (cmd.public_key_format, cmd.align, cmd.version) == ("full", 8, "1.3.0")
    assert (cmd.header_size, cmd.slot_size) == (0x400, 0x2D000)
    assert cmd.pad_header and cmd.pad and not cmd.confirm
    assert cmd.security_counter is None
    assert cmd.boot_record == "./trusted-firmware-m/cmake_build_gcc_fix/bin/tfm_s.bin"
    assert cmd.boot_record_missing_argument
    assert cmd.infile == "./trusted-firmware-m/cmake_build_gcc_fix/bin/tfm_s_signed.bin" and cmd.outfile is None
    assert cmd.usage_error == "Error: Missing argument 'OUTFILE'."


def test_a_complete_tfm_command() -> None:
    cmd = command("$ imgtool sign -k root-EC-P256.pem -s 1 --boot-record SPE -v 2.1.0 -H 0x400 --pad-header -S 0x60000 in.bin out.bin")
    assert cmd.security_counter == "1" and cmd.boot_record == "SPE" and not cmd.boot_record_missing_argument
    assert (cmd.infile, cmd.outfile, cmd.usage_error) == ("in.bin", "out.bin", None)


def test_quoting_equals_and_attached_short_values() -> None:
    cmd = command('imgtool sign --key="my keys/root.pem" --header-size=0x200 -H0x400 -S 0x30000 --security-counter=auto "in file.bin" out.bin')
    assert cmd.key == "my keys/root.pem"
    assert cmd.header_size == 0x400  # the last one given wins, as in click
    assert cmd.security_counter == "auto"
    assert (cmd.infile, cmd.outfile) == ("in file.bin", "out.bin")


def test_windows_paths_keep_their_backslashes_and_shell_operators_end_the_command() -> None:
    cmd = command(r"imgtool.exe sign -k C:\keys\root.pem -v 1.0.0 -H 0x200 -S 0x10000 build\app.bin build\app.signed.bin && flash.bat")
    assert cmd.key == r"C:\keys\root.pem" and cmd.outfile == r"build\app.signed.bin"


def test_markdown_inline_code_ends_at_its_backtick_and_pairs_are_skipped() -> None:
    cmd = command("I run `python3 -m imgtool sign --custom-tlv 0xa0 0x0102 -k k.pem -v 1.0.0 -H 32 -S 4096 a.bin b.bin` in CI")
    assert (cmd.key, cmd.infile, cmd.outfile) == ("k.pem", "a.bin", "b.bin")


def test_a_continued_line_is_marked_incomplete() -> None:
    cmd = command("imgtool sign -k root.pem -v 1.0.0 \\")
    assert not cmd.complete and cmd.usage_error is None and cmd.security_counter is None


def test_an_option_after_boot_record_becomes_its_sw_type() -> None:
    cmd = command("imgtool sign -k k.pem --boot-record --pad -v 1.0.0 -H 0x400 -S 0x1000 a.bin b.bin")
    assert cmd.boot_record == "--pad" and cmd.boot_record_missing_argument and not cmd.pad


def test_prose_about_imgtool_is_not_a_command() -> None:
    assert parse_text("imgtool signs the image; see imgtool's sign help\n") == []


def test_west_sign_tool_options_are_read_as_imgtool_options() -> None:
    cmd = command(r"west sign -t imgtool -- --key C:\ncs\root-rsa-2048.pem  --header-size 32 --pad-header")
    assert cmd.via == "west sign" and cmd.header_size == 32 and cmd.pad_header
    # west gives the input and output files itself: no missing-argument error
    assert cmd.usage_error is None and cmd.infile is None
    assert command("$ west --verbose sign -d build -t imgtool -- --key k.pem -H 0x200").header_size == 0x200


def test_west_sign_without_imgtool_options_is_not_an_imgtool_command() -> None:
    for line in ("west sign -t rimage -- -k key.pem", "west sign -d build -t imgtool", "I will west sign it later"):
        assert not [e for e in parse_text(line + "\n") if isinstance(e, ImgtoolSignCommand)]


def test_an_option_after_west_signs_own_header_size_replaces_it(tmp_path: Path) -> None:
    # west sign runs imgtool with its own --header-size first and the options after "--" later;
    # imgtool (click) keeps the last value, so the image's header is the size given after "--".
    imgtool_main = pytest.importorskip("imgtool.main")
    runner = CliRunner()
    key, raw, out = tmp_path / "k.pem", tmp_path / "in.bin", tmp_path / "out.bin"
    assert runner.invoke(imgtool_main.imgtool, ["keygen", "-k", str(key), "-t", "ecdsa-p256"]).exit_code == 0
    raw.write_bytes(b"\x11" * 256)
    west = ["--version", "0.0.0+0", "--align", "4", "--header-size", "512", "--slot-size", "0x10000"]
    result = runner.invoke(imgtool_main.imgtool, ["sign", *west, "--key", str(key), "--header-size", "32", "--pad-header", str(raw), str(out)])
    assert result.exit_code == 0, result.output
    assert int.from_bytes(out.read_bytes()[8:10], "little") == 32  # ih_hdr_size


# The real imgtool (a test dependency) decides what a command shape does; usage_error must agree.
USAGE_SHAPES = [
    ["-k", "k.pem", "-v", "1.0.0", "-H", "0x400", "-S", "0x2D000", "--boot-record", "./bin/tfm_s.bin", "./bin/tfm_s_signed.bin"],
    ["-k", "k.pem", "-v", "1.0.0", "-H", "0x400", "-S", "0x2D000", "--boot-record"],
    ["-k", "k.pem", "-v", "1.0.0", "-H", "0x400", "-S", "0x2D000", "--boot-record", "./bin/tfm_s.bin"],
    ["-k", "k.pem", "-v", "1.0.0", "-H", "0x400", "-S", "0x2D000", "--boot-record", "./a/long/sw_type", "a.bin", "b.bin"],
]


@pytest.mark.parametrize("args", USAGE_SHAPES, ids=range(len(USAGE_SHAPES)))
def test_usage_errors_match_the_real_imgtool(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    imgtool_main = pytest.importorskip("imgtool.main")
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    # imgtool checks that INFILE exists and loads the key before it checks the sw_type
    Path("a.bin").write_bytes(b"\x00" * 64)
    assert runner.invoke(imgtool_main.imgtool, ["keygen", "-k", "k.pem", "-t", "ecdsa-p256"]).exit_code == 0
    result = runner.invoke(imgtool_main.imgtool, ["sign", *args])
    cmd = command("imgtool sign " + " ".join(args))
    assert result.exit_code == 2
    assert cmd.usage_error is not None and cmd.usage_error in result.output


def test_a_command_without_usage_error_really_signs(tmp_path: Path) -> None:
    imgtool_main = pytest.importorskip("imgtool.main")
    runner = CliRunner()
    key, raw, out = tmp_path / "k.pem", tmp_path / "in.bin", tmp_path / "out.bin"
    assert runner.invoke(imgtool_main.imgtool, ["keygen", "-k", str(key), "-t", "ecdsa-p256"]).exit_code == 0
    raw.write_bytes(b"\x00" * 0x400 + b"\x11" * 256)
    args = ["-k", str(key), "-v", "1.0.0", "-H", "0x400", "-S", "0x10000", "-s", "1", "--boot-record", "SPE", str(raw), str(out)]
    cmd = command("imgtool sign " + " ".join(args))
    assert cmd.usage_error is None
    assert runner.invoke(imgtool_main.imgtool, ["sign", *args]).exit_code == 0 and out.is_file()


# ------------------------------------------------------------------ sessions and status
def test_report_events_are_context_not_failures_or_boundaries() -> None:
    for event in parse_text(SEED_COMMAND + "\nthe image in the primary slot is not valid\nMCUBOOT_MEASURED_BOOT is on\n"):
        assert event.family == "report_text"
        assert not event.is_failure() and event.session_boundary() is None


def test_prose_before_a_pasted_log_shares_its_session() -> None:
    text = (
        'Title: TF-M says "Image in the primary slot is not valid!"\n'
        "[INF] Starting bootloader\n[INF] Image index: 1, Swap type: none\n"
        "[ERR] Image in the primary slot is not valid!\n[ERR] Unable to find bootable image\n"
    )
    report = explain(text)
    assert report.stats["sessions"] == 1
    assert [f.id for f in report.findings] == ["mcuboot.image_not_valid"]


def test_a_pasted_boot_that_reaches_its_image_outweighs_an_old_story() -> None:
    text = (
        "Before re-signing, BL2 said the image in the primary slot is not valid. Now it boots:\n"
        "[INF] Starting bootloader\n[INF] Image index: 1, Swap type: none\n[INF] Image index: 0, Swap type: none\n"
        "[INF] Bootloader chainload address offset: 0x10000\n[INF] Jumping to the first image slot\n"
        "Booting TF-M v2.1.0\n"
    )
    report = explain(text)
    assert report.status == "healthy", [f.id for f in report.findings]


def test_prose_alone_is_one_report_finding_with_its_command_notes() -> None:
    report = explain("the image in the primary slot is not valid\n" + SEED_COMMAND + "\n")
    top = report.findings[0]
    assert top.id == "mcuboot.reported_not_valid" and top.confidence == "low"
    assert "no -s/--security-counter" in top.explanation
    assert any("--boot-record SPE" in fix for fix in top.fix)


def test_a_command_with_a_security_counter_gets_no_counter_note() -> None:
    line = "imgtool sign -k k.pem -s 3 --boot-record SPE -v 1.0.0 -H 0x400 -S 0x10000 a.bin b.bin"
    top = explain("the image in the primary slot is not valid\n" + line + "\n").findings[0]
    assert "no -s/--security-counter" not in top.explanation
    assert "sw_type" not in top.explanation


def test_line_parser_prefilter_hits_report_lines() -> None:
    assert LineParser().prefilter.search("Unable to find a Bootable Image")


def test_a_fix_the_matched_evidence_names_comes_first_and_only_once():
    from bootdiag.core.pipeline import explain as explain_text

    text = "E (441) esp_image: Image length 1114112 doesn't fit in partition length 1048576\n"
    report = explain_text(text)
    [finding] = [f for f in report.findings if f.id == "esp.flash_size_or_partition_mismatch"]
    assert finding.fix[0].startswith("Make the app partition bigger")
    assert len(finding.fix) == len(set(finding.fix))


def test_no_serial_data_at_all_is_a_medium_confidence_download_mode_finding_that_names_the_wiring():
    from bootdiag.core.pipeline import explain as explain_text

    report = explain_text("Connecting......\nA fatal error occurred: Failed to connect to ESP32: No serial data received.\n")
    [finding] = report.findings
    assert (finding.id, finding.confidence) == ("esp.not_in_download_mode", "medium")
    assert "RX and TX" in finding.explanation
    # esptool 3.1's wording for the same silence is no stronger evidence of the boot mode ...
    report = explain_text("Connecting......\nA fatal error occurred: Failed to connect to ESP32: Timed out waiting for packet header\n")
    assert (report.findings[0].id, report.findings[0].confidence) == ("esp.not_in_download_mode", "medium")
    # ... unless the capture shows the chip booting from flash instead, what 3.2+ calls a wrong boot mode.
    report = explain_text(
        "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\n"
        "Connecting........_____....._____\n"
        "A fatal error occurred: Failed to connect to ESP32: Timed out waiting for packet header\n"
    )
    assert (report.findings[0].id, report.findings[0].confidence) == ("esp.not_in_download_mode", "high")

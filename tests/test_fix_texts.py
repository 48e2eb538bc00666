"""What a finding tells a user to do: in a useful order, and something a user can act on."""
from __future__ import annotations

import re
from pathlib import Path

from bootdiag.core.pipeline import explain

REAL = Path(__file__).resolve().parents[1] / "corpus" / "real"


def _fix(case: str, rule: str) -> tuple[str, list[str], str]:
    report = explain(REAL / f"{case}.log")
    [finding] = [f for f in report.findings if f.id == rule]
    return finding.confidence, finding.fix, finding.explanation


def test_no_serial_data_lists_the_checks_quickest_first_and_stays_medium() -> None:
    # A self-assembled board with a cold solder joint: esptool heard nothing at all. The boot mode is
    # one cause among several, so the finding stays medium and the checks run port, boot mode by
    # hand, supply, wiring, the board itself (esptool's troubleshooting guide, "Bootloader Won't Respond").
    confidence, fix, why = _fix("esp/flash-pico32-platformio-no-serial-data-cold-solder-joint", "esp.not_in_download_mode")
    assert confidence == "medium"
    starts = [line.split(":", 1)[0] for line in fix[:5]]
    assert starts == ["The port first", "Put the chip in download mode by hand", "The supply",
                      "The wiring, with an external USB-serial adapter", "The board itself"]
    assert "--port" in fix[0] and "TX to the chip's RX" in fix[3] and "solder" in fix[4]
    assert "esptool cannot tell why" in why
    assert len(fix) == len(set(fix))


def test_the_same_silence_from_esptool_3_1_gets_the_same_checks() -> None:
    report = explain("Connecting......\nA fatal error occurred: Failed to connect to ESP32: Timed out waiting for packet header\n")
    [finding] = report.findings
    assert finding.confidence == "medium" and finding.fix[0].startswith("The port first")


def test_a_chip_that_answered_in_the_wrong_boot_mode_starts_with_the_boot_pins() -> None:
    # "Wrong boot mode detected": the ROM talked, so port, supply and wiring work.
    report = explain(
        "Connecting...\n"
        "A fatal error occurred: Failed to connect to ESP32: Wrong boot mode detected (0x13)! "
        "The chip needs to be in download mode.\n"
    )
    [finding] = report.findings
    assert finding.confidence == "high"
    assert finding.fix[0].startswith("Put the chip in download mode by hand")
    assert not any(line.startswith(("The port first", "The supply", "The wiring")) for line in finding.fix)


# What a user can act on: a command to type, a configuration option, a menuconfig path, a fuse, or a
# check of the wiring, the supply or a pin. Command names: every platform's tools, and the commands
# the rules' fixes name for builds, flashing and host checks.
_COMMANDS = (
    r"idf\.py|esptool(?:\.py)?|espsecure(?:\.py)?|espefuse(?:\.py)?|espflash|esphome|pio|platformio|arduino-cli"
    r"|imgtool(?:\.py)?|west|nrfjprog|nrfutil|mcumgr|STM32_Programmer_CLI|JLinkExe|pyocd|openocd|make|cmake"
    r"|flash\.sh|l4t_initrd_flash\.sh|odmfuse\.sh|tegraflash\.py|tegrarcm\S*|lsusb|lsb_release|uname|dmesg"
    r"|python3?|gen_esp32part\.py|sdkmanager|sudo|openssl|dd|picocom|minicom"
)
_ACTION = re.compile(
    rf"\b(?:{_COMMANDS})\b"  # a command
    r"|\bCONFIG_[A-Z0-9_]+|\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b"  # a Kconfig or build option
    r"|(?<![\w-])--?[a-zA-Z][\w-]*"  # a command-line option
    r"|menuconfig|\S \> \S"  # a menuconfig path
    r"|\be?[Ff]uses?\b|\beFuses?\b"  # a fuse
    r"|\b(?:GPIO\d+|pins?|wir(?:e|es|ing)|solder\w*|cable|supply|jumper|strap\w*|measure\w*|button|pull-?(?:up|down)|EN|UART)\b"  # wiring
)


def test_every_rule_s_fix_names_an_action() -> None:
    from bootdiag.core.rules.load import load_rules

    vague = []
    for rule in load_rules():
        if rule.benign:
            continue
        lines = [*rule.fix, *(line for extra in rule.fix_if.values() for line in extra)]
        if not any(_ACTION.search(line) for line in lines):
            vague.append(rule.id)
    assert vague == []


def test_the_action_test_tells_an_action_from_advice() -> None:
    for acted in ("esptool.py --port /dev/ttyUSB0 flash_id", "set CONFIG_ESP_CONSOLE_UART_BAUDRATE",
                  "idf.py menuconfig > Component config", "burn the FLASH_TYPE eFuse",
                  "adapter TX to the chip's RX: check the wiring", "lsusb -d 0955:"):
        assert _ACTION.search(acted), acted
    for advice in ("Fix that reset, then update again", "Try another host", "Make the app smaller"):
        assert not _ACTION.search(advice), advice

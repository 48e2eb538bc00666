"""Fix commands and docs links worded for the esptool version and chip the failing run shows; every
v5 spelling is checked against the installed esptool (v5) itself."""
from __future__ import annotations

import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from bootdiag.core.pipeline import default_rules, explain
from bootdiag.platforms.esp.wording import adapt

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
V5 = {"esptool": "5.0.2"}

HEADER_REWRITTEN = (CORPUS / "esp-idf" / "sb2-bootloader-header-rewritten-esptool3.log").read_text()


def with_esptool(version: str) -> str:
    """The example capture as if flashed with another esptool."""
    return HEADER_REWRITTEN.replace("esptool.py v3.1-dev", f"esptool.py v{version}")


def test_capture_without_a_version_gets_the_generic_form() -> None:
    text = HEADER_REWRITTEN.replace("esptool.py v3.1-dev", "")
    fix = explain(text).top.fix
    assert fix[0].startswith("esptool.py write_flash --flash_mode keep --flash_freq keep --flash_size keep ")


@pytest.mark.parametrize("version", ["3.1-dev", "4.7.0", "4.8.1"])
def test_v3_and_v4_keep_their_spelling(version: str) -> None:
    report = explain(with_esptool(version))
    assert report.context["esptool"] == version
    assert report.top.fix[0].startswith("esptool.py write_flash --flash_mode keep ")
    assert "espsecure.py verify_signature --version 2" in report.top.fix[2]


def test_v5_gets_v5_commands_everywhere_and_no_v4_spelling() -> None:
    report = explain(with_esptool("5.0.2"))
    top = report.top
    assert top.fix[0] == ("esptool write-flash --flash-mode keep --flash-freq keep --flash-size keep <offset> <signed image>; "
                          "use the same keep flags with esptool merge-bin")
    assert "espsecure verify-signature --version 2 --keyfile" in top.fix[2]
    texts = top.fix + [c.check for c in top.candidates]
    assert not [t for t in texts if re.search(r"\b(esptool|espsecure|espefuse)\.py\b|--flash_|write_flash", t)]


def test_docs_follow_the_chip() -> None:
    s3 = (CORPUS / "esp-idf" / "sb2-app-header-rewritten-esptool48.log").read_text()
    report = explain(s3)
    assert report.context["chip"] == "esp32s3"
    assert "https://docs.espressif.com/projects/esp-idf/en/stable/esp32s3/security/secure-boot-v2.html" in report.top.docs
    assert "https://github.com/espressif/esp-idf/issues/8414" in report.top.docs  # other links as written


def test_a_page_built_for_one_chip_only_is_kept() -> None:
    url = "https://docs.espressif.com/projects/esp-idf/en/stable/esp32/security/secure-boot-v1.html#signing-remote-updates"
    assert adapt(url, {"chip": "esp32c6"}) == url
    assert adapt(url.replace("v1", "v2"), {"chip": "esp32c6"}) == url.replace("v1", "v2").replace("/esp32/", "/esp32c6/")


def test_a_chip_the_docs_are_not_built_for_keeps_the_generic_link() -> None:
    url = "https://docs.espressif.com/projects/esp-idf/en/stable/esp32/api-guides/partition-tables.html"
    assert adapt(url, {"chip": "esp32h4"}) == url


@pytest.mark.parametrize("given,expected", [
    ("esptool.py image_info --version 2 build/app.bin shows it", "esptool image-info build/app.bin shows it"),
    ("Or: esptool.py --chip <chip> write_flash 0x0 b.bin (0x1000 on ESP32)", "Or: esptool --chip <chip> write-flash 0x0 b.bin (0x1000 on ESP32)"),
    ("use --before default_reset; on boards without it use --before no_reset", "use --before default-reset; on boards without it use --before no-reset"),
    ("espefuse.py summary: FLASH_CRYPT_CNT", "espefuse summary: FLASH_CRYPT_CNT"),
    ("`espsecure.py verify_signature` too", "`espsecure verify-signature` too"),
    ("burn espefuse.py set_flash_voltage 3.3V, flash pins", "burn espefuse set-flash-voltage 3.3V, flash pins"),
])
def test_v5_spelling(given: str, expected: str) -> None:
    assert adapt(given, V5) == expected
    assert adapt(given, {"esptool": "v4.7.0"}) == given


def test_another_run_in_the_paste_does_not_describe_the_failing_one() -> None:
    healthy = (CORPUS / "esp-idf" / "healthy-esp32-v51-sb2-enabled-restart.log").read_text()
    report = explain(healthy + "\n" + with_esptool("5.0.2").replace("ESP-IDF v4.4.6", "ESP-IDF v4.4.6"))
    assert report.top.id == "esp.image_modified_after_signing"
    assert report.context["esp_idf"] == "v4.4.6"
    assert report.context["esptool"] == "5.0.2"
    assert report.top.fix[0].startswith("esptool write-flash ")


# ---------------------------------------------------------------- against the real esptool v5
@cache
def v5_options(tool: str, command: str | None) -> str:
    """The options esptool v5's own command line declares for ``command`` (None: the tool's global
    options); espefuse's commands depend on the chip, so its --help is read instead."""
    if tool in ("esptool", "espsecure"):
        import importlib

        group = importlib.import_module(tool).cli
        found = group if command is None else group.commands.get(command)
        assert found is not None, f"{tool} has no command {command!r}"
        return " ".join(opt for param in found.params for opt in param.opts)
    proc = subprocess.run([sys.executable, "-m", tool, *([command] if command else []), "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and (command or "") in proc.stdout, f"{tool} {command}: {proc.stderr}"
    return proc.stdout


def v5_commands() -> list[tuple[str, str, list[str]]]:
    """(tool, command, options) of every esptool/espsecure/espefuse command the rules give, worded for v5."""
    found = []
    for rule in default_rules():
        texts = rule.fix + [line for lines in rule.fix_if.values() for line in lines] + [c.check for c in rule.candidates]
        for text in texts:
            for m in re.finditer(r"\b(esptool|espsecure|espefuse)\.py\b", text):
                tool, words = adapt(text[m.start():], V5).split(" ", 1)
                words = re.split(r"\s{2}|;\s|:\s|,\s|\s\(|`", words + " ")[0].split()
                at = next(i for i, w in enumerate(words) if re.fullmatch(r"[a-z][a-z0-9-]+", w) and not (i and words[i - 1] in ("--chip", "--port")))
                found.append((tool, None, [w for w in words[:at] if w.startswith("--")]))  # global options, before it
                found.append((tool, words[at], [w for w in words[at:] if w.startswith("--")]))
    return found


def test_every_v5_command_the_rules_give_exists_in_esptool_v5() -> None:
    pytest.importorskip("esptool")
    commands = v5_commands()
    assert len({(t, c) for t, c, _ in commands}) >= 8
    for tool, command, options in commands:
        if not options and command is None:
            continue
        declared = v5_options(tool, command).split()
        for option in options:
            assert option in declared, f"{tool} {command or '(global)'} has no {option}"


def test_the_minimum_revision_option_is_named_for_the_chip() -> None:
    line = "Minimum Supported <chip> Revision (CONFIG_ESP32_REV_MIN); CONFIG_ESP32_REV_MIN_FULL"
    assert adapt(line, {"chip": "esp32s3"}) == "Minimum Supported <chip> Revision (CONFIG_ESP32S3_REV_MIN); CONFIG_ESP32S3_REV_MIN_FULL"
    assert adapt(line, {"chip": "esp32"}) == line
    assert adapt(line, {}) == line
    assert adapt(line, {"chip": "esp8266"}) == line


@pytest.mark.parametrize("chip, offset", [("esp32", "0x1000"), ("esp32s2", "0x1000"), ("esp32s3", "0x0"),
                                          ("esp32c3", "0x0"), ("esp32c5", "0x2000"), ("esp32p4", "0x2000")])
def test_a_bootloader_command_names_the_chip_and_its_offset(chip: str, offset: str) -> None:
    line = "Flash it: esptool.py --chip <chip> write_flash <bootloader offset> build/bootloader/bootloader.bin (0x1000 on ESP32)"
    assert adapt(line, {"chip": chip}) == (
        f"Flash it: esptool.py --chip {chip} write_flash {offset} build/bootloader/bootloader.bin (0x1000 on ESP32)")
    assert adapt("Build for this target: idf.py set-target <chip>", {"chip": chip}) == f"Build for this target: idf.py set-target {chip}"


def test_a_chip_not_shown_or_not_known_keeps_the_placeholders() -> None:
    line = "esptool.py --chip <chip> write_flash <bootloader offset> build/bootloader/bootloader.bin"
    assert adapt(line, {}) == line
    assert adapt(line, {"chip": "esp8266"}) == line
    assert adapt(line, {"chip": "esp32s3", "esptool": "5.0.2"}) == (
        "esptool --chip esp32s3 write-flash 0x0 build/bootloader/bootloader.bin")


def test_a_real_s3_with_its_bootloader_at_0x1000_is_told_0x0() -> None:
    # An ESP32-S3 whose bootloader went to the ESP32's offset: the command is worded for the S3.
    fix = explain(CORPUS / "real" / "esp" / "boot-feather-s3-bootloader-at-0x1000.log").top.fix
    assert "esptool.py --chip esp32s3 write_flash 0x0 build/bootloader/bootloader.bin" in fix[0]

"""Fix commands and docs links worded for the esptool version and the chip a capture shows.

Rules write esptool, espsecure and espefuse commands as v3/v4 spell them (``esptool.py write_flash
--flash_mode keep``): that spelling is the generic form, since v5 still accepts it (with a
deprecation warning). When the failing run shows v5 or later, commands are given as v5 spells them
(``esptool write-flash --flash-mode keep``). The three tools ship in one package, so one's version
stands for the others when the log names only one.

esptool v5 spellings (espressif/esptool, v5.0.0): the ``.py`` entry points are deprecated
(esptool/util.py check_deprecated_py_suffix); commands are named with hyphens and the underscore
names are deprecated aliases (esptool/cli_util.py EsptoolGroup.get_command); options likewise, a
few renamed outright (EsptoolGroup.DEPRECATED_OPTIONS, espsecure/__init__.py DEPRECATED_OPTIONS,
espefuse/cli_util.py DEPRECATED_OPTIONS); reset modes take hyphens (cli_util.py ResetModeType);
``image-info`` reads the one format left and has no ``--version`` (esptool/__init__.py
image_info_cli).

Docs links name a chip in their path (``.../en/stable/esp32/...``); they are given for the capture's
chip when the documentation is built for it (``idf_targets`` in docs/conf_common.py of espressif/esp-idf
and espressif/esptool).

Rules write the chip a command names as ``--chip <chip>`` or ``idf.py set-target <chip>``, and the
bootloader's flash offset as ``<bootloader offset>`` (with the offsets per chip beside it): when the
capture shows a chip bootdiag knows, the command names it and its offset (esptool targets
BOOTLOADER_FLASH_OFFSET, kept in chips.py).
"""
from __future__ import annotations

import re

from bootdiag.platforms.esp.chips import CHIPS_BY_NAME

TOOLS = ("esptool", "espsecure", "espefuse")
FIRST_HYPHENATED = 5  # esptool major version that spells commands and options with hyphens

# v4 option -> v5 option, where v5 did more than turn underscores into hyphens.
RENAMED_OPTIONS = {
    "--ignore_flash_encryption_efuse_setting": "--ignore-flash-enc-efuse",
    "--fill-flash-size": "--pad-to-size",
    "--no-diff-verify": "--trust-flash-content",
}
# (tool, v5 command) -> options v5 dropped, each with the one value it took.
DROPPED_OPTIONS = {("esptool", "image-info"): ("--version",)}

# docs.espressif.com projects and the chips each is built for.
DOCS_TARGETS = {
    "esp-idf": frozenset({"esp32", "esp32s2", "esp32s3", "esp32c2", "esp32c3", "esp32c6", "esp32h2", "esp32p4"}),
    "esptool": frozenset({"esp32", "esp32s2", "esp32s3", "esp32c2", "esp32c3", "esp32c6", "esp32h2", "esp32p4", "esp32c5", "esp32c61"}),
}
# Chips whose minimum revision is a Kconfig choice of their own, <CHIP>_REV_MIN (espressif/esp-idf v5.5.5
# components/esp_hw_support/port/<chip>/Kconfig.hw_support); rules name the ESP32's, CONFIG_ESP32_REV_MIN.
REV_MIN_CHIPS = frozenset({"esp32", "esp32s2", "esp32s3", "esp32c2", "esp32c3", "esp32c5", "esp32c6", "esp32c61", "esp32h2", "esp32p4"})
# Pages built for one chip only (esp-idf docs/conf_common.py ESP32_DOCS): a link to one stays.
ONE_CHIP_PAGES = ("security/secure-boot-v1.html",)

# A command: the tool, then its words up to where the sentence resumes (two spaces, "; ", ": ",
# ", ", " (", a closing backtick or the end).
_COMMAND = re.compile(r"\b(?P<tool>esptool|espsecure|espefuse)\.py(?P<words>(?:(?!\s{2}|;\s|:\s|,\s|\s\(|`)[^\n])*)")
_UNDERSCORED = re.compile(r"(?<![a-z0-9_])[a-z][a-z0-9]*+(?:_[a-z0-9]++)+")
_OPTION = re.compile(r"--[a-z0-9]+(?:[_-][a-z0-9]+)*")
_DOCS = re.compile(r"(?P<base>https://docs\.espressif\.com/projects/(?P<project>[\w-]+)/[\w-]+/[\w.-]+/)(?P<chip>esp32\w*)/(?P<page>\S*)")
_MAJOR = re.compile(r"(\d+)")
_RESET_OPTION = re.compile(r"(--(?:before|after) )([a-z]+(?:_[a-z]+)+)\b")
_CHIP_SLOT = re.compile(r"(--chip |set-target )<chip>")
BOOTLOADER_OFFSET = "<bootloader offset>"


def adapt(text: str, facts: dict[str, str]) -> str:
    """``text`` (a fix, a check or a docs link) worded for the run ``facts`` describe."""
    if (".py" in text or "--" in text) and _hyphenated(facts):
        text = _COMMAND.sub(lambda m: _v5_command(m.group("tool"), m.group("words")), text)
        text = _RESET_OPTION.sub(lambda m: m.group(1) + m.group(2).replace("_", "-"), text)  # named in prose
    chip = facts.get("chip", "").lower().replace("-", "")
    if chip and "docs.espressif.com" in text:
        text = _DOCS.sub(lambda m: _docs_link(m, chip), text)
    if chip in REV_MIN_CHIPS and "CONFIG_ESP32_REV_MIN" in text:
        text = text.replace("CONFIG_ESP32_REV_MIN", f"CONFIG_{chip.upper()}_REV_MIN")
    known = CHIPS_BY_NAME.get(chip)
    if known is not None and "<" in text:
        text = _CHIP_SLOT.sub(lambda m: m.group(1) + known.name, text)
        text = text.replace(BOOTLOADER_OFFSET, f"{known.bootloader_offset:#x}")
    return text


def _docs_link(link: re.Match[str], chip: str) -> str:
    """The page for ``chip`` when the docs are built for it (else the link as the rule gives it)."""
    if chip not in DOCS_TARGETS.get(link.group("project"), ()) or link.group("page").startswith(ONE_CHIP_PAGES):
        return link.group(0)
    return f"{link.group('base')}{chip}/{link.group('page')}"


def major_version(value: str | None) -> int | None:
    """``v4.7.0`` -> 4, ``5.0.2`` -> 5, ``3.1-dev`` -> 3."""
    m = _MAJOR.search(value or "")
    return int(m.group(1)) if m and len(m.group(1)) <= 6 else None  # a version, not a run of digits


def _hyphenated(facts: dict[str, str]) -> bool:
    """Whether the run used an esptool package that spells commands with hyphens."""
    versions = [major_version(facts.get(tool)) for tool in TOOLS]
    known = [v for v in versions if v is not None]
    return bool(known) and known[0] >= FIRST_HYPHENATED


def _v5_command(tool: str, words: str) -> str:
    out: list[str] = []
    command: str | None = None
    drop_value = False
    for word in words.split(" "):
        if drop_value:
            drop_value = False
            continue
        if word.startswith("--") and _OPTION.fullmatch(word):
            word = RENAMED_OPTIONS.get(word, word.replace("_", "-"))
            if word in DROPPED_OPTIONS.get((tool, command or ""), ()):
                drop_value = True
                continue
        elif _UNDERSCORED.fullmatch(word):
            word = word.replace("_", "-")  # a command, or a reset mode such as default_reset
            command = command or word
        elif command is None and re.fullmatch(r"[a-z][a-z0-9-]*", word):
            command = word if not out or not out[-1].startswith("--") else None
        out.append(word)
    return tool + " ".join(out)

"""`bootdiag check` for a Jetson folder: was flash.sh's configuration made for the module attached?

Three comparisons, each failure the cause ``tegra.board_config_mismatch`` names after the fact: the SoC
the command is for (``--chip``) against the module's (or the BR_CID's), the module part numbers in the
command's file names against the module's board ID, and the storage the partition layout writes
(eMMC, SD card) against the storage on the module. The module is what its EEPROM says
(``bootloader/cvm.bin`` or ``--board-info``); the tables are in ``modules.py``.
"""
from __future__ import annotations

from pathlib import Path

from bootdiag.core.build import BuildReading
from bootdiag.core.errors import InputError
from bootdiag.core.files import TEXT_LIMIT, read_regular_text
from bootdiag.platforms.tegra import decode
from bootdiag.platforms.tegra.module_eeprom import ModuleId, read_module_eeprom
from bootdiag.platforms.tegra.modules import MODULES, boards_named, layout_storage, module_name
from bootdiag.verify.model import UnusableInput

MODULE_NEEDS = ("bootloader/cvm.bin, the module EEPROM flash.sh saves when it reads the board in recovery mode "
                "(sudo ./flash.sh --no-flash <board> <rootdev>), or --board-info <cvm.bin>")
SAVED_EEPROM = "bootloader/cvm.bin"


def module_source(l4t: Path, given: str | None) -> str | None:
    """The module EEPROM dump to read: the one given, else the one flash.sh left in bootloader/."""
    if given:
        return given
    saved = l4t / SAVED_EEPROM
    return str(saved) if saved.is_file() else None


def read_module(path: str) -> ModuleId | None:
    try:
        return read_module_eeprom(path)
    except UnusableInput as exc:
        raise InputError(str(exc)) from None


def check_board(reading: BuildReading, folder: Path, l4t: Path, words: list[str], subject: str,
                eeprom: str | None, br_cid: str | None) -> None:
    """Add the SoC, module and storage checks of the folder against the module attached."""
    module = read_module(eeprom) if eeprom else None
    source = Path(eeprom).name if eeprom else ""
    if module is not None:
        reading.facts["module"] = f"{module.name} ({module.part_number})"
    _soc(reading, decode.option_value(words, "--chip"), subject, module, source, br_cid)
    if eeprom is None or module is None:
        why = ("which module is attached is not in the folder" if eeprom is None
               else f"{source} carries a customer part number, not NVIDIA's board ID and SKU")
        needs = MODULE_NEEDS if eeprom is None else "the module's NVIDIA part number (699-8bbbb-ssss-fff) in its EEPROM"
        reading.undecided("tegra.module_board", subject, why, needs)
        reading.undecided("tegra.module_storage", subject, why, needs)
        return
    _board(reading, words, subject, module, source)
    _storage(reading, folder, l4t, words, module)


def _soc(reading: BuildReading, chip_option: str | None, subject: str, module: ModuleId | None, source: str, br_cid: str | None) -> None:
    chip = decode.chip_of(chip_option)
    if chip is None:
        reading.undecided("tegra.module_soc", subject, "the command names no --chip bootdiag knows", "a flashcmd.txt written by flash.sh for this board")
        return
    wanted = f"a {chip.upper()} (--chip {chip_option})"
    if br_cid is not None:
        actual, said = decode.decode_br_cid(br_cid).chip, f"the board's BR_CID ({br_cid[:8]}...)"
    elif module is not None and module.board_id in MODULES:
        actual, said = MODULES[module.board_id].chip, f"the module in {source}, {module.name} ({MODULES[module.board_id].name}),"
    else:
        what = "which module is attached is not in the folder" if module is None else f"{source} names {module.name}, a module bootdiag has no SoC for"
        reading.undecided("tegra.module_soc", subject, f"the command is for {wanted}; {what}",
                          MODULE_NEEDS + ", or --port usb to read the chip id from the board")
        return
    if actual == chip:
        reading.passed("tegra.module_soc", subject, f"the command is for {wanted}, and {said} is a {actual.upper()}")
    else:
        # flash.sh chk_soc_sanity (r35.3.1 l.943-947) stops here: "The Actual SoC ID(..) mismatches intended .. SoC ID(..)"
        reading.failed("tegra.module_soc", subject, f"the command is for {wanted}, but {said} is a {(actual or 'another chip').upper()}: "
                       "flash.sh will stop at its SoC check, and images for another SoC do not boot")


def _board(reading: BuildReading, words: list[str], subject: str, module: ModuleId, source: str) -> None:
    named = boards_named(words)
    modules_named = [b for b in named if b in MODULES]
    if module.board_id in named:
        reading.passed("tegra.module_board", subject, f"the command's files are for {module_name(module.board_id)}, the module in {source}")
    elif not modules_named:
        reading.undecided("tegra.module_board", subject, f"no file in the command names a module bootdiag knows; {source} names {module.name}",
                          "a flashcmd.txt whose BCT and device-tree files name the module (tegra194-...-p3668-...)")
    else:
        wanted = " and ".join(module_name(b) for b in modules_named)
        reading.failed("tegra.module_board", subject, f"the command's files (BCT, device tree) are for {wanted}, but the module in {source} "
                       f"is {module.name} ({MODULES.get(module.board_id).name if module.board_id in MODULES else 'another module'})")


def _storage(reading: BuildReading, folder: Path, l4t: Path, words: list[str], module: ModuleId) -> None:
    layout = decode.option_value(words, "--cfg")
    path = l4t / "bootloader" / (layout or "flashcmd.txt")
    subject = str(path.relative_to(folder))
    if not layout or not path.is_file():
        reading.undecided("tegra.module_storage", subject, f"the partition layout the command flashes (--cfg {layout}) is not in bootloader/",
                          "the folder as flash.sh left it, with the layout named by --cfg")
        return
    writes = layout_storage(read_regular_text(path, TEXT_LIMIT, "partition layout"))
    family = MODULES.get(module.board_id)
    has = family.has(module.sku) if family else None
    if has is None:
        reading.undecided("tegra.module_storage", subject, f"writes {' and '.join(writes) or 'neither eMMC nor an SD card'}; "
                          f"bootdiag does not know what storage {module.name} has", "the module's data sheet")
        return
    missing = [s for s in writes if has.get(s) is False]
    unknown = [s for s in writes if s not in has]
    if missing:
        other = [s for s, present in has.items() if present]
        boots = f"; it boots from its {other[0]}" if other else ""
        reading.failed("tegra.module_storage", subject, f"writes to the {missing[0]}, and {module.name} ({family.name}) has no {missing[0]}{boots}")
    elif unknown:
        reading.undecided("tegra.module_storage", subject, f"writes to the {unknown[0]}; bootdiag does not know whether {module.name} has one",
                          "the module's data sheet")
    elif writes:
        reading.passed("tegra.module_storage", subject, f"writes to the {' and '.join(writes)}, which {module.name} ({family.name}) has")
    else:
        reading.passed("tegra.module_storage", subject, "writes neither eMMC nor an SD card (QSPI and external storage only)")

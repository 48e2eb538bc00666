"""An ESP-IDF build folder as ``idf.py build`` leaves it: what will be flashed where, and the configuration.

Files read (ESP-IDF v4.x/v5.x build layout):
- ``flasher_args.json`` (components/esptool_py/flasher_args.json.in): ``write_flash_args`` (the
  --flash_mode/--flash_size/--flash_freq idf.py passes to esptool), ``flash_files`` (offset -> file),
  one object per role (``bootloader``, ``app``, ``partition-table``: offset, file, encrypted) and
  ``extra_esptool_args.chip``;
- the configuration: ``config/sdkconfig.json`` (names without ``CONFIG_``), else the project's ``sdkconfig``;
- the files it names: partition table binary, bootloader and app images.
With secure boot on, idf.py leaves the bootloader out of ``flash_files`` (it is flashed on its own with
``idf.py bootloader-flash``); it is then read from ``bootloader/bootloader.bin`` at the chip's offset.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bootdiag.core.build_config import read_settings
from bootdiag.core.errors import InputError
from bootdiag.platforms.esp.chips import CHIPS_BY_NAME, Chip, normalize_chip_name

FLASHER_ARGS = "flasher_args.json"
_ROLE_BY_NAME = {"bootloader.bin": "bootloader", "partition-table.bin": "partition-table"}


@dataclass(frozen=True)
class FlashFile:
    role: str  # "bootloader", "app", "partition-table", or the file's name for others
    offset: int
    path: Path
    encrypted: bool
    listed: bool = True  # named in flasher_args.json's flash_files (what `idf.py flash` writes)
    name: str = ""  # as flasher_args.json names it, relative to the build folder


@dataclass
class EspBuild:
    folder: Path
    files: list[FlashFile]
    settings: dict[str, str]  # sdkconfig name without CONFIG_ -> value as sdkconfig writes it ("y", "4MB")
    settings_source: str | None
    flash_args: dict[str, str]  # flash_mode / flash_size / flash_freq passed to esptool write_flash
    chip: Chip | None
    extra: dict[str, Any] = field(default_factory=dict)

    def file(self, role: str) -> FlashFile | None:
        return next((f for f in self.files if f.role == role), None)

    def setting(self, name: str) -> str | None:
        return self.settings.get(name)

    def enabled(self, name: str) -> bool:
        return self.settings.get(name) == "y"

    def number(self, name: str) -> int | None:
        value = self.settings.get(name)
        try:
            return int(value, 0) if value is not None else None
        except ValueError:
            return None


def is_build(folder: Path) -> bool:
    return (folder / FLASHER_ARGS).is_file()


def read_build(folder: Path) -> EspBuild:
    args = _json(folder / FLASHER_ARGS)
    settings, source = _settings(folder)
    chip_name = settings.get("IDF_TARGET") or str(args.get("extra_esptool_args", {}).get("chip", "") or "")
    chip = CHIPS_BY_NAME.get(normalize_chip_name(chip_name)) if chip_name else None
    files = _flash_files(folder, args)
    if not any(f.role == "bootloader" for f in files) and chip is not None:
        unlisted = folder / "bootloader" / "bootloader.bin"
        if unlisted.is_file():
            files.append(FlashFile("bootloader", chip.bootloader_offset, unlisted, False, listed=False, name="bootloader/bootloader.bin"))
    return EspBuild(folder, sorted(files, key=lambda f: f.offset), settings, source, _write_flash_args(args), chip, args)


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: not the JSON object idf.py writes")
    return data


def _flash_files(folder: Path, args: dict[str, Any]) -> list[FlashFile]:
    roles: dict[str, tuple[str, bool]] = {}  # file -> (role, encrypted)
    for role in ("bootloader", "app", "partition-table"):
        entry = args.get(role)
        if isinstance(entry, dict) and "file" in entry:
            roles[str(entry["file"])] = (role, str(entry.get("encrypted", "false")).lower() == "true")
    files = []
    listed = args.get("flash_files", {})
    if not isinstance(listed, dict):
        raise InputError(f"{folder / FLASHER_ARGS}: 'flash_files' is not an object of offset -> file")
    for offset, name in listed.items():
        try:
            at = int(str(offset), 0)
        except ValueError:
            raise InputError(f"{folder / FLASHER_ARGS}: flash_files offset {offset!r} is not a number") from None
        # Without a role object (older flasher_args.json), the file's name says which it is.
        role, encrypted = roles.get(str(name), (_ROLE_BY_NAME.get(Path(str(name)).name, Path(str(name)).name), False))
        files.append(FlashFile(role, at, folder / str(name), encrypted, name=str(name)))
    return files


def _write_flash_args(args: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    words = [str(w) for w in args.get("write_flash_args", [])]
    for i, word in enumerate(words):
        name = word.lstrip("-").replace("-", "_")
        if name in ("flash_mode", "flash_size", "flash_freq") and i + 1 < len(words):
            found[name] = words[i + 1]
        elif "=" in word and name.split("=", 1)[0] in ("flash_mode", "flash_size", "flash_freq"):
            key, value = name.split("=", 1)
            found[key] = value
    return found


def _settings(folder: Path) -> tuple[dict[str, str], str | None]:
    as_json = folder / "config" / "sdkconfig.json"
    if as_json.is_file():
        return {k: _text(v) for k, v in _json(as_json).items()}, str(as_json)
    for candidate in (folder / "sdkconfig", folder.parent / "sdkconfig"):
        if candidate.is_file():
            return read_settings(candidate), str(candidate)
    return {}, None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "y" if value else "n"
    return str(value)

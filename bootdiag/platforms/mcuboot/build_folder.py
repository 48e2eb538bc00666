"""MCUboot build folders as their build systems leave them: what the bootloader was built with, and
the signed images meant for it.

Layouts read:
- Zephyr sysbuild (Zephyr 3.5+, nRF Connect SDK 2.7+): ``mcuboot/zephyr/.config`` (the bootloader's
  Kconfig: CONFIG_BOOT_SIGNATURE_KEY_FILE, CONFIG_BOOT_MAX_IMG_SECTORS, swap mode, ...) and
  ``<app>/zephyr/{.config,zephyr.signed.bin,zephyr.dts}`` per image;
- a Zephyr application built alone: ``zephyr/{.config,zephyr.signed.bin,zephyr.dts}`` (the bootloader's
  own build is elsewhere, so what it trusts is not in the folder);
- TF-M: ``CMakeCache.txt`` (MCUBOOT_* cache entries) and ``bin/*_signed.bin``.
The flash layout comes from the devicetree Zephyr writes (``zephyr.dts``): the partitions labelled
``image-N`` and the flash controller's erase and write block sizes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bootdiag.core.build_config import read_settings, read_text

_PARTITION = re.compile(r"partition@[0-9a-fA-F]+\s*\{(?P<body>[^{}]*)\}", re.S)
_LABEL = re.compile(r'label\s*=\s*"([^"]+)"')
_REG = re.compile(r"reg\s*=\s*<\s*(0x[0-9a-fA-F]+|\d+)\s+(0x[0-9a-fA-F]+|\d+)\s*>")


@dataclass(frozen=True)
class SignedImage:
    name: str  # relative to the build folder
    path: Path
    index: int  # the image number the bootloader boots it as (0: first / secure image)
    settings: dict[str, str] = field(default_factory=dict)  # that image's own build configuration


@dataclass
class McubootBuild:
    folder: Path
    kind: str  # "Zephyr sysbuild", "Zephyr application", "TF-M"
    bootloader: dict[str, str] | None  # the bootloader's settings (Kconfig names without CONFIG_, or cache names)
    bootloader_source: str | None
    images: list[SignedImage]
    slots: dict[int, int] = field(default_factory=dict)  # image number -> primary slot size
    erase_size: int | None = None
    write_size: int | None = None

    def setting(self, name: str) -> str | None:
        return (self.bootloader or {}).get(name)

    def enabled(self, *names: str) -> bool:
        return any((self.bootloader or {}).get(n, "").upper() in ("Y", "ON", "TRUE", "1") for n in names)

    def number(self, name: str) -> int | None:
        value = self.setting(name)
        try:
            return int(value, 0) if value else None
        except ValueError:
            return None


def read_build(folder: Path) -> McubootBuild | None:
    if (folder / "mcuboot" / "zephyr" / ".config").is_file():
        return _sysbuild(folder)
    if (folder / "zephyr" / ".config").is_file() and (folder / "zephyr" / "zephyr.signed.bin").is_file():
        return _zephyr_app(folder)
    cache = folder / "CMakeCache.txt"
    if cache.is_file() and (folder / "bin").is_dir():
        settings = read_settings(cache)
        if "MCUBOOT_IMAGE_NUMBER" in settings or settings.get("BL2", "").upper() == "ON":
            return _tfm(folder, settings)
    return None


def _sysbuild(folder: Path) -> McubootBuild:
    loader_config = folder / "mcuboot" / "zephyr" / ".config"
    images = []
    for config in sorted(folder.glob("*/zephyr/.config")):
        app = config.parent.parent
        signed = app / "zephyr" / "zephyr.signed.bin"
        if app.name == "mcuboot" or not signed.is_file():
            continue
        images.append(SignedImage(str(signed.relative_to(folder)), signed, len(images), read_settings(config)))
    build = McubootBuild(folder, "Zephyr sysbuild", read_settings(loader_config), str(loader_config.relative_to(folder)), images)
    _flash_layout(build, folder / "mcuboot" / "zephyr" / "zephyr.dts")
    return build


def _zephyr_app(folder: Path) -> McubootBuild:
    signed = folder / "zephyr" / "zephyr.signed.bin"
    image = SignedImage(str(signed.relative_to(folder)), signed, 0, read_settings(folder / "zephyr" / ".config"))
    build = McubootBuild(folder, "Zephyr application", None, None, [image])
    _flash_layout(build, folder / "zephyr" / "zephyr.dts")
    return build


def _tfm(folder: Path, settings: dict[str, str]) -> McubootBuild:
    # TF-M bl2/CMakeLists.txt: tfm_s_signed.bin / tfm_ns_signed.bin with two images, tfm_s_ns_signed.bin with one
    bin_dir = folder / "bin"
    single = settings.get("MCUBOOT_IMAGE_NUMBER", "2").strip() == "1"
    names = ["tfm_s_ns_signed.bin"] if single else ["tfm_s_signed.bin", "tfm_ns_signed.bin"]
    found = [bin_dir / n for n in names if (bin_dir / n).is_file()]
    images = [SignedImage(str(p.relative_to(folder)), p, i) for i, p in enumerate(found)]
    return McubootBuild(folder, "TF-M", settings, "CMakeCache.txt", images)


def _flash_layout(build: McubootBuild, dts: Path) -> None:
    """Slot sizes and flash block sizes from the devicetree: MCUboot's image-N partitions (Zephyr
    flash_map: label "image-0" is image 0's primary slot, "image-2" image 1's)."""
    if not dts.is_file():
        return
    text = read_text(dts)
    for m in _PARTITION.finditer(text):
        label, reg = _LABEL.search(m.group("body")), _REG.search(m.group("body"))
        if label and reg and re.fullmatch(r"image-(\d+)", label.group(1)):
            n = int(label.group(1).split("-")[1])
            if n % 2 == 0:
                build.slots[n // 2] = int(reg.group(2), 0)
    for prop, attr in (("erase-block-size", "erase_size"), ("write-block-size", "write_size")):
        m = re.search(rf"{prop}\s*=\s*<\s*(0x[0-9a-fA-F]+|\d+)\s*>", text)
        if m:
            setattr(build, attr, int(m.group(1), 0))

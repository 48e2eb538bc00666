"""Jetson modules by board ID and SKU: their SoC and the storage on the module, and what a flash
command and its partition layout were prepared for.

Sources (L4T r35.3.1 as mirrored in Seeed-Studio/Linux_for_Tegra 646f403d; OE4T meta-tegra for the Nano):
- board ID/SKU -> board configuration: ``jetson_board_spec.cfg`` (t19x_spec: 2888 jetson-agx-xavier-devkit,
  3668-0000 jetson-xavier-nx-devkit, 3668-0001 jetson-xavier-nx-devkit-emmc; t23x_spec: 3701
  jetson-agx-orin-devkit, 3767-0000/0001/0003/0004/0005 jetson-orin-nano-devkit);
- SoC: ``CHIPID`` in p2972-0000.conf.common l.176 and p3668.conf.common l.99 (0x19), p3701.conf.common
  l.177 and p3767.conf.common l.128 (0x23); meta-tegra jetson-nano-devkit*.conf require tegra210.inc;
- storage, from the partition layout each configuration flashes (``<device type=...>``):
  p2972-0000.conf.common l.177 flash_t194_sdmmc.xml (sdmmc_boot + sdmmc_user: eMMC);
  p3509-0000+p3668-0000-qspi-sd.conf flash_l4t_t194_spi_sd_p3668.xml (spi + sdcard);
  p3509-0000+p3668-0001-qspi-emmc.conf flash_l4t_t194_spi_emmc_p3668.xml (spi + sdmmc_user, EMMCSIZE 16 GiB);
  p3737-0000+p3701-0000.conf l.88 flash_t234_qspi_sdmmc.xml (spi + sdmmc_user);
  p3768-0000+p3767-0000.conf l.67 flash_t234_qspi_sd.xml (spi + sdcard) and -nvme.conf flash_t234_qspi_nvme.xml:
  no P3767 configuration writes an eMMC (the module has none: OE4T/meta-tegra#1944);
  meta-tegra jetson-nano-devkit.conf (08ac7833: SKU 0000, flash_l4t_t210_max-spi_sd_p3448.xml) and
  jetson-nano-devkit-emmc.conf (2b7259ba: SKU 0002, flash_l4t_t210_emmc_p3448.xml).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

EMMC = "eMMC"
SD_CARD = "SD card"
# tegraflash partition-layout device types -> the storage they write
DEVICE_STORAGE = {"sdmmc_user": EMMC, "sdmmc_boot": EMMC, "sdcard": SD_CARD}


@dataclass(frozen=True)
class Module:
    chip: str
    name: str
    # storage -> on the module or not, for every SKU ("*") or per SKU; absent: not known
    storage: dict[str, dict[str, bool]] = field(default_factory=dict)

    def has(self, sku: str) -> dict[str, bool] | None:
        """What storage the module of this SKU has (``None``: a SKU of a family whose SKUs differ, not known)."""
        return self.storage.get(sku, self.storage.get("*"))


_SD_SKU = {EMMC: False, SD_CARD: True}
_EMMC_SKU = {EMMC: True, SD_CARD: False}
MODULES: dict[str, Module] = {
    "2888": Module("t194", "Jetson AGX Xavier", {"*": {EMMC: True}}),
    "3668": Module("t194", "Jetson Xavier NX", {"0000": _SD_SKU, "0001": _EMMC_SKU}),
    "3701": Module("t234", "Jetson AGX Orin", {"*": {EMMC: True}}),
    "3767": Module("t234", "Jetson Orin NX / Orin Nano", {"*": {EMMC: False, SD_CARD: True}}),
    "3448": Module("t210", "Jetson Nano", {"0000": _SD_SKU, "0002": _EMMC_SKU}),
}

# A part number in a file name: tegra234-p3767-0000-p3768-0000-a0.dtb, flash_l4t_t194_spi_sd_p3668.xml
_PART_IN_NAME = re.compile(r"(?:^|[-_+])p(\d{4})(?=[-_.+]|$)")
_DEVICE = re.compile(r"<device\b([^>]{0,4000})>")
_TYPE = re.compile(r"\btype\s*=\s*[\"']([A-Za-z_]{1,40})[\"']")


def module_name(board_id: str) -> str:
    module = MODULES.get(board_id)
    return f"P{board_id} ({module.name})" if module else f"P{board_id}"


def boards_named(words: list[str]) -> list[str]:
    """Board IDs in the file names of a flash command, in order of first appearance (carriers too)."""
    found: dict[str, None] = {}
    for word in words:
        for token in re.split(r"[\s;,/]+", word):
            for m in _PART_IN_NAME.finditer(token):
                found.setdefault(m.group(1), None)
    return list(found)


def layout_storage(xml: str) -> list[str]:
    """The storage a tegraflash partition layout writes (eMMC, SD card), by its ``<device type=...>``."""
    kinds: dict[str, None] = {}
    for m in _DEVICE.finditer(xml):
        t = _TYPE.search(m.group(1))
        if t and t.group(1) in DEVICE_STORAGE:
            kinds.setdefault(DEVICE_STORAGE[t.group(1)], None)
    return list(kinds)

"""Linux_for_Tegra folders as flash.sh leaves them: flash.sh, bootloader/flashcmd.txt, the partition layout
it names, the module EEPROM it saved (cvm.bin), the PKC key, and an odmfuseread.sh fuse_info.txt. Keys
and PublicKeyHash values are the reference vectors of tests/verify/tegra_fixtures.py (values L4T
r35.3.1's own tools computed)."""
from __future__ import annotations

from pathlib import Path

from tegra_fixtures import VECTORS

# The tegraflash command flash.sh writes to flashcmd.txt for a Xavier (T194) flash; file names from L4T r35.
PKC_COMMAND = (
    "./tegraflash.py --bl nvtboot_recovery_cpu_t194_sigheader.bin.signed --sdram_config tegra194-mb1-bct-memcfg-p2888.cfg "
    "--odmdata 0xB8190000 --applet mb1_t194_prod_sigheader.bin.signed --cmd \"secureflash;reboot\" --chip 0x19 "
    "--bct_backup --key rsa_priv.pem --cfg secureflash.xml"
)
ZERO_KEY_COMMAND = (
    "./tegraflash.py --bl nvtboot_recovery_cpu_t194.bin --sdram_config tegra194-mb1-bct-memcfg-p2888.cfg "
    "--odmdata 0xB8190000 --applet mb1_t194_prod.bin --cmd \"flash;reboot\" --chip 0x19 --bct_backup "
    "--bins \"mb2_bootloader nvtboot_recovery_t194.bin.encrypt\" --cfg flash.xml"
)
# The same for an Orin NX / Orin Nano (T234, P3767 on the P3768 carrier); file names from L4T r35.3.1
# p3768-0000+p3767-0000.conf and p3767.conf.common.
ORIN_NANO_COMMAND = (
    "./tegraflash.py --bl uefi_jetson_with_dtb.bin --odmdata gbe-uphy-config-8,hsstp-lane-map-3,hsio-uphy-config-0 "
    "--bldtb tegra234-p3767-0003-p3768-0000-a0.dtb --applet mb1_t234_prod.bin --cmd \"flash; reboot\" --cfg flash.xml "
    "--chip 0x23 --concat_cpubl_bldtb --cpubl uefi_jetson.bin --device_config tegra234-mb1-bct-device-p3767-0000.dts "
    "--misc_config tegra234-mb1-bct-misc-p3767-0000.dts --sdram_config tegra234-p3767-0001-sdram-l4t.dts "
    "--bins \"mb2_bootloader nvtboot_recovery_t234.bin.encrypt; kernel_dtb tegra234-p3767-0003-p3768-0000-a0.dtb\""
)
# AGX Orin (P3701 on the P3737 carrier, jetson-agx-orin-devkit) and Xavier NX (P3668 on P3509): file names
# from L4T r35.3.1 p3737-0000+p3701-0000.conf / p3701.conf.common and p3668.conf.common /
# p3509-0000+p3668-000x-*.conf.
AGX_ORIN_COMMAND = (
    "./tegraflash.py --bl uefi_jetson_with_dtb.bin --bldtb tegra234-p3701-0000-p3737-0000.dtb --applet mb1_t234_prod.bin "
    "--cmd \"flash; reboot\" --cfg flash.xml --chip 0x23 --device_config tegra234-mb1-bct-device-p3701-0000.dts "
    "--bins \"kernel_dtb tegra234-p3701-0000-p3737-0000.dtb; mb2_bootloader nvtboot_recovery_t234.bin.encrypt\""
)
XAVIER_NX_COMMAND = (
    "./tegraflash.py --bl nvtboot_recovery_cpu_t194.bin --sdram_config tegra194-mb1-bct-memcfg-p3668-0001-a00.cfg "
    "--applet mb1_t194_prod.bin --cmd \"flash;reboot\" --chip 0x19 --cfg flash.xml "
    "--bins \"mb2_bootloader nvtboot_recovery_t194.bin.encrypt; kernel_dtb tegra194-p3668-0000-p3509-0000.dtb\""
)
ZERO_HASH = "0" * 64

# <device type=...> of the partition layouts (L4T r35.3.1 bootloader/t186ref/cfg/): flash_t194_sdmmc.xml
# (AGX Xavier), flash_t234_qspi_sdmmc.xml (AGX Orin), flash_t234_qspi_sd.xml (Orin NX/Nano),
# flash_l4t_t194_spi_sd_p3668.xml / flash_l4t_t194_spi_emmc_p3668.xml (Xavier NX SD / eMMC module).
LAYOUTS = {
    "emmc": ["sdmmc_boot", "sdmmc_user"],
    "qspi+emmc": ["spi", "sdmmc_user"],
    "qspi+sd": ["spi", "sdcard"],
}


def layout_xml(devices: list[str]) -> str:
    parts = "".join(f'    <device type="{d}" instance="{3 if d.startswith("sdmmc") else 0}" sector_size="512" num_sectors="65536">\n'
                    '        <partition name="BCT" type="boot_config_table"> <size> 2097152 </size> </partition>\n'
                    "    </device>\n" for d in devices)
    return f'<?xml version="1.0"?>\n<partition_layout version="01.00.0000">\n{parts}</partition_layout>\n'


def cvm_bin(board_id: str, sku: str, fab: str = "400", revision: str = "E.0", version: int = 1) -> bytes:
    """A module EEPROM as flash.sh saves it (edk2-nvidia Eeprom.h layout: part number at 20, CRC-8 at 255)."""
    from bootdiag.platforms.tegra.module_eeprom import crc8

    data = bytearray(256)
    data[0:2] = version.to_bytes(2, "little")
    data[2:4] = (252).to_bytes(2, "little")
    data[4:6] = int(board_id).to_bytes(2, "little")
    data[6:8] = int(sku).to_bytes(2, "little")
    part = f"699-1{board_id}-{sku}-{fab} {revision}".encode()
    data[20:20 + len(part)] = part
    data[150:154] = b"NVCB"
    data[156:158] = b"M1"
    data[255] = crc8(bytes(data[:255]))
    return bytes(data)


def write_l4t(folder: Path, command: str, key: str = "rsa-3072", module: tuple[str, str] | None = ("2888", "0001"),
              layout: str = "emmc") -> Path:
    """A folder flash.sh left after reading ``module`` (board ID, SKU; None: no cvm.bin) from the board."""
    l4t = folder / "Linux_for_Tegra"
    bootloader = l4t / "bootloader"
    bootloader.mkdir(parents=True, exist_ok=True)
    (l4t / "flash.sh").write_text("#!/bin/bash\n")
    (bootloader / "flashcmd.txt").write_text(command + "\n")
    (bootloader / "rsa_priv.pem").write_bytes(VECTORS[key][0])  # the check needs only its public half
    for name in ("flash.xml", "secureflash.xml"):
        (bootloader / name).write_text(layout_xml(LAYOUTS[layout]))
    if module is not None:
        (bootloader / "cvm.bin").write_bytes(cvm_bin(*module, version=2 if module[0] in ("3701", "3767") else 1))
    return l4t


def fuse_info(folder: Path, public_key_hash: str, boot_security_info: str = "00000002") -> Path:
    # odmfuseread.sh output: "<FuseName>: <hex>"
    path = folder / "fuse_info.txt"
    path.write_text(f"PublicKeyHash: {public_key_hash}\nBootSecurityInfo: {boot_security_info}\nSecurityMode: 00000000\nOdmId: 0000000000000000\n")
    return path


def t194_hash(key: str) -> str:
    return VECTORS[key][1]["t194"]

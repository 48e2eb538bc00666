"""Linux_for_Tegra folders as flash.sh leaves them: flash.sh, bootloader/flashcmd.txt, the PKC key, and
an odmfuseread.sh fuse_info.txt. Keys and PublicKeyHash values are the reference vectors of
tests/verify/tegra_fixtures.py (values L4T r35.3.1's own tools computed)."""
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
ZERO_HASH = "0" * 64


def write_l4t(folder: Path, command: str, key: str = "rsa-3072") -> Path:
    l4t = folder / "Linux_for_Tegra"
    (l4t / "bootloader").mkdir(parents=True, exist_ok=True)
    (l4t / "flash.sh").write_text("#!/bin/bash\n")
    (l4t / "bootloader" / "flashcmd.txt").write_text(command + "\n")
    (l4t / "bootloader" / "rsa_priv.pem").write_bytes(VECTORS[key][0])  # the check needs only its public half
    return l4t


def fuse_info(folder: Path, public_key_hash: str, boot_security_info: str = "00000002") -> Path:
    # odmfuseread.sh output: "<FuseName>: <hex>"
    path = folder / "fuse_info.txt"
    path.write_text(f"PublicKeyHash: {public_key_hash}\nBootSecurityInfo: {boot_security_info}\nSecurityMode: 00000000\nOdmId: 0000000000000000\n")
    return path


def t194_hash(key: str) -> str:
    return VECTORS[key][1]["t194"]

"""NVIDIA Jetson (TX2 t186, Xavier t194, Orin t234): flash.sh / tegraflash / tegrarcm output, the
fuse state it reveals, and the verifier for signed boot files and PKC keys."""
from __future__ import annotations

import re

from bootdiag.core.platform import Platform, Redaction, VerifyOption

_HEX = "0-9A-Fa-f"

# Names and ids a user may give for each chip (--chip), to the chip they mean.
CHIP_ALIASES = {
    "t186": "t186", "tegra186": "t186", "0x18": "t186", "186": "t186", "tx2": "t186",
    "t194": "t194", "tegra194": "t194", "0x19": "t194", "194": "t194", "xavier": "t194",
    "t234": "t234", "tegra234": "t234", "0x23": "t234", "234": "t234", "orin": "t234",
}


def _families():
    from bootdiag.platforms.tegra.esrt import EsrtFamily
    from bootdiag.platforms.tegra.tegraflash import TegraFamily

    return [EsrtFamily(), TegraFamily()]


PROBLEMS = {
    "unsupported_key": "The key is not a PKC key type this chip's BootROM accepts.",
    "key_hash_mismatch": "The key's hash is not the PublicKeyHash burned in the fuses.",
    "boot_security_info_mismatch": "BootSecurityInfo in the header selects another authentication scheme than the key.",
    "zero_key_image": "The file is not PKC-signed (zero key), but the board or the given key requires a PKC signature.",
}

# What `bootdiag check` compares in a Linux_for_Tegra folder (bootdiag/platforms/tegra/build_check.py).
CHECKS = {
    "signing": "flashcmd.txt shows how the images are signed (zero key, PKC, PKC+SBK).",
    "fuse_state": "Zero-key images go to a board whose PKC fuse is not burned.",
    "fuses_burned": "PKC-signed images go to a board whose PKC fuse is burned.",
    "key_hash": "The PKC key's hash is the PublicKeyHash burned on the board.",
    "module_soc": "The command's --chip is the SoC of the module attached (its EEPROM, or the BR_CID).",
    "module_board": "The BCT and device-tree files of the command are for the module's board ID.",
    "module_storage": "The partition layout writes only storage the module has (eMMC, SD card).",
}

PLATFORM = Platform(
    name="tegra",
    title="NVIDIA Jetson: flash.sh, tegraflash, tegrarcm, initrd flash; fuses and PKC keys",
    families=_families,
    event_modules=("bootdiag.platforms.tegra.events",),
    grammars={"tegraflash": "tegraflash.lark"},
    message_files=("tegra.toml",),
    rule_files=("tegra.toml", "tegra-check.toml"),
    check="bootdiag.platforms.tegra.build_check:check_build",
    checks=CHECKS,
    problems=PROBLEMS,
    verifier="bootdiag.platforms.tegra.signed",
    verifies="Jetson signed file",
    verify_order=30,
    key_digests="bootdiag.platforms.tegra.signed:key_digests",
    key_check="bootdiag.platforms.tegra.signed:key_check",
    check_options="bootdiag.platforms.tegra.signed:check_options",
    verify_options="bootdiag.platforms.tegra.options:TegraVerifyOptions",
    options=(
        VerifyOption("--fuse-hash", "fuse_hash", "The PKC public key hash burned in the fuses (hex).", "HEX"),
        VerifyOption("--fuse-info", "fuse_info", "The fuse_info.txt that odmfuseread.sh writes.", "FILE", beside_log=True),
        VerifyOption("--board-info", "board_info", "The module EEPROM dump flash.sh saves as bootloader/cvm.bin: which module is attached.", "FILE", beside_log=True),
    ),
    chips=tuple(CHIP_ALIASES),
    facts={"l4t": "L4T", "jetpack": "JetPack", "board_auth": "Board authentication"},
    tools=("tegrarcm_v2", "tegraflash", "nv_fuse_read"),
    redactions=(
        # tegrarcm_v2 prints `BR_CID: 0x` + 32 hex digits; the first six (fuse level, chip id and
        # revision, tegra.md section 1.5) stay: they tell the board's state, not the unit.
        Redaction("ecid", "br_cid", re.compile(rf"(?i)(\bBR_CID\s*[:=]\s*0x)([{_HEX}]{{14,64}})()"), keep=6, remember=True),
        Redaction("ecid", "ecid", re.compile(rf"(?i)((?<![A-Za-z])ecid\s*[:=]\s*(?:0x)?)([{_HEX}]{{8,64}})()"), remember=True),
        Redaction("uid", "tid read", re.compile(rf"(?i)((?<![\w-])TID Read from Device\s*[:=]\s*(?:0x)?)([{_HEX}]{{8,64}})()"), remember=True),
    ),
    # tegraflash's "[ %8.4f ]" stamp, the UART's "[0360.204] E> ", and the lines flash.sh ends with
    # tegraflash stamps, UART lines, and the unstamped lines tegraflash.py and flash.sh print on failure
    normalise="bootdiag.platforms.tegra.paste:normalise",
    # the Linux console's printk time "[%5lu.%06lu] " (kernel/printk/printk.c print_time()) on the
    # device's own boot log; the boot firmware's "[SSSS.mmm] ", with a level ("[0360.204] E> ", MB1/MB2)
    # or without (T210 nvtboot and cboot: "[0002.581] eeprom_init: ...", envelope uart_nolevel)
    line_starts=(r"\[ *\d+\.\d{4} \] ", r"\[ *\d+\.\d{6}\] ", r"\[\d{4}\.\d{3}\] ", r"[EWICD]> ", r"(?<=\] )Error: ", r"Error: Return value", r"\*\*\* The target ", r"\*\*\* Error: ",
                 r"Command tegra\w+", r"Failed (?:flashing|to flash)", r"Reading board information failed",
                 # the host scripts' own errors (tegra-flash-helper, l4t_initrd_flash, odmfuse: "ERR: ...") and
                 # the flashing command a paste shows before its output
                 r"(?<![\w\[])ERR: ", r"(?:sudo )?\./(?:flash|doflash|l4t_initrd_flash|odmfuse|nvautoflash)\.sh\b",
                 # flash.sh's refusals of the board it was given (flash.sh "Error: Invalid target board - %s."),
                 # the device-side initrd flashing script's relayed lines (l4t_flash_from_kernel.sh
                 # "[ %d]: l4t_flash_from_kernel: ") and l4t_initrd_flash's verdict ("Flash is successful")
                 r"Error: (?:Invalid target board|probing the target board failed)", r"\[ *\d+\]: l4t_flash_from_kernel: ",
                 r"Flash is successful\b",
                 # the error of a coreutils or util-linux command the host scripts run, program name first
                 # (gnulib error(): "%s: " program_name; coreutils rm.c "cannot remove %s", cp/copy.c "cannot stat %s")
                 r"(?:rm|cp|mv|ln|mkdir|chmod|chown|cat|dd|ls|tar|mount|umount|losetup|truncate): (?:cannot|can't) ",
                 # the R39 initrd flash scripts' log function: time of day, " - ", a level word (messages/tegra.toml
                 # envelope initrd_log; Seeed-Studio/Linux_for_Tegra@06119ad64ecb:tools/kernel_flash/l4t_network_flash.func)
                 r"[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} - (?:Info|Debug|Warning|Error): ",
                 # the kernel's EFI stub, which UEFI hands over to: every message it prints with a log level
                 # opens with "EFI stub: " (torvalds/linux v5.10 drivers/firmware/efi/libstub/efi-stub-helper.c
                 # efi_printk(): efi_puts("EFI stub: "); before v5.8 efistub.h pr_efi() and pr_efi_err())
                 r"EFI stub: ",
                 # head/tail's header over the ESRT entry's files ("==> FILE <==", esrt.py)
                 r"==> (?=/sys/firmware/efi/esrt/)",
                 # OP-TEE's console prefix: a level letter, '/', "TC" (core) or "TA", ':' (wang-zi-long/OPTEE@4452bd18b48a
                 # optee_os/lib/libutils/ext/trace.c:122-130, trace_ext_prefix "TC" in core/kernel/trace_ext.c:13)
                 r"(?<![\w/])[EWIDM]/T[CA]:",
                 # getty's login prompt, a row of its own ("<node> login: ", util-linux agetty.c do_prompt(),
                 # host.py): the row above it, the issue banner, may be exactly as wide as a terminal,
                 # and the prompt is still a line of its own, not the banner's end. Anchored to a row's
                 # start and end, it never cuts a pasted line in two.
                 r"(?m:^)(?=[A-Za-z0-9][\w.-]{0,63} login:[ \t]*\r?(?m:$))[A-Za-z0-9]"),
)

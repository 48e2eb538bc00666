"""NVIDIA Jetson (TX2 t186, Xavier t194, Orin t234): flash.sh / tegraflash / tegrarcm output, the
fuse state it reveals, and the verifier for signed boot files and PKC keys."""
from __future__ import annotations

import re

from pydantic import BaseModel

from bootdiag.core.platform import Platform, Redaction, VerifyOption

_HEX = "0-9A-Fa-f"

# Names and ids a user may give for each chip (--chip), to the chip they mean.
CHIP_ALIASES = {
    "t186": "t186", "tegra186": "t186", "0x18": "t186", "186": "t186", "tx2": "t186",
    "t194": "t194", "tegra194": "t194", "0x19": "t194", "194": "t194", "xavier": "t194",
    "t234": "t234", "tegra234": "t234", "0x23": "t234", "234": "t234", "orin": "t234",
}


def _families():
    from bootdiag.platforms.tegra.tegraflash import TegraFamily

    return [TegraFamily()]


class TegraVerifyOptions(BaseModel):
    fuse_hash: str | None = None  # the PKC public key hash burned in fuses (hex)
    fuse_info: str | None = None  # path to an odmfuseread.sh fuse_info.txt


PROBLEMS = {
    "unsupported_key": "The key is not a PKC key type this chip's BootROM accepts.",
    "key_hash_mismatch": "The key's hash is not the PublicKeyHash burned in the fuses.",
    "boot_security_info_mismatch": "BootSecurityInfo in the header selects another authentication scheme than the key.",
    "zero_key_image": "The file is not PKC-signed (zero key), but the board or the given key requires a PKC signature.",
}

PLATFORM = Platform(
    name="tegra",
    title="NVIDIA Jetson: flash.sh, tegraflash, tegrarcm, initrd flash; fuses and PKC keys",
    families=_families,
    event_modules=("bootdiag.platforms.tegra.events",),
    grammars={"tegraflash": "tegraflash.lark"},
    message_files=("tegra.toml",),
    rule_files=("tegra.toml",),
    problems=PROBLEMS,
    verifier="bootdiag.platforms.tegra.signed",
    verifies="Jetson signed file or key",
    verify_order=30,  # also reads bare key files: after the image formats
    verify_options=TegraVerifyOptions,
    options=(
        VerifyOption("--fuse-hash", "fuse_hash", "The PKC public key hash burned in the fuses (hex).", "HEX"),
        VerifyOption("--fuse-info", "fuse_info", "fuse_info.txt as odmfuseread.sh writes it.", "FILE"),
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
    line_starts=(r"\[ *\d+\.\d{4} \] ", r"\[\d{4}\.\d{3}\] [A-Z]> ", r"Error: Return value", r"\*\*\* The target "),
)

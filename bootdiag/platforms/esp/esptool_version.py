"""Which esptool `idf.py flash` will run (the one on the PATH), and whether it rewrites a signed header.

esptool write-flash sets the flash mode, size and frequency given on its command line in the header
of an image written at the chip's bootloader offset (cmds.py ``_update_image_flash_params``), unless
all three are ``keep``. What happens to an image with an appended SHA-256, by version (esptool
CHANGELOG and cmds.py of each release; esp-idf issue #8414):
- before 4.0: bytes 2-3 are rewritten and the appended SHA-256 is left stale;
- 4.0 to 4.7: an image protected by an appended SHA-256 is left as it is ("not changing the flash
  mode setting"), one without is rewritten;
- 4.8 and later: rewritten, and the SHA-256 recomputed.
From 4.0 on, nothing is rewritten on a chip whose secure boot is already enabled ("Security features
enabled, so not changing any flash settings").
"""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

_VERSION = re.compile(r"(?<!\d)v?(\d++)\.(\d++)(?:\.(\d++))?")


@dataclass(frozen=True)
class Esptool:
    path: str
    version: tuple[int, int, int]

    @property
    def text(self) -> str:
        return "v" + ".".join(map(str, self.version))


def esptool_on_path() -> Esptool | None:
    """The first esptool on the PATH and its version (``esptool version``), or None."""
    for name in ("esptool.py", "esptool"):
        exe = shutil.which(name)
        if exe is None:
            continue
        try:
            result = subprocess.run([exe, "version"], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            continue
        m = _VERSION.search(result.stdout + result.stderr)
        if m:
            return Esptool(exe, (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)))
    return None


def rewrites(version: tuple[int, int, int], sha_appended: bool, secure_boot_on: bool | None) -> bool | None:
    """Whether this esptool rewrites the header of a bootloader image whose flash settings differ
    from the command line; None when it depends on the chip's secure boot state and that is unknown."""
    if version < (4, 0, 0):
        return True
    if version < (4, 8, 0) and sha_appended:
        return False
    return None if secure_boot_on is None else not secure_boot_on

"""Read a Jetson's BR_CID the way flash.sh does: ``tegrarcm_v2 --uid`` to a board in Force Recovery.

L4T r35.3.1 flash.sh l.647-662 (``get_fuse_level``): ``tegrarcm_v2`` (or ``tegrarcm``) from
``bootloader/``, with ``--new_session --chip 0x23`` for Orin and ``--instance <usb-instance>`` when
several boards are attached; the value is the second word of the ``BR_CID:`` line. The query only
reads the chip id the BootROM sends: nothing is downloaded to or written on the board. Xavier and
Nano send it once per recovery entry (flash.sh passes ``--skipuid`` to every later tegraflash run,
l.710-724; a second ``tegrarcm --uid`` on a Nano prints ``Failed to read UID``), so such a board has to
re-enter Force Recovery before flash.sh reads it again; Orin's ``--new_session`` starts a new one.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from bootdiag.core.errors import InputError

TOOLS = ("tegrarcm_v2", "tegrarcm")
TIMEOUT_S = 60
# "usb": the one board in recovery; "1-4", "3-1.2": a USB instance as flash.sh --usb-instance takes it
_INSTANCE = re.compile(r"\d{1,3}-\d{1,3}(?:\.\d{1,3}){0,6}")
_BR_CID = re.compile(r"BR_CID:\s*(0x[0-9A-Fa-f]{16,64})\b")
PORT_HELP = "a Jetson is read over USB in Force Recovery: --port usb, or --port <bus>-<port> as flash.sh's --usb-instance takes it"


def _tool(bootloader: Path) -> str | None:
    for name in TOOLS:  # flash.sh runs the copy in bootloader/; then the PATH
        if (bootloader / name).is_file():
            return str(bootloader / name)
    for name in TOOLS:
        found = shutil.which(name)
        if found:
            return found
    return None


def uid_command(tool: str, port: str, chip: str | None) -> list[str]:
    command = [tool]
    if chip == "t234":
        command += ["--new_session", "--chip", "0x23"]
    if port != "usb":
        command += ["--instance", port]
    return [*command, "--uid"]


def read_br_cid(port: str, bootloader: Path, chip: str | None) -> str:
    """The board's BR_CID (``0x`` + hex digits); InputError with one line when it cannot be read."""
    if port != "usb" and not _INSTANCE.fullmatch(port):
        raise InputError(f"--port {port}: {PORT_HELP}")
    tool = _tool(bootloader)
    if tool is None:
        raise InputError(f"--port reads a Jetson's BR_CID with tegrarcm_v2, which is neither in {bootloader} nor on the PATH "
                         "(it comes in Linux_for_Tegra/bootloader); or give --fuse-info fuse_info.txt")
    command = uid_command(tool, port, chip)
    try:
        done = subprocess.run(command, cwd=bootloader, capture_output=True, timeout=TIMEOUT_S, check=False, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise InputError(f"{Path(tool).name} --uid got no answer in {TIMEOUT_S} s: is the board in Force Recovery (lsusb -d 0955:)?") from None
    except OSError as exc:
        raise InputError(f"cannot run {tool}: {exc.strerror or exc}") from None
    out = done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
    m = _BR_CID.search(out)
    if m is None:
        said = next((line.strip() for line in out.splitlines() if line.strip()), f"exit status {done.returncode}")
        raise InputError(f"{Path(tool).name} --uid printed no BR_CID ({said[:200]}): is the board in Force Recovery, "
                         "and is it run as root (or with a udev rule for 0955:)?")
    return m.group(1)

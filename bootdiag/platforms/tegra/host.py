"""What a Jetson flashing capture says about the host: Ubuntu release, WSL, a VM, usbipd passthrough.

Users paste these as prose, ``lsb_release -a`` / ``/etc/os-release`` output or ``uname -a``. NVIDIA
supports flashing from a native Ubuntu host only; in a VM, WSL or through usbipd the device, which
re-enumerates with a new USB product id at every stage, is lost by the passthrough filter.
Supported host releases per L4T major (SDK Manager system requirements, JetPack 4/5/6 release notes).
"""
from __future__ import annotations

import re
from typing import Any

from bootdiag.core.numbers import parse_int
from bootdiag.core.parse.unwrap import is_prose, is_sentence

SUPPORTED_UBUNTU: dict[int, tuple[str, ...]] = {
    32: ("16.04", "18.04"),  # JetPack 4
    34: ("18.04", "20.04"),  # JetPack 5 developer previews
    35: ("18.04", "20.04"),  # JetPack 5
    36: ("20.04", "22.04"),  # JetPack 6
}
# Host releases added within an L4T major, from the (major, minor) release on: SDK Manager 2.2.0 release
# notes, "JetPack 6.1: Enable flashing from Ubuntu 24.04" (JetPack 6.1 is L4T R36.4.0).
ADDED_UBUNTU: dict[tuple[int, int], tuple[str, ...]] = {
    (36, 4): ("24.04",),
}
_RELEASE = re.compile(r"R(?P<major>\d{1,3})\.(?P<minor>\d{1,3})")

_WSL = re.compile(r"microsoft-standard-WSL2|-Microsoft\b|\bWSL2?\b")
_USBIPD = re.compile(r"\busbipd\b")
_VM = re.compile(r"\b(VMware|VirtualBox|Parallels|Hyper-V|QEMU|UTM)\b")
_UBUNTU = re.compile(r"\bUbuntu\s+(\d\d\.\d\d)")
# An ARM (aarch64) machine named as the flashing host: "a Jetson Nano used as the host", "the host is a
# Raspberry Pi". The BSP's flashing tools (tegrarcm_v2, tegradevflash_v2, tegrasign...) are x86-64 Linux
# programs; NVIDIA's host requirements (SDK Manager system requirements) name x86-64 Ubuntu only.
_ARM_NAMES = r"(?:Jetson(?:[ \t]+[\w-]+){0,2}|Raspberry[ \t]+Pi|aarch64|arm64|ARM64|armv7l|armhf|Apple[ \t]+M\d|M\d[ \t]+Mac)"
_ARM_HOST = re.compile(
    rf"(?i)\b(?P<name>{_ARM_NAMES})\b[^.;]{{0,40}}\bas[ \t]+(?:the[ \t]+|a[ \t]+|my[ \t]+)?(?:flashing[ \t]+)?host\b"
    rf"|\bhost[ \t]+(?:is|was)[ \t]+(?:a[ \t]+|an[ \t]+)?(?P<name2>{_ARM_NAMES})\b"
)
# "not in a VM", "native Ubuntu instead of VMware": the host is named only to be ruled out.
_NEGATED = re.compile(r"(?i)\b(?:not|no|never|without|instead of|rather than|native|outside)\b[^.;]{0,40}$")


def _named(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    m = pattern.search(text)
    if m is None or _NEGATED.search(text[: m.start()]):
        return None
    return m


# The board's console reaching a login, as getty prints it: the issue file with its \n (node name)
# and \l (tty) escapes expanded, "Ubuntu 20.04.6 LTS localhost ttyTCU0" (Ubuntu's /etc/issue is
# "Ubuntu 20.04.6 LTS \n \l"), then "<node> login: " (util-linux term-utils/agetty.c do_prompt(), and
# toybox getty.c print_prompt(): nodename, then fputs(" login: ")). ttyTCU is the Tegra Combined UART
# (Linux drivers/tty/serial/tegra-tcu.c), ttyS/ttyTHS the Nano/TX consoles. A host shell prints neither.
_CONSOLE_BANNER = re.compile(
    r"^(?P<os>[A-Z][^\s]*(?:\s+[^\s]+){0,6}?\s+v?\d[\w.]*(?:\s+LTS)?)\s+(?P<node>[A-Za-z0-9][\w.-]{0,63})"
    r"\s+(?:/dev/)?(?P<tty>tty(?:TCU|THS|S|AMA)\d{1,3})\s*$"  # a board's console, never a host's ttyUSB/ttyACM adapter
)
_CONSOLE_PROMPT = re.compile(r"^(?P<node>[A-Za-z0-9][\w.-]{0,63}) login:(?:[ \t]+\S+)?[ \t]*$")
# The prompt as the last thing on a pasted line that lost its newlines ("Starting network: OK Welcome
# to Buildroot buildroot login:"): getty prints it and waits, so nothing of the board follows it there.
_GLUED_PROMPT = re.compile(r"(?<=\s)(?P<node>[A-Za-z0-9][\w.-]{0,63}) login:[ \t]*$")


def parse_console_login(text: str) -> dict[str, Any] | None:
    """Fields of a TegraConsoleLogin event for the board's getty banner or login prompt, else ``None``."""
    m = _CONSOLE_BANNER.match(text) or _CONSOLE_PROMPT.match(text)
    if m is None and text.endswith(("login:", "login: ")):
        m = _GLUED_PROMPT.search(text)
        # someone's sentence that ends naming the prompt ("it stops at the jetson login:") shows no board
        if m is not None and (is_prose(text[: m.start()]) or is_sentence(text)):
            m = None
    if m is None or m.group("node") in ("Last", "last"):  # "Last login: <date>" is a shell's, not getty's
        return None
    return {"node": m.group("node"), "tty": m.groupdict().get("tty")}


def parse_host_line(text: str) -> dict[str, Any] | None:
    """Fields of a TegraHost event for a line that describes the host, else ``None``."""
    if (m := _named(_USBIPD, text)) is not None:
        return {"environment": "usbipd", "name": "usbipd-win USB passthrough",
                "problem": "USB passthrough with usbipd (WSL): the device is lost each time it re-enumerates during flashing"}
    if (m := _named(_WSL, text)) is not None:
        return {"environment": "wsl", "name": "WSL",
                "problem": "WSL is not a supported flashing host: USB reaches it only through usbipd passthrough"}
    if (m := _named(_VM, text)) is not None:
        return {"environment": "vm", "name": m.group(1),
                "problem": f"a {m.group(1)} virtual machine is not a supported flashing host: USB passthrough drops the device when it re-enumerates"}
    if (m := _named(_ARM_HOST, text)) is not None:
        name = m.group("name") or m.group("name2")
        return {"environment": "arm", "name": name,
                "problem": f"an ARM (aarch64) machine ({name}) is not a supported flashing host: the flashing tools are x86-64 Linux programs"}
    if (m := _UBUNTU.search(text)) is not None:
        return {"environment": "ubuntu", "name": "Ubuntu", "version": m.group(1)}
    return None


# USB product ids of NVIDIA's (vendor 0955) recovery-mode (APX) device, by chip: T194/T234 from OE4T
# meta-tegra find-jetson-usb.sh (master 2e49a5c690f0), T186/T210 from the Jetson Linux R32 developer guide
# (Quick Start, "lsusb" check). A booted Jetson in USB device mode shows 0955:7020 instead: not recovery.
RECOVERY_PRODUCTS: dict[str, str] = {
    "7721": "t210", "7f21": "t210", "7c18": "t186",
    "7019": "t194", "7819": "t194", "7919": "t194", "7e19": "t194",
    "7023": "t234", "7223": "t234", "7323": "t234", "7423": "t234", "7523": "t234", "7623": "t234",
}
# The host kernel enumerating it ("usb 1-3: New USB device found, idVendor=0955, idProduct=7023, ...")
# and lsusb listing it ("Bus 001 Device 023: ID 0955:7023 NVIDIA Corp. APX").
_KERNEL_DEVICE = re.compile(r"New USB device found, idVendor=0955, idProduct=([0-9a-fA-F]{4})\b")
_LSUSB_DEVICE = re.compile(r"\bID 0955:([0-9a-fA-F]{4})\b")


def parse_recovery_device(text: str) -> dict[str, Any] | None:
    """Fields of a TegraRecoveryDevice event for a host line showing a Jetson in recovery mode, else ``None``."""
    seen_by = "kernel"
    m = _KERNEL_DEVICE.search(text)
    if m is None:
        seen_by, m = "lsusb", _LSUSB_DEVICE.search(text)
    if m is None:
        return None
    chip = RECOVERY_PRODUCTS.get(m.group(1).lower())
    if chip is None:
        return None
    return {"product": m.group(1).lower(), "chip": chip, "seen_by": seen_by}


def ubuntu_problem(version: str, l4t_major: int, release: str | None = None) -> str | None:
    """Why Ubuntu ``version`` is not a supported host for L4T ``l4t_major`` (``release`` as flash.sh prints
    it, ``R36.4.0``, when known); None when it is (or unknown)."""
    supported = SUPPORTED_UBUNTU.get(l4t_major)
    if supported is None:
        return None
    m = _RELEASE.match(release or "")
    minor = parse_int(m.group("minor")) if m and parse_int(m.group("major")) == l4t_major else None
    # With the minor release unknown, a host that a later minor release of this major supports is not
    # called unsupported.
    added = tuple(v for (major, since), vs in ADDED_UBUNTU.items() if major == l4t_major
                  and (minor is None or minor >= since) for v in vs)
    allowed = (*supported, *added)
    if version in allowed:
        return None
    name = release if minor is not None else f"R{l4t_major}"
    return f"Ubuntu {version} is not a supported host for L4T {name} (supported: Ubuntu {' and '.join(allowed)})"

"""What a Jetson flashing capture says about the host: Ubuntu release, WSL, a VM, usbipd passthrough.

Users paste these as prose, ``lsb_release -a`` / ``/etc/os-release`` output or ``uname -a``. NVIDIA
supports flashing from a native Ubuntu host only; in a VM, WSL or through usbipd the device, which
re-enumerates with a new USB product id at every stage, is lost by the passthrough filter.
Supported host releases per L4T major (SDK Manager system requirements, JetPack 4/5/6 release notes).
"""
from __future__ import annotations

import re
from typing import Any

SUPPORTED_UBUNTU: dict[int, tuple[str, ...]] = {
    32: ("16.04", "18.04"),  # JetPack 4
    34: ("18.04", "20.04"),  # JetPack 5 developer previews
    35: ("18.04", "20.04"),  # JetPack 5
    36: ("20.04", "22.04"),  # JetPack 6
}

_WSL = re.compile(r"microsoft-standard-WSL2|-Microsoft\b|\bWSL2?\b")
_USBIPD = re.compile(r"\busbipd\b")
_VM = re.compile(r"\b(VMware|VirtualBox|Parallels|Hyper-V|QEMU|UTM)\b")
_UBUNTU = re.compile(r"\bUbuntu\s+(\d\d\.\d\d)")
# "not in a VM", "native Ubuntu instead of VMware": the host is named only to be ruled out.
_NEGATED = re.compile(r"(?i)\b(?:not|no|never|without|instead of|rather than|native|outside)\b[^.;]{0,40}$")


def _named(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    m = pattern.search(text)
    if m is None or _NEGATED.search(text[: m.start()]):
        return None
    return m


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
    if (m := _UBUNTU.search(text)) is not None:
        return {"environment": "ubuntu", "name": "Ubuntu", "version": m.group(1)}
    return None


def ubuntu_problem(version: str, l4t_major: int) -> str | None:
    """Why Ubuntu ``version`` is not a supported host for L4T ``l4t_major``; None when it is (or unknown)."""
    supported = SUPPORTED_UBUNTU.get(l4t_major)
    if supported is None or version in supported:
        return None
    return f"Ubuntu {version} is not a supported host for L4T R{l4t_major} (supported: Ubuntu {' and '.join(supported)})"

"""Read a connected ESP's eFuses the read-only way: `espefuse summary` through esptool's library.

The summary command only reads (espefuse's burn commands are never named here); the chip is reset
into its serial bootloader to be read, as espefuse itself does, and reset to run again afterwards.
esptool is an optional dependency: without it, --port says how to get it.
"""
from __future__ import annotations

import atexit
import contextlib
import io
import shutil
import tempfile
from pathlib import Path

from bootdiag.core.errors import InputError


def connection_args(port: str) -> list[str]:
    """How espefuse reaches the device (tests put esptool's virtual eFuse controller here)."""
    return ["--port", port, "--before", "default-reset", "--after", "hard-reset"]


def efuse_summary_from_port(port: str, chip: str | None) -> Path:
    """The device's `espefuse summary --format json`, in a temporary file."""
    try:
        import espefuse
    except ImportError:
        raise InputError("--port needs esptool's library: pip install esptool (or give --efuse with `espefuse summary` output)") from None
    folder = tempfile.mkdtemp(prefix="bootdiag-efuse-")
    atexit.register(shutil.rmtree, folder, True)
    out = Path(folder) / "summary.json"
    argv = ["--chip", chip or "auto", *connection_args(port), "summary", "--format", "json", "--file", str(out)]
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            espefuse.main(argv)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - esptool raises FatalError, serial and OS errors alike
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot read the eFuses through {port}: {reason}") from None
    if not out.is_file() or not out.stat().st_size:
        raise InputError(f"cannot read the eFuses through {port}: espefuse wrote no summary")
    return out

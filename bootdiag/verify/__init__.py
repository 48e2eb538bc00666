"""Re-check firmware images and keys the way the bootloader would.

Each platform names its verifier module (``Platform.verifier``), which exposes
``matches(data: bytes, options: VerifyOptions) -> bool`` and
``verify(data: bytes, path: str, options: VerifyOptions) -> ImageReport``.
The format is chosen by content, never by file name.
"""
from __future__ import annotations

from importlib import import_module
from pathlib import Path
from types import ModuleType

from bootdiag import platforms as registry
from bootdiag.verify.model import ImageReport, Problem, UnusableInput, VerifyOptions

__all__ = ["ImageReport", "Problem", "UnusableInput", "VerifyOptions", "verify_file", "verify_bytes"]


def _format_modules() -> list[ModuleType]:
    # Imported on first use, so that `bootdiag explain` without --image never pays for the crypto imports.
    ordered = sorted((p for p in registry.platforms() if p.verifier), key=lambda p: p.verify_order)
    return [import_module(p.verifier) for p in ordered]  # type: ignore[arg-type]


def verify_bytes(data: bytes, path: str, options: VerifyOptions | None = None) -> ImageReport:
    options = options or VerifyOptions()
    for module in _format_modules():
        if module.matches(data, options):
            return module.verify(data, path, options)
    kinds = ", ".join(p.verifies for p in registry.platforms() if p.verifier and p.verifies)
    raise UnusableInput(f"{path}: not a recognised image or key ({kinds})")


def verify_file(path: str | Path, options: VerifyOptions | None = None) -> ImageReport:
    from bootdiag.core.files import IMAGE_LIMIT, read_regular

    p = Path(path)
    data = read_regular(p, IMAGE_LIMIT, None, UnusableInput)
    if not data:
        raise UnusableInput(f"{p}: file is empty")
    return verify_bytes(data, str(p), options)

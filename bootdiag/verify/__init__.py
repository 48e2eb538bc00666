"""Re-check firmware images and keys the way the bootloader would.

Each platform names its verifier module (``Platform.verifier``), which exposes
``matches(data: bytes, options: VerifyOptions) -> bool`` and
``verify(data: bytes, path: str, options: VerifyOptions) -> ImageReport``.
The format is chosen by content, never by file name. Before any platform sees the bytes, a key file
gets the generic key report, and a container (Intel HEX, ELF) is laid out at its addresses; every
region of it that holds an image is checked.
"""
from __future__ import annotations

from importlib import import_module
from pathlib import Path
from types import ModuleType

from bootdiag import platforms as registry
from bootdiag.core.platform import load_function
from bootdiag.verify.model import ImageReport, Problem, UnusableInput, VerifyOptions

__all__ = ["ImageReport", "Problem", "UnusableInput", "VerifyOptions", "verify_file", "verify_bytes", "verify_part"]


def _format_modules() -> list[ModuleType]:
    # Imported on first use, so that `bootdiag explain` without --image never pays for the crypto imports.
    ordered = sorted((p for p in registry.platforms() if p.verifier), key=lambda p: p.verify_order)
    return [import_module(p.verifier) for p in ordered]  # type: ignore[arg-type]


def check_inputs(options: VerifyOptions) -> None:
    """Read every key and option file before any image: a bad input is the input error, whatever else is wrong."""
    from bootdiag.verify.keys import load_key

    for path in options.keys:
        load_key(path)
    for platform in registry.platforms():
        if platform.check_options:
            load_function(platform.check_options)(options)


def verify_part(data: bytes, path: str, options: VerifyOptions) -> ImageReport | None:
    """The report of the first platform whose verifier takes these bytes, or None when none does."""
    for module in _format_modules():
        if module.matches(data, options):
            return module.verify(data, path, options)
    return None


def verify_bytes(data: bytes, path: str, options: VerifyOptions | None = None) -> ImageReport:
    options = options or VerifyOptions()
    check_inputs(options)
    from bootdiag.verify import containers
    from bootdiag.verify.keys import is_key_material

    if is_key_material(data):
        from bootdiag.verify.key_report import key_report

        return key_report(data, path, options)
    regions = containers.unwrap(data, path)
    if regions is not None:
        return containers.verify_container(regions, path, options)
    report = verify_part(data, path, options)
    if report is None:
        raise UnusableInput(f"{path}: not a recognised image or key ({recognised_kinds()})")
    return report


def recognised_kinds() -> str:
    kinds = [p.verifies for p in registry.platforms() if p.verifier and p.verifies]
    return ", ".join([*kinds, "key file", "Intel HEX or ELF holding one of these"])


def verify_file(path: str | Path, options: VerifyOptions | None = None) -> ImageReport:
    from bootdiag.core.files import IMAGE_LIMIT, read_regular

    p = Path(path)
    data = read_regular(p, IMAGE_LIMIT, None, UnusableInput)
    if not data:
        raise UnusableInput(f"{p}: file is empty")
    return verify_bytes(data, str(p), options)

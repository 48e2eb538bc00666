"""`bootdiag check` for a Jetson ``Linux_for_Tegra/`` folder: will the BootROM take what flash.sh prepared?

flash.sh writes the tegraflash command it runs to ``bootloader/flashcmd.txt`` (also with --no-flash);
its file names and ``--key`` say how the images are signed (zero key, PKC, PKC+SBK), ``--chip`` the
chip, and its BCT, device-tree and layout files the module they were made for. The board's side is
the module EEPROM flash.sh saved (``bootloader/cvm.bin``, or --board-info), the fuse state in
odmfuseread.sh's fuse_info.txt (--fuse-info), whose PublicKeyHash is all zero on a board that is not
fused, and the BR_CID read from the board itself (--port).
"""
from __future__ import annotations

import shlex
from pathlib import Path

from bootdiag.core.build import BuildReading, CheckRequest
from bootdiag.core.errors import InputError
from bootdiag.platforms.tegra import decode
from bootdiag.platforms.tegra.board_check import check_board, module_source
from bootdiag.verify.model import UnusableInput, VerifyOptions

FUSE_NEEDS = "--fuse-info fuse_info.txt (odmfuseread.sh), or --port usb to read the BR_CID from the board in recovery mode"
MODE_WORDS = {"zero-key": "zero-key (not PKC-signed)", "pkc": "PKC-signed", "sbkpkc": "PKC-signed and SBK-encrypted"}


def _l4t(folder: Path) -> Path | None:
    for candidate in (folder, folder / "Linux_for_Tegra"):
        if (candidate / "flash.sh").is_file() and (candidate / "bootloader").is_dir():
            return candidate
    return None


def check_build(request: CheckRequest) -> BuildReading | None:
    l4t = _l4t(request.folder)
    if l4t is None:
        return None
    command_file = l4t / "bootloader" / "flashcmd.txt"
    if not command_file.is_file():
        raise InputError(f"{l4t}: no bootloader/flashcmd.txt; run flash.sh once (sudo ./flash.sh --no-flash <board> <rootdev>) to write it")
    try:
        words = shlex.split(command_file.read_text(encoding="utf-8", errors="replace").replace("\n", " "))
    except ValueError as exc:
        raise InputError(f"{command_file}: not a command line ({exc})") from None
    tool = next((w.rsplit("/", 1)[-1] for w in words if "tegraflash" in w), "tegraflash.py")
    chip = decode.chip_of(decode.option_value(words, "--chip"))
    mode = decode.args_signing(tool, words)
    reading = BuildReading("tegra", f"Linux_for_Tegra flash command for {chip or 'an unknown chip'}")
    if chip:
        reading.facts["chip"] = chip
    subject = str(command_file.relative_to(request.folder))
    own = request.options.of("tegra")
    br_cid = None
    if request.port:
        from bootdiag.platforms.tegra.rcm_probe import read_br_cid

        br_cid = read_br_cid(request.port, l4t / "bootloader", chip)
        # the first six digits (fuse level, chip id, revision) tell the board's state; the rest names the unit
        reading.facts["br_cid"] = br_cid[:8] + "..."
    check_board(reading, request.folder, l4t, words, subject, module_source(l4t, own.board_info), br_cid)
    _check_signing(reading, l4t, words, chip, mode, subject, own.fuse_info, br_cid)
    return reading


def _check_signing(reading: BuildReading, l4t: Path, words: list[str], chip: str | None, mode: str | None, subject: str,
                   fuse_info: str | None, br_cid: str | None) -> None:
    if mode is None:
        reading.undecided("tegra.signing", subject, "the command names no signed or encrypted file and no --key",
                          "a flashcmd.txt written by flash.sh for this board")
        return
    what = MODE_WORDS[mode]
    if fuse_info is None and br_cid is not None:
        _signing_against_br_cid(reading, mode, subject, br_cid)
        return
    if fuse_info is None:
        reading.undecided("tegra.fuse_state", subject, f"the images are {what}; whether the board's PKC fuse is burned is not in the folder", FUSE_NEEDS)
        return
    try:
        from bootdiag.platforms.tegra.signed import read_fuse_info

        fused = read_fuse_info(fuse_info)
    except UnusableInput as exc:
        raise InputError(str(exc)) from None
    board = Path(fuse_info).name
    if mode == "zero-key":
        if fused.burned:
            # BootROM of a PKC-fused board rejects zero-key RCM messages (tegra.md §1.5)
            reading.failed("tegra.fuse_state", subject, f"the images are {what}, but {board} shows a burned PublicKeyHash: the BootROM of a fused board takes only images signed with its key")
        else:
            reading.passed("tegra.fuse_state", subject, f"the images are {what} and {board} shows the PKC fuse not burned")
        return
    if not fused.burned:
        reading.failed("tegra.fuses_burned", subject, f"the images are {what}, but {board} shows PublicKeyHash all zero: the board is not fused, and its BootROM refuses PKC-signed RCM messages")
        return
    _key_matches_fuse(reading, l4t, words, chip, fuse_info, subject, what)


def _signing_against_br_cid(reading: BuildReading, mode: str, subject: str, br_cid: str) -> None:
    """The signing mode against the boot authentication BR_CID reports (no key hash: that needs fuse_info.txt)."""
    cid = decode.decode_br_cid(br_cid)
    secured = decode.secured(cid.auth, cid.fuse_level)
    what = MODE_WORDS[mode]
    said = f"the board's BR_CID reports boot authentication {cid.auth or cid.fuse_level}"
    if secured is None:
        reading.undecided("tegra.fuse_state", subject, f"the images are {what}; {said}, which does not tell", FUSE_NEEDS)
    elif mode == "zero-key" and secured:
        reading.failed("tegra.fuse_state", subject, f"the images are {what}, but {said}: the BootROM of a fused board takes only images signed with its key")
    elif mode == "zero-key":
        reading.passed("tegra.fuse_state", subject, f"the images are {what} and {said} (not fused)")
    elif not secured:
        reading.failed("tegra.fuses_burned", subject, f"the images are {what}, but {said}: the board is not fused, and its BootROM refuses PKC-signed RCM messages")
    else:
        reading.passed("tegra.fuses_burned", subject, f"the images are {what} and {said}")
        reading.undecided("tegra.key_hash", subject, "BR_CID says the board is fused, not with which key", "--fuse-info fuse_info.txt (odmfuseread.sh)")


def _key_matches_fuse(reading: BuildReading, l4t: Path, words: list[str], chip: str | None, fuse_info: str, subject: str, what: str) -> None:
    from bootdiag.verify import verify_bytes  # a key file gets the key report, every platform's digests

    key = decode.option_value(words, "--key")
    path = (l4t / "bootloader" / key) if key else None
    if path is None or not path.is_file():
        reading.undecided("tegra.key_hash", subject, f"the images are {what} with --key {key}, which is not in bootloader/",
                          "the PKC key file flash.sh was given (-u), beside flashcmd.txt")
        return
    try:
        report = verify_bytes(path.read_bytes(), path.name, VerifyOptions(chip=chip, fuse_info=fuse_info))
    except UnusableInput as exc:
        raise InputError(str(exc)) from None
    reading.verification.append(report)
    wrong = [p.message for p in report.problems if p.id in ("tegra.key_hash_mismatch", "tegra.boot_security_info_mismatch", "tegra.unsupported_key")]
    if wrong:
        reading.failed("tegra.key_hash", path.name, f"signs the images, but {wrong[0]}")
    else:
        reading.passed("tegra.key_hash", path.name, f"its hash is the PublicKeyHash burned on the board ({Path(fuse_info).name})")

"""Checking a bug-report bundle someone sent: every problem listed, nothing raised, nothing unpacked.

A bundle arrives from elsewhere and may be damaged or made to harm whoever opens it. The check
reads only the zip's directory and, within limits, the members the manifest lists:

- a member whose name is absolute or climbs out of the folder it is unpacked in (``..``), that is
  a symbolic link, that is encrypted, or that appears twice (a second copy can hide a changed one)
  is a problem, whatever its content;
- a member is read in pieces and hashed, never held whole, up to ``MAX_MEMBER`` bytes, and only
  when its compression ratio is one a real capture or report has (a zip bomb is a problem, not
  gigabytes of memory);
- the manifest is JSON of bounded size and depth, and its entries must have the shape
  ``bootdiag report`` writes.
"""
from __future__ import annotations

import hashlib
import lzma
import os
import stat
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO

from bootdiag.core.files import special_kind
from bootdiag.core.structured import load_json
from bootdiag.render.controls import visible

MANIFEST = "manifest.json"
MAX_MEMBER = 512 << 20  # bytes of one member, uncompressed
MAX_MANIFEST = 4 << 20
MAX_MEMBERS = 10_000
MAX_RATIO = 1000  # uncompressed : compressed; a repetitive log compresses ~20:1, a bomb ~1000:1 and more
_RATIO_FLOOR = 1 << 20  # small members are read whatever their ratio
_PIECE = 1 << 20
_KNOWN_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
# Errors reading a damaged zip or member: bad CRC or data (BadZipFile; zlib and lzma have their own;
# bz2 raises OSError), truncation (EOFError), a header too short (struct.error), an encryption or a
# method zipfile lacks.
_READ_ERRORS = (
    zipfile.BadZipFile, zlib.error, lzma.LZMAError, struct.error, OSError, EOFError, ValueError, RuntimeError,
    NotImplementedError, LookupError,
)


def check_bundle(path: str | Path) -> list[str]:
    """What does not match in a bundle, one line each: members missing, extra, changed, unsafe or
    unreadable, a manifest that is not one. An empty list means the bundle is as it was written."""
    try:
        stream = _open_regular(path)
    except OSError as exc:
        return [f"{path}: cannot read the bundle ({exc.strerror or exc})"]
    except ValueError as exc:
        return [f"{path}: {exc}"]
    try:
        with stream, zipfile.ZipFile(stream) as archive:
            return _check(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        return [f"{path}: not a readable zip ({exc})"]
    except _READ_ERRORS as exc:
        return [f"{path}: not a readable zip ({type(exc).__name__}: {exc})"]


def _open_regular(path: str | Path) -> BinaryIO:
    """The file, opened without blocking and only when it is a regular file (a FIFO would hang)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        kind = special_kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise ValueError(f"is {kind}, not a bundle")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _shown(name: str) -> str:
    return visible(name) if len(name) <= 200 else visible(name[:197]) + "..."


def _check(archive: zipfile.ZipFile) -> list[str]:
    problems: list[str] = []
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        problems.append(f"{len(infos)} members: more than a bundle has ({MAX_MEMBERS}); the rest are not checked")
        infos = infos[:MAX_MEMBERS]
    copies: dict[str, list[zipfile.ZipInfo]] = {}
    for info in infos:
        copies.setdefault(info.filename, []).append(info)
    unsafe: set[int] = set()  # ids of members that are not read
    for name, same in copies.items():
        if len(same) > 1:
            problems.append(f"{_shown(name)}: appears {len(same)} times (a second copy can hide a changed one)")
        for info in same:
            why = _unsafe(info)
            if why:
                problems.append(f"{_shown(name)}: {why}")
                unsafe.add(id(info))
    manifest_copies = copies.get(MANIFEST, [])
    if not manifest_copies:
        problems.append(f"{MANIFEST}: missing: nothing to check the files against")
        return problems
    entries, manifest_problems = _manifest(archive, manifest_copies[-1], id(manifest_copies[-1]) in unsafe)
    problems += manifest_problems
    if entries is None:
        return problems
    for name in copies:
        if name != MANIFEST and name not in entries:
            problems.append(f"{_shown(name)}: not in the manifest")
    for name, entry in entries.items():
        same = copies.get(name)
        if not same:
            problems.append(f"{_shown(name)}: listed but missing")
            continue
        for n, info in enumerate(same, 1):
            if id(info) in unsafe:
                continue
            label = _shown(name) if len(same) == 1 else f"{_shown(name)} (copy {n})"
            problem = _compare(archive, info, entry)
            if problem:
                problems.append(f"{label}: {problem}")
    return problems


def _unsafe(info: zipfile.ZipInfo) -> str | None:
    """Why a member must not be trusted or read, whatever it holds."""
    name = info.filename
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "an absolute path (unpacking it writes outside the folder)"
    if ".." in parts:
        return "a path with '..' (unpacking it writes outside the folder)"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "a symbolic link (unpacking it points outside the bundle)"
    if info.flag_bits & 0x1:
        return "encrypted (a bundle is never encrypted)"
    if info.compress_type not in _KNOWN_METHODS:
        return f"compressed with method {info.compress_type}, which a bundle never uses"
    if info.file_size > MAX_MEMBER:
        return f"{info.file_size} bytes unpacked: more than a bundle member can be ({MAX_MEMBER})"
    if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return f"compressed {info.file_size // max(info.compress_size, 1)}:1 (a zip bomb?): not unpacked"
    return None


def _manifest(archive: zipfile.ZipFile, info: zipfile.ZipInfo, unsafe: bool) -> tuple[dict[str, dict[str, Any]] | None, list[str]]:
    """The manifest's entries by path, or ``None`` with the reasons it cannot be used."""
    if unsafe:
        return None, []  # already said why
    if info.file_size > MAX_MANIFEST:
        return None, [f"{MANIFEST}: {info.file_size} bytes, more than a manifest can be"]
    try:
        data = _read(archive, info, MAX_MANIFEST)
    except _READ_ERRORS as exc:
        return None, [f"{MANIFEST}: cannot be read ({_reason(exc)})"]
    if data is None:
        return None, [f"{MANIFEST}: holds more than its header says"]
    try:
        manifest = load_json(data)
    except (ValueError, UnicodeDecodeError) as exc:
        return None, [f"{MANIFEST}: not valid JSON ({_reason(exc)})"]
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        return None, [f"{MANIFEST}: not a bundle manifest (no list of files)"]
    problems: list[str] = []
    entries: dict[str, dict[str, Any]] = {}
    for n, entry in enumerate(manifest["files"], 1):
        if not (isinstance(entry, dict) and isinstance(entry.get("path"), str) and isinstance(entry.get("sha256"), str)
                and isinstance(entry.get("size"), int) and not isinstance(entry.get("size"), bool)):
            problems.append(f"{MANIFEST}: file entry {n} is not {{path, sha256, size}}")
            continue
        if entry["path"] in entries:
            problems.append(f"{MANIFEST}: {_shown(entry['path'])} is listed twice")
            continue
        entries[entry["path"]] = entry
    return entries, problems


def _compare(archive: zipfile.ZipFile, info: zipfile.ZipInfo, entry: dict[str, Any]) -> str | None:
    sha = hashlib.sha256()
    try:
        size = _hash(archive, info, sha)
    except _READ_ERRORS as exc:
        return f"cannot be read ({_reason(exc)})"
    if size is None:
        return "holds more than its header says"
    if sha.hexdigest() != entry["sha256"].lower() or size != entry["size"]:
        return "sha256 or size differs from the manifest"
    return None


def _hash(archive: zipfile.ZipFile, info: zipfile.ZipInfo, sha: Any) -> int | None:
    """Hash a member in pieces; its size, or ``None`` when it unpacks to more than it says."""
    size = 0
    with archive.open(info) as member:
        while piece := member.read(_PIECE):
            size += len(piece)
            if size > info.file_size or size > MAX_MEMBER:
                return None
            sha.update(piece)
    return size


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes | None:
    out = bytearray()
    with archive.open(info) as member:
        while piece := member.read(_PIECE):
            out += piece
            if len(out) > min(info.file_size, limit):
                return None
    return bytes(out)


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."

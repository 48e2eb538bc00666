"""One zip to attach to a bug report: the capture, the diagnosis, the verifier output, a manifest.

Layout::

    capture.log     the capture as read (decompressed if it was .gz; redacted when asked)
    report.json     the report, schema ``bootdiag.report/1``
    report.md       the same report as GitHub Markdown
    verify.json     one ImageReport per --image (only with images)
    inputs/NAME     eFuse summaries and build configurations given beside the log
    manifest.json   schema ``bootdiag.bundle/1``: tool, source, status, and the sha256 and size of
                    every other file, so a recipient can check nothing was altered or lost

The capture is streamed: it is analysed, redacted, hashed and compressed in one pass, so a long
CI log never has to fit in memory. The archive is written to a new file beside its destination
and moved into place when complete, so a failed run leaves no half-written bundle. An existing
destination is replaced only when asked (``force``), and then the name is replaced, never what a
symbolic link there points to. :func:`check_bundle` (:mod:`bootdiag.app.bundle_check`) checks one.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bootdiag import __version__
from bootdiag.app.bundle_check import MANIFEST, check_bundle  # noqa: F401 - part of this module's API
from bootdiag.app.environment import Environment
from bootdiag.app.run import Job, finish, start
from bootdiag.core.errors import InputError
from bootdiag.core.files import TEXT_LIMIT, read_regular, special_kind
from bootdiag.core.redact import Redactor
from bootdiag.core.report import Report
from bootdiag.core.sources import iter_chunks, open_capture

BUNDLE_SCHEMA = "bootdiag.bundle/1"
CAPTURE = "capture.log"


@dataclass
class BundleEntry:
    path: str
    sha256: str
    size: int


@dataclass
class Bundle:
    path: Path
    report: Report
    entries: list[BundleEntry] = field(default_factory=list)
    redacted: bool = False


class _HashingWriter:
    """Writes one archive member and keeps its sha256 and size."""

    def __init__(self, archive: zipfile.ZipFile, name: str) -> None:
        self.name = name
        info = zipfile.ZipInfo(name, date_time=datetime.now().timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16  # rw-r--r-- when unpacked
        self._out = archive.open(info, "w", force_zip64=True)
        self._sha = hashlib.sha256()
        self._size = 0

    def write(self, data: bytes) -> None:
        self._out.write(data)
        self._sha.update(data)
        self._size += len(data)

    def close(self) -> BundleEntry:
        self._out.close()
        return BundleEntry(self.name, self._sha.hexdigest(), self._size)


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> BundleEntry:
    writer = _HashingWriter(archive, name)
    writer.write(data)
    return writer.close()


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _destination(output: str | Path, force: bool) -> Path:
    """Where the bundle goes: ``output``, or ``bootdiag-report.zip`` in it when it is a folder."""
    out = Path(output)
    try:
        if out.is_dir():  # a folder, or a link to one: the bundle goes inside
            out = out / "bootdiag-report.zip"
        if not out.parent.is_dir():
            raise InputError(f"{out}: cannot write the bundle: directory {out.parent} does not exist")
        if os.path.lexists(out):
            kind = None if out.is_symlink() else special_kind(out.lstat().st_mode)
            if kind is not None:  # a device, a FIFO: never what a bundle should replace, even forced
                raise InputError(f"{out}: is {kind}; the bundle needs a file name")
            if not force:
                what = "is a symbolic link" if out.is_symlink() else "already exists"
                raise InputError(f"{out}: {what}; pass --force to replace it (a link is replaced, never followed)")
    except OSError as exc:
        raise InputError(f"{out}: cannot write the bundle ({exc.strerror or exc})") from None
    return out


def _place(part: Path, destination: Path, force: bool) -> None:
    """Move the finished archive to its name: atomically, replacing only when forced. Without
    ``force`` a hard link claims the name (it fails if the name was taken since it was checked)."""
    if force:
        os.replace(part, destination)
        return
    try:
        os.link(part, destination, follow_symlinks=False)
    except FileExistsError:
        raise InputError(f"{destination}: already exists; pass --force to replace it") from None
    except OSError:  # a file system without hard links: the name was free when checked
        if os.path.lexists(destination):
            raise InputError(f"{destination}: already exists; pass --force to replace it") from None
        os.replace(part, destination)
        return
    part.unlink()


def _input_names(paths: Iterable[str | Path]) -> Iterator[tuple[Path, str]]:
    used: set[str] = set()
    for p in map(Path, paths):
        name, n = p.name, 1
        while name in used:
            n += 1
            name = f"{p.stem}-{n}{p.suffix}"
        used.add(name)
        yield p, f"inputs/{name}"


def write_bundle(job: Job, output: str | Path, env: Environment | None = None, force: bool = False) -> Bundle:
    """Analyse ``job``'s capture and write the bundle to ``output``.

    The capture is stored as read (decompressed; redacted when the job asks), the verifier's
    report for each image goes to verify.json, and the text files beside the log (configuration,
    eFuse or fuse summaries) to inputs/. An existing ``output`` is replaced only with ``force``.
    """
    env = env or Environment()
    destination = _destination(output, force)
    redactor = Redactor() if job.redact else None
    stream, name = open_capture(job.capture, stdin=env.stdin)
    try:
        # The files beside the log are checked first: a bad one stops the run before anything is written.
        started = start(job.replaced(redact=False), name)
        inputs = [(member, read_regular(path, TEXT_LIMIT, "input")) for path, member in _input_names(job.inputs())]
        try:
            fd, part_name = tempfile.mkstemp(prefix=".bootdiag-", suffix=".zip.part", dir=destination.parent)
        except OSError as exc:
            raise InputError(f"{destination}: cannot write the bundle ({exc.strerror or exc})") from None
        part = Path(part_name)
        try:
            with os.fdopen(fd, "w+b") as file, zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                capture = _CaptureWriter(archive, redactor)
                for chunk in iter_chunks(stream):
                    capture.write(chunk)  # the bundle keeps the bytes as read; the analysis reads them too
                    started.feed(chunk)
                entries = [capture.close()]
                report = finish(started)
                if redactor is not None:
                    report = redactor.report(report)
                entries += _write_report(archive, report)
                for member, data in inputs:
                    if redactor is not None:
                        data = b"".join(redactor.stream([data]))
                    entries.append(_add(archive, member, data))
                _add(archive, MANIFEST, _json_bytes(_manifest(report, entries, job.redact)))
                archive.close()
                file.flush()
                os.fsync(file.fileno())
            _place(part, destination, force)
        except OSError as exc:
            raise InputError(f"{destination}: cannot write the bundle ({exc.strerror or exc})") from None
        finally:
            part.unlink(missing_ok=True)
    finally:
        stream.close()  # standard input itself stays open
    return Bundle(destination, report, entries, job.redact)


class _CaptureWriter:
    """capture.log, written chunk by chunk as the analysis reads it (redacted line by line)."""

    def __init__(self, archive: zipfile.ZipFile, redactor: Redactor | None) -> None:
        self._writer = _HashingWriter(archive, CAPTURE)
        self._lines = redactor.lines() if redactor is not None else None

    def write(self, chunk: bytes) -> None:
        self._writer.write(self._lines.feed(chunk) if self._lines is not None else chunk)

    def close(self) -> BundleEntry:
        if self._lines is not None:
            self._writer.write(self._lines.flush())
        return self._writer.close()


def _write_report(archive: zipfile.ZipFile, report: Report) -> list[BundleEntry]:
    from bootdiag.render.markdown import markdown_text

    data = report.to_json_dict()
    entries = [
        _add(archive, "report.json", _json_bytes(data)),
        _add(archive, "report.md", markdown_text(report).encode("utf-8")),
    ]
    if data["verification"]:
        entries.append(_add(archive, "verify.json", _json_bytes(data["verification"])))
    return entries


def _manifest(report: Report, entries: list[BundleEntry], redacted: bool) -> dict[str, Any]:
    return {
        "schema": BUNDLE_SCHEMA,
        "tool": {"name": "bootdiag", "version": __version__},
        "created": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "source": report.source,
        "status": report.status,
        "root_cause": report.top.id if report.top else None,
        "redacted": redacted,
        "files": [{"path": e.path, "sha256": e.sha256, "size": e.size} for e in entries],
    }

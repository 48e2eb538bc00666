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
CI log never has to fit in memory. The archive is written beside its destination and moved into
place when complete; a failed run leaves no half-written bundle.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bootdiag import __version__
from bootdiag.app.environment import Environment
from bootdiag.app.run import Job, finish, start
from bootdiag.core.errors import InputError
from bootdiag.core.redact import Redactor
from bootdiag.core.report import Report
from bootdiag.core.sources import iter_chunks, open_capture

BUNDLE_SCHEMA = "bootdiag.bundle/1"
MANIFEST = "manifest.json"
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


def _destination(output: str | Path) -> Path:
    out = Path(output)
    if out.is_dir():
        out = out / "bootdiag-report.zip"
    if not out.parent.is_dir():
        raise InputError(f"{out}: cannot write the bundle: directory {out.parent} does not exist")
    return out


def _input_names(paths: Iterable[str | Path]) -> Iterator[tuple[Path, str]]:
    used: set[str] = set()
    for p in map(Path, paths):
        name, n = p.name, 1
        while name in used:
            n += 1
            name = f"{p.stem}-{n}{p.suffix}"
        used.add(name)
        yield p, f"inputs/{name}"


def write_bundle(job: Job, output: str | Path, env: Environment | None = None) -> Bundle:
    """Analyse ``job``'s capture and write the bundle to ``output``.

    The capture is stored as read (decompressed; redacted when the job asks), the verifier's
    report for each image goes to verify.json, and the text files beside the log (configuration,
    eFuse or fuse summaries) to inputs/.
    """
    env = env or Environment()
    destination = _destination(output)
    redactor = Redactor() if job.redact else None
    stream, name = open_capture(job.capture, stdin=env.stdin)
    # The files beside the log are checked first: a bad one stops the run before anything is written.
    started = start(replace(job, redact=False), name)
    fd, tmp_name = tempfile.mkstemp(prefix=".bootdiag-", suffix=".zip.part", dir=destination.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp_name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            capture = _CaptureWriter(archive, redactor)
            for chunk in iter_chunks(stream):
                capture.write(chunk)  # the bundle keeps the bytes as read; the analysis reads them too
                started.feed(chunk)
            entries = [capture.close()]
            report = finish(started)
            if redactor is not None:
                report = redactor.report(report)
            entries += _write_report(archive, report)
            for path, member in _input_names(job.inputs()):
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
                if redactor is not None:
                    data = b"".join(redactor.stream([data]))
                entries.append(_add(archive, member, data))
            _add(archive, MANIFEST, _json_bytes(_manifest(report, entries, job.redact)))
        os.replace(tmp_name, destination)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
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


def check_bundle(path: str | Path) -> list[str]:
    """What does not match in a bundle: files missing, extra, or with another sha256 or size."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        listed = {f["path"]: f for f in manifest.get("files", [])}
        for member in archive.namelist():
            if member != MANIFEST and member not in listed:
                problems.append(f"{member}: not in the manifest")
        for member, entry in listed.items():
            try:
                data = archive.read(member)
            except KeyError:
                problems.append(f"{member}: listed but missing")
                continue
            if hashlib.sha256(data).hexdigest() != entry["sha256"] or len(data) != entry["size"]:
                problems.append(f"{member}: sha256 or size differs from the manifest")
    return problems

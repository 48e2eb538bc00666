"""Many captures at once: every file under the given paths, in parallel across cores.

Each capture gives one summary record (a plain dict, one JSON line): its status, its root cause
and its findings with counts and lines. A capture that cannot be read gives a record with an
``error`` instead, and so does a folder that cannot be listed and anything that is not a regular
file (a FIFO, a device, a link to one: never opened, never waited on); nothing stops the scan.
A record's ``path`` is always valid text: bytes of a file name that are not UTF-8 are written as
``\\xNN``. A file that is no capture (a firmware image, an archive: see :mod:`bootdiag.core.binary`)
gives a record with status ``skipped`` and the reason, and is not read. :func:`cause_counts` folds
the records into the table of root causes by count.

:func:`summarize` is a pure function of a path (or an ``fsspec`` URL such as ``s3://bucket/x.log``)
and only needs importable, picklable pieces, so process pools and Dask workers run it as is.
"""
from __future__ import annotations

import glob
import itertools
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

SCHEMA = "bootdiag.scan/1"
HEALTHY, UNEXPLAINED, ERROR, SKIPPED = "(healthy)", "(unexplained)", "(unreadable)", "(skipped: not a capture)"


# ------------------------------------------------------------------ which captures
def expand(paths: Iterable[str]) -> Iterator[str]:
    """Files named by ``paths``: files as given, directories walked (hidden entries skipped),
    glob patterns (``**`` included) expanded; URLs (``s3://...``) passed through. A path that
    names nothing is passed through too, so that it is reported as unreadable."""
    for item in paths:
        if "://" in item:
            yield item
            continue
        if glob.has_magic(item):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                yield item
            for match in matches:
                yield from _walk(match) if os.path.isdir(match) else [match]
        elif os.path.isdir(item):
            yield from _walk(item)
        else:
            yield item


def _walk(directory: str) -> Iterator[str]:
    """Files under ``directory``; a folder that cannot be listed is yielded too, so that its
    record says why."""
    unreadable: list[str] = []
    for root, dirs, files in os.walk(directory, onerror=lambda exc: unreadable.append(exc.filename or directory)):
        yield from unreadable
        unreadable.clear()
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield os.path.join(root, name)
    yield from unreadable


def shown_path(path: str) -> str:
    """A path as valid text for a record: bytes that are not UTF-8 (kept by the file system as
    surrogates) become ``\\xNN``."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")
    return path


# ------------------------------------------------------------------ one capture
def summarize(path: str) -> dict[str, Any]:
    """The summary record of one capture file; never raises for a bad file."""
    from bootdiag.core.errors import BootdiagError, InputError
    from bootdiag.app.run import Job, explain_chunks

    from bootdiag.core.binary import HEAD_BYTES, binary_kind

    try:
        stream = _open(path)
        try:
            head = _read_head(stream, HEAD_BYTES)
            kind = binary_kind(head)
            if kind is not None:
                return skipped_record(path, f"binary file ({kind})")
            report = explain_chunks(Job(), itertools.chain([head], _chunks(stream)), path)
        finally:
            stream.close()
    except (InputError, BootdiagError, OSError, EOFError) as exc:
        return error_record(path, str(exc))
    except Exception as exc:  # noqa: BLE001 - zlib.error, lzma errors...: one record, not a crash
        return error_record(path, f"{type(exc).__name__}: {exc}")
    return report_record(report, path)


def error_record(path: str, message: str) -> dict[str, Any]:
    return {"schema": SCHEMA, "path": shown_path(path), "status": "error", "top": None, "findings": [],
            "error": shown_path(message), "skipped": None}


def skipped_record(path: str, reason: str) -> dict[str, Any]:
    """A file that is no capture (a firmware image beside the logs): counted apart, never read."""
    return {"schema": SCHEMA, "path": shown_path(path), "status": "skipped", "top": None, "findings": [],
            "error": None, "skipped": reason}


def _read_head(stream: Any, size: int) -> bytes:
    """Up to ``size`` first bytes (several reads: a pipe or a decompressor may give fewer)."""
    from bootdiag.core.errors import InputError

    head = b""
    try:
        while len(head) < size:
            chunk = stream.read(size - len(head))
            if not chunk:
                break
            head += chunk
    except (OSError, EOFError) as exc:
        raise InputError(f"read failed: {exc}") from None
    return head


def report_record(report: Any, path: str) -> dict[str, Any]:
    """The summary of a :class:`~bootdiag.core.report.Report` as a JSON-ready dict."""
    return {
        "schema": SCHEMA,
        "path": shown_path(path),
        "status": report.status,
        "top": report.top.id if report.top else None,
        "findings": [
            {"id": f.id, "occurrences": f.occurrences, "first_line": f.first_line, "last_line": f.last_line}
            for f in report.findings
        ],
        "lines": report.stats.get("lines", 0),
        "events": report.stats.get("events", 0),
        "sessions": report.stats.get("sessions", 0),
        "error": None,
        "skipped": None,
    }


def _open(path: str):
    if "://" in path:
        try:
            import fsspec
        except ImportError:
            from bootdiag.core.errors import InputError

            raise InputError(f"{path}: reading URLs needs fsspec (pip install bootdiag[dask])") from None
        return fsspec.open(path, "rb", compression="infer").open()
    from bootdiag.core.errors import InputError
    from bootdiag.core.sources import open_capture

    if os.path.isdir(path):
        try:
            os.listdir(path)
        except OSError as exc:
            raise InputError(f"{path}: cannot list the folder ({exc.strerror or exc})") from None
        raise InputError(f"{path}: is a directory")
    return open_capture(path, regular_only=True)[0]


def _chunks(stream) -> Iterator[bytes]:
    from bootdiag.core.sources import iter_chunks

    return iter_chunks(stream)


def _warm_up() -> None:
    """Load rules, grammars and the trigger screen once per worker process, not per file."""
    from bootdiag.core.pipeline import explain

    explain("")


# ------------------------------------------------------------------ many captures
def scan(
    paths: Iterable[str], jobs: int | None = None, progress: Callable[[dict[str, Any]], None] | None = None
) -> Iterator[dict[str, Any]]:
    """Summary records of every capture under ``paths``, in path order.

    ``jobs`` worker processes (default: one per core); ``jobs=1`` works in this process.
    """
    files = list(expand(paths))
    jobs = max(1, jobs or os.cpu_count() or 1)
    if jobs == 1 or len(files) <= 1:
        results: Iterable[dict[str, Any]] = map(summarize, files)
        for record in results:
            if progress:
                progress(record)
            yield record
        return
    # Chunks amortise the round trip for many small captures yet keep the cores evenly busy.
    chunksize = max(1, min(32, len(files) // (jobs * 8)))
    with ProcessPoolExecutor(max_workers=min(jobs, len(files)), initializer=_warm_up) as pool:
        for record in pool.map(summarize, files, chunksize=chunksize):
            if progress:
                progress(record)
            yield record


def count_files(paths: Iterable[str]) -> int:
    return sum(1 for _ in expand(paths))


def cause_counts(records: Iterable[dict[str, Any]]) -> list[tuple[str, int, str]]:
    """``(root cause, captures, first such capture)``, most frequent first."""
    counts: Counter[str] = Counter()
    example: dict[str, str] = {}
    for record in records:
        key = _cause(record)
        counts[key] += 1
        example.setdefault(key, record["path"])
    return [(cause, n, example[cause]) for cause, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _cause(record: dict[str, Any]) -> str:
    if record["status"] == "error":
        return ERROR
    if record["status"] == "healthy":
        return HEALTHY
    if record["status"] == "unexplained":
        return UNEXPLAINED
    if record["status"] == "skipped":
        return SKIPPED
    return record["top"] or f"({record['status']})"  # incomplete, unrecognised


def exit_status(records: Iterable[dict[str, Any]]) -> int:
    """1 if any capture is diagnosed, else 3 if any failure is unexplained, else 2 if any capture
    could not be read, else 0."""
    statuses = {r["status"] for r in records}
    for status, code in (("diagnosed", 1), ("unexplained", 3), ("error", 2)):
        if status in statuses:
            return code
    return 0

"""``bootdiag scan``: many captures through :mod:`bootdiag.app.scan` (or a Dask cluster), JSON lines
out, the table of causes last, and a progress bar on a terminal."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bootdiag.app.scan import cause_counts, count_files, exit_status, scan
from bootdiag.core.errors import InputError


def run(paths: list[str], jobs: int | None, fmt: str, scheduler: str | None, out, err, width: int = 100) -> int:  # out, err: TextIO
    """``bootdiag scan``: JSON lines (or nothing) on ``out``, the cause table last (``width`` columns);
    returns the exit status."""
    from bootdiag.render.scan import render_cause_table

    total = count_files(paths)
    if total == 0:
        raise InputError("no capture files under the given paths")
    records: list[dict[str, Any]] = []
    roots = [Path(p) for p in paths if Path(p).is_dir()]
    with _progress(err, total) as advance:
        if scheduler:
            from bootdiag.app.distributed import scan_with_dask

            stream: Iterable[dict[str, Any]] = scan_with_dask(paths, scheduler, progress=advance)
        else:
            stream = scan(paths, jobs, progress=advance)
        for record in stream:
            records.append(_slim(record, roots))
            if fmt == "jsonl":
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                out.flush()
    render_cause_table(cause_counts(records), out if fmt == "table" else err, width=width)
    return exit_status(records)


def _slim(record: dict[str, Any], roots: list[Path]) -> dict[str, Any]:
    # Only what the table and the exit status need: memory stays small over many captures.
    return {"path": _shown_path(record["path"], roots), "status": record["status"], "top": record["top"]}


def _shown_path(path: str, roots: list[Path]) -> str:
    """A capture's path in the table: from the folder it was found in, which the user just typed."""
    for root in roots:
        try:
            return str(Path(path).relative_to(root))
        except ValueError:
            continue
    return path


class _progress:
    """A progress bar on a terminal; nothing when ``err`` is a pipe or a file."""

    def __init__(self, err, total: int) -> None:
        self._bar = None
        if hasattr(err, "isatty") and err.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
            from rich.console import Console

            self._bar = Progress(
                TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                console=Console(file=err), transient=True,
            )
            self._task = self._bar.add_task("scan", total=total)

    def __enter__(self) -> Callable[[dict[str, Any]], None]:
        if self._bar is None:
            return lambda record: None
        self._bar.start()
        return lambda record: self._bar.advance(self._task)  # type: ignore[union-attr]

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

"""pytest plugin for hardware-in-the-loop suites: a failed test gets the boot-log diagnosis.

When a test fails and a serial capture is available, bootdiag explains it and adds

* a ``bootdiag`` section to the failure report (shown under the traceback), and
* JUnit XML properties ``bootdiag`` (root cause id and title, or the status) and
  ``bootdiag_status``.

Captures come from, in this order:

1. the ``bootdiag_capture`` fixture: ``bootdiag_capture.attach(path)`` or
   ``bootdiag_capture.write(data)`` (e.g. from the loop that reads the serial port);
2. pytest-embedded's DUT log (``dut.logfile``) when the test uses the ``dut`` fixture;
3. ``--bootdiag-capture FILE`` (or the ``bootdiag_capture`` ini option): a capture written
   during the whole run; only the bytes added while the test ran are diagnosed.

Registered through the ``pytest11`` entry point. Importing it costs only pytest and the standard
library; bootdiag's analysis loads on the first failure that has a capture. ``-p no:bootdiag``
turns it off.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

SECTION = "bootdiag"
_capture_key = pytest.StashKey["CaptureAttachment"]()
_offset_key = pytest.StashKey[int]()
_done_key = pytest.StashKey[bool]()


class CaptureAttachment:
    """What a test hands to bootdiag: capture files, or bytes as they are read from the port."""

    def __init__(self) -> None:
        self.paths: list[Path] = []
        self.data = bytearray()

    def attach(self, path: str | os.PathLike[str]) -> None:
        self.paths.append(Path(path))

    def write(self, data: bytes | str) -> None:
        self.data += data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bootdiag", "boot-log diagnosis of failed tests (bootdiag)")
    group.addoption(
        "--bootdiag-capture", metavar="FILE", default=None,
        help="Serial capture written during the run; a failed test gets the diagnosis of what was added while it ran.",
    )
    group.addoption(
        "--bootdiag-redact", action="store_true", default=False,
        help="Redact MAC/IP addresses, serial numbers, chip ids, Wi-Fi names and user names in the diagnosis.",
    )
    parser.addini("bootdiag_capture", "Default for --bootdiag-capture.", default="")


def _run_capture(config: pytest.Config) -> Path | None:
    value = config.getoption("bootdiag_capture") or config.getini("bootdiag_capture")
    return Path(str(value)) if value else None


@pytest.fixture
def bootdiag_capture(request: pytest.FixtureRequest) -> CaptureAttachment:
    """Attach this test's serial capture; it is diagnosed if the test fails."""
    attachment = CaptureAttachment()
    request.node.stash[_capture_key] = attachment
    return attachment


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before fixtures run: a fixture that resets the board writes the boot we want to see.
    path = _run_capture(item.config)
    if path is not None:
        try:
            item.stash[_offset_key] = path.stat().st_size
        except OSError:
            item.stash[_offset_key] = 0


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not report.failed or item.stash.get(_done_key, False):
        return
    captures = list(_captures(item))
    if not captures:
        return
    item.stash[_done_key] = True
    redact = bool(item.config.getoption("bootdiag_redact"))
    for name, data in captures:
        text, summary, status = _diagnose(name, data, redact)
        report.sections.append((SECTION if len(captures) == 1 else f"{SECTION}: {name}", text))
        # The JUnit writer reads properties from the teardown report, which copies the item's.
        target = report.user_properties if report.when == "teardown" else item.user_properties
        target.append(("bootdiag", summary))
        target.append(("bootdiag_status", status))


def _captures(item: pytest.Item) -> list[tuple[str, bytes]]:
    found: list[tuple[str, bytes]] = []
    attachment = item.stash.get(_capture_key, None)
    if attachment is not None:
        found.extend((str(p), _read(p)) for p in attachment.paths)
        if attachment.data:
            found.append(("bootdiag_capture", bytes(attachment.data)))
    for log in _dut_logs(item):
        found.append((str(log), _read(log)))
    path = _run_capture(item.config)
    if path is not None and path.is_file():
        data = _read(path)
        start = item.stash.get(_offset_key, 0)
        # A capture rewritten during the test (shorter than before) is read whole.
        found.append((str(path), data[start:] if start <= len(data) else data))
    return [(name, data) for name, data in found if data]


def _dut_logs(item: pytest.Item) -> list[Path]:
    """pytest-embedded: ``dut`` is one Dut or a tuple of them (multi-DUT); each has ``logfile``."""
    dut = getattr(item, "funcargs", {}).get("dut")
    if dut is None:
        return []
    duts = dut if isinstance(dut, (list, tuple)) else [dut]
    logs = [getattr(d, "logfile", None) for d in duts]
    return [Path(p) for p in logs if isinstance(p, (str, os.PathLike)) and Path(p).is_file()]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _diagnose(name: str, data: bytes, redact: bool) -> tuple[str, str, str]:
    """(section text, one-line summary for JUnit, status); never raises into the test run."""
    try:
        import io

        from bootdiag.app.run import Job, explain_chunks
        from bootdiag.render.terminal import render_terminal

        report = explain_chunks(Job(redact=redact), [data], name)
        out = io.StringIO()
        render_terminal(report, out, color=False, width=100)
    except Exception as exc:  # noqa: BLE001 - a diagnosis problem must not hide the test's own failure
        message = f"bootdiag could not analyse {name}: {type(exc).__name__}: {exc}"
        return message, message, "error"
    top = report.top
    if top is not None:
        lines = ", ".join(str(e.line) for e in top.evidence if e.line)
        summary = f"{top.id}: {top.title}" + (f" (lines {lines})" if lines else "")
    else:
        summary = report.status
    return out.getvalue(), summary, report.status

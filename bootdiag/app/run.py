"""The whole job, once: a capture and the files beside it in, a report out.

Every front end goes through here: ``explain`` and ``report`` (:func:`explain_job`), ``tail``
(:func:`start` and :func:`finish` around its live loop), ``scan``, the pytest plugin and the Dask
helpers. The steps: check the files beside the log (images, keys, configuration) and turn what
they show into events; analyse the capture with them as context; attach the verifier's results;
redact when asked; publish to the CI job summary.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from bootdiag.app import collector
from bootdiag.app.environment import Environment
from bootdiag.core.baud import GarbageMeter, baud_advice
from bootdiag.core.binary import HEAD_BYTES, binary_kind
from bootdiag.core.errors import InputError
from bootdiag.core.events import Event
from bootdiag.core.pipeline import Analyzer, default_rules
from bootdiag.core.report import Report
from bootdiag.core.rules import Rule
from bootdiag.core.sources import iter_chunks, open_capture
from bootdiag.core.value import Value


class Job(Value):
    """What one run is asked to judge, and how."""

    capture: str | Path | None = None  # a path; None or "-" is standard input
    images: Sequence[str] = ()  # images the device rejected: verified and joined to the log
    keys: Sequence[str] = ()  # keys for the images
    configs: Sequence[str] = ()  # build configuration files (sdkconfig, CMakeCache.txt, .config)
    options: dict[str, Any]  # platform verify options (flat field names)
    chip: str | None = None
    rule_files: Sequence[Path] = ()  # extra rule files or directories
    redact: bool = False
    _fields = ("capture", "images", "keys", "configs", "options", "chip", "rule_files", "redact")

    def __init__(self, capture: str | Path | None = None, images: Sequence[str] = (), keys: Sequence[str] = (),
                 configs: Sequence[str] = (), options: dict[str, Any] | None = None, chip: str | None = None,
                 rule_files: Sequence[Path] = (), redact: bool = False) -> None:
        self.capture, self.images, self.keys, self.configs = capture, images, keys, configs
        self.options = {} if options is None else options
        self.chip, self.rule_files, self.redact = chip, rule_files, redact

    def rules(self) -> list[Rule]:
        return list(default_rules(self.rule_files))

    def inputs(self) -> list[str]:
        """The text files beside the log that a bug report should carry (configs, option files)."""
        return [*self.option_files().values(), *self.configs]

    def option_files(self) -> dict[str, str]:
        """Files named by platform options (``--efuse FILE``), by the option's flag."""
        from bootdiag import platforms as registry

        flags = {o.field: o.flag for p in registry.platforms() for o in p.options}
        return {flags.get(k, k): v for k, v in self.options.items() if isinstance(v, str) and Path(v).is_file()}


SNIFF_BYTES = 1 << 18  # how much of a capture the wrong-baud check reads: its start tells


class Started(Value):
    """A job under way: the analysis, what the files beside the log showed, and whether the
    capture reads as text at all."""

    job: Job
    analyzer: Analyzer
    verification: list[Any]  # ImageReport per image
    meter: GarbageMeter
    sniffed: int = 0
    head: bytes = b""  # the capture's first bytes: a firmware image given as a capture says what it is
    _fields = ("job", "analyzer", "verification", "meter", "sniffed", "head")

    def __init__(self, job: Job, analyzer: Analyzer, verification: list[Any], meter: GarbageMeter | None = None,
                 sniffed: int = 0, head: bytes = b"") -> None:
        self.job, self.analyzer, self.verification = job, analyzer, verification
        self.meter = GarbageMeter() if meter is None else meter
        self.sniffed = sniffed
        self.head = head

    def feed(self, chunk: bytes) -> None:
        self.analyzer.feed_bytes(chunk)
        if self.sniffed < SNIFF_BYTES:
            if self.sniffed < HEAD_BYTES:
                self.head += chunk[: HEAD_BYTES - self.sniffed]
            self.sniffed += len(chunk)
            self.meter.feed(chunk)
            if self.sniffed >= SNIFF_BYTES:
                collector.resume()  # the capture goes on: memory must stay flat (see collector)


def files_beside_log(job: Job) -> tuple[list[Event], list[Any]]:
    """Events from the images and configuration given with the log, and the verifier's reports."""
    if not job.images and not job.configs:
        if job.keys or any(v not in (None, False, [], ()) for v in job.options.values()):
            raise InputError("--key and the verify options go with --image (the files they describe)")
        return [], []
    from bootdiag.core.join import config_events, verify_images
    from bootdiag.verify import VerifyOptions

    try:
        options = VerifyOptions(keys=list(job.keys), chip=job.chip, **job.options)
    except ValueError as exc:
        raise InputError(_first_error(exc)) from None
    reports, events = verify_images(job.images, options) if job.images else ([], [])
    for path in job.configs:
        events.extend(config_events(path))
    return events, reports


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "__root__")
        message = str(first.get("msg", exc)).removeprefix("Value error, ")
        return f"{where}: {message}" if where else message
    return str(exc)


def start(job: Job, source: str, every_event: bool = False) -> Started:
    context, verification = files_beside_log(job)
    analyzer = Analyzer(source, job.rules(), context, every_event=every_event, reads_to_end=not every_event)
    return Started(job, analyzer, verification)


def finish(started: Started) -> Report:
    report = started.analyzer.finish()
    report.verification = list(started.verification)
    job = started.job
    if job.images or job.keys or job.configs:
        from bootdiag.core.checked_files import checked_files

        report.files = checked_files(report, report.verification, job.keys, job.configs, job.option_files())
    kind = binary_kind(started.head) if report.status == "unrecognised" else None
    if kind is not None:
        report.warnings.append(f"the input is no capture but a binary file ({kind}); `bootdiag verify FILE` checks an image")
    else:
        add_baud_warning(report, started.meter)
    if started.job.redact:
        from bootdiag.core.redact import redact_report

        report = redact_report(report)
    return report


def add_baud_warning(report: Report, meter: GarbageMeter, rate: int | None = None) -> None:
    """Name a likely wrong baud rate when the capture turned to garbage and nothing explains it."""
    if meter.tripped and report.status not in ("diagnosed", "healthy"):
        report.warnings.append(baud_advice(rate))


def explain_chunks(job: Job, chunks: Iterable[bytes], source: str, tap: Callable[[bytes], None] | None = None) -> Report:
    """Judge a capture that arrives as chunks. ``tap`` sees every chunk as read (a bundle stores them)."""
    started = start(job, source)
    feed = started.feed
    for chunk in chunks:
        if tap is not None:
            tap(chunk)
        feed(chunk)
    return finish(started)


def explain_job(job: Job, env: Environment | None = None, tap: Callable[[bytes], None] | None = None) -> Report:
    """Read the job's capture (a file, or standard input) and judge it."""
    env = env or Environment()
    stream, name = open_capture(job.capture, stdin=env.stdin)
    try:
        return explain_chunks(job, iter_chunks(stream), name, tap)
    finally:
        stream.close()  # standard input itself stays open


def publish(report: Report, env: Environment) -> bool:
    """Append the report to the CI job summary when the environment asks for one."""
    from bootdiag.app.ci_summary import append_step_summary

    return append_step_summary(report, env.step_summary, env.stderr)



"""Command line: wiring only; every behaviour lives in the library modules.

Exit status (all commands): 0 healthy / valid, 1 diagnosed / problems found, 2 usage or input
error (one line on stderr), 3 a failure was seen but no rule explains it, 4 internal error,
130 interrupted.
"""
from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from bootdiag import __version__
from bootdiag.core.errors import BootdiagError, InputError
from bootdiag.core.report import ExitCode

app = typer.Typer(
    name="bootdiag",
    help="Explain secure-boot failures from boot logs and firmware images (ESP32, MCUboot/TF-M, NVIDIA Jetson).\n\n"
    "Exit status: 0 healthy, 1 diagnosed, 2 usage or input error, 3 failure seen but unexplained, 4 internal error.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Format(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class VerifyFormat(str, Enum):
    text = "text"
    json = "json"


def _fail(message: str, code: int = ExitCode.USAGE) -> typer.Exit:
    typer.echo(f"bootdiag: {message}", err=True)
    return typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"bootdiag {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = None,
) -> None:
    pass


def _capture_path(capture: Optional[str]) -> Optional[str]:
    if (capture is None or capture == "-") and sys.stdin.isatty():
        raise _fail("no capture given: pass a file, or pipe one in (cat boot.log | bootdiag explain)")
    return capture


@app.command()
def explain(
    capture: Annotated[Optional[str], typer.Argument(help="Capture file (plain or .gz); '-' or nothing reads standard input.", show_default=False)] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="text for people, json for programs, markdown for bug reports.")] = Format.text,
    rules: Annotated[Optional[list[Path]], typer.Option("--rules", help="Extra rule file or directory (repeatable).")] = None,
    color: Annotated[Optional[bool], typer.Option("--color/--no-color", help="Force colour on or off (default: on for a terminal, off when piped or NO_COLOR is set).", show_default=False)] = None,
    image: Annotated[Optional[list[str]], typer.Option("--image", "-i", help="The image the device rejected: verified and joined to the log (repeatable).")] = None,
    key: Annotated[Optional[list[str]], typer.Option("--key", "-k", help="Public or private signing key for --image (repeatable).")] = None,
    efuse: Annotated[Optional[str], typer.Option("--efuse", help="`espefuse summary` output: the key digests the device trusts.")] = None,
    config: Annotated[Optional[list[str]], typer.Option("--config", help="Build configuration: ESP-IDF sdkconfig, TF-M/Zephyr CMakeCache.txt or .config (repeatable).")] = None,
    example: Annotated[bool, typer.Option("--example", help="Explain the bundled example capture (an ESP32 whose signed bootloader was rewritten by esptool).")] = False,
    redact: Annotated[bool, typer.Option("--redact", help="Replace MAC/IP addresses, serial numbers, chip ids, Wi-Fi names, user names and key material with placeholders.")] = False,
) -> None:
    """Read a boot or flashing log and say what went wrong, why, the evidence lines and the fix.

    With --image (and --key, --efuse, --config) the files are checked too, and what they show
    decides between the causes the log alone leaves open.

    Accepts a raw serial capture or a whole pasted forum post; lines that are not log output are ignored.

    Examples:

      bootdiag explain boot.log

      idf.py monitor | tee boot.log; bootdiag explain boot.log --format json
    """
    from bootdiag.core.pipeline import default_rules, explain_stream
    from bootdiag.render import render
    from bootdiag.core.rules import load_rules
    from bootdiag.core.sources import iter_chunks, open_capture

    if example:
        from bootdiag.core.resources import bundled_example

        capture = str(bundled_example())
    path = _capture_path(capture)
    rule_set = load_rules(rules) if rules else list(default_rules())
    context, checked = _context_events(image or [], key or [], efuse, config or [])
    stream, name = open_capture(path)
    try:
        report = explain_stream(iter_chunks(stream), name, rule_set, context)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    report.verification = [r.model_dump(mode="json") for r in checked]
    if redact:
        from bootdiag.core.redact import redact_report

        report = redact_report(report)
    render(report, fmt.value, sys.stdout, color=color)
    from bootdiag.app.ci_summary import append_step_summary

    append_step_summary(report)
    raise typer.Exit(report.exit_code)


def _context_events(images: list[str], keys: list[str], efuse: Optional[str], configs: list[str]):
    """Events from the files beside the log, and the verifier reports (both empty without files)."""
    if not images and not configs:
        if keys or efuse:
            raise _fail("--key and --efuse go with --image")
        return [], []
    from bootdiag.core.join import config_events, verify_images
    from bootdiag.verify import VerifyOptions

    reports, events = verify_images(images, VerifyOptions(keys=keys, efuse_summary=efuse)) if images else ([], [])
    for path in configs:
        events.extend(config_events(path))
    return events, reports


@app.command("report")
def report_cmd(
    capture: Annotated[Optional[str], typer.Argument(help="Capture file (plain or .gz); '-' or nothing reads standard input.", show_default=False)] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the zip (a directory gets bootdiag-report.zip).")] = Path("bootdiag-report.zip"),
    redact: Annotated[bool, typer.Option("--redact", help="Redact the capture and every report in the bundle (see explain --redact).")] = False,
    rules: Annotated[Optional[list[Path]], typer.Option("--rules", help="Extra rule file or directory (repeatable).")] = None,
    image: Annotated[Optional[list[str]], typer.Option("--image", "-i", help="Image the device rejected: verified, joined to the log, result in verify.json (repeatable).")] = None,
    key: Annotated[Optional[list[str]], typer.Option("--key", "-k", help="Public or private signing key for --image (repeatable).")] = None,
    efuse: Annotated[Optional[str], typer.Option("--efuse", help="`espefuse summary` output: used for the diagnosis and included in the bundle.")] = None,
    config: Annotated[Optional[list[str]], typer.Option("--config", help="Build configuration (sdkconfig, CMakeCache.txt, .config): used and included (repeatable).")] = None,
) -> None:
    """Write one zip for a bug report: capture, report.json, report.md, verifier output, manifest.

    The manifest lists the sha256 of every file. Exit status as for explain.

    Example:

      bootdiag report boot.log --image build/app.bin --key key.pem --redact -o bug-1234.zip
    """
    from bootdiag.app.bundle import write_bundle
    from bootdiag.app.ci_summary import append_step_summary
    from bootdiag.core.pipeline import default_rules
    from bootdiag.core.rules import load_rules

    path = _capture_path(capture)
    rule_set = load_rules(rules) if rules else list(default_rules())
    context, checked = _context_events(image or [], key or [], efuse, config or [])
    bundle = write_bundle(
        path, output, rules=rule_set, context=context, verification=checked,
        inputs=[*([efuse] if efuse else []), *(config or [])], redact=redact,
    )
    report = bundle.report
    verdict = f"root cause {report.findings[0].id}" if report.findings else report.status
    typer.echo(f"wrote {bundle.path} ({len(bundle.entries) + 1} files{', redacted' if redact else ''}): {verdict}")
    append_step_summary(report)
    raise typer.Exit(report.exit_code)


@app.command()
def tail(
    port: Annotated[Optional[str], typer.Argument(help="Device path (/dev/ttyUSB0, COM3) or pyserial URL (socket://host:port, rfc2217://host:port, loop://); nothing picks the only port found.", show_default=False)] = None,
    baud: Annotated[int, typer.Option("--baud", "-b", min=1, help="Baud rate.")] = 115200,
    save: Annotated[Optional[Path], typer.Option("--save", "-s", help="Write every byte received, unmodified, to this file (replaced if it exists).")] = None,
    exit_on_finding: Annotated[bool, typer.Option("--exit-on-finding", help="Stop and print the report as soon as a root cause is found (exit 1).")] = False,
    fmt: Annotated[VerifyFormat, typer.Option("--format", "-f", help="text, or json: stdout then carries only the final report and the live stream goes to stderr.")] = VerifyFormat.text,
    reset: Annotated[bool, typer.Option("--reset", help="Reset the board through RTS/DTR (ESP32 dev boards) to capture its boot from the first line.")] = False,
    timestamps: Annotated[bool, typer.Option("--timestamps", "-t", help="Prefix each shown line with the time it arrived (the saved capture stays unmodified).")] = False,
    color: Annotated[Optional[bool], typer.Option("--color/--no-color", help="Force colour on or off (default: on for a terminal, off when piped or NO_COLOR is set).", show_default=False)] = None,
    rules: Annotated[Optional[list[Path]], typer.Option("--rules", help="Extra rule file or directory (repeatable).")] = None,
) -> None:
    """Read a serial port live: show each line as it arrives and the diagnosis as soon as it is certain.

    Lines carry their capture line number, coloured by level; lines bootdiag read as events are
    marked with '>'. A finding is shown the moment its rule's conditions are met, and is updated or
    withdrawn if a later line of the same boot changes the picture. A line without its newline yet
    is shown after 0.15 s and parsed once it completes (or when tail stops), so line numbers match
    `bootdiag explain` on the saved capture.

    The port is opened without toggling DTR/RTS (the board is not reset unless --reset). If the
    port goes away (unplugged), tail says so, waits for it and carries on. Ctrl-C prints the report;
    the exit status is the one `explain` gives (0 healthy, 1 diagnosed, 3 unexplained).

    Examples:

      bootdiag tail /dev/ttyUSB0 --reset --save boot.log

      bootdiag tail socket://192.168.1.20:3333 --exit-on-finding --format json
    """
    from bootdiag.core.rules import load_rules
    from bootdiag.app.tail import TailOptions, run_tail

    options = TailOptions(
        port=port, baud=baud, save=save, exit_on_finding=exit_on_finding, fmt=fmt.value, reset=reset,
        timestamps=timestamps, color=color, rules=load_rules(rules) if rules else None,
    )
    raise typer.Exit(run_tail(options))


@app.command()
def events(
    capture: Annotated[Optional[str], typer.Argument(help="Capture file; '-' or nothing reads standard input.", show_default=False)] = None,
    all_lines: Annotated[bool, typer.Option("--all", help="Also print lines no grammar claims, as Unparsed.")] = False,
) -> None:
    """Print the typed events read from a capture, one JSON object per line (for grammar and rule work)."""
    from bootdiag.core.lines import iter_lines
    from bootdiag.core.parse import LineParser
    from bootdiag.core.sources import iter_chunks, open_capture

    stream, _ = open_capture(_capture_path(capture))
    parser = LineParser()
    out = sys.stdout
    if all_lines:
        items = parser.all_lines(iter_lines(iter_chunks(stream)))
    else:
        from bootdiag.core.lines import iter_blocks

        items = parser.events(iter_blocks(iter_chunks(stream)))
    for event in items:
        out.write(event.model_dump_json())
        out.write("\n")


@app.command("rules")
def rules_cmd(
    rule_id: Annotated[Optional[str], typer.Argument(help="Show one rule in full.", show_default=False)] = None,
    fmt: Annotated[VerifyFormat, typer.Option("--format", "-f", help="text or json.")] = VerifyFormat.text,
    extra: Annotated[Optional[list[Path]], typer.Option("--rules", help="Extra rule file or directory to load and validate.")] = None,
) -> None:
    """List the root causes bootdiag knows (the rule catalogue), or show one rule."""
    from bootdiag.core.rules import load_rules

    rules = load_rules(extra or [])
    if rule_id is not None:
        matches = [r for r in rules if r.id == rule_id]
        if not matches:
            raise _fail(f"no rule {rule_id!r}; `bootdiag rules` lists them")
        rules = matches
    if fmt is VerifyFormat.json:
        json.dump([r.model_dump(mode="json", by_alias=True) for r in rules], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    if rule_id is not None:
        rule = rules[0]
        typer.echo(f"{rule.id}: {rule.title}\nplatform: {rule.platform}, confidence: {rule.confidence}, priority: {rule.priority}\n")
        typer.echo(rule.explain + "\n\nfix:")
        for line in rule.fix:
            typer.echo(f"  > {line}")
        return
    width = max(len(r.id) for r in rules)
    for rule in rules:
        typer.echo(f"{rule.id:<{width}}  {rule.title}")


@app.command()
def verify(
    image: Annotated[Path, typer.Argument(help="Firmware image, signed file or key to check (format detected by content).")],
    key: Annotated[Optional[list[str]], typer.Option("--key", "-k", help="Public or private key the image should be signed with (repeatable).")] = None,
    key_digest: Annotated[Optional[list[str]], typer.Option("--key-digest", help="Trusted public-key digest in hex, as burned in eFuse (repeatable).")] = None,
    efuse: Annotated[Optional[str], typer.Option("--efuse", help="Output of `espefuse summary` (text or --format json): its key digests are trusted.")] = None,
    chip: Annotated[Optional[str], typer.Option("--chip", help="Target chip: esp32, esp32s3, ..., t186, t194, t234.")] = None,
    offset: Annotated[Optional[str], typer.Option("--offset", help="Where the image starts inside a merged flash dump (e.g. 0x1000).")] = None,
    measured_boot: Annotated[bool, typer.Option("--measured-boot", help="MCUboot: the bootloader has MCUBOOT_MEASURED_BOOT; require a boot record.")] = False,
    max_record_size: Annotated[Optional[int], typer.Option("--max-record-size", help="MCUboot: largest boot record the bootloader accepts, in bytes.")] = None,
    security_counter: Annotated[bool, typer.Option("--security-counter", help="MCUboot: hardware rollback protection is on; require SEC_CNT.")] = False,
    header_size: Annotated[Optional[str], typer.Option("--header-size", help="MCUboot: expected image header size (e.g. 0x400).")] = None,
    fuse_hash: Annotated[Optional[str], typer.Option("--fuse-hash", help="Jetson: the PKC public key hash burned in fuses (hex).")] = None,
    fuse_info: Annotated[Optional[str], typer.Option("--fuse-info", help="Jetson: fuse_info.txt from odmfuseread.sh.")] = None,
    fmt: Annotated[VerifyFormat, typer.Option("--format", "-f", help="text or json.")] = VerifyFormat.text,
) -> None:
    """Check an image or key the way the bootloader would, and say precisely what is wrong.

    Exit status: 0 valid, 1 problems found, 2 unusable input (missing file, not a key, unknown format).
    """
    from bootdiag.verify import UnusableInput, VerifyOptions, verify_file

    try:
        options = VerifyOptions(
            keys=key or [], key_digests=key_digest or [], efuse_summary=efuse, chip=chip,
            offset=int(offset, 0) if offset else None, measured_boot=measured_boot, max_record_size=max_record_size,
            security_counter=security_counter, header_size=int(header_size, 0) if header_size else None,
            fuse_hash=fuse_hash, fuse_info=fuse_info,
        )
    except ValueError:
        raise _fail("--offset and --header-size take a number such as 0x1000") from None
    try:
        report = verify_file(image, options)
    except UnusableInput as exc:
        raise _fail(str(exc)) from None
    if fmt is VerifyFormat.json:
        json.dump(report.model_dump(mode="json"), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        from bootdiag.render.verify_text import render_verify_text

        render_verify_text(report, sys.stdout)
    raise typer.Exit(ExitCode.HEALTHY if report.ok else ExitCode.DIAGNOSED)


class ScanFormat(str, Enum):
    jsonl = "jsonl"
    table = "table"


@app.command()
def scan(
    paths: Annotated[list[str], typer.Argument(help="Capture files, directories (walked) or globs ('logs/**/*.log.gz'); .gz is read as is.", show_default=False)],
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="Worker processes (default: one per core).", show_default=False)] = None,
    fmt: Annotated[ScanFormat, typer.Option("--format", "-f", help="jsonl: one JSON line per capture on stdout, cause table on stderr; table: only the cause table.")] = ScanFormat.jsonl,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Run on a Dask cluster (tcp://host:8786); workers must see the paths (shared disk or s3:// URLs). Needs bootdiag[dask].", show_default=False)] = None,
) -> None:
    """Explain many captures in parallel: one JSON line per capture, then the root causes by count.

    Exit status: 1 if any capture is diagnosed, else 3 if a failure is unexplained, else 2 if a
    capture could not be read, else 0. Unreadable files give a JSON line with "error"; the scan goes on.
    """
    from bootdiag.app.scan import run

    raise typer.Exit(run(paths, jobs, fmt.value, scheduler, sys.stdout, sys.stderr))


def main() -> None:
    """Console entry point: one-line errors and documented exit codes, never a traceback."""
    try:
        # Without standalone mode click returns typer.Exit's code instead of exiting.
        result = app(standalone_mode=False)
        sys.exit(result if isinstance(result, int) else ExitCode.HEALTHY)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (BootdiagError, InputError) as exc:
        print(f"bootdiag: {exc}", file=sys.stderr)
        sys.exit(ExitCode.USAGE)
    except KeyboardInterrupt:
        print("bootdiag: interrupted", file=sys.stderr)
        sys.exit(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        # Reader went away (e.g. `| head`): not an error worth a message.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(ExitCode.HEALTHY)
    except Exception as exc:  # noqa: BLE001 - the promise is: no traceback, a line and an exit code
        if isinstance(exc, typer.TyperException) and hasattr(exc, "show"):
            exc.show()  # click-style usage error: "Usage: ..." and the reason
            sys.exit(ExitCode.USAGE)
        if isinstance(exc, typer.Abort):
            sys.exit(ExitCode.INTERRUPTED)
        if os.environ.get("BOOTDIAG_DEBUG"):
            raise
        print(f"bootdiag: internal error: {type(exc).__name__}: {exc} (set BOOTDIAG_DEBUG=1 for details)", file=sys.stderr)
        sys.exit(ExitCode.INTERNAL)

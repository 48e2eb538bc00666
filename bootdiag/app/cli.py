"""The command line: one function per command over :mod:`bootdiag.app.run`, options declared once.

Built on argparse (the standard library) so that a command starts without loading anything it does
not use; every command's work happens in the application layer. Errors are one line on stderr with
the documented exit status (:mod:`bootdiag.core.exit`), never a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from bootdiag import __version__
from bootdiag import platforms as registry
from bootdiag.app.environment import Environment
from bootdiag.core.errors import BootdiagError
from bootdiag.core.exit import ExitStatus, exit_status_help

PROG = "bootdiag"


# ---------------------------------------------------------------------------------- help and errors
class _Formatter(argparse.HelpFormatter):
    """Paragraphs wrapped to the terminal; lines indented by two spaces (examples) kept as written."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32, width=min(Environment().width(sys.stdout), 100))

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        out: list[str] = []
        for block in textwrap.dedent(text).strip("\n").split("\n\n"):
            lines = block.split("\n")
            if all(line.startswith("  ") or not line for line in lines):
                out.append("\n".join(indent + line for line in lines))
            else:
                out.append(textwrap.fill(" ".join(line.strip() for line in lines), width, initial_indent=indent, subsequent_indent=indent))
        return "\n\n".join(out)

    def _metavar_formatter(self, action: argparse.Action, default_metavar: str) -> Callable[[int], tuple[str, ...]]:
        if action.choices is not None and action.metavar is None:
            choices = "|".join(str(c) for c in action.choices)
            return lambda size: (choices,) * size if size else ()
        return super()._metavar_formatter(action, default_metavar)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """A usage error is one line, naming the help to read."""
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


class UsageError(Exception):
    pass


# ---------------------------------------------------------------------------------- shared options
def _number(text: str) -> int:
    from bootdiag.core.numbers import parse_int

    try:
        return parse_int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (decimal, or 0x... hex)") from None


def _capture(p: argparse.ArgumentParser) -> None:
    p.add_argument("capture", nargs="?", metavar="CAPTURE", help="Capture file (plain, .gz); '-' or nothing reads standard input.")


def _format(p: argparse.ArgumentParser, choices: Sequence[str] | None = None, default: str = "text") -> None:
    from bootdiag.render import FORMATS

    names = list(choices or FORMATS)
    described = "; ".join(f"{n}: {FORMATS[n].help}" for n in names if n in FORMATS)
    p.add_argument("-f", "--format", choices=names, default=default, help=described or None)


def _rules(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", action="append", type=Path, default=[], metavar="FILE", help="Extra rule file or folder of *.toml files (repeatable).")


def _color(p: argparse.ArgumentParser) -> None:
    p.add_argument("--color", action=argparse.BooleanOptionalAction, default=None, help="Colour on or off (default: on for a terminal, off in a pipe or with NO_COLOR).")


def _redact(p: argparse.ArgumentParser) -> None:
    p.add_argument("--redact", action="store_true", help="Replace MAC/IP addresses, serial numbers, chip ids, Wi-Fi names, user names and key material with placeholders.")


def _chip(p: argparse.ArgumentParser) -> None:
    p.add_argument("--chip", metavar="CHIP", help="Target chip, one of: " + ", ".join(sorted({c for pl in registry.platforms() for c in pl.chips})) + ".")


def _platform_options(p: argparse.ArgumentParser, beside_log_only: bool) -> None:
    """Each platform's own verify options, in a group titled by the platform."""
    for platform in registry.platforms():
        options = [o for o in platform.options if o.beside_log or not beside_log_only]
        if not options:
            continue
        group = p.add_argument_group(platform.title)
        for option in options:
            kwargs: dict[str, Any] = {"dest": f"platform__{option.field}", "help": option.help}
            if option.metavar is None:
                kwargs.update(action="store_true", default=None)
            else:
                kwargs.update(metavar=option.metavar, type=_number if option.number else str)
                if option.repeat:
                    kwargs.update(action="append")
            group.add_argument(option.flag, **kwargs)


def _files_beside_log(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group("files beside the log (checked, and joined to the diagnosis)")
    group.add_argument("-i", "--image", action="append", default=[], metavar="FILE", help="An image the device rejected (repeatable).")
    group.add_argument("-k", "--key", action="append", default=[], metavar="FILE", help="Public or private signing key for the images (repeatable).")
    group.add_argument("--config", action="append", default=[], metavar="FILE", help="Build configuration: sdkconfig, CMakeCache.txt or .config (repeatable).")
    _platform_options(p, beside_log_only=True)


def _given_platform_options(args: argparse.Namespace) -> dict[str, Any]:
    return {k.removeprefix("platform__"): v for k, v in vars(args).items() if k.startswith("platform__") and v is not None}


def _job(args: argparse.Namespace, capture: str | None) -> Any:
    from bootdiag.app.run import Job

    return Job(
        capture=capture, images=args.image, keys=args.key, configs=args.config, options=_given_platform_options(args),
        chip=getattr(args, "chip", None), rule_files=args.rules, redact=getattr(args, "redact", False),
    )


def _capture_arg(args: argparse.Namespace, env: Environment) -> str | None:
    capture = args.capture
    if (capture is None or capture == "-") and env.stdin_is_terminal():
        raise UsageError(f"{PROG} {args.command}: no capture given: pass a file, or pipe one in (cat boot.log | {PROG} {args.command})")
    return capture


# ---------------------------------------------------------------------------------- commands
def cmd_explain(args: argparse.Namespace, env: Environment) -> int:
    from bootdiag.app.run import explain_job, publish
    from bootdiag.render import render

    if args.example:
        from bootdiag.app.example import bundled_example

        example, expected = bundled_example()
        report = explain_job(_job(args, str(example)), env)
        render(report, args.format, env.stdout, color=env.color(env.stdout, args.color))
        if report.top is None or report.top.id != expected:
            env.stderr.write(f"{PROG}: the bundled example was not diagnosed as {expected}\n")
            return ExitStatus.INTERNAL
        return ExitStatus.OK  # the example is a failure by design: exit 0 says the tool works
    report = explain_job(_job(args, _capture_arg(args, env)), env)
    render(report, args.format, env.stdout, color=env.color(env.stdout, args.color))
    publish(report, env)
    return report.exit_code


def cmd_report(args: argparse.Namespace, env: Environment) -> int:
    from bootdiag.app.bundle import write_bundle
    from bootdiag.app.run import publish

    bundle = write_bundle(_job(args, _capture_arg(args, env)), args.output, env, force=args.force)
    report = bundle.report
    verdict = f"root cause {report.top.id}" if report.top else report.status
    env.stdout.write(f"wrote {bundle.path} ({len(bundle.entries) + 1} files{', redacted' if bundle.redacted else ''}): {verdict}\n")
    publish(report, env)
    return report.exit_code


def cmd_tail(args: argparse.Namespace, env: Environment) -> int:
    from bootdiag.app.run import Job
    from bootdiag.app.tail import TailOptions, run_tail

    options = TailOptions(
        port=args.port, baud=args.baud, save=args.save, exit_on_finding=args.exit_on_finding, fmt=args.format,
        reset=args.reset, timestamps=args.timestamps, color=args.color, shared=args.shared, job=Job(rule_files=args.rules),
    )
    return run_tail(options, env)


def cmd_events(args: argparse.Namespace, env: Environment) -> int:
    from bootdiag.core.lines import iter_blocks, iter_lines
    from bootdiag.core.parse import LineParser
    from bootdiag.core.sources import iter_chunks, open_capture

    stream, _ = open_capture(_capture_arg(args, env), stdin=env.stdin)
    parser = LineParser()
    chunks = iter_chunks(stream)
    items = parser.all_lines(iter_lines(chunks)) if args.all else parser.events(iter_blocks(chunks))
    out = env.stdout
    for event in items:
        out.write(event.model_dump_json())
        out.write("\n")
    return ExitStatus.OK


def cmd_rules(args: argparse.Namespace, env: Environment) -> int:
    from bootdiag.core.rules import load_rules

    rules = load_rules(args.rules)
    if args.rule_id is not None:
        rules = [r for r in rules if r.id == args.rule_id]
        if not rules:
            raise UsageError(f"{PROG} rules: no rule {args.rule_id!r}; `{PROG} rules` lists them")
    out = env.stdout
    if args.format == "json":
        json.dump([r.model_dump(mode="json", by_alias=True) for r in rules], out, indent=2)
        out.write("\n")
        return ExitStatus.OK
    if args.rule_id is not None:
        rule = rules[0]
        out.write(f"{rule.id}: {rule.title}\nplatform: {rule.platform}, confidence: {rule.confidence}, priority: {rule.priority}\n\n")
        out.write(rule.explain + "\n\nfix:\n")
        for line in rule.fix:
            out.write(f"  > {line}\n")
        return ExitStatus.OK
    width = max(len(r.id) for r in rules)
    for rule in rules:
        out.write(f"{rule.id:<{width}}  {rule.title}\n")
    return ExitStatus.OK


def cmd_verify(args: argparse.Namespace, env: Environment) -> int:
    from bootdiag.app.run import _first_error
    from bootdiag.core.errors import InputError
    from bootdiag.verify import UnusableInput, VerifyOptions, verify_file

    try:
        options = VerifyOptions(keys=args.key, chip=args.chip, offset=args.offset, **_given_platform_options(args))
    except ValueError as exc:
        raise InputError(_first_error(exc)) from None
    try:
        report = verify_file(args.file, options)
    except UnusableInput as exc:
        raise InputError(str(exc)) from None
    if args.format == "json":
        json.dump(report.model_dump(mode="json"), env.stdout, indent=2)
        env.stdout.write("\n")
    else:
        from bootdiag.render.verify_text import render_verify_text

        render_verify_text(report, env.stdout)
    return ExitStatus.OK if report.ok else ExitStatus.FOUND


def cmd_scan(args: argparse.Namespace, env: Environment) -> int:
    from bootdiag.app.scan_command import run

    return run(args.paths, args.jobs, args.format, args.scheduler, env.stdout, env.stderr)


# ---------------------------------------------------------------------------------- the parser
def build_parser() -> argparse.ArgumentParser:
    titles = "; ".join(p.title.split(":")[0] for p in registry.platforms() if p.rule_files)
    parser = _Parser(
        prog=PROG, formatter_class=_Formatter,
        description=f"Explain secure-boot, boot and flashing failures from logs and firmware images ({titles}).",
        epilog="exit status (every command):\n\n" + exit_status_help() + f"\n\n`{PROG} COMMAND --help` shows a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, handler: Callable[[argparse.Namespace, Environment], int], summary: str, description: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=summary, description=description, formatter_class=_Formatter)
        sub.set_defaults(handler=handler)
        return sub

    p = command("explain", cmd_explain, "say what went wrong in a boot or flashing log, and the fix", """
        Read a boot or flashing log (a serial capture, tool output, or a whole pasted forum post) and
        say what went wrong, why, the evidence lines and the fix. Lines that are not log output are
        passed over.

        With --image (and --key, --config, and the platform options below) the files are checked too,
        and what they show decides between the causes the log alone leaves open.

        examples:
          bootdiag explain boot.log
          cat boot.log | bootdiag explain --format json
          bootdiag explain boot.log --image build/app.bin --key signing_key.pem
        """)
    _capture(p)
    _format(p)
    _rules(p)
    _color(p)
    _redact(p)
    p.add_argument("--example", action="store_true", help="Explain the bundled example capture (exit 0 when it is diagnosed as expected).")
    _chip(p)
    _files_beside_log(p)

    p = command("report", cmd_report, "write a zip for a bug report: capture, report, verifier output", """
        Write one zip to attach to a bug report: the capture, report.json, report.md, the verifier's
        output for each --image, the configuration files given, and manifest.json with the sha256 of
        every file. Exit status as for explain.

        example:
          bootdiag report boot.log --image build/app.bin --key key.pem --redact -o bug-1234.zip
        """)
    _capture(p)
    p.add_argument("-o", "--output", type=Path, default=Path("bootdiag-report.zip"), metavar="ZIP", help="Where to write the zip (a folder gets bootdiag-report.zip).")
    p.add_argument("--force", action="store_true", help="Replace the zip if it exists (a symbolic link there is replaced, never followed).")
    _redact(p)
    _rules(p)
    _chip(p)
    _files_beside_log(p)

    p = command("tail", cmd_tail, "read a serial port live and diagnose as the board boots", """
        Read a serial port live: show each line as it arrives and the diagnosis as soon as it is
        certain. Lines carry their capture line number, coloured by level; lines bootdiag read as
        events are marked '>'. A finding is shown the moment its rule's conditions are met, and is
        updated or withdrawn if a later line of the same boot changes the picture.

        The port is opened without toggling DTR/RTS (the board is not reset unless --reset). If the
        port goes away (unplugged), tail waits for it and carries on. A port another program holds
        with an exclusive lock (a flashing tool) is not read unless --shared. Ctrl-C (or
        SIGTERM, or closing the terminal) prints the report; the exit status is the one explain gives.

        examples:
          bootdiag tail /dev/ttyUSB0 --reset --save boot.log
          bootdiag tail socket://192.168.1.20:3333 --exit-on-finding --format json
        """)
    p.add_argument("port", nargs="?", metavar="PORT", help="Device (/dev/ttyUSB0, COM3) or pyserial URL (socket://host:port, rfc2217://host:port); nothing picks the only port found.")
    p.add_argument("-b", "--baud", type=int, default=115200, metavar="RATE", help="Baud rate (default 115200).")
    p.add_argument("-s", "--save", type=Path, metavar="FILE", help="Write every byte received, unmodified, to FILE (replaced if it exists).")
    p.add_argument("--exit-on-finding", action="store_true", help="Stop and print the report as soon as a root cause is found (exit 1).")
    _format(p, ["text", "json"])
    p.add_argument("--reset", action="store_true", help="Reset the board through RTS/DTR to capture its boot from the first line.")
    p.add_argument("-t", "--timestamps", action="store_true", help="Prefix each shown line with the time it arrived (the saved capture stays unmodified).")
    p.add_argument("--shared", action="store_true", help="Read the port even while another program (a flashing tool) holds it with an exclusive lock; by default tail names the holder and exits 2.")
    _color(p)
    _rules(p)

    p = command("events", cmd_events, "print the typed events read from a capture (JSON lines)", """
        Print the typed events read from a capture, one JSON object per line: for writing grammars
        and rules.
        """)
    _capture(p)
    p.add_argument("--all", action="store_true", help="Also print lines no grammar claims, as Unparsed.")

    p = command("rules", cmd_rules, "list the root causes bootdiag knows, or show one", """
        List the root causes bootdiag knows (the rule catalogue), or show one rule in full.
        """)
    p.add_argument("rule_id", nargs="?", metavar="RULE_ID", help="Show this rule in full.")
    _format(p, ["text", "json"])
    _rules(p)

    p = command("verify", cmd_verify, "check an image or key the way the bootloader would", """
        Check a firmware image, signed file or key the way the bootloader would, and say precisely
        what is wrong. The format is found from the content, never from the file name.

        Exit status: 0 valid, 1 problems found, 2 unusable input (missing file, not a key, unknown format).
        """)
    p.add_argument("file", type=Path, metavar="FILE", help="Image, signed file or key.")
    p.add_argument("-k", "--key", action="append", default=[], metavar="FILE", help="Public or private key the image should be signed with (repeatable).")
    _chip(p)
    p.add_argument("--offset", type=_number, metavar="OFFSET", help="Where the image starts inside a merged flash dump (e.g. 0x1000).")
    _format(p, ["text", "json"])
    _platform_options(p, beside_log_only=False)

    p = command("scan", cmd_scan, "explain many captures in parallel and count the causes", """
        Explain many captures in parallel: one JSON line per capture on stdout, then the root causes
        by count. A file that cannot be read gives a JSON line with "error"; the scan goes on.

        Exit status: 1 if any capture is diagnosed, else 3 if a failure is unexplained, else 2 if a
        capture could not be read, else 0.
        """)
    p.add_argument("paths", nargs="+", metavar="PATH", help="Capture files, folders (walked) or globs ('logs/**/*.log.gz').")
    p.add_argument("-j", "--jobs", type=_positive, metavar="N", help="Worker processes (default: one per core).")
    p.add_argument("-f", "--format", choices=["jsonl", "table"], default="jsonl", help="jsonl: a JSON line per capture on stdout, the cause table on stderr; table: only the cause table.")
    p.add_argument("--scheduler", metavar="ADDRESS", help="Run on a Dask cluster (tcp://host:8786); workers must see the paths. Needs bootdiag[dask].")
    return parser


def _positive(text: str) -> int:
    value = _number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give 1 or more")
    return value


# ---------------------------------------------------------------------------------- entry point
def run(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    """Run one command; returns its exit status. Errors become one line on stderr."""
    env = env or Environment()
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(env.stdout)
            return ExitStatus.USAGE
        return int(args.handler(args, env))
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0) if isinstance(exc.code, int) else ExitStatus.USAGE
    except UsageError as exc:
        _say(env, str(exc))
        return ExitStatus.USAGE
    except BootdiagError as exc:
        _say(env, f"{PROG}: {exc}")
        return ExitStatus.USAGE
    except KeyboardInterrupt:
        _say(env, f"{PROG}: interrupted")
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        _quiet_stdout()
        return ExitStatus.OK
    except Exception as exc:  # noqa: BLE001 - the promise is: no traceback, a line and an exit status
        if env.debug:
            raise
        _say(env, f"{PROG}: internal error: {type(exc).__name__}: {exc} (set BOOTDIAG_DEBUG=1 for details)")
        return ExitStatus.INTERNAL


def _say(env: Environment, line: str) -> None:
    from bootdiag.render.controls import visible

    try:
        env.stderr.write(visible(line.rstrip("\n")) + "\n")  # a file name's control characters stay text
        env.stderr.flush()
    except (OSError, ValueError):
        pass


def _quiet_stdout() -> None:
    """The reader went away (``| head``): later writes, and the interpreter's own flush, go nowhere."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main() -> None:
    """Console entry point."""
    sys.exit(run())

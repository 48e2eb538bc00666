"""The command line: one function per command over :mod:`bootdiag.app.run`, options declared once.

Built on argparse (the standard library) so that a command starts without loading anything it does
not use; every command's work happens in the application layer. Errors are one line on stderr with
the documented exit status (:mod:`bootdiag.core.exit`), never a traceback.
"""
from __future__ import annotations

from bootdiag.core import kept_regexes

kept_regexes.install()  # before the modules below compile their regexes

import argparse
import gettext
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from bootdiag import __version__
from bootdiag import platforms as registry
from bootdiag.app import collector
from bootdiag.app.environment import Environment
from bootdiag.core.errors import BootdiagError
from bootdiag.core.exit import ExitStatus, exit_status_help

PROG = "bootdiag"

# argparse looks each of its own texts up with gettext.gettext, which searches the locale folders for a
# catalogue on every call (a file test per language the environment names); the catalogue that search
# finds, looked up once, gives the same texts.
_ARGPARSE_TEXTS = gettext.translation(gettext.textdomain(), fallback=True)
argparse._ = _ARGPARSE_TEXTS.gettext  # type: ignore[attr-defined]
argparse.ngettext = _ARGPARSE_TEXTS.ngettext  # type: ignore[attr-defined]
_PLAIN_STATUSES = "exit status: 0 done, 2 usage or input error, 4 internal error, 130 interrupted."


# ---------------------------------------------------------------------------------- help and errors
class _Formatter(argparse.HelpFormatter):
    """Paragraphs wrapped to the terminal; lines indented by two spaces (examples, and the title line
    above them) kept as written."""

    def __init__(self, prog: str) -> None:
        # (argparse makes a formatter for every option it adds: the process's variables are read where
        # they are, not copied each time)
        width = Environment(variables=os.environ).width(sys.stdout)
        super().__init__(prog, max_help_position=32, width=min(width, 100))

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import textwrap  # help only: a command's run does not need it

        out: list[str] = []
        for block in textwrap.dedent(text).strip("\n").split("\n\n"):
            lines = block.split("\n")
            # Lines indented by two spaces (examples), with or without a "label:" line above them, stay as written.
            body = lines[1:] if len(lines) > 1 and lines[0].endswith(":") else lines
            if all(line.startswith("  ") or not line for line in body):
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
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self.add_argument("-h", "--help", action="help", help="Show this help and exit.")

    def _print_message(self, message: str, file: Any = None) -> None:
        if file is None:  # standard output is closed: --help has nowhere to go (argparse would use stderr)
            return
        super()._print_message(message, file)

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
    p.add_argument("capture", nargs="?", metavar="CAPTURE", help="Capture file (plain, gzip or zstd; UTF-8 or UTF-16); '-' or nothing reads standard input.")


def _format(p: argparse.ArgumentParser, choices: Sequence[str] | None = None, default: str = "text") -> None:
    from bootdiag.render import FORMATS

    names = list(choices or FORMATS)
    described = "; ".join(f"{n}: {FORMATS[n].help}" for n in names if n in FORMATS)
    p.add_argument("-f", "--format", choices=names, default=default, help=f"Output format (default {default}). {described}." if described else None)


def _detail(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("-v", "--verbose", action="store_true", help="Text report: add the possible causes, the docs links, the context read from the log and every finding in full.")
    group.add_argument("-q", "--quiet", action="store_true", help="Text report: one line per finding.")


def _rules(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", action="append", type=Path, default=[], metavar="FILE", help="Extra rule file or folder of *.toml files (repeatable); a file named as a shipped one replaces it.")


def _color(p: argparse.ArgumentParser) -> None:
    p.add_argument("--color", action=argparse.BooleanOptionalAction, default=None, help="Colour on or off (default: on for a terminal, off in a pipe or with NO_COLOR).")


def _redact(p: argparse.ArgumentParser) -> None:
    p.add_argument("--redact", action="store_true", help="Replace MAC/IP addresses, serial numbers, chip ids, Wi-Fi names, user names and key material with placeholders.")


def _known_chip(text: str) -> str:
    """A --chip value some platform knows (case, ``-`` and ``_`` aside), as given."""
    known = registry.known_chips()
    if registry.chip_key(text) not in known:
        raise argparse.ArgumentTypeError(f"unknown chip {text!r} (one of: {', '.join(sorted(known))})")
    return text


def _chip(p: argparse.ArgumentParser) -> None:
    p.add_argument("--chip", type=_known_chip, metavar="CHIP", help="Target chip, one of: " + ", ".join(sorted({c for pl in registry.platforms() for c in pl.chips})) + ".")


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

    if args.example:
        from bootdiag.app.example import bundled_example

        example, expected = bundled_example()
        report = explain_job(_job(args, str(example)), env)
        _show(report, args, env)
        if report.top is None or report.top.id != expected:
            env.stderr.write(f"{PROG}: the bundled example was not diagnosed as {expected}\n")
            return ExitStatus.INTERNAL
        return ExitStatus.OK  # the example is a failure by design: exit 0 says the tool works
    report = explain_job(_job(args, _capture_arg(args, env)), env)
    _show(report, args, env)
    publish(report, env)
    return report.exit_code


def cmd_check(args: argparse.Namespace, env: Environment) -> int:
    from bootdiag.app.check import CheckJob, check_job
    from bootdiag.app.run import publish
    from bootdiag.render import render

    job = CheckJob(folder=args.build_dir, options=_given_platform_options(args), keys=args.key, port=args.port, rule_files=args.rules)
    report = check_job(job)
    render(report, args.format, env.stdout, color=env.color(env.stdout, args.color), width=env.width(env.stdout))
    publish(report, env)
    return report.exit_code


def _show(report: Any, args: argparse.Namespace, env: Environment) -> None:
    from bootdiag.render import render

    detail = "quiet" if args.quiet else "verbose" if args.verbose else "normal"
    render(report, args.format, env.stdout, color=env.color(env.stdout, args.color), width=env.width(env.stdout), detail=detail)


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

    if args.follow is not None and args.port is not None:
        raise UsageError(f"{PROG} tail: give a PORT or --follow FILE, not both")
    options = TailOptions(
        port=args.port, follow=args.follow, baud=args.baud, save=args.save, exit_on_finding=args.exit_on_finding, fmt=args.format,
        reset=args.reset, timestamps=args.timestamps, color=args.color, shared=args.shared, job=Job(rule_files=args.rules),
        detail="quiet" if args.quiet else "verbose" if args.verbose else "normal",
    )
    return run_tail(options, env)


def cmd_events(args: argparse.Namespace, env: Environment) -> int:
    from bootdiag.core.engine import messages_read_by
    from bootdiag.core.lines import iter_blocks, iter_lines
    from bootdiag.core.parse import LineParser
    from bootdiag.core.pipeline import default_rules
    from bootdiag.core.sources import iter_chunks, open_capture

    # The rules' own catalogue lines are read as explain reads them (a benign line a rule names).
    messages = messages_read_by(default_rules(args.rules))
    stream, _ = open_capture(_capture_arg(args, env), stdin=env.stdin)
    parser = LineParser(messages=messages)
    chunks = iter_chunks(stream)
    items = parser.all_lines(iter_lines(chunks)) if args.all else parser.events(iter_blocks(chunks, apart=parser.rows_apart))
    out = env.stdout
    for event in items:
        out.write(event.model_dump_json() + "\n")
        if env.reader_gone:
            break  # nobody reads on: the rest of the capture would be parsed for nothing
    return ExitStatus.OK


def cmd_rules(args: argparse.Namespace, env: Environment) -> int:
    from bootdiag.core.pipeline import default_predictions, default_rules

    rules = list(default_rules(args.rules))
    predictions = default_predictions(args.rules)  # validated with the rules they name
    if args.rule_id is not None:
        rules = [r for r in rules if r.id == args.rule_id]
        if not rules:
            raise UsageError(f"{PROG} rules: no rule {args.rule_id!r}; `{PROG} rules` lists them")
    out = env.stdout
    if args.format == "json":
        import json

        json.dump([r.model_dump(mode="json", by_alias=True) for r in rules], out, indent=2)
        out.write("\n")
        return ExitStatus.OK
    if args.rule_id is not None:
        rule = rules[0]
        out.write(f"{rule.id}: {rule.title}\nplatform: {rule.platform}, confidence: {rule.confidence}, priority: {rule.priority}\n\n")
        out.write(rule.explain + "\n\nfix:\n")
        for line in rule.fix:
            out.write(f"  > {line}\n")
        checks = sorted({c.where["check"] for p in predictions if p.id == rule.id for w in p.all_whens() for c in w.all + w.any if "check" in c.where})
        if checks:
            out.write(f"\npredicted before flashing by `{PROG} check` when one of these checks fails: {', '.join(checks)}\n")
        return ExitStatus.OK
    width = max(len(r.id) for r in rules)
    for rule in rules:
        out.write(f"{rule.id:<{width}}  {rule.title}\n")
    return ExitStatus.OK


def cmd_messages(args: argparse.Namespace, env: Environment) -> int:
    from bootdiag.core.errors import InputError
    from bootdiag.core.messages import look_up

    found = look_up(" ".join(args.text))
    if not found:
        raise InputError(f"no catalogued message matches {' '.join(args.text)!r}; try fewer words")
    out = env.stdout
    if args.format == "json":
        keys = ("id", "platform", "severity", "level", "format", "meaning")
        import json

        json.dump([{**{k: getattr(m, k) for k in keys}, "source": m.upstream} for m in found[: args.limit]], out, indent=2)
        out.write("\n")
        return ExitStatus.OK
    for known in found[: args.limit]:
        out.write(f"{known.id} ({known.platform}, {known.severity}): {known.format}\n  {known.meaning}\n  source: {known.upstream}\n")
    if len(found) > args.limit:
        out.write(f"... and {len(found) - args.limit} more (--limit)\n")
    return ExitStatus.OK


def cmd_verify(args: argparse.Namespace, env: Environment) -> int:
    from bootdiag.app.run import _first_error
    from bootdiag.core.errors import InputError
    from bootdiag.verify import UnusableInput, VerifyOptions, verify_file

    try:
        options = VerifyOptions(keys=args.key, chip=args.chip, offset=args.offset, address=args.address,
                                **_given_platform_options(args))
    except ValueError as exc:
        raise InputError(_first_error(exc)) from None
    try:
        report = verify_file(args.file, options)
    except UnusableInput as exc:
        raise InputError(str(exc)) from None
    if args.format == "json":
        import json

        json.dump(report.model_dump(mode="json"), env.stdout, indent=2)
        env.stdout.write("\n")
    else:
        from bootdiag.render.verify_text import render_verify_text

        render_verify_text(report, env.stdout, color=env.color(env.stdout, args.color), verbose=args.verbose)
    return VERIFY_EXIT[report.verdict]


# The verdict of `bootdiag verify`, as its exit status.
VERIFY_EXIT = {"valid": ExitStatus.OK, "invalid": ExitStatus.FOUND, "not_checked": ExitStatus.NOT_CHECKED}


def cmd_completion(args: argparse.Namespace, env: Environment) -> int:
    from bootdiag.app.completion import script
    from bootdiag.core.pipeline import default_rules

    values = {
        "CHIP": sorted({c for p in registry.platforms() for c in p.chips}),
        "RULE_ID": [rule.id for rule in default_rules()],
    }
    env.stdout.write(script(args.shell, build_parser(), PROG, values))
    return ExitStatus.OK


def cmd_scan(args: argparse.Namespace, env: Environment) -> int:
    from bootdiag.app.scan_command import run

    table_to = env.stdout if args.format == "table" else env.stderr
    return run(args.paths, args.jobs, args.format, args.scheduler, env.stdout, env.stderr, width=env.width(table_to))


# ---------------------------------------------------------------------------------- the parser
def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with ``only``, one command's alone (what running it needs: its
    options, help and errors are the same)."""
    titles = "; ".join(p.title.split(":")[0] for p in registry.platforms() if p.rule_files)
    parser = _Parser(
        prog=PROG, formatter_class=_Formatter,
        description=f"Explain secure-boot, boot and flashing failures from logs and firmware images, and predict them from build folders ({titles}).",
        epilog="exit status (every command):\n\n" + exit_status_help() + f"\n\n`{PROG} COMMAND --help` shows a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}", help="Show bootdiag's version and exit.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    statuses = "exit status:\n\n" + exit_status_help()

    def wanted(name: str) -> bool:
        return only is None or name == only

    def command(name: str, handler: Callable[[argparse.Namespace, Environment], int], summary: str, description: str,
                epilog: str | None = statuses) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=summary, description=description, formatter_class=_Formatter, epilog=epilog)
        sub.set_defaults(handler=handler)
        return sub

    if wanted("explain"):
        p = command("explain", cmd_explain, "Say what went wrong in a boot or flashing log, and the fix.", """
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
        _detail(p)
        _rules(p)
        _color(p)
        _redact(p)
        p.add_argument("--example", action="store_true", help="Explain the bundled example capture (exit 0 when it is diagnosed as expected).")
        _chip(p)
        _files_beside_log(p)

    if wanted("check"):
        p = command("check", cmd_check, "Say before flashing whether the device will boot, from the build folder.", """
            Read a build folder as the build system left it and predict the boot: every check the build
            allows (layout, sizes, signatures and keys, configuration against the images, the device's
            fuses when given), each failure with the cause `explain` would name after the boot and its fix.
            A check that needs a fact the folder does not hold says what would decide it.

            Exit status as for explain: 0 will boot, 1 a failure is predicted, 3 a check failed that no rule
            names, 6 no failure predicted but some checks are undecided.

            examples:
              bootdiag check build/
              bootdiag check build/ --efuse efuse-summary.txt --format markdown
              bootdiag check build/ --port /dev/ttyUSB0
            """)
        p.add_argument("build_dir", nargs="?", default=".", metavar="BUILD_DIR", help="The build folder (default: the current folder, or its build/ subfolder).")
        p.add_argument("--port", metavar="PORT", help="Read the device's state, read-only (never written to): a serial port, or for a board in USB recovery mode `usb` or its USB bus-port path as flash.sh --usb-instance takes it (e.g. 1-4).")
        p.add_argument("-k", "--key", action="append", default=[], metavar="FILE", help="A public key the device trusts, besides those the build holds (repeatable).")
        _format(p)
        _rules(p)
        _color(p)
        _platform_options(p, beside_log_only=True)

    if wanted("report"):
        p = command("report", cmd_report, "Write a zip for a bug report: the capture, the report and the verifier's output.", """
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

    if wanted("tail"):
        p = command("tail", cmd_tail, "Read a serial port, a pipe or a growing file live, and diagnose as the board boots.", """
            Read a serial port, standard input or a file another program is writing, live: show each
            line as it arrives and the diagnosis as soon as it is certain. Lines carry their capture line
            number, coloured by level; lines bootdiag read as events are marked '>'. A finding is shown
            the moment its rule's conditions are met, and is updated or withdrawn if a later line of the
            same boot changes the picture.

            The port is opened without toggling DTR/RTS (the board is not reset unless --reset). If the
            port goes away (unplugged), tail waits for it and carries on. A port another program holds
            with an exclusive lock (a flashing tool) is not read unless --shared. When another program
            holds the port (a serial monitor such as tio or minicom), read what it writes: pipe it in with
            '-', or follow the file it logs to with --follow. Ctrl-C (or SIGTERM, or closing the terminal)
            prints the report (standard input also ends at its end); the exit status is the one explain gives.

            examples:
              bootdiag tail /dev/ttyUSB0 --reset --save boot.log
              bootdiag tail socket://192.168.1.20:3333 --exit-on-finding --format json
              tio /dev/ttyUSB0 | bootdiag tail -
              bootdiag tail --follow tio.log
            """)
        p.add_argument("port", nargs="?", metavar="PORT", help="Device (/dev/ttyUSB0, COM3) or pyserial URL (socket://host:port, rfc2217://host:port); '-' reads standard input; nothing picks the only port found.")
        p.add_argument("-F", "--follow", type=Path, metavar="FILE", help="Read FILE from its start and keep reading as another program writes it (tio --log, minicom capture, screen -L).")
        p.add_argument("-b", "--baud", type=_positive, metavar="RATE", help="Baud rate of the port (default 115200); with '-' or --follow, the rate the capture was made at, for the wrong-rate hint.")
        p.add_argument("-s", "--save", type=Path, metavar="FILE", help="Write every byte received, unmodified, to FILE (replaced if it exists).")
        p.add_argument("--exit-on-finding", action="store_true", help="Stop and print the report as soon as a root cause is found (exit 1).")
        _format(p, ["text", "json"])
        _detail(p)
        p.add_argument("--reset", action="store_true", help="Reset the board through RTS/DTR to capture its boot from the first line.")
        p.add_argument("-t", "--timestamps", action="store_true", help="Prefix each shown line with the time it arrived (the saved capture stays unmodified).")
        p.add_argument("--shared", action="store_true", help="Read the port even while another program (a flashing tool) holds it with an exclusive lock; by default tail names the holder and exits 2.")
        _color(p)
        _rules(p)

    if wanted("events"):
        p = command("events", cmd_events, "Print the typed events read from a capture, as JSON lines.", """
            Print the typed events read from a capture, one JSON object per line: for writing grammars
            and rules. The lines read are those explain reads with the same rules (a catalogued line
            that only some rule names is read because it does).
            """, epilog=_PLAIN_STATUSES)
        _capture(p)
        p.add_argument("--all", action="store_true", help="Also print lines no grammar claims, as Unparsed.")
        _rules(p)

    if wanted("rules"):
        p = command("rules", cmd_rules, "List the root causes bootdiag knows, or show one.", """
            List the root causes bootdiag knows (the rule catalogue), or show one rule in full.
            """, epilog=_PLAIN_STATUSES)
        p.add_argument("rule_id", nargs="?", metavar="RULE_ID", help="Show this rule in full.")
        _format(p, ["text", "json"])
        _rules(p)

    if wanted("messages"):
        p = command("messages", cmd_messages, "Say what a log line means: look it up in the message catalogues.", """
            Look a log line, part of one, or a message id up in the message catalogues: the messages
            the bootloaders and flashing tools of every platform bootdiag knows print, each with its
            meaning and where upstream prints it. The line may keep its
            envelope or paste wrapping; the message it holds is found first, then every message whose
            text contains all the words given.

            examples:
              bootdiag messages "Image hash failed - image is corrupt"
              bootdiag messages flash read err
              bootdiag messages MESSAGE_ID --format json
            """, epilog=_PLAIN_STATUSES)
        p.add_argument("text", nargs="+", metavar="TEXT", help="A log line, words of one, or a message id.")
        p.add_argument("--limit", type=int, default=10, metavar="N", help="Show at most N messages (default 10).")
        _format(p, ["text", "json"])

    if wanted("verify"):
        p = command("verify", cmd_verify, "Check an image or key the way the bootloader would.", """
            Check a firmware image, signed file or key the way the bootloader would, and say precisely
            what is wrong. The format is found from the content, never from the file name.

            A raw image, a merged flash image (every image in it is found and checked at its address), an
            Intel HEX or ELF file (checked at the addresses it gives), or a key file (its digest for every
            platform it may serve).

            The verdict has three states: valid (every check made and passed; the output says what was
            checked against what), invalid (the problems, by id), and partly checked or not checked
            (nothing wrong found, but a full verdict needs what the output names: a trusted key, an eFuse
            summary, an encryption key). A signed image checked without any trusted key is never valid.

            Exit status: 0 valid, 1 invalid, 7 partly checked or not checked, 2 unusable input (missing
            file, not a key, unknown format, a bad --key or option file), 4 internal error, 130 interrupted.

            examples:
              bootdiag verify build/app.bin --key signing_key.pem
              bootdiag verify merged.bin --key sb.pem --efuse summary.txt
              bootdiag verify app.signed.hex --key root-ec-p256.pem --enc-key enc-ec256-priv.pem
              bootdiag verify signing_key.pem
            """, epilog=None)
        p.add_argument("file", type=Path, metavar="FILE", help="Image, merged flash image, Intel HEX or ELF file, or key.")
        p.add_argument("-k", "--key", action="append", default=[], metavar="FILE", help="Public or private key the image should be signed with (repeatable; each image is checked against the keys that fit its scheme).")
        _chip(p)
        p.add_argument("--offset", type=_number, metavar="OFFSET", help="Check only the image starting at this offset of the file (e.g. 0x1000).")
        p.add_argument("--address", type=_number, metavar="ADDRESS", help="Flash address the file is written to (the address a flashing command is given with it; Intel HEX and ELF files give their own).")
        _format(p, ["text", "json"])
        p.add_argument("-v", "--verbose", action="store_true", help="Every fact found (headers, segments, TLVs, signature blocks), not just the verdict.")
        _color(p)
        _platform_options(p, beside_log_only=False)

    if wanted("scan"):
        p = command("scan", cmd_scan, "Explain many captures in parallel and count the causes.", """
            Explain many captures in parallel: one JSON line per capture on stdout, then the root causes
            by count. A file that cannot be read gives a JSON line with "error"; the scan goes on.

            """, epilog="exit status: 1 if any capture is diagnosed, else 3 if a failure is unexplained, else 2 if a "
                        "capture could not be read, else 0; 4 internal error, 130 interrupted.")
        p.add_argument("paths", nargs="+", metavar="PATH", help="Capture files, folders (walked) or globs ('logs/**/*.log.gz').")
        p.add_argument("-j", "--jobs", type=_positive, metavar="N", help="Worker processes (default: one per core).")
        p.add_argument("-f", "--format", choices=["jsonl", "table"], default="jsonl", help="Output format (default jsonl). jsonl: a JSON line per capture on stdout, the cause table on stderr; table: only the cause table.")
        p.add_argument("--scheduler", metavar="ADDRESS", help="Run on a Dask cluster (tcp://host:8786); workers must see the paths. Needs bootdiag[dask].")

    if wanted("completion"):
        from bootdiag.app.completion import SHELLS

        p = command("completion", cmd_completion, "Print a shell completion script for bash, zsh or fish.", f"""
            Print a completion script for your shell, made from these commands and options. Load it in
            the shell's start-up file.

            examples:
              eval "$({PROG} completion bash)"      # in ~/.bashrc
              eval "$({PROG} completion zsh)"       # in ~/.zshrc, after compinit
              {PROG} completion fish > ~/.config/fish/completions/{PROG}.fish
            """, epilog=_PLAIN_STATUSES)
        p.add_argument("shell", choices=SHELLS, metavar="SHELL", help="The shell: bash, zsh or fish.")
    return parser


_COMMANDS = ("explain", "check", "report", "tail", "events", "rules", "messages", "verify", "scan", "completion")


def _command_names(parser: argparse.ArgumentParser) -> list[str]:
    return [name for action in parser._actions if isinstance(action, argparse._SubParsersAction) for name in action.choices]


def _positive(text: str) -> int:
    value = _number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give 1 or more")
    return value


# ---------------------------------------------------------------------------------- entry point
def run(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    """Run one command; returns its exit status. Errors become one line on stderr."""
    env = env or Environment()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        # The command named first is the only one whose options are needed (others: built on demand).
        parser = build_parser(argv[0] if argv and argv[0] in _COMMANDS else None)
        args = parser.parse_args(argv)
        if args.command != "explain":
            collector.resume()  # (explain resumes it once it has read the start of the capture)
        if args.command is None:
            raise UsageError(f"{PROG}: no command given: one of {', '.join(_command_names(parser))} (see {PROG} --help)")
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
    except BrokenPipeError:  # written past the guard (argparse's --help): the reader left
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
    except (OSError, ValueError, AttributeError):  # stderr closed too: the exit status says it
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
    from bootdiag.core import cache

    cache.KEPT_TO_THE_END = True  # this process ends with its command (see cache.unpickle)
    kept_regexes.keep_at_exit()
    collector.pause()  # until explain has read the start of the capture, or another command starts
    status = run()
    if "threading" not in sys.modules:  # nothing started a thread (nor a process pool, which needs one)
        _end_now(status)
    sys.exit(status)


def _end_now(status: int) -> NoReturn:
    """End the process without tearing the interpreter down: with no thread or process started,
    what is left to do at exit is to flush the standard streams and run the exit functions; freeing
    every module and object one by one would take about 9 ms of a short run."""
    import atexit
    import os

    atexit._run_exitfuncs()  # type: ignore[attr-defined]
    for stream in (sys.stdout, sys.stderr):  # after the exit functions, which may write too
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # the reader left or the stream is closed: the status says it
            pass
    os._exit(status)

"""`--help` speaks in whole sentences and lists every exit status; usage errors are one line; the
completion scripts `bootdiag completion bash|zsh|fish` prints work in the real shells."""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bootdiag.app.cli import build_parser
from bootdiag.core.exit import ExitStatus

ENV = {**{k: v for k, v in os.environ.items() if k != "BOOTDIAG_DEBUG"}, "COLUMNS": "100"}


def bootdiag(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bootdiag", *args], capture_output=True, text=True, timeout=60, env=ENV)


def parsers() -> list[argparse.ArgumentParser]:
    top = build_parser()
    subs = [a for a in top._actions if isinstance(a, argparse._SubParsersAction)][0]
    return [top, *subs.choices.values()]


def test_every_option_and_command_is_described_in_whole_sentences() -> None:
    for parser in parsers():
        for action in parser._actions:
            texts = [action.help] if not isinstance(action, argparse._SubParsersAction) else [a.help for a in action._choices_actions]
            for text in texts:
                assert text and (text[0].isupper() or text[0] in "`'") and text.rstrip().endswith("."), f"{parser.prog} {action.option_strings or action.dest}: {text!r}"
            assert not re.search(r"<\w+|\[x>=", str(action.metavar or "")), f"{parser.prog}: metavar {action.metavar!r}"


def test_top_level_help_lists_every_exit_status() -> None:
    proc = bootdiag("--help")
    assert proc.returncode == 0
    for status in ExitStatus:
        assert re.search(rf"^\s+{int(status)}\s+\S", proc.stdout, re.M), f"exit status {int(status)} missing"
    assert "completion" in proc.stdout


@pytest.mark.parametrize("command", ["explain", "report", "tail"])
def test_report_commands_list_their_exit_statuses(command: str) -> None:
    out = bootdiag(command, "--help").stdout
    assert all(re.search(rf"^\s+{int(s)}\s", out, re.M) for s in ExitStatus), out


@pytest.mark.parametrize("args", [["explain", "--nope"], ["tail", "--baud", "x"], ["verify"], [], ["explain", "-f", "yaml"],
                                  ["tail", "/dev/ttyUSB0", "--follow", "x.log"], ["completion", "tcsh"]])
def test_usage_errors_are_one_line_and_exit_2(args: list[str]) -> None:
    proc = bootdiag(*args)
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1 and proc.stderr.startswith("bootdiag"), proc.stderr


# ---------------------------------------------------------------- completion, in the real shells
def script(shell: str, tmp_path: Path) -> Path:
    proc = bootdiag("completion", shell)
    assert proc.returncode == 0 and proc.stdout
    path = tmp_path / f"bootdiag.{shell}"
    path.write_text(proc.stdout)
    return path


BASH_CASES = [
    (["bootdiag", "ex"], ["explain"]),
    (["bootdiag", "explain", "--for"], ["--format"]),
    (["bootdiag", "explain", "-f", ""], ["text", "json", "markdown"]),
    (["bootdiag", "tail", "--fo"], ["--follow", "--format"]),
    (["bootdiag", "explain", "--chip", "esp32s"], ["esp32s2", "esp32s3", "esp32s31"]),
    (["bootdiag", "rules", "esp.uns"], ["esp.unsigned_image"]),
    (["bootdiag", "completion", "f"], ["fish"]),
]


def complete_in(shell: str, path: Path, words: list[str]) -> list[str]:
    quoted = " ".join("'" + w + "'" for w in words)
    if shell == "bash":
        program = f'source {path}; COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; _bootdiag; printf "%s\\n" "${{COMPREPLY[@]}}"'
        argv = ["bash", "--norc", "-c", program]
    elif shell == "zsh":
        program = (f'autoload -U compinit && compinit -u; source {path}; COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; '
                   '_bootdiag; printf "%s\\n" "${COMPREPLY[@]}"')
        argv = ["zsh", "-f", "-c", program]
    else:
        argv = ["fish", "--no-config", "-c", f"source {path}; complete -C {' '.join(words)!r}"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, env={**ENV, "PATH": os.environ["PATH"]})
    assert proc.returncode == 0, proc.stderr
    return [line.split("\t")[0] for line in proc.stdout.splitlines() if line]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_works_in_the_shell(shell: str, tmp_path: Path) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    path = script(shell, tmp_path)
    for words, expected in BASH_CASES:
        got = complete_in(shell, path, words)
        if shell == "zsh":  # the shell filters COMPREPLY by what is typed; the function may offer more
            got = [w for w in got if w.startswith(words[-1])]
        assert sorted(got) == sorted(expected), (shell, words, got)


def test_a_command_run_alone_gets_the_parser_it_has_among_all() -> None:
    # Running one command builds that command's parser only: it must be the same parser.
    from bootdiag.app.cli import _COMMANDS, _command_names

    full = build_parser()
    assert _command_names(full) == list(_COMMANDS)
    subparsers = next(a for a in full._actions if isinstance(a, argparse._SubParsersAction))
    for name in _COMMANDS:
        alone = next(a for a in build_parser(name)._actions if isinstance(a, argparse._SubParsersAction))
        assert list(alone.choices) == [name]
        assert alone.choices[name].format_help() == subparsers.choices[name].format_help()

"""Shell completion scripts, generated from the command line's own parser.

``bootdiag completion bash|zsh|fish`` prints one: commands, each command's options, the values an
option takes (formats, chips, rule ids) and file names where a file is expected. Generating from
the parser keeps the scripts true to the commands as they are; zsh reuses the bash function
through its ``bashcompinit`` layer.
"""
from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass, field

SHELLS = ("bash", "zsh", "fish")
FILE_METAVARS = frozenset({"FILE", "CAPTURE", "PATH", "ZIP"})


@dataclass
class Option:
    flags: list[str]
    help: str
    takes_value: bool
    values: list[str] = field(default_factory=list)  # fixed values; empty with file=True or free text
    file: bool = False


@dataclass
class Command:
    name: str
    help: str
    options: list[Option]
    positional_values: list[str] = field(default_factory=list)  # e.g. rule ids
    positional_file: bool = False
    positional_device: bool = False  # a serial port


def describe(parser: argparse.ArgumentParser, values: dict[str, list[str]]) -> tuple[list[Option], list[Command]]:
    """The top-level options and the commands of ``parser``; ``values`` gives the words a metavar
    (CHIP, RULE_ID) may take."""
    top: list[Option] = []
    commands: list[Command] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                commands.append(_command(name, helps.get(name, ""), sub, values))
        elif action.option_strings:
            top.append(_option(action, values))
    return top, commands


def _option(action: argparse.Action, values: dict[str, list[str]]) -> Option:
    takes = action.nargs != 0
    metavar = action.metavar if isinstance(action.metavar, str) else None
    choices = [str(c) for c in action.choices] if action.choices else values.get(metavar or "", [])
    return Option(list(action.option_strings), _first_sentence(action.help), takes, choices, file=takes and metavar in FILE_METAVARS)


def _command(name: str, help_: str, sub: argparse.ArgumentParser, values: dict[str, list[str]]) -> Command:
    options = [_option(a, values) for a in sub._actions if a.option_strings]
    command = Command(name, _first_sentence(help_), options)
    for action in sub._actions:
        if action.option_strings:
            continue
        metavar = action.metavar if isinstance(action.metavar, str) else ""
        command.positional_values += [str(c) for c in action.choices] if action.choices else values.get(metavar, [])
        command.positional_file = command.positional_file or metavar in FILE_METAVARS
        command.positional_device = command.positional_device or metavar == "PORT"
    return command


def _first_sentence(text: str | None) -> str:
    text = (text or "").split(". ")[0].rstrip(".")
    return text.replace("%%", "%")


# ---------------------------------------------------------------------------------- bash (and zsh)
def bash_script(prog: str, top: list[Option], commands: list[Command]) -> str:
    name = "_" + prog.replace("-", "_")
    lines = [
        f"# {prog} completion for bash: eval \"$({prog} completion bash)\" (or save it in your bash_completion.d)",
        f"{name}() {{",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" cmd="" i',
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        '        case "${COMP_WORDS[i]}" in -*) ;; *) cmd="${COMP_WORDS[i]}"; break ;; esac',
        "    done",
        '    case "$cmd" in',
        f'    "") COMPREPLY=($(compgen -W {_words([c.name for c in commands] + _flags(top))} -- "$cur")); return ;;',
    ]
    for command in commands:
        lines.append(f"    {command.name})")
        lines.append('        case "$prev" in')
        for option in command.options:
            if not option.takes_value:
                continue
            if option.values:
                action = f'COMPREPLY=($(compgen -W {_words(option.values)} -- "$cur"))'
            elif option.file:
                action = 'COMPREPLY=($(compgen -f -- "$cur"))'
            else:
                action = "COMPREPLY=()"
            lines.append(f"        {'|'.join(option.flags)}) {action}; return ;;")
        lines.append("        esac")
        lines.append(f'        if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W {_words(_flags(command.options))} -- "$cur")); return; fi')
        if command.positional_values:
            lines.append(f'        COMPREPLY=($(compgen -W {_words(command.positional_values)} -- "$cur"))')
        elif command.positional_device:
            lines.append('        COMPREPLY=($(compgen -W "- $(ls /dev/ttyUSB* /dev/ttyACM* /dev/cu.* 2>/dev/null)" -- "$cur"))')
        elif command.positional_file:
            lines.append('        COMPREPLY=($(compgen -f -- "$cur"))')
        lines.append("        ;;")
    lines += ["    esac", "}", f"complete -o filenames -o bashdefault -F {name} {prog}", ""]
    return "\n".join(lines)


def zsh_script(prog: str, top: list[Option], commands: list[Command]) -> str:
    body = bash_script(prog, top, commands).split("\n", 1)[1]
    # Arrays from 0 as in bash (bashcompinit's caller sets this too; a direct call needs it).
    body = body.replace("() {\n", "() {\n    setopt local_options ksh_arrays\n", 1)
    return (
        f"# {prog} completion for zsh: eval \"$({prog} completion zsh)\" in ~/.zshrc (after compinit)\n"
        "autoload -U +X bashcompinit && bashcompinit\n" + body
    )


def _flags(options: list[Option]) -> list[str]:
    return [flag for option in options for flag in option.flags]


def _words(words: list[str]) -> str:
    return shlex.quote(" ".join(words))


# ---------------------------------------------------------------------------------- fish
def fish_script(prog: str, top: list[Option], commands: list[Command]) -> str:
    names = " ".join(c.name for c in commands)
    lines = [f"# {prog} completion for fish: {prog} completion fish > ~/.config/fish/completions/{prog}.fish",
             f"complete -c {prog} -f"]
    for option in top:
        lines.append(f"complete -c {prog} -n '__fish_use_subcommand' {_fish_flags(option)}")
    for command in commands:
        lines.append(f"complete -c {prog} -n '__fish_use_subcommand' -a {command.name} -d {shlex.quote(command.help)}")
        when = f"-n '__fish_seen_subcommand_from {command.name}'"
        for option in command.options:
            lines.append(f"complete -c {prog} {when} {_fish_flags(option)}")
        if command.positional_values:
            lines.append(f"complete -c {prog} {when} -a {shlex.quote(' '.join(command.positional_values))}")
        elif command.positional_file or command.positional_device:
            lines.append(f"complete -c {prog} {when} -F")
    lines.append(f"# commands: {names}")
    return "\n".join(lines) + "\n"


def _fish_flags(option: Option) -> str:
    parts = []
    for flag in option.flags:
        parts.append(f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}")
    if option.takes_value:
        parts.append("-r -F" if option.file else f"-x -a {shlex.quote(' '.join(option.values))}" if option.values else "-x")
    if option.help:
        parts.append(f"-d {shlex.quote(option.help)}")
    return " ".join(parts)


def script(shell: str, parser: argparse.ArgumentParser, prog: str, values: dict[str, list[str]]) -> str:
    top, commands = describe(parser, values)
    return {"bash": bash_script, "zsh": zsh_script, "fish": fish_script}[shell](prog, top, commands)

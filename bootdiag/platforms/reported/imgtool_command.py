"""An ``imgtool sign`` command line -> its settings, read the way imgtool's option parser reads it.

Which options take a value comes from imgtool 2.5.0's ``sign`` command (imgtool/main.py, a click
command): click gives a value option the next token whatever it looks like, so
``--boot-record <in.bin> <out.bin>`` makes the input path the sw_type and leaves one argument.
Long options also take ``--opt=value``, short ones ``-H0x400``.
"""
from __future__ import annotations

import re
import shlex
from functools import lru_cache
from typing import Any

from bootdiag.core.numbers import int_or_none
# imgtool/main.py sign: options that take one value (by every spelling) -> event field (or None).
_VALUE_OPTIONS: dict[str, str | None] = {
    "-k": "key", "--key": "key",
    "--public-key-format": "public_key_format",
    "-v": "version", "--version": "version",
    "-s": "security_counter", "--security-counter": "security_counter",
    "-H": "header_size", "--header-size": "header_size",
    "-S": "slot_size", "--slot-size": "slot_size",
    "--align": "align",
    "--boot-record": "boot_record",
    "--max-align": None, "-d": None, "--dependencies": None, "-M": None, "--max-sectors": None,
    "-e": None, "--endian": None, "--compression": None, "--encrypt-keylen": None, "-E": None,
    "--encrypt": None, "-F": None, "--rom-fixed": None, "-L": None, "--load-addr": None,
    "-x": None, "--hex-addr": None, "-R": None, "--erased-val": None, "--vid": None, "--cid": None,
    "--vector-to-sign": None, "--hmac-sha": None, "--sha": None, "--sig-out": None,
    "--fix-sig-pubkey": None, "--fix-sig": None,
}
_PAIR_OPTIONS = frozenset({"--custom-tlv", "--custom-tlv-file"})  # two values each
_FLAG_OPTIONS: dict[str, str | None] = {
    "--pad-header": "pad_header", "--pad": "pad", "--confirm": "confirm",
    "--test": None, "--overwrite-only": None, "--pad-sig": None, "--pure": None, "-c": None,
    "--clear": None, "--save-enctlv": None, "--non-bootable": None,
}
_INT_FIELDS = frozenset({"header_size", "slot_size", "align"})
# Where the command starts: "imgtool sign", "imgtool.py sign", "python -m imgtool sign", quoted or not.
COMMAND_START = re.compile(r"""\bimgtool(?:\.py|\.exe)?["'`]?\s+sign(?=\s|$)""")
# Zephyr's west sign with the imgtool signer (zephyrproject-rtos/zephyr scripts/west_commands/sign.py,
# ImgtoolSigner.sign, until imgtool moved into the build): "west [-v] sign [-d DIR] -t imgtool -- <tool
# options>". It runs `imgtool sign --version V --align A --header-size <CONFIG_ROM_START_OFFSET>
# --slot-size S` followed by the tool options and the build's zephyr.bin / zephyr.hex, so the options
# after "--" are read as imgtool's and come last (click keeps the last value of an option).
WEST_SIGN_START = re.compile(r"\bwest(?:\.exe)?[ \t]+(?:-[-\w]{1,30}[ \t]+){0,4}sign(?=[ \t]|$)")
_WEST_IMGTOOL = re.compile(r"(?:^|[ \t])(?:-t|--tool)(?:[ \t]+|=)imgtool(?=[ \t]|$)")
_WEST_TOOL_ARGS = re.compile(r"[ \t]--(?:[ \t]|$)")
# west's report of a program it ran that failed (zephyrproject-rtos/west src/west/app/main.py, the
# CalledProcessError handler): "command exited with status N: <the command>". The command begins with
# imgtool's path, or with the interpreter running it: Zephyr's west sign runs an imgtool.py it finds as
# [sys.executable, path] (scripts/west_commands/sign.py, ImgtoolSigner.find_imgtool), and a module as
# "python -m imgtool".
_EXITED = re.compile(r"command exited with status (\d+):\s+(?:\S*python[\d.]*(?:\.exe)?\s+(?:-m\s+)?)?\S*$")
_SHELL_STOPS = frozenset({"&&", "||", ";", "|", ">", ">>", "2>&1"})
_CONTINUATION = re.compile(r"\s(?:\\|\^|`)$")  # sh, cmd.exe and PowerShell line continuations
_LOOKS_LIKE_FILE = re.compile(r"[/\\]|\.(?:bin|hex|elf|img)$|^<.*>$", re.IGNORECASE)
# What click prints around a command it refused, naming the command but running nothing: the usage line
# (click 8.x formatting.py HelpFormatter.write_usage, "Usage: " prefix, formatting.py:167 in 8.5.1) and
# the hint after a usage error (exceptions.py:99 in 8.5.1, UsageError.show: "Try '{command} {option}'
# for help.").
_CLICK_USAGE = re.compile(r"\bUsage: [^\n]{0,200}?$|\bTry ['\"]$")


def _tokens(arguments: str) -> list[str]:
    """Shell words, with quotes removed; backslashes kept (Windows paths)."""
    lexer = shlex.shlex(arguments, posix=True)
    lexer.whitespace_split = True
    lexer.escape = ""
    lexer.commenters = ""
    try:
        words = list(lexer)
    except ValueError:  # an unbalanced quote in prose: fall back to plain words
        words = arguments.split()
    out: list[str] = []
    for word in words:
        if word in _SHELL_STOPS:
            break
        out.append(word)
    return out


def _number(token: str) -> int | None:
    return int_or_none(token, 0)


def _west_sign_tool_options(text: str) -> str | None:
    """The imgtool options of a ``west sign -t imgtool -- ...`` command in ``text``, or ``None``."""
    start = WEST_SIGN_START.search(text)
    if start is None:
        return None
    rest = text[start.end():]
    if text.count("`", 0, start.start()) % 2 and "`" in rest:  # Markdown inline code ends at its backtick
        rest = rest[: rest.index("`")]
    split = _WEST_TOOL_ARGS.search(rest)
    if split is None or _WEST_IMGTOOL.search(rest, 0, split.start()) is None:
        return None
    return rest[split.end():]


@lru_cache(maxsize=1024)
def parse_sign_command(text: str) -> tuple[tuple[str, Any], ...] | None:
    """The event fields of the ``imgtool sign`` command in ``text``, or ``None`` without one."""
    start = COMMAND_START.search(text)
    if start is None:
        options = _west_sign_tool_options(text)
        if options is None:
            return None
        fields = _read_options(options)
        fields["via"] = "west sign"
        return tuple(sorted(fields.items()))
    if _CLICK_USAGE.search(text, 0, start.start()) is not None:
        return None
    rest = text[start.end():]
    if text.count("`", 0, start.start()) % 2 and "`" in rest:  # Markdown inline code ends at its backtick
        rest = rest[: rest.index("`")]
    fields = _read_options(rest)
    if (exited := _EXITED.search(text, 0, start.start())) is not None:
        fields["exit_status"] = int(exited.group(1))
    return tuple(sorted(fields.items()))


def _read_options(rest: str) -> dict[str, Any]:
    """imgtool sign's options and arguments in ``rest`` (the words after ``sign``)."""
    rest = rest.rstrip()
    complete = _CONTINUATION.search(" " + rest) is None
    if not complete:
        rest = rest[:-1]
    fields: dict[str, Any] = {"complete": complete}
    positional: list[str] = []
    words = _tokens(rest)
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word == "--":
            positional.extend(words[i:])
            break
        name, value = word, None
        if word.startswith("--") and "=" in word:
            name, _, value = word.partition("=")
        elif word.startswith("-") and not word.startswith("--") and len(word) > 2 and word[:2] in _VALUE_OPTIONS:
            name, value = word[:2], word[2:]
        if name in _VALUE_OPTIONS:
            if value is None:
                if i < len(words):
                    value = words[i]
                    i += 1
                elif name == "--boot-record":
                    fields["boot_record_missing_argument"] = True
            field = _VALUE_OPTIONS[name]
            if field is not None and value is not None:
                fields[field] = _number(value) if field in _INT_FIELDS else value
            if name == "--boot-record" and value is not None and (value.startswith("-") or _LOOKS_LIKE_FILE.search(value)):
                fields["boot_record_missing_argument"] = True
        elif name in _PAIR_OPTIONS:
            i += 2
        elif name in _FLAG_OPTIONS:
            if (field := _FLAG_OPTIONS[name]) is not None:
                fields[field] = True
        elif word.startswith("-") and len(word) > 1:
            continue  # an option of another imgtool version: taken as a flag
        else:
            positional.append(word)
    if positional:
        fields["infile"] = positional[0]
    if len(positional) > 1:
        fields["outfile"] = positional[1]
    return fields

"""The ways people paste a capture, as functions of its text: a forum quote, a fence, HTML
escapes, line numbers, terminal timestamps, bullets, CRLF, lost newlines, lost level letters,
lines a terminal wrapped, grep and journal prefixes, Chinese serial assistants' packet stamps,
no-break spaces, a mail's rows broken at a blank and quoted in a reply.
Used by tests/test_paste_styles.py and bench/paste_styles.py on the real captures."""
from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Callable

_FENCE = re.compile(r"^\s*```.*$")
_IDF_LEVEL = re.compile(r"^(\x1b\[[0-9;]*m)?[EWIDV] (\(\d)")


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if not _FENCE.match(line)]


def _each(prefix: Callable[[int], str]) -> Callable[[str], str]:
    return lambda text: "\n".join(prefix(n) + line for n, line in enumerate(_lines(text), 1)) + "\n"


def _glued(text: str, joint: str = " ") -> str:
    """Every three lines on one; in a capture with prose around fenced blocks, only the blocks' lines
    (a post loses the newlines of what it pasted, the writer's own sentences stay apart)."""
    if "```" not in text:
        return _glue_run([line.strip() for line in text.splitlines() if line.strip()], joint)
    out: list[str] = []
    run: list[str] = []
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line):
            if fenced and run:
                out.append(_glue_run(run, joint))
                run = []
            fenced = not fenced
        elif fenced:
            if line.strip():
                run.append(line.strip())
        else:
            out.append(line + "\n")
    if run:
        out.append(_glue_run(run, joint))
    return "".join(out)


_BOLD_LINE = re.compile(r"^(\s*)(\S.*?)\s*$")
_IN_WORD_APOSTROPHE = re.compile(r"(?<=[A-Za-z])'(?=[A-Za-z])")


def _glue_run(lines: list[str], joint: str = " ") -> str:
    return "".join(joint.join(lines[i : i + 3]) + "\n" for i in range(0, len(lines), 3))


def _wrapped(text: str, width: int = 80) -> str:
    """Every line longer than ``width`` cut into rows of that width, as a terminal copy keeps them."""
    rows = []
    for line in _lines(text):
        while len(line) > width:
            rows.append(line[:width])
            line = line[width:]
        rows.append(line)
    return "\n".join(rows) + "\n"


def _mail_reply(text: str, width: int = 72) -> str:
    """Every line longer than ``width`` broken at its blanks into rows no wider, as a mail program
    sends a pasted log, and each row quoted (``> ``) as a reply to that mail has it."""
    rows = []
    for line in _lines(text):
        rows += textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) if len(line) > width else [line]
    return "\n".join("> " + row for row in rows) + "\n"


_ESC_SHOWN_AS = ("<27>", "^[", "[1B]")
_IDF_COLOURED = re.compile(r"^([EWI]) \(\d+\) ")
_IDF_COLOUR = {"E": "0;31", "W": "0;33", "I": "0;32"}


def _shown_esc(text: str) -> str:
    """ESP-IDF's log lines in their colour codes (as its console prints them), with the ESC byte shown
    as text the way some loggers and serial monitors show it."""
    esc = _ESC_SHOWN_AS[len(text) % len(_ESC_SHOWN_AS)]

    def colour(line: str) -> str:
        m = _IDF_COLOURED.match(line)
        return f"{esc}[{_IDF_COLOUR[m.group(1)]}m{line}{esc}[0m" if m else line

    return "\n".join(colour(line) for line in _lines(text)) + "\n"

STYLES: dict[str, Callable[[str], str]] = {
    "quote": _each(lambda n: "> "),
    "fenced": lambda text: "Here is the log from the serial port:\n\n```\n" + "\n".join(_lines(text)) + "\n```\nAny idea?\n",
    "html": lambda text: html.escape("\n".join(_lines(text))) + "\n",
    "numbered": _each(lambda n: f"{n:6d}\t"),
    "timestamps": _each(lambda n: f"[2024-03-01 10:{n // 60 % 60:02d}:{n % 60:02d}.{n * 7 % 1000:03d}] "),
    "bullets": _each(lambda n: "- "),
    "crlf": lambda text: "\r\n".join(_lines(text)) + "\r\n",
    "glued": _glued,
    # a terminal program that shows the line ends as hex codes in braces, all on one pasted line
    "shown-crlf": lambda text: _glued(text, "{0D}{0A}"),
    # one that names the control bytes in angle brackets: an ESC before each line, CR LF after it
    "shown-names": lambda text: "\n".join("<ESC>" + line + "<CR><LF>" for line in _lines(text)) + "\n",
    # ESP-IDF's colour codes around its log lines, their ESC shown by a logger's decimal code, in caret
    # notation or by a serial monitor's hex code in brackets (one of the three per capture)
    "shown-esc": _shown_esc,
    "no-level": lambda text: "\n".join(_IDF_LEVEL.sub(r"\1\2", line) for line in _lines(text)) + "\n",
    # forum software outside code blocks: the apostrophe inside a word becomes U+2019 ("can\u2019t")
    "typographic": lambda text: _IN_WORD_APOSTROPHE.sub("\u2019", "\n".join(_lines(text))) + "\n",
    # a post that sets the log lines in markdown bold
    # (markdown bold opens at the first character shown: the indent stays outside it)
    "bold": lambda text: "\n".join(_BOLD_LINE.sub(r"\1**\2**", line) for line in _lines(text)) + "\n",
    # a log copied from a JSON or repr dump: each line end shown as its escape
    "escaped-eol": lambda text: "\n".join(line + "\\r" for line in _lines(text)) + "\n",
    # copied from an 80-column terminal that wrapped the long lines
    "wrapped": _wrapped,
    # a mail that broke the long lines at a blank, quoted in the reply a list archive shows
    "mail-reply": _mail_reply,
    # Arduino IDE 2.x's Serial Monitor with its timestamps on: the hour and the minute without a leading zero
    "arduino-ide": _each(lambda n: f"{9 + n // 3600 % 10}:{n // 60 % 60}:{n % 60:02d}.{n * 7 % 1000:03d} -> "),
    # grep -n's line numbers; a systemd journal's date, host and unit (a console a host service logs)
    "grep-n": _each(lambda n: f"{n}:"),
    "journal": _each(lambda n: f"Mar  1 10:{n // 60 % 60:02d}:{n % 60:02d} lab-pc picocom[4711]: "),
    # SSCOM with its timestamps on: the stamp and the received mark before the first line of each packet
    # of bytes that arrived together (here every third line), the packet's other lines as they came
    "sscom": lambda text: "\n".join(
        (f"[10:{n // 60 % 60:02d}:{n % 60:02d}.{n * 7 % 1000:03d}]\u6536\u2190\u25c6" if n % 3 == 1 else "") + line
        for n, line in enumerate(_lines(text), 1)) + "\n",
    # a serial assistant that heads each block it received with its own line ("[...]# RECV ASCII>")
    "recv-ascii": lambda text: "".join(
        (f"[2024-03-01 10:{n // 60 % 60:02d}:{n % 60:02d}.{n * 7 % 1000:03d}]# RECV ASCII>\n" if n % 3 == 1 else "") + line + "\n"
        for n, line in enumerate(_lines(text), 1)),
    # copied out of a mail, a chat or a rich-text editor, which keeps the blanks as no-break spaces
    "no-break": lambda text: "\n".join(line.replace(" ", "\u00a0") for line in _lines(text)) + "\n",
    # a terminal that wrote every CRLF the device sent with a CR of its own: editors show a blank line
    # after every line
    "cr-cr-lf": lambda text: "\r\r\n".join(_lines(text)) + "\r\r\n",
    # a forum post's stored text as phpBB keeps it and a raw or print view shows it: the post in "<r>...</r>",
    # each line ending in an HTML line break
    "forum-markup": lambda text: "<r>" + "<br/>\n".join(_lines(text)) + "</r>\n",
    # a terminal's "copy as HTML" or a forum's rich-text editor: the capture in "<pre>", each line in the
    # colour a terminal showed it in
    "rich-text": lambda text: "<pre>" + "".join(
        f'<font color="{("#8AE234", "#EF2929", "#FCE94F")[n % 3]}">{line}</font>\n' for n, line in enumerate(_lines(text))) + "</pre>\n",
}


def plain_lines(text: str) -> str:
    """The capture without its code fences: what each style is compared with."""
    return "\n".join(_lines(text)) + "\n"


def answer(text: str) -> str:
    """What a style must keep: the report's status and its first finding's rule id."""
    from bootdiag.core.pipeline import explain

    report = explain(text)
    return f"{report.status}:{report.findings[0].id}" if report.findings else report.status

"""What a paste wraps around log lines, taken off before a line is read.

Real captures reach bootdiag through forums, issues and chat: quoted (``> ``), in backticks, as
list items, with editor or ``cat -n`` line numbers, HTML-escaped (``&gt;``), with the terminal
program's timestamps, with colour codes whose ESC byte was lost (``[0;31m``), and with their
newlines lost so that several log lines sit on one. :func:`Unwrapper.pieces` gives the log lines a
pasted line holds, each without its wrapping; they all keep the pasted line's number.

It runs only on the lines the trigger screen picked (a line whose wrapping hides everything a
trigger looks for is not read), so a clean capture pays nothing for it.
"""
import re
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import NamedTuple

from bootdiag.core import regex_starts
from bootdiag.core.cache import cached

# A terminal program's or logger's stamp of the host's time, as it stands before a line (see _Stamp).
_CLOCK = r"\d\d:\d\d:\d\d(?:[.,]\d+)?"  # a terminal's time of day
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class _Stamp(NamedTuple):
    """One form of stamp, and where it is looked for."""

    form: str  # the stamp itself
    before_line: str  # what separates it from the line it stamps, as a pasted line's wrapping (HOST_PREFIX)
    # what ends it where a line that lost its newlines holds it, the next line's stamp (at a piece's end:
    # _NEXT_STAMP); None: not looked for there
    glued: str | None = None
    splits: bool = False  # a pasted line is also cut before it (a start of Unwrapper.pieces)


# What a Chinese serial assistant writes right after its bracketed stamp to say which way the bytes went:
# SSCOM's "[12:08:47.556]收←◆" for received and "[12:08:47.556]发→◇" for sent bytes (SSCOM 5.x with
# timestamps and packet display on; closed source: the form as its captures show it, e.g.
# esp32.io/viewtopic.php?f=30&t=24198 and Air780E's AT examples), and the "[2020-04-30 10:47:53.620]# RECV
# ASCII>" / "# SEND HEX>" block header of another assistant (and of its clones, which print it as
# QString("[%1]# RECV ASCII>")), usually alone on its line with the bytes on the next.
_DIRECTION = r"(?:\u6536\u2190\u25c6|\u53d1\u2192\u25c7|# (?:RECV|SEND) (?:ASCII|HEX)>)"

_STAMPS = (
    # "[2026-01-02 10:00:00] ", "[2024-01-02T12:00:00.123] " (loggers' ISO dates; tio's "%Y-%m-%dT%H:%M:%S"
    # and ".%03ld", same file as below); a serial assistant's direction mark may follow (_DIRECTION)
    _Stamp(r"\[\d{4}-\d\d-\d\d[ T][\d:.,]+\]", rf"(?:{_DIRECTION}|\s?)", "", splits=True),
    # "[12:00:01.123] " (tio: "%H:%M:%S" and ".%03ld", in brackets; tio/tio@ae9c8edbcaee src/timestamp.c
    # timestamp_current_time), "[22:02:10]"; SSCOM's "[12:08:47.556]收←◆" (_DIRECTION)
    _Stamp(rf"\[{_CLOCK}\]", rf"(?:{_DIRECTION}|\s?)", "", splits=True),
    # Tera Term's log with its timestamps on: "[" + the time + "] " before each line (TeraTermProject/teraterm@56cc6726
    # teraterm/teraterm/filesys_log.cpp LogToFile). Before 4.95 the time was "%s %s %02d %02d:%02d:%02d.%03d %04d",
    # "Fri Sep 14 10:33:53.447 2018" (@b460fb337 teraterm/common/ttlib.c mctimelocal), then the format
    # "%a %b %e %H:%M:%S.%N %Y" for a week ("Sun Jun  4 ...", @55591d1c7 teraterm/ttpset/ttset.c); since, the
    # default is an ISO date (above). Its elapsed-time stamp is "%d %02d:%02d:%02d.%03d", "[0 00:00:01.234]"
    # (teraterm/common/ttlib_static.c strelapsedW).
    _Stamp(r"\[(?:(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat) (?:" + "|".join(_MONTH_NAMES) + r") [ \d]\d \d\d:\d\d:\d\d\.\d{3} \d{4}"
           r"|\d{1,5} \d\d:\d\d:\d\d\.\d{3})\]", r"\s?", "", splits=True),
    # the same with its "[" cut off by a quote ("12:00:01] ")
    _Stamp(rf"{_CLOCK}\]", r"\s?", ""),
    # "12:00:01.123 -> " (Arduino IDE's Serial Monitor: 1.x "HH:mm:ss.SSS -> "; 2.x dateFormat 'H:M:ss.l' and
    # " -> ", arduino/arduino-ide@7889f4083421 arduino-ide-extension/src/browser/serial/monitor/
    # serial-monitor-send-output.tsx _Row), and a bare "14:56:33.435305 "
    _Stamp(r"\d\d:\d\d:\d\d\.\d+", r"(?:\s*->\s?|\s)", " ?->", splits=True),
    # the same from Arduino IDE 2.x, whose hour and minute have no leading zero ("9:5:07.123 -> ")
    _Stamp(r"\d\d?:\d\d?:\d\d\.\d{3}", r"\s*->\s?", " ?->", splits=True),
    # "12:00:01:123 -> " (VS Code's Serial Monitor)
    _Stamp(r"\d\d:\d\d:\d\d:\d+", r"\s*->\s?", " ?->", splits=True),
    # "10:20:33 : " and "16:24:25:038 : " (STM32CubeProgrammer's log window, before and since v2.10, which
    # puts the time and " : " before each line; closed source: the form as its captures show it, e.g.
    # community.st.com serial-dfu-of-secure-firmware-fails/td-p/83572 and
    # option-byte-programming-failed-upon-trying-to-modify-option/td-p/589383)
    _Stamp(r"\d\d:\d\d:\d\d(?::\d{3})?", r" : ", " :", splits=True),
    # ISO dates "2024-01-02 12:00:00.123 " / "2024-01-02T12:00:00.123Z " (a CI runner's log, as GitHub Actions
    # shows each line); with the host's UTC offset, "2024-01-02T12:00:00.123456789+02:00 " (docker compose logs
    # --timestamps: time.RFC3339Nano fixed to nine digits, docker/compose@f72979427042 cmd/formatter/logs.go:122-125),
    # and the host and program a syslog writes after it, "2024-01-02T12:00:00.123456+01:00 jetson kernel: "
    # (rsyslog's RSYSLOG_FileFormat, the RFC 3339 date; journalctl -o short-iso's "2024-01-02T12:00:00+0100 host
    # unit[pid]: "): only after a numeric offset, since "Saved PC:" too is two words and a colon.
    # RIOT's pyterm (make term) logs each line the board sent after Python logging's asctime and " # ",
    # "2019-12-12 09:45:36,678 # I (45) boot: ..." (RIOT-OS/RIOT@005831dcfeac dist/tools/pyterm/pyterm
    # default_fmt_str '%(asctime)s # %(message)s'; before, '%(asctime)s - %(levelname)s # %(message)s':
    # "2017-09-28 15:21:59,688 - INFO # ..."; asctime "%Y-%m-%d %H:%M:%S,%03d", python/cpython Lib/logging/__init__.py
    # Formatter.default_time_format and default_msec_format)
    _Stamp(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d"
           r"(?:[ ][\w.-]{1,64}[ ][\w.@/-]{1,64}(?:\[\d{1,10}\])?:(?=[ \t]))?)?",
           r"(?:(?:[ ]-[ ](?:DEBUG|INFO|WARNING|ERROR|CRITICAL))?[ ]\#(?:[ ]|$)|\s*->\s?|\s)"),
    # seconds since start, "[   12.345678] " (a kernel's printk time): not a Jetson UART stamp, "[0360.204] E> ",
    # nor T210's level-less "[0002.581] " (4 + 3 digits), which opens a boot log line and stays on it so
    # that the line still reads as one
    _Stamp(r"(?!\[\d{4}\.\d{3}\] )\[\s*\d+\.\d+(?:\s+\d+\.\d+)?\](?!\s?[ECIWD]> )", r"\s?"),
)

# Terminal programs and loggers put the host's time first (_STAMPS): taken off with the blanks after it.
HOST_PREFIX = re.compile(r"\s*(?:" + "|".join(stamp.form + stamp.before_line for stamp in _STAMPS) + r")?\s*")

_MONTHS = frozenset(_MONTH_NAMES)  # a line that begins with one may carry a journal's prefix (_LEAD)

# One layer of wrapping at the start of a pasted line.
_LEAD = re.compile(
    r"""(?:
        >[ \t]?                              # forum and e-mail quote
      | \d\d>[ \t]                           # SEGGER RTT Viewer's terminal index ("00> ")
      | (?:[-*\u2022\u00b7+]|\d{1,4}[.)])[ \t]+ # bullet or numbered list item
      | \d{1,6}(?:\t|[ \t]*[|\u2502][ \t]?)  # cat -n or an editor's gutter
      | \d{1,7}:(?!\d\d:\d\d)                # grep -n's line number (not the hour of a time of day)
      | (?:""" + "|".join(_MONTH_NAMES) + r""")[ ][ \d]\d[ ]\d\d:\d\d:\d\d[ ][\w.-]+[ ][\w.@/-]+(?:\[\d+\])?:[ \t]?
                                             # a systemd journal's "Dec 04 14:00:00 host unit[pid]: " (journalctl, syslog)
      | [A-Za-z0-9][\w.-]{0,63}(?:[ ]{2,}|(?<=[-_]\d)[ ]|(?<=[-_]\d\d)[ ])\|[ ]
                                             # docker compose's "flasher-1  | " before each line of a service's log: the
                                             # name padded to one more than the longest, then " | " (docker/compose@f72979427042
                                             # cmd/formatter/logs.go:161 "%-{width}s | ", :140-148 computeWidth); Compose 1's
                                             # "web_1 | " (its longest name unpadded)
      | `+                                   # inline code, or a fence glued to the line
      | [\u2190\u241b]?\[\d{1,3}(?:;\d{1,3})*m # a colour code that lost its ESC (or shows it as a symbol)
      | [\u2190\u241b]                        # ESC as a Windows console copy (left arrow) or an editor (control picture) shows it
      | \.(?=\[\d{1,3}(?:;\d{1,3})*m)         # ESC as a terminal that prints control bytes as dots shows it
      | e(?=\[\d{1,3}(?:;\d{1,3})*m)          # ESC as the escape "\\e" that lost its backslash shows it ("e[0;31mE (30) ...")
      | <(?:r|t|p|pre|code)(?:[ ][^<>\n]{0,120})?>  # a forum post's stored markup (phpBB keeps "<r>...</r>"; HTML "<pre>")
      | [ \t]+
    )""",
    re.X,
)
# A terminal timestamp left at a piece's end belongs to the next line, which a lost newline glued on:
# "Build:Feb 7 2021 [02:37:22]rst:0xf (...)" is cut before "rst:", leaving "[02:37:22]" behind.
# Also a line end a paste shows as its escape ("...Busy Spin\\r": a log copied from a JSON or repr dump),
# or as the control pictures of CR and LF ("...(POWERON)\u240d\u240a": terminal programs that show the
# line-end bytes they received, as in esp32.io/viewtopic.php?t=42351).
_TRAIL = re.compile(
    rf"(?:[ \t]|`|[\u2190\u241b\u240d\u240a]|\[\d{{1,3}}(?:;\d{{1,3}})*m|\[{_CLOCK}\]|(?<!\\)\\r(?:\\n)?|(?<!\\)\\n|</(?:r|t|p|pre|code)>)+$"
)
# The stamps that may stand at the end of a piece of a glued line, before the line that followed;
# also SEGGER RTT Viewer's terminal index ("... image_ok=0x3 00> I: Boot source: none").
_NEXT_STAMP = re.compile(
    "(?:" + "|".join(stamp.form + stamp.glued for stamp in _STAMPS if stamp.glued is not None) + r"|(?<!\S)\d\d>)$"
)
_STAMP_REACH = 40  # characters from a piece's end the stamp lies within

# Markdown emphasis that breaks an inline code span to highlight a word of a quoted log line:
# "rst:0xf (`**`BROWNOUT_RST`**`),boot:0xc" (close the span, bold, reopen it). A log line never
# prints a backquote next to "*", so the marks go and the line reads as the device printed it; but
# stars a program prints as a frame stay ("`*** The target t186ref has been flashed successfully. ***`":
# the span's own backquote beside the last of three stars that follow a space).
# A whole line a paste set in markdown bold or bold italic ("**[WRN] Cannot upgrade: ...**"); not the
# stars a program prints itself ("***ERROR*** A stack overflow ...", "*** Booting Zephyr OS ***").
# Also the last line of a block set in bold, itself set in bold ("**ets Jul 29 2019 12:21:46****").
_BOLD_LINE = re.compile(r"(\*{2,3})(?=[^\s*])(.*[^\s*])\1(?:\*{2,3})?\s*$")
# A bold line whose own text is framed by stars, as Zephyr 1.x's banner is ("***** Booting Zephyr OS
# 1.14.99 *****" set in bold: seven stars each side); the frame stays, only the bold marks go.
_BOLD_FRAMED = re.compile(r"\*\*(\*{3,5} \S.*\S \*{3,5})\*\*\s*$")
# Bold set over several pasted lines: the marks open the first line and close the last ("**rst:0x3
# (SW_RESET),boot:0x12 ..." ... "ets Jul 29 2019 12:21:46**"). Only a line with no other pair of stars
# loses them, so a program's own "***ERROR***" or "*** Booting Zephyr OS ***" stays as printed.
_BOLD_OPENS = re.compile(r"\*{2,3}(?=[^\s*])(?!.*\*\*)")
# A line set in markdown italics, "*...*" or "_..._": one mark each side, none inside against them.
_ITALIC_LINE = re.compile(r"([*_])(?=[^\s*_])(.*[^\s*_])\1\s*$")
# Italics set over several pasted lines with underscores: the mark opens the first line and closes the
# last ("_rst:0x1 (POWERON),boot:0x0 (USB_BOOT)" ... "wait usb download_"). An underscore inside a word
# ("USB_BOOT", "SPI_FAST_FLASH_BOOT") neither opens nor closes emphasis (CommonMark's flanking rules), so
# a line loses its opening mark only when no later underscore could close it on the same line.
_ITALIC_OPENS = re.compile(r"_(?=[^\s_])(?!.*[^\s_]_(?!\w))")
_CODE_EMPHASIS = re.compile(r"`\*{1,3}`|`\*{2,3}(?=[^\s*])|(?<=[^\s*])\*{2,3}`")
# ESC as a Windows console copy or an editor shows it, anywhere in a line; not the arrow of SSCOM's received
# mark ("[12:08:47.556]收←◆", _DIRECTION) that a later line glued on brings with its stamp
_SHOWN_ESC_CHAR = re.compile(r"\u241b|(?<!\u6536)\u2190")
_INNER_COLOUR = re.compile(r"[\u2190\u241b]?\[\d{1,3}(?:;\d{1,3})*m")
# In a line whose first colour code had its ESC shown as a dot (or as an "e"), every colour code's dot
# (or "e") is the ESC: "e[0;31mE (30) esp_image: image at 0x1000 has invalid magic bytee[0m".
# (the character that stood for the ESC -> that character before every colour code, in this order)
_SHOWN_ESC_COLOUR = {ch: re.compile(re.escape(ch) + r"(?=\[\d{1,3}(?:;\d{1,3})*m)") for ch in ".e"}
_TYPOGRAPHIC_APOSTROPHE = re.compile(r"(?<=[A-Za-z])\u2019(?=[A-Za-z])")
_ENTITY = re.compile(r"&(?:gt|lt|amp|quot|apos|nbsp|#\d{1,5}|#x[0-9a-fA-F]{1,4});")
_MAX_LAYERS = 8  # "> > - `...": a handful of layers at most
MIN_GLUED = 90  # shorter than this, a line is taken to hold one catalogued message
MIN_SPLIT = 24  # shorter than this, a line is taken to hold one log line
_INTRO_REACH = 160  # characters before a line start looked at for a sentence that introduces it
# A sentence: four words or more, most of them in lower case ("Before, every upload ended with").
_WORDS = re.compile(r"[A-Za-z][A-Za-z']*")
# A log envelope's bracketed fields ("[I]", "[main.cpp:39]", "[ERR]"): no one's words.
_BRACKETED = re.compile(r"\[[^\]\s]{0,64}\]")


# Line ends a terminal program showed as the bytes' hex codes in braces, "{0D}{0A}", so that a
# whole capture sits on one pasted line (as in devzone.nordicsemi.com/f/nordic-q-a/89152), or by
# their names or codes in angle brackets, "<CR><LF>" / "<0x0d><0x0a>" (terminal programs that show
# control bytes), or by their C escapes in angle brackets, "<\\r>" ending a line and "<\\n>" opening the
# next (as in github.com/tbnobody/OpenDTU/issues/128), or by the HTML line break "<br/>" (a forum post's
# stored text, as phpBB keeps it, pasted or shown raw): each is a line break; a forum that escapes HTML
# shows the brackets as entities.
_SHOWN_BREAK = re.compile(r"(?:\{0[DAda]\}|(?:<|&lt;)(?:CR|LF|0x0[DAda]|\\[rn]|[Bb][Rr] ?/?)(?:>|&gt;))+")
# The ESC byte of a colour code shown the same way, "<ESC>" or "<0x1b>": taken off like the byte.
# Also ESC by its decimal code "<27>" (loggers that print control bytes by number), in caret notation
# "^[" (terminals and editors that show control characters, "^[[0;31mE (30) ..."), or by its hex code in
# brackets "[1B]" (serial monitors that show control bytes as hex): these only before the colour code's
# "[", since each is also text a line may print.
_SHOWN_ESC = re.compile(r"<(?:ESC|0x1[Bb])>|(?:<27>|\^\[|\[1[Bb]\])(?=\[\d{1,3}(?:;\d{1,3})*m)")

# An undecodable byte as terminals show it: the replacement character, a control byte, or the
# shade block (U+2592) that serial monitors (Arduino IDE, PuTTY) print in its place.
_GARBLE_CHARS = "\ufffd\u2592" + "".join(map(chr, (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))))
_GARBLE = re.compile(f"[{re.escape(_GARBLE_CHARS)}]")


def without_trailing_garble(text: str) -> str:
    """``text`` without the undecodable bytes at its end: a reset's noise that a message ran into
    before the next boot's first line ("Secure boot check fail\ufffdets Jul 29 2019")."""
    if text and text[-1] in _GARBLE_CHARS:
        return text.rstrip(_GARBLE_CHARS).rstrip()
    return text


def is_garbled(text: str) -> bool:
    """Mostly undecodable or control bytes: a wrong baud rate or binary data, not a log line."""
    if "\ufffd" not in text and "\u2592" not in text and text.isprintable():
        return False
    bad = len(_GARBLE.findall(text))
    return bad >= 4 and bad * 5 >= len(text)


# Words people write and log messages do not: first and second person, and the glue of sentences.
_PERSON = frozenset({"i", "i'm", "i've", "my", "me", "we", "our", "us", "you", "your"})
_GLUE = frozenset({"the", "when", "after", "but", "because", "so", "then", "and", "was", "were", "have", "had", "this", "that", "it"})
# Verbs of reporting what a tool printed: "keeps getting", "it shows", "the log says".
_TELLING = frozenset({"get", "gets", "got", "getting", "see", "sees", "saw", "seeing", "shows", "showed", "says", "said",
                      "prints", "printed", "returns", "returned", "giving", "gives", "gave", "with"})
_SAYS = _PERSON | _GLUE | _TELLING
_QUOTES = "\"'`\u201c\u2018"


# A log level letter with its colon ("I: Starting bootloader", Zephyr's minimal log), or in the brackets of
# ESPHome's and Arduino's lines ("[I][app:029]: Running through setup()..."): not the pronoun.
_LEVEL_LETTER = re.compile(r"(?<![\w:])I: |\[I\]")


def _without_level_letters(text: str) -> str:
    """``text`` with its log level letters "I" blanked out, so that they count as no word."""
    return _LEVEL_LETTER.sub(" ", text) if "I: " in text or "[I]" in text else text


def is_prose(text: str) -> bool:
    """Whether ``text`` (words in front of a log message on the same line) reads as a sentence:
    four words or more, mostly lower case, with a word people write and tools do not print
    ("A fatal error occurred: " and "error: argument <address>: " are a tool's own lead)."""
    text = _without_level_letters(text)
    words = _WORDS.findall(_BRACKETED.sub(" ", text) if "[" in text else text)
    if len(words) < 4 or sum(w[0].islower() for w in words) < 3:
        return False
    return text.rstrip()[-1:] in _QUOTES or any(w.lower() in _SAYS for w in words)


# A writer's note that what they pasted goes on repeating ("in loop...", "----- repeats -----",
# "... (repeats)", "[...] loop again, again", "etc"): a few words of repeating and nothing a program prints
# (no digit, colon or equals sign), written after one turn of a loop in place of the rest of it.
_REPEAT_WORDS = frozenset({"loop", "loops", "looping", "repeat", "repeats", "repeating", "repeated", "again", "etc",
                           "forever", "endless", "endlessly", "infinitely"})
_REPEAT_FILLER = _REPEAT_WORDS | frozenset({"in", "a", "the", "and", "so", "on", "it", "then", "same", "over", "more",
                                            "messages", "lines", "output", "this"})
_REPEAT_MAX = 48  # characters: a note, not a sentence


def is_repeat_note(text: str) -> bool:
    """Whether a whole line is a writer's note that the paste goes on repeating (see ``_REPEAT_WORDS``)."""
    if len(text) > _REPEAT_MAX or any(c.isdigit() or c in ":=" for c in text):
        return False
    words = [w.lower() for w in _WORDS.findall(text)]
    return bool(words) and len(words) <= 6 and all(w in _REPEAT_FILLER for w in words) and any(w in _REPEAT_WORDS for w in words)


def is_sentence(text: str) -> bool:
    """Whether a whole line is someone writing rather than a program logging."""
    text = _without_level_letters(text)
    words = [w.lower() for w in _WORDS.findall(text)]
    if len(words) < 5:
        return False
    return any(w in _PERSON for w in words) or (len(words) >= 8 and sum(w in _GLUE for w in words) >= 3)


# A writer's caption over what they paste next: a line that ends with a colon after a few words, or after
# a sentence, and names no failure happening, only the thing shown ("fail msg:", "Error log:", "### Error:",
# "Other times the error is:"). Its words of failure are nouns; a verb of failing ("Failed to open the
# device:", "... then fails:") says something went wrong, and a line a tool prints as its level alone
# ("ERROR:", "FATAL ERROR:") is in capitals.
_CAPTION = re.compile(r"(?:#{1,6}[ \t]+|\d{1,3}[.)][ \t]+)?+([A-Za-z][A-Za-z' /-]{0,160}+):[ \t]*+")
_FAILING_VERB = re.compile(r"(?i)(?<![\w-])(?:fail(?:ed|s|ing)|unable|cannot|can['\u2019]t|could(?:n['\u2019]t| not)|corrupt(?:ed)?"
                           r"|abort(?:ed|s)?|timed out|crash(?:ed|es)|refus\w*|denied|not)(?![\w-])")
_CAPTION_WORDS = 4  # a caption of words alone is this short ("Error message from west:"); longer, a sentence's


def is_caption(text: str) -> bool:
    """Whether a whole line is a writer's caption over what follows it (see ``_CAPTION``): no line a
    program printed, however its words of failure read."""
    m = _CAPTION.fullmatch(text.strip())
    if m is None:
        return False
    words = m.group(1)
    if words.isupper() or _FAILING_VERB.search(words) is not None:
        return False
    return len(_WORDS.findall(words)) <= _CAPTION_WORDS or is_prose(words)


# The first line with something on it, past blanks and a paste's quote marks or bullets.
_CONTENT_LINE = re.compile(r"^[ \t>*-]*+(\S[^\n]*)", re.MULTILINE)


def output_follows(text: str, start: int = 0) -> bool | None:
    """Whether the first line with something on it from ``start`` is a program's output (True), or
    the end of what was pasted: a closing code fence, or the writer's own sentence (False); None
    when ``text`` has no such line."""
    return _output_line(text, start)[0]


# A shell's prompt, the whole of a line ("uart:~$", "jetson login:", "root@jetson:~#", "=>"): a line
# that ends waiting for input is no line cut short.
_PROMPT = re.compile(r"\S{0,64}?(?:[$#>%]|(?: ?\S{1,64} )?login:|[Pp]assword:)")


def only_last_line_follows(text: str, start: int, own: Callable[[str], bool]) -> bool:
    """Whether the output :func:`output_follows` finds from ``start`` is the last line of ``text``
    that has something on it (blank lines, a closing fence or the writer's sentences may follow it),
    a line ``own`` says the stage before it prints, and not a shell's prompt: that stage's line cut
    short before it could be read, not the next stage's."""
    shows, end = _output_line(text, start)
    if not shows:
        return False
    line = strip_wrapping(text[text.rfind("\n", 0, end) + 1 : end].lstrip(" \t>*-")).strip()
    if _PROMPT.fullmatch(line) is not None or not own(line):
        return False
    while True:
        shows, end = _output_line(text, end)
        if shows is None:
            return True
        if shows:
            return False


def _output_line(text: str, start: int) -> tuple[bool | None, int]:
    """:func:`output_follows`, and where the line that decides it ends."""
    for m in _CONTENT_LINE.finditer(text, start):
        raw = m.group(1)
        # judged without the paste's wrapping: a line number or terminal timestamp is no output
        line = raw.rstrip() if raw.startswith(("```", "~~~")) else strip_wrapping(raw).rstrip()
        if ("{0" in line or "<" in line or "&lt;" in line) and _SHOWN_BREAK.search(line) is not None:
            # line ends shown as text: the first line they hold decides ("<CR><LF>" alone is blank)
            line = next((part.strip() for part in _SHOWN_BREAK.split(line) if part.strip()), "")
        if not line:
            if "```" in raw or "~~~" in raw:
                return False, m.end()  # a closing fence behind a line number
            continue  # a numbered or stamped blank line
        if is_garbled(line):
            continue  # bytes at another baud rate: they show no stage running, nor the paste's end
        return not (line.startswith(("```", "~~~")) or line.endswith("?") or is_sentence(line) or is_repeat_note(line)), m.end()
    return None, len(text)


def strip_wrapping(text: str) -> str:
    """``text`` without the paste's wrapping around it (and any terminal timestamp)."""
    if ("<" in text and ("<E" in text or "<0" in text or "<27>" in text)) or "^[" in text or "[1B]" in text or "[1b]" in text:
        text = _SHOWN_ESC.sub("", text)  # an ESC shown by its name or code
    if (text[:1].isalpha() and text[:2] != "e[" and "`" not in text and "&" not in text and "m" not in text[-5:] and "\u2019" not in text
            and "\\" not in text[-5:] and "*" not in text[-4:] and "</" not in text[-7:] and text[-1:] not in "_\u240a\u240d"
            and not (text[3:4] == " " and text[:3] in _MONTHS) and "| " not in text[:72]):
        return text.rstrip()  # a line as a capture has it: nothing wraps it
    if "\u2019" in text:  # a forum's typographic apostrophe inside a word ("Can\u2019t"): the tool printed "'"
        text = _TYPOGRAPHIC_APOSTROPHE.sub("'", text)
    if "&" in text and _ENTITY.search(text):
        import html  # only for a line with an entity: its tables cost a millisecond to load

        text = html.unescape(text).replace("\xa0", " ")
    shown_esc: set[str] = set()  # the characters a colour code's ESC was shown as, in this line
    for _ in range(_MAX_LAYERS):
        prefix = HOST_PREFIX.match(text)
        if prefix and prefix.end():
            text = text[prefix.end():]
        if text[:2] == "**" and (bold := _BOLD_LINE.match(text)) is not None:
            text = bold.group(2)
            continue
        if text[:6] == "******" and (bold := _BOLD_FRAMED.match(text)) is not None:
            text = bold.group(1)
            continue
        if text[:2] == "**" and (bold := _BOLD_OPENS.match(text)) is not None:
            text = text[bold.end():]
            continue
        if text[:1] in "*_" and text[1:2] not in "*_" and (italic := _ITALIC_LINE.match(text)) is not None:
            text = italic.group(2)
            continue
        if text[:1] == "_" and text[1:2] != "_" and (italic := _ITALIC_OPENS.match(text)) is not None:
            text = text[italic.end():]
            continue
        m = _LEAD.match(text)
        if m is None or not m.end():
            break
        if m.group() in _SHOWN_ESC_COLOUR:
            shown_esc.add(m.group())
        text = text[m.end():]
    for esc, colour in _SHOWN_ESC_COLOUR.items():
        if esc in shown_esc:
            text = colour.sub("", text)
    if "`*" in text or "*`" in text:
        text = _CODE_EMPHASIS.sub("", text)
    if "m" in text and "[" in text:
        text = _INNER_COLOUR.sub("", text)
    if "\u2190" in text or "\u241b" in text:
        text = _SHOWN_ESC_CHAR.sub("", text)
    text = _TRAIL.sub("", text)
    # (after the line's end: "...12:21:46**\\r" as a repr dump shows a bold line's end)
    if text[-1:] == "_":
        return _without_italic_close(text)
    return _without_bold_close(text) if text[-2:] == "**" else text


def _without_italic_close(text: str) -> str:
    """``text`` without the underscore that closes a block set in italics (see ``_ITALIC_OPENS``): one
    mark right after the text itself, on a line where no underscore opens emphasis (one at the start or
    after a blank)."""
    body = text[:-1]
    if not body or body[-1] in " \t_*" or body[0] == "_" or " _" in body or "\t_" in body:
        return text
    return body


def _without_bold_close(text: str) -> str:
    """``text`` without the stars that close a block set in bold, when they follow the text itself and
    the line holds no other pair of stars (see ``_BOLD_OPENS``): two or three, or twice that where
    a line set in bold ends such a block ("**ets Jul 29 2019 12:21:46****")."""
    body = text.rstrip("*")
    if len(text) - len(body) > 6 or not body or body[-1].isspace() or "**" in body:
        return text
    return body


def starts_pattern(line_starts: Sequence[str]) -> str:
    """One regex for all ``line_starts``. When every start's possible first characters are known,
    a lookahead on them comes first: the split scan tries a line at each position, and one
    character test there is far cheaper than failing each of dozens of alternatives."""
    alternatives = "|".join(f"(?:{s})" for s in line_starts)
    first: set[str] = set()
    for start in line_starts:
        chars = regex_starts.pattern_first_chars(start)
        if chars is None:
            return f"(?:{alternatives})"  # one group: what comes before it applies to every start
        first |= chars
    return f"(?=[{''.join(re.escape(c) for c in sorted(first))}])(?:{alternatives})"


@cache
def _starts_regex(line_starts: tuple[str, ...], mid_word: tuple[str, ...] = ()) -> re.Pattern[str]:
    # Reading each start's first characters costs a couple of milliseconds: built once, then loaded
    # (once a process: every capture's parser has one).
    sources = [Path(__file__), Path(regex_starts.__file__), "\0".join(line_starts), "\0".join(mid_word)]
    # A start a reset may glue straight after a word needs no separator before it.
    after_word = "|(?=" + "|".join(f"(?:{s})" for s in mid_word) + ")" if mid_word else ""
    # A cut is made only where the character before is no letter or digit (see Unwrapper.pieces):
    # tested first, it spares the alternatives every position inside a word. A banner framed by
    # three stars and a space ("*** Booting ... ***") continues no word: a paste that lost the
    # newline glues it straight after the last letter of the line before ("...image slot*** Booting").
    return cached("line-starts", sources, lambda: re.compile(r"(?:(?<![^\W_])|(?=\*{3} )" + after_word + ")" + starts_pattern(line_starts)))


def _ascii_digits(pattern: str) -> str:
    """``pattern`` with its digits (``\\d``, none of them inside a class) in ASCII, as ``[0-9]``."""
    return pattern.replace("\\d", "[0-9]")


# A terminal program's stamp before a line ("[22:25:56]", "[2024-01-05 10:11:12.345]", "10:11:12.345 ->"):
# inside a line that lost its newlines, where the next line began.
# Also minicom's status line, which a copy of its window takes with the log ("... login: CTRL-A Z for
# help | 115200 8N1 | NOR | Minicom 2.7.1 | VT102 | Offline | ttyUSB0"; minicom 2.3 to 2.9 print it
# so, with or without the space before the first bar): never part of the line the device printed.
# (a stamp that begins with a digit in ASCII digits, so that the split scan knows every start's first
# characters)
_TERMINAL_STAMP_STARTS = (
    *((_ascii_digits(stamp.form) if stamp.form.startswith("\\d") else stamp.form) + (stamp.glued or "") for stamp in _STAMPS if stamp.splits),
    r"CTRL-A Z for help ?\|",
)
_TERMINAL_STAMP_START = "|".join(_TERMINAL_STAMP_STARTS)

# A Python traceback's first lines, as the host tools of every platform (esptool, espsecure, imgtool,
# tegraflash) print them on an uncaught exception: "Traceback (most recent call last):", then '  File
# "{}", line {}, in {}' per frame (python/cpython Lib/traceback.py: TracebackException.format and
# StackSummary.format_frame_summary).
_TRACEBACK_STARTS = (r"Traceback \(most recent call last\):", r'File "[^"\n]{1,400}", line \d')
# GNU make's own messages, which the build of every platform prints at the start of a line: an error
# "make: *** [Makefile:12: all] Error 2" or "make[1]: *** ..." (GNU make 4.4.1-114-gc63a5bc6
# src/output.c:496 "%s: *** " and :498 "%s[%u]: *** ", the program name then the make level; job.c:571
# the "[target] Error N" that follows). Ninja's failed step, always printed on a line of its own:
# "FAILED: " and the step's outputs, paths of the build folder (ninja-build/ninja v1.10.2
# src/build.cc:144, v1.12.1 src/status.cc:209), or "FAILED: [code=N] " and the outputs since 1.13
# (fc6bb98e src/status_printer.cc:244); only before a path or the code, so that a message with
# "FAILED: " and a number in it ("-- verify FAILED: 3 differences") is not cut there.
_BUILD_TOOL_STARTS = (
    r"(?:g|mingw32-)?make(?:\[\d{1,4}\])?: \*\*\* ",
    r"FAILED: (?=\[code=\d|[^\s/.]{0,100}+[/.]\S)",
)
# Starts that no line's own "tag:" introduces: a terminal program's text, a traceback's frame after its
# first line ("... (most recent call last): File ...").
_UNINTRODUCED_START = re.compile(f"{_TERMINAL_STAMP_START}|{_TRACEBACK_STARTS[1]}")


# What a shell prompt shows before its mark: "user@host", then the working folder ("andk@t450s
# ~/devel/mynewt$ ", "pi@raspberrypi:~ $ ", "root@jetson:/home/nvidia# "); bash's default PS1 and
# Debian's "\u@\h:\w\$ ".
_PROMPT_HEAD = re.compile(r"(?<!\S)[\w.-]{1,32}+@[\w.-]{1,64}+(?::?[~/][^\s$#%>]{0,200}+)?(?: [~/][^\s$#%>]{0,200}+)? ?$")
_PROMPT_MARKS = "$#%>`-"


def prompt_before(programs: str) -> str:
    """A line start: a shell prompt right before one of ``programs`` (a regex of their names), as a
    paste shows the next command glued after the last line of the one before ("Hard resetting via RTS
    pin... `--> esptool.py ...", "Done $ newtmgr ..."). The prompt is its last mark, an arrow or ``$ # %
    >``; the inline-code mark a chat puts before a command goes with it. A program named in a sentence,
    with no prompt before it, starts nothing."""
    program = rf"(?:python3? -m )?(?:{programs})(?:\.py|\.exe)?\s"
    # (no user@host before the prompt: a start that may begin with any letter would cost the split scan's
    # lookahead on first characters)
    prompt = r"-++>|[$#%>]"
    return rf"`?(?:{prompt}) ?(?={program})"


class Unwrapper:
    """Takes the wrapping off a pasted line and splits it where another log line starts.

    ``line_starts`` are regexes (from the platforms) for what begins a log line of theirs: an
    envelope such as ``E (123) tag:`` or ``[ERR]``, or a message that always begins a line. A line
    is cut before every such start that is not its own beginning.
    """

    def __init__(self, line_starts: Sequence[str], normalisers: Sequence[Callable[[str], str]] = (),
                 mid_word_starts: Sequence[str] = ()) -> None:
        self._starts = _starts_regex((*line_starts, *_TERMINAL_STAMP_STARTS, *_TRACEBACK_STARTS, *_BUILD_TOOL_STARTS), tuple(mid_word_starts)) if line_starts else None
        self._normalisers = tuple(normalisers)

    @staticmethod
    def shown_lines(text: str) -> list[str]:
        """The lines of ``text`` whose line ends a terminal showed as text (``{0D}{0A}``,
        ``<CR><LF>``): each is a line of its own."""
        if ("{0" in text or "<" in text) and _SHOWN_BREAK.search(text) is not None:
            return _SHOWN_BREAK.split(text)
        return [text]

    def pieces(self, text: str, as_pasted: bool = False) -> list[str]:
        """The log lines ``text`` holds, without the paste's wrapping, each in the envelope its
        platform reads (``as_pasted``: as the paste has them; :meth:`normalise` gives that envelope)."""
        if ("{0" in text or "<" in text or "&lt;" in text) and _SHOWN_BREAK.search(text) is not None:
            return [piece for part in _SHOWN_BREAK.split(text) for piece in self.pieces(part, as_pasted)]
        text = strip_wrapping(text)
        if not text:
            return []
        if is_garbled(text):
            # a log line, then the bytes of a baud rate change glued on where its newline was lost: the line stays
            text = self._readable_head(text)
            if not text:
                return []
        cuts = [0]
        # A long line, or one that opens with a log line's envelope: it may hold several.
        opening = self._starts.match(text) if self._starts is not None else None
        if self._starts is not None and (len(text) >= MIN_SPLIT or opening is not None):
            # no cut inside the start that opens the line ("[esp32c3] [INF] ...": its "[INF] " too begins lines)
            for m in self._starts.finditer(text, max(1, opening.end()) if opening is not None else 1):
                at = m.start()
                # A start after a space or a mark (the regex finds no other: never inside a word), not
                # one that a line's own "tag:" introduces ("I (193) app_init: ELF file SHA256: ...").
                if at - cuts[-1] >= 2:
                    before = text[max(cuts[-1], at - _INTRO_REACH):at].rstrip()
                    # a sentence introducing a pasted line; or a terminal program's own text, which no
                    # line's tag introduces ("login: CTRL-A Z for help | ...")
                    if not before.endswith(":") or is_prose(before) or _UNINTRODUCED_START.match(text, at):
                        cuts.append(at)
        if len(cuts) == 1:
            text = without_trailing_garble(text)
            return [text if as_pasted else self.normalise(text)] if text else []
        cuts.append(len(text))
        found = []
        for start, end in zip(cuts, cuts[1:]):
            piece = strip_wrapping(text[start:end])
            if end < len(text) and text[end] in _PROMPT_MARKS and "@" in piece:
                # the user and host a shell prompt names before its mark, left before the cut
                # ("Done andk@t450s ~/devel/mynewt$ newtmgr ..."): the next line's, not this one's
                head = _PROMPT_HEAD.search(piece)
                if head is not None:
                    piece = piece[: head.start()].rstrip()
            if piece[-1:] in "]>":  # the next line's terminal timestamp or quote marks, left before the cut
                stamp = _NEXT_STAMP.search(piece, max(0, len(piece) - _STAMP_REACH))
                if stamp is not None:
                    piece = piece[: stamp.start()].rstrip()
                end = len(piece)  # the next lines' quote marks ("... 1048576 > >"): no piece's own text
                while end >= 2 and piece[end - 1] == ">" and piece[end - 2].isspace():
                    end -= 1
                    while end and piece[end - 1].isspace():
                        end -= 1
                piece = piece[:end]
            piece = without_trailing_garble(piece)
            if piece:
                found.append(piece if as_pasted else self.normalise(piece))
        return found

    def _readable_head(self, text: str) -> str:
        """What ``text`` holds before its first undecodable byte, when that is a log line of its own
        (it begins as one does); else nothing."""
        bad = _GARBLE.search(text)
        head = text[: bad.start()].rstrip() if bad is not None else ""
        if len(head) < MIN_SPLIT or self._starts is None or self._starts.match(head) is None:
            return ""
        return head

    def opens_log_line(self, text: str, at: int = 0) -> bool:
        """Whether ``text`` begins (at ``at``) the way a platform's log line does (an envelope, a ROM
        line, a terminal's stamp)."""
        return self._starts is not None and self._starts.match(text, at) is not None

    def normalise(self, text: str) -> str:
        for normalise in self._normalisers:
            text = normalise(text)
        return text


_CLOSING = {'"': '"', "'": "'", "`": "`", "\u201c": "\u201d", "\u2018": "\u2019", "(": ")"}
_TRAILING_PUNCT = "\"'`\u201d\u2019).,;:!? "


def quoted_message(text: str, start: int) -> str:
    """The message a sentence quotes from ``start``: up to its closing quote when a quote opened it,
    else the rest of the line without the sentence's closing punctuation."""
    opener = text[start - 1] if start else ""
    closing = _CLOSING.get(opener)
    if closing is not None:
        end = text.find(closing, start)
        if end > start:
            return text[start:end]
    return text[start:].rstrip(_TRAILING_PUNCT) or text[start:]

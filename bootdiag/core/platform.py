"""What a platform tells the generic stages: the one contract between ``core`` and ``platforms/<name>``.

A platform package (``bootdiag/platforms/<name>/__init__.py``) defines ``PLATFORM = Platform(...)``
and nothing in the generic code names it: the registry (:mod:`bootdiag.platforms`) lists the
packages, and every stage asks the registry for the pieces it needs (families to parse lines,
event modules to register, rule and grammar files, the problem catalogue and verifier, fact labels,
redaction patterns, level names). Pieces that cost imports (grammars, crypto) are named by module
path and loaded on first use, so a command pays only for what it touches.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from bootdiag.core.value import Frozen, set_fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pydantic import BaseModel

    from bootdiag.core.parse.family import Family

Level = Literal["error", "warning", "info", "debug"]


class Redaction(Frozen):
    """One row of the redaction table: an identifier or a secret that output may carry.

    ``kind`` names what is replaced: ``<kind-N>`` placeholders, stable within a run (``mac``, ``ip``,
    ``serial``), or for secrets a fixed text that says only what stood there (``password``,
    ``secret``, ``key``, ``user``: :data:`bootdiag.core.redact.FIXED`). The value replaced is the
    pattern's named groups when it has any (each named after its kind, so a shell prompt gives
    ``<user>`` and ``<host-N>`` at once), else its group 2 (groups 1 and 3, a label or a kept
    prefix or suffix, stay), else the whole match.

    ``hint`` is a lower-case substring (or several, or a regex) every match contains: the pattern
    only runs on lines that have it, so a long capture costs a substring test per line and row.
    """

    kind: str
    hint: str | tuple[str, ...] | re.Pattern[str]
    pattern: re.Pattern[str]
    keep: int = 0  # leading characters of the value that stay (they describe, not identify)
    # A labelled value (a unit's id) is also replaced where it appears later without its label.
    remember: bool = False
    # What makes two spellings the same identifier (MAC with ':' or '-'); default: lower case.
    normalise: Callable[[str], str] | None = None
    # Values left as they are (loopback addresses, an unburned all-zero eFuse block).
    keep_if: Callable[[str], bool] | None = None
    _fields = ("kind", "hint", "pattern", "keep", "remember", "normalise", "keep_if")

    def __init__(self, kind: str, hint: str | tuple[str, ...] | re.Pattern[str], pattern: re.Pattern[str], keep: int = 0,
                 remember: bool = False, normalise: Callable[[str], str] | None = None,
                 keep_if: Callable[[str], bool] | None = None) -> None:
        set_fields(self, kind=kind, hint=hint, pattern=pattern, keep=keep, remember=remember, normalise=normalise, keep_if=keep_if)


class LevelStyle(Frozen):
    """How this platform's lines say their level: ``pattern`` is searched in the line (after any
    terminal-program prefix); its group ``level`` is looked up in ``names``, or, without ``names``,
    a match means ``level``."""

    pattern: re.Pattern[str]
    names: Mapping[str, Level] | None = None
    level: Level = "error"
    _fields = ("pattern", "names", "level")

    def __init__(self, pattern: re.Pattern[str], names: Mapping[str, Level] | None = None, level: Level = "error") -> None:
        set_fields(self, pattern=pattern, names=names, level=level)

    def level_of(self, match: re.Match[str]) -> Level:
        return self.names[match.group("level")] if self.names is not None else self.level


class VerifyOption(Frozen):
    """A command-line option that fills one field of the platform's verify options model."""

    flag: str  # "--fuse-info"
    field: str  # the field of ``Platform.verify_options`` it sets
    help: str
    metavar: str | None = None  # None: a flag without a value (a boolean)
    number: bool = False  # the value is an integer, decimal or 0x-hex
    repeat: bool = False  # may be given several times (the field is a list)
    # Commands that take it besides `verify`: explain/report/check read files beside the log.
    beside_log: bool = False
    _fields = ("flag", "field", "help", "metavar", "number", "repeat", "beside_log")

    def __init__(self, flag: str, field: str, help: str, metavar: str | None = None, number: bool = False,
                 repeat: bool = False, beside_log: bool = False) -> None:
        set_fields(self, flag=flag, field=field, help=help, metavar=metavar, number=number, repeat=repeat, beside_log=beside_log)


class Platform(Frozen):
    """A platform's pieces; every field but ``name`` and ``title`` has the default written below
    (the mappings a new empty one), and all but those two are given by keyword."""

    name: str  # prefix of its rule ids, problem ids and message ids: "esp" -> "esp.unsigned_image"
    title: str  # one line for people: "ESP32 family: ROM, ESP-IDF bootloader, esptool"
    # Its line families (objects with trigger/claims/parse), in the order lines are offered to them.
    families: Callable[[], Sequence["Family"]] = tuple
    # Modules whose import defines (and so registers) its event classes.
    event_modules: Sequence[str] = ()
    # Grammar name -> file; a bare file name is looked up in the top-level grammars/ folder.
    grammars: Mapping[str, str | Path] = {}
    # Rule files; a bare file name is looked up in the top-level rules/ folder.
    rule_files: Sequence[str | Path] = ()
    # Problem id (without the platform prefix) -> one line: what the verifier found.
    problems: Mapping[str, str] = {}
    # Module with ``matches(data, options) -> bool`` and ``verify(data, path, options) -> ImageReport``.
    verifier: str | None = None
    verify_order: int = 50  # verifiers are asked in this order whether a file is theirs
    # Log lines are offered to the platforms' families in this order (then the registry's): a
    # platform whose lines come in another platform's envelope reads them first.
    line_order: int = 50
    verifies: str = ""  # what its verifier reads, for people: "ESP app and bootloader images"
    # "module:function" giving, for a key (bootdiag.verify.keys.KeyMaterial), the digests this
    # platform burns or compiles in ({label: hex}); empty when the key cannot serve it. A key file's
    # report lists every platform's.
    key_digests: str | None = None
    # "module:function" (KeyMaterial, VerifyOptions) -> Findings | None: what this platform says about a
    # key file given its options (a fuse or eFuse value to compare with, a chip); None: nothing.
    key_check: str | None = None
    # "module:function" (VerifyOptions) -> None: read every file and value its own options name and
    # raise UnusableInput for the first bad one, before any image is read (a bad input is exit 2 always).
    check_options: str | None = None
    # Its own verify options: a pydantic model with defaults for every field (or "module:Class",
    # imported when a verification needs it), and their flags.
    verify_options: type["BaseModel"] | str | None = None
    options: Sequence[VerifyOption] = ()
    chips: Sequence[str] = ()  # values --chip may take for it
    facts: Mapping[str, str] = {}  # context key -> label, in display order
    tools: Sequence[str] = ()  # command names a fix line may start with
    # "module:function" (text, facts -> text): a fix, check or docs line of its rules worded for the
    # tool versions and chip the capture shows (facts: the failing session's context, as in the
    # report); rules are written in the form that works everywhere, and None keeps them so.
    adapt: str | None = None
    # "module:function" (image: ImageReport, report: Report) -> FileView | None: what one of its
    # images showed, in a few lines, and where it contradicts the log (None: not its image).
    file_view: str | None = None
    # "module:function" (head: bytes) -> str | None: the kind of its image a file's first bytes open
    # ("ESP firmware image"), so that such a file is not read as a capture; keep the module light.
    image_kind: str | None = None
    settings: str | None = None  # regex of build-setting names (sdkconfig, CMakeCache) that matter
    redactions: Sequence[Redaction] = ()
    levels: Sequence[LevelStyle] = ()
    # Upstream message catalogues (TOML); a bare file name is looked up in the top-level messages/.
    message_files: Sequence[str | Path] = ()
    # A corpus case ("<folder>/<case>") good for showing what bootdiag does (`explain --example`).
    example: str | None = None
    # Regexes for what begins one of its log lines (an envelope, or a message that always starts a
    # line): a pasted line is cut before each, where a paste lost its newlines.
    line_starts: Sequence[str] = ()
    # Starts that may also follow a letter or digit: a reset or crash that cut the line being printed
    # short puts them straight after a word ("...loop runningFatal exception (0):"). They begin lines
    # too (not listed again in line_starts).
    mid_word_starts: Sequence[str] = ()
    # "module:function" (str -> str): a line in another backend's envelope, or one that lost part of
    # its own (the level letter), rewritten in the envelope its families read.
    normalise: str | None = None
    # "module:function" (Hit, str -> str | None): a catalogue message found without its envelope,
    # written in that envelope, so the platform's families read it as if it had been printed whole.
    canonical: str | None = None
    # "module:function" (CheckRequest -> BuildReading | None) reading a build folder of this platform
    # before anything is flashed (`bootdiag check`); None when the folder is not one of its builds.
    check: str | None = None
    # Check id (without the platform prefix) -> one line: what the check compares. Prediction rules
    # name these ids; a BuildCheck with any other id is refused.
    checks: Mapping[str, str] = {}  # noqa: RUF012 - a default: each platform gets its own (see __init__)
    # Functions only a crash's backtrace passes through (its panic and abort handlers): a decoder's
    # frame in one of them shows the program crashed, even where a paste lost the crash's own lines.
    crash_functions: frozenset[str] = frozenset()
    _fields = tuple(__annotations__)

    def __init__(self, name: str, title: str, **given: Any) -> None:
        unknown = given.keys() - set(self._fields)
        if unknown:
            raise TypeError(f"Platform() got unexpected fields: {', '.join(sorted(unknown))}")
        set_fields(self, name=name, title=title)
        for field in self._fields[2:]:
            default = getattr(Platform, field)
            set_fields(self, **{field: given.get(field, {} if type(default) is dict else default)})

    def problem_id(self, short: str) -> str:
        return f"{self.name}.{short}"

    def options_model(self) -> type["BaseModel"] | None:
        """The verify options model (imported here when named by reference)."""
        if isinstance(self.verify_options, str):
            return load_function(self.verify_options)  # type: ignore[return-value]
        return self.verify_options

    def option_defaults(self) -> Any:
        model = self.options_model()
        return model() if model is not None else None


def load_function(reference: str) -> Callable[..., Any]:
    """The function a ``"module:function"`` reference names."""
    from importlib import import_module

    module, _, name = reference.partition(":")
    return getattr(import_module(module), name)

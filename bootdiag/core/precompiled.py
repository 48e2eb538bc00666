"""Regexes kept with their compiled programs, so that a later run does not compile them again.

Pickle stores a regex as its source and compiles it on load; compiling takes from a tenth of a
millisecond to tens of milliseconds (the trigger screen), while making the pattern from its
program takes microseconds. The program is what CPython's ``re.compile`` hands to the engine
(``_sre.compile``); it is checked to give an equal pattern when stored, and a pattern stored by
another engine version is compiled from its source. The build cache (:mod:`bootdiag.core.cache`)
stores every regex this way.
"""
from __future__ import annotations

import re
from array import array
from typing import Any

_CODE = "I"  # the engine's code words are 32-bit (_sre.CODESIZE == 4)
OUT_OF_BAND = 1 << 16  # bytes of program from which the build cache keeps it outside the pickle


def compile_with_program(source: Any, flags: int = 0) -> tuple[re.Pattern[Any], tuple[Any, ...] | None]:
    """``re.compile(source, flags)`` and the program it made (``None`` when this interpreter's
    ``re`` cannot give one): the steps of ``re._compiler.compile``, keeping the program."""
    try:
        import _sre
        from re import _compiler, _parser

        if _sre.CODESIZE == array(_CODE).itemsize and not flags & re.DEBUG:
            tree = _parser.parse(source, flags)
            index_group: list[str | None] = [None] * tree.state.groups
            for name, index in tree.state.groupdict.items():
                index_group[index] = name
            code = array(_CODE, _compiler._code(tree, flags)).tobytes()
            form = (_sre.MAGIC, source, flags | tree.state.flags, code, tree.state.groups - 1,
                    dict(tree.state.groupdict), tuple(index_group))
            return from_program(*form), form
    except Exception:  # noqa: BLE001 - another interpreter's internals: compiled the usual way
        pass
    return re.compile(source, flags), None


def program_of(pattern: re.Pattern[Any]) -> tuple[Any, ...] | None:
    """The program of a compiled ``pattern`` (``None`` when it cannot be had, or would not give
    an equal pattern back)."""
    again, form = compile_with_program(pattern.pattern, pattern.flags)
    return form if form is not None and again == pattern else None  # equal patterns have equal programs


def from_program(magic: int, source: Any, flags: int, code: bytes, groups: int, group_index: dict[str, int],
                 index_group: tuple[str | None, ...]) -> re.Pattern[Any]:
    """The pattern of a stored program; compiled from its source when the engine differs."""
    import _sre

    if magic == _sre.MAGIC:
        try:
            program = array(_CODE)
            program.frombytes(code)  # bytes, or a view of the build cache's mapped file
            return _sre.compile(source, flags, program.tolist(), groups, group_index, index_group)
        except Exception:  # noqa: BLE001 - compile from the source instead
            pass
    return re.compile(source, flags)


def out_of_band(data: bytes | memoryview, protocol: Any) -> Any:
    """``data`` as a pickle of ``protocol`` can hand it over out of band (5 and later), else as bytes."""
    import pickle

    return pickle.PickleBuffer(data) if isinstance(protocol, int) and protocol >= 5 else bytes(data)


def reduce_pattern(pattern: re.Pattern[Any]) -> tuple[Any, tuple[Any, ...]]:
    """How pickle stores a compiled regex (a ``dispatch_table`` entry): as its program."""
    form = program_of(pattern)
    if form is None:
        return re.compile, (pattern.pattern, pattern.flags)
    if len(form[3]) > OUT_OF_BAND:
        import pickle

        return from_program, (*form[:3], pickle.PickleBuffer(form[3]), *form[4:])
    return from_program, form


class Precompiled:
    """A regex stored with its program and made into a pattern only when first used."""

    __slots__ = ("_form", "_pattern")

    def __init__(self, source: Any, flags: int = 0) -> None:
        self._pattern, form = compile_with_program(source, flags)
        self._form = form or (None, source, flags, b"", 0, {}, ())  # no program: compiled from the source

    @property
    def pattern(self) -> re.Pattern[Any]:
        if self._pattern is None:
            self._pattern = from_program(*self._form)
        return self._pattern

    def __getstate__(self) -> tuple[Any, ...]:
        return self._form

    def __setstate__(self, form: tuple[Any, ...]) -> None:
        self._form, self._pattern = form, None


class ProgramTable:
    """The programs of many regexes (the message catalogue's thousands, of which a run uses a few
    dozen) in one bytes object, so that loading them costs about as much as loading one; the
    pattern of entry ``i`` is made from its program on first use."""

    def __init__(self, sources: list[str]) -> None:
        import _sre

        self.magic = _sre.MAGIC
        self.sources = sources
        code = bytearray()
        self.bounds = array("L", [0])  # entry i's program: code[bounds[i]:bounds[i + 1]]
        self.flags = array("L")
        self.groups = array("L")
        for source in sources:
            _pattern, form = compile_with_program(source)
            if form is not None and not form[5]:  # a program, and no named groups
                code += form[3]
                self.flags.append(form[2])
                self.groups.append(form[4])
            else:  # compiled from its source when used
                self.flags.append(0)
                self.groups.append(0)
            self.bounds.append(len(code))
        self.code: bytes | memoryview = bytes(code)

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        import copyreg

        # The programs (megabytes) out of band: the build cache keeps them in its mapped file.
        return copyreg.__newobj__, (type(self),), {**self.__dict__, "code": out_of_band(self.code, protocol)}

    def pattern(self, i: int) -> re.Pattern[str]:
        start, end = self.bounds[i], self.bounds[i + 1]
        if start == end:
            return re.compile(self.sources[i])
        groups = self.groups[i]
        code = bytes(self.code[start:end])
        return from_program(self.magic, self.sources[i], self.flags[i], code, groups, {}, (None,) * (groups + 1))


class PrecompiledModule:
    """What a library that takes a regex module (``re``) needs of it, with ``compile`` answered
    from kept programs (Lark's lexers compile their scanners through such a module). Patterns it
    compiles are kept too: :attr:`programs` is what to store for the next run."""

    def __init__(self, programs: dict[tuple[Any, int], Precompiled] | None = None) -> None:
        self.programs = dict(programs or {})

    def compile(self, source: Any, flags: int = 0) -> re.Pattern[Any]:
        found = self.programs.get((source, flags))
        if found is None:
            found = self.programs[(source, flags)] = Precompiled(source, flags)
        return found.pattern

    def match(self, source: Any, text: Any, flags: int = 0) -> re.Match[Any] | None:
        return self.compile(source, flags).match(text)

    def __getattr__(self, name: str) -> Any:  # error, escape, the flags...: the re module's own
        return getattr(re, name)

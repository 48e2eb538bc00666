"""What a command gets from the world it runs in: its streams and the environment variables that
change its behaviour, read in one place and handed to whatever needs them.

==============================  ===========================================================
``NO_COLOR`` / ``FORCE_COLOR``  colour off / on when no --color/--no-color is given
``GITHUB_STEP_SUMMARY``         append the Markdown report to the GitHub Actions job summary
``BOOTDIAG_STEP_SUMMARY=0``     ... except when this says not to
``BOOTDIAG_DEBUG=1``            an internal error shows its traceback
``TERM=dumb``                   no cursor movement in the live view
``COLUMNS``                     width of text output (a terminal's own width otherwise)
==============================  ===========================================================
"""
from __future__ import annotations

import errno
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from bootdiag.core.value import Value

PIPE_WIDTH = 100  # text written to a pipe or file wraps here


def _off(value: str | None) -> bool:
    return (value or "").strip().lower() in ("0", "false", "no", "off")


class ReaderGuard:
    """An output stream whose reader may go away (``| head``, a closed terminal): the first write
    that finds it gone sets :attr:`gone`, and that write and every later one are dropped, so the
    command ends with its own exit status and no traceback. The process's own stdout is pointed at
    ``/dev/null`` then, so that the interpreter's last flush does not fail either."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        self.gone = stream is None  # started with standard output closed (`>&-`)

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self.stream.write(text)
            except (BrokenPipeError, ValueError, OSError) as exc:
                self._lost(exc)
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self.stream.flush()
            except (BrokenPipeError, ValueError, OSError) as exc:
                self._lost(exc)

    def _lost(self, exc: BaseException) -> None:
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError) and exc.errno not in (errno.EPIPE, errno.EINVAL):
            raise exc  # a full disk is an error to report, not a reader that left
        self.gone = True
        if self.stream is sys.__stdout__:
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, self.stream.fileno())
                os.close(devnull)
            except (OSError, ValueError):
                pass

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding...: the stream's own
        return getattr(self.stream, name)


class Environment(Value):
    """The process's streams and environment variables (each, when not given, the process's own)."""

    _fields = ("stdin", "stdout", "stderr", "variables")

    def __init__(self, stdin: BinaryIO | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None,
                 variables: Mapping[str, str] | None = None) -> None:
        self.stdin: BinaryIO = sys.stdin.buffer if stdin is None else stdin
        out = sys.stdout if stdout is None else stdout
        self.stdout: TextIO = out if isinstance(out, ReaderGuard) else ReaderGuard(out)  # type: ignore[assignment]
        self.stderr: TextIO = sys.stderr if stderr is None else stderr
        self.variables: Mapping[str, str] = dict(os.environ) if variables is None else variables

    # ------------------------------------------------------------------ streams
    @property
    def reader_gone(self) -> bool:
        """Whoever read standard output has gone (a pipe closed): nothing more will be seen."""
        return bool(getattr(self.stdout, "gone", False))

    def is_terminal(self, stream: TextIO | BinaryIO) -> bool:
        isatty = getattr(stream, "isatty", None)
        try:
            return bool(isatty and isatty())
        except (OSError, ValueError):
            return False

    def stdin_is_terminal(self) -> bool:
        return self.is_terminal(self.stdin)

    def color(self, stream: TextIO, forced: bool | None = None) -> bool:
        """Colour on ``stream``: --color/--no-color, else NO_COLOR / FORCE_COLOR, else a terminal."""
        if forced is not None:
            return forced
        if self.variables.get("NO_COLOR"):
            return False
        if self.variables.get("FORCE_COLOR"):
            return True
        return self.is_terminal(stream)

    def can_redraw(self, stream: TextIO) -> bool:
        """Whether the cursor may go back over a line (a real terminal that is not TERM=dumb)."""
        return self.is_terminal(stream) and self.variables.get("TERM") != "dumb"

    def width(self, stream: TextIO) -> int:
        """Columns for wrapping text: COLUMNS, else the terminal's width, else PIPE_WIDTH in a pipe."""
        columns = self.variables.get("COLUMNS", "")
        if columns.isdigit() and int(columns) > 20:
            return int(columns)
        if self.is_terminal(stream):
            import shutil

            return shutil.get_terminal_size((PIPE_WIDTH, 24)).columns
        return PIPE_WIDTH

    # ------------------------------------------------------------------ settings
    @property
    def step_summary(self) -> Path | None:
        """The GitHub Actions job summary file, unless turned off."""
        target = self.variables.get("GITHUB_STEP_SUMMARY", "").strip()
        if not target or _off(self.variables.get("BOOTDIAG_STEP_SUMMARY")):
            return None
        return Path(target)

    @property
    def debug(self) -> bool:
        value = self.variables.get("BOOTDIAG_DEBUG", "")
        return bool(value) and not _off(value)

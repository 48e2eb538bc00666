"""Helpers for the tests of hostile and unlucky input: the command line run in this process."""
from __future__ import annotations

import io
from dataclasses import dataclass

from bootdiag.app.cli import run
from bootdiag.app.environment import Environment


@dataclass
class Ran:
    code: int
    out: str
    err: str


def bootdiag(*args: str, stdin: bytes = b"", variables: dict[str, str] | None = None) -> Ran:
    """``bootdiag ARGS`` as the console command runs it, with its streams in memory."""
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdin=io.BytesIO(stdin), stdout=out, stderr=err, variables={"NO_COLOR": "1", **(variables or {})})
    code = run(list(args), env)
    return Ran(code, out.getvalue(), err.getvalue())


def clean_error(ran: Ran, code: int = 2) -> str:
    """The one line a refused input gets; the exit status is ``code`` and nothing else is said."""
    assert ran.code == code, (ran.code, ran.err)
    assert "Traceback" not in ran.err and "internal error" not in ran.err, ran.err
    assert ran.err.startswith("bootdiag: "), ran.err
    return ran.err

"""Helpers for the tests of hostile and unlucky input: the command line run in this process."""
from __future__ import annotations

import io
import signal
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import pytest

from bootdiag.app.cli import run
from bootdiag.app.environment import Environment

T = TypeVar("T")


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


def peak_memory(work: Callable[[], T]) -> tuple[T, int]:
    """What ``work`` returns, and the most memory Python held for it at once (bytes)."""
    tracemalloc.start()
    try:
        result = work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


@pytest.fixture
def never_hangs() -> Iterator[None]:
    """A read that waits on a FIFO or a device fails the test instead of hanging the suite."""

    def late(signum: int, frame: object) -> None:
        raise TimeoutError("waited on a FIFO or a device")

    previous = signal.signal(signal.SIGALRM, late)
    signal.alarm(30)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)

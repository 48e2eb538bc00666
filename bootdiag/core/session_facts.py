"""What each session's events said of the environment (chip, tool versions), kept in runs.

Sessions that said the same are kept as one run, so a boot loop of thousands of sessions costs one
entry and memory stays flat as the capture grows. A run may span sessions that said nothing: those
add nothing to what is said of any session, and the run's facts are nearer to them than any other.
"""
from __future__ import annotations

from bootdiag.core.value import Value


class _Run(Value):
    __slots__ = _fields = ("first", "last", "facts")
    first: int
    last: int
    facts: dict[str, str]

    def __init__(self, first: int, last: int, facts: dict[str, str]) -> None:
        self.first, self.last, self.facts = first, last, facts


class SessionFacts:
    """Facts by session, fed in session order (sessions are numbered as they open)."""

    def __init__(self) -> None:
        self._runs: list[_Run] = []  # ascending; the last one's last session may still be fed

    def add(self, session: int, facts: dict[str, str]) -> None:
        """Facts one event of ``session`` said; an earlier event's value for a key stays."""
        if not facts:
            return
        runs = self._runs
        last = runs[-1] if runs else None
        if last is None or session > last.last:
            last = self._open(session)
        elif session < last.last:
            raise ValueError(f"facts of session {session} after session {last.last}'s")
        known = last.facts
        for key, value in facts.items():
            known.setdefault(key, value)

    def _open(self, session: int) -> _Run:
        """Start ``session``; the session fed before it joins the run before that when they said the same."""
        runs = self._runs
        if len(runs) >= 2 and list(runs[-1].facts.items()) == list(runs[-2].facts.items()):
            ended = runs.pop()
            runs[-1].last = ended.last
        run = _Run(session, session, {})
        runs.append(run)
        return run

    def of(self, session: int | None) -> dict[str, str]:
        """Facts as seen from ``session``: its own first, then the nearest earlier sessions', then
        the nearest later ones. ``None``: in session order (the first value in the capture)."""
        runs = self._runs
        if session is None:
            order = runs
        else:
            split = next((i for i, run in enumerate(runs) if run.first > session), len(runs))
            order = [*reversed(runs[:split]), *runs[split:]]
        merged: dict[str, str] = {}
        for run in order:
            for key, value in run.facts.items():
                merged.setdefault(key, value)
        return merged

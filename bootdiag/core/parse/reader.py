"""What the line parser asks its reader of a line that repeats an earlier one, so that a repeat
that changes nothing is counted without being made into an event again."""
from __future__ import annotations

from typing import Protocol

from bootdiag.core.events import Event


class RepeatReader(Protocol):
    def repeat_wanted(self, earlier: Event) -> bool:
        """Whether the reader still needs an event like ``earlier`` (the repeat's, but for its
        place); when not, the line is only counted (the reader counts it here)."""
        ...

    def repeat_settles(self, event: Event, shaped: frozenset[str], free: frozenset[str]) -> bool:
        """Whether, not needing ``event``, the reader needs no event that differs from it only in
        the fields ``shaped`` (their digits) and ``free`` (anything), until
        :meth:`repeat_epoch` changes."""
        ...

    def repeat_epoch(self) -> int:
        """Changes whenever the reader may need again what it did not (a new session began)."""
        ...

    def repeat_counted(self) -> None:
        """A line of a shape it settled: counted, not read."""
        ...

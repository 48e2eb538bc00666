"""Split an event stream into boot sessions.

A session is one attempt of something: a device boot (ROM reset -> bootloader -> app) or one
host tool run (esptool, tegraflash). Events that can open a session declare
``boundary = (group, rank)``. A boundary event continues the current session when it belongs to
the same group and comes later in that group's order (a ROM banner then its reset line then the
bootloader banner are one boot); otherwise it opens a new session.
Events that are not steps of a boot (``occupies_session = False``: a report's prose) leave the
session empty for this purpose, so the boot a report goes on to paste shares its session.
"""
from __future__ import annotations

from bootdiag.core.events import Event


class SessionTracker:
    def __init__(self) -> None:
        self.index = 0
        self._group: str | None = None
        self._rank: float = -1
        self._empty = True

    def starts_new(self, event: Event) -> bool:
        """Assign ``event`` to a session; ``True`` when it opens a new one (``index`` moved on)."""
        boundary = event.session_boundary()
        opens = False
        if boundary is not None:
            group, rank = boundary
            continues = group == self._group and rank > self._rank
            if not continues and not self._empty:
                self.index += 1
                opens = True
            if continues or opens or self._group is None or self._empty:
                self._group, self._rank = group, rank
        if type(event).occupies_session:
            self._empty = False
        return opens

    def state(self) -> tuple[str | None, float, bool]:
        """Where the open session stands (its group, rank, whether it holds a step yet)."""
        return self._group, self._rank, self._empty

    def restore(self, state: tuple[str | None, float, bool]) -> None:
        self._group, self._rank, self._empty = state

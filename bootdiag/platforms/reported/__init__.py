"""Written reports without the log: a forum post or article that retells the messages, names the
configuration and quotes the commands. Its events feed the other platforms' rules."""
from __future__ import annotations

from bootdiag.core.platform import Platform


def _families():
    from bootdiag.platforms.reported.prose import ReportTextFamily

    return [ReportTextFamily()]


PLATFORM = Platform(
    name="reported",
    title="Written reports: retold log messages, configuration symbols, quoted imgtool commands",
    families=_families,
    event_modules=("bootdiag.platforms.reported.events",),
)

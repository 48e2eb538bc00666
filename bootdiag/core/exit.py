"""Exit status of every command: one table, shown in ``bootdiag --help`` and the README."""
from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0  # the boot or flash completed with no failure; the image is valid
    FOUND = 1  # a root cause was found; the image has problems
    USAGE = 2  # usage or input error (one line on stderr)
    UNEXPLAINED = 3  # a failure was seen, but no rule explains it
    INTERNAL = 4  # a bug in bootdiag (one line on stderr; BOOTDIAG_DEBUG=1 shows the traceback)
    UNRECOGNISED = 5  # nothing in the input reads as a boot or flashing log
    INCOMPLETE = 6  # a boot or flash was read, but it neither completed nor failed in the capture
    NOT_CHECKED = 7  # verify: nothing wrong found, but the verdict lacks a key, eFuse summary or encryption key
    INTERRUPTED = 130  # Ctrl-C


MEANINGS: dict[ExitStatus, str] = {
    ExitStatus.OK: "healthy: the boot or flash completed and nothing failed; verify: the image is valid",
    ExitStatus.FOUND: "diagnosed: a root cause was found; verify: the image has problems",
    ExitStatus.USAGE: "usage or input error (one line on stderr)",
    ExitStatus.UNEXPLAINED: "a failure was seen, but no rule explains it",
    ExitStatus.INTERNAL: "internal error (a bug: please report it)",
    ExitStatus.UNRECOGNISED: "nothing recognised: no boot or flashing log lines in the input",
    ExitStatus.INCOMPLETE: "incomplete: the capture ends before the boot or flash completed, with no failure seen",
    ExitStatus.NOT_CHECKED: (
        "verify: not checked or partly checked: nothing wrong was found, but a full verdict needs what is "
        "missing (a trusted key, an eFuse summary, an encryption key); the output names it"
    ),
    ExitStatus.INTERRUPTED: "interrupted (Ctrl-C)",
}


def exit_status_help() -> str:
    """The table for --help: one line per status."""
    return "\n".join(f"  {int(status):>3}  {meaning}" for status, meaning in MEANINGS.items())

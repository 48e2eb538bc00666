"""Zephyr's ``west flash``: which file the runner actually wrote.

An MCUboot board boots only the signed image (``zephyr.signed.bin``/``.hex``, or the merged
``merged.hex`` of a sysbuild or NCS build); the plain ``zephyr.bin``/``zephyr.hex`` has no MCUboot
header. ``west flash`` picks the file itself unless the runner honours ``--bin-file``/``--hex-file``,
and each runner names the file it writes:

- zephyr/scripts/west_commands/runners/{nrfjprog,nrf_common,jlink,pyocd,openocd,stm32flash,...}.py:
  ``self.logger.info('Flashing file: {}'.format(...))``, printed by west as
  ``-- runners.<runner>: Flashing file: <path>``;
- west's own lines: ``-- west flash: using runner <runner>``.
"""
from __future__ import annotations

import re
import shlex

from bootdiag.core.events import Event
from bootdiag.core.parse.family import ClaimsByTrigger, compile_trigger
from bootdiag.platforms.mcuboot.events import WestFlashCommand, WestFlashed, WestFlashingFile

# west's global verbosity option before the command: -v, -vv..., or --verbose (zephyrproject-rtos/west
# src/west/app/main.py, the top-level parser's "-v, --verbose"). A report may set the command or a
# runner's line in Markdown emphasis or code ("run **west flash ...**"): the marks around it are not
# part of it. Not west's own "-- west flash: ..." lines, nor its messages that name the commands
# ("board x doesn't support west flash/debug", "... west flash/debug/simulate ...").
_COMMAND = re.compile(r"(?:^|[\s$#>*`])west(?:\s+(?:-v+|--verbose))*\s+flash(?![:\w/-])(?P<args>.*)$")
_FLASHING = re.compile(r"(?:--\s*runners\.(?P<runner>[\w-]+):\s*)?Flashing file:\s*(?P<file>\S.*?)[*`]*\s*$")
_FILE_OPTIONS = ("--bin-file", "--hex-file", "--elf-file", "--file")
# runners/nrf_common.py: "Board(s) with serial number(s) ... flashed successfully."; stm32flash.py:
# "Board flashed successfully."
_DONE = re.compile(r"--\s*runners\.[\w-]+:\s*Board.*flashed successfully")


def _requested(args: str) -> str | None:
    """The file a ``west flash`` command line names (``--hex-file X`` or ``--hex-file=X``)."""
    args = args.rstrip().rstrip("*`")
    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    for i, word in enumerate(words):
        option, eq, value = word.partition("=")
        if option in _FILE_OPTIONS:
            if eq:
                return value or None
            return words[i + 1] if i + 1 < len(words) else None
    return None


class WestFamily(ClaimsByTrigger):
    name = "west"
    trigger = compile_trigger(r"\bwest(?:\s+(?:-v+|--verbose))*\s+flash\b", r"Flashing file: ", r"runners\.[\w-]+: ")

    def __init__(self) -> None:
        self._requested: str | None = None  # the file named by the last `west flash` command line

    def state(self, no: int) -> str | None:
        return self._requested

    def restore(self, state: str | None, no: int) -> None:
        self._requested = state

    def parse(self, text: str, no: int) -> Event | None:
        m = _COMMAND.search(text)
        if m is not None:
            self._requested = _requested(m.group("args"))
            return WestFlashCommand.trusted(line=no, text=text, requested=self._requested)
        m = _FLASHING.search(text)
        if m is not None:
            return WestFlashingFile.trusted(
                line=no, text=text, file=m.group("file"), runner=m.group("runner"), requested=self._requested,
            )
        if _DONE.search(text):
            return WestFlashed.trusted(line=no, text=text)
        return None

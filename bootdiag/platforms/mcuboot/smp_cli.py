"""The host side of an SMP (MCUmgr) image upload: the Go ``mcumgr`` CLI and ``newtmgr``.

Both tools print a finished upload the same way (apache/mynewt-newtmgr@00340e1e851e:
newtmgr/cli/image.go:imageUploadCmd; apache/mynewt-mcumgr-cli is a fork of it): the command line
the user typed, the progress bar (or, in early versions, the offsets the device acknowledged), then
either ``Error: <code>`` or a line that says only ``Done``. ``Done`` alone says nothing: the same
tools print it after ``image erase`` and ``reset``, and other programs print it too, so it counts
as a finished upload only after an ``image upload`` command line of one of these tools.

The bar is cheggaaa/pb's (newtmgr/cli/image.go:imageUploadCmd, ``pb.StartNew(len(imageFile))`` with
``SetUnits(pb.U_BYTES)``): ``<done> / <total> [<bar>] <percent>%``, the sizes in bytes units
(``0 B / 74.59 KiB``) or, in builds without the units, bare counts (``0 / 110780``). It advances on
each chunk the device acknowledges; a bar still at 0 with the percent at ``0.00%`` means no chunk
was acknowledged yet: the first request, which also tells the device the image size (and makes it
erase the slot), got no answer.
"""
from __future__ import annotations

import re

from bootdiag.core.events import Event
from bootdiag.core.parse.family import ClaimsByTrigger, compile_trigger, distance, line_at
from bootdiag.core.numbers import parse_int
from bootdiag.platforms.mcuboot.events import SmpImageUploaded, SmpUploadNoProgress, SmpUploadRefused

# The tool's name as the shell prompt or a Windows path leaves it: "$ mcumgr ...", "C:\x>mcumgr ...";
# or as a post's markup or grep -n's line number opens it ("**mcumgr ...**", "`mcumgr ...`", "12:mcumgr ...").
_TOOL = r"(?:^|[\s$#>\\/*`:])(?:mcumgr|newtmgr)(?:\.exe)?\s"
_COMMAND = re.compile(_TOOL + r".*?\bimage\s+(?P<verb>[a-z]+)")
_DONE = re.compile(r"^\s*Done\s*$")
# The same answer glued after the finished progress bar (cheggaaa/pb, which the tools use: "... [====]
# 100.00% 3.08 KiB/s 1m3s" then "Done"), as a paste that lost its newlines has it.
_BAR_DONE = re.compile(r"\b100(?:\.0+)?%(?: \S++){0,4} Done\s*$")
_ERROR = re.compile(r"^\s*Error: ")  # the tool's answer to a failed command: the upload is over
# newtmgr/cli/image.go imageUploadCmd prints the device's non-zero SMP status as a bare number: the
# device answered; any other text after "Error: " is the tool's own (a timeout, a transport error).
_STATUS = re.compile(r"^\s*Error: (?P<status>\d{1,6})\s*$")
# The same status glued after the percent of the bar it stopped ("... [-----]   0.00% Error: 3"), as a paste
# that lost its newlines has it.
_BAR_STATUS = re.compile(r"%\s++Error: (?P<status>\d{1,6})\s*$")
# The bar with nothing acknowledged, as the last state on its line (a paste of a terminal that kept the
# carriage returns shows every state of the bar on one line).
_BAR_AT_ZERO = r"0(?: B)? / (?P<total>\d[\d.]{0,15}+(?: [KMG]i?B)?) \[[-=>_ ]*+\]\s*+0\.00%\s*$"
_NO_PROGRESS = re.compile(r"^\s*" + _BAR_AT_ZERO)
# The same bar glued after the command, as a paste that lost its newlines has it.
_GLUED_NO_PROGRESS = re.compile(r"(?<=\s)" + _BAR_AT_ZERO)
# The same bar broken at its blanks over rows (a mail program's, a narrow window's): the counts alone on
# a row, then the bar and the percent, on one row or each on its own.
_COUNTS_AT_ZERO = re.compile(r"^\s*0(?: B)? / (?P<total>\d[\d.]{0,15}+(?: [KMG]i?B)?)\s*$")
_BAR_ROW = re.compile(r"^\s*\[[-=>_ ]*+\](?P<percent>\s*+0\.00%)?\s*$")
_PERCENT_ROW = re.compile(r"^\s*0\.00%\s*$")


class SmpCliFamily(ClaimsByTrigger):
    name = "smp_cli"
    # The screen sees lines with their paste marks ("> Done"): the parser checks the whole line.
    trigger = compile_trigger(_TOOL, r"\bDone\b", r"\bError: ", r"\]\s*+0\.00%", r"\b0\.00%\s*+$",
                              r"\b0(?: B)? / \d[\d.]{0,15}+(?: [KMG]i?B)?\s*+$", r"\[[-=>_]{4}[-=>_ ]*+\]\s*+$")

    def __init__(self) -> None:
        self._upload: int | None = None  # the line of the last `image upload` command still waiting for its answer
        # a bar at zero broken over rows, so far: the line of its counts row, its total, the rows read
        self._broken: tuple[int, str, int] | None = None

    def state(self, no: int) -> int | tuple[int | None, tuple[int, str, int]] | None:
        if self._broken is None:
            return distance(self._upload, no)
        counts, total, rows = self._broken
        return distance(self._upload, no), (no - counts, total, rows)

    def restore(self, state: int | tuple[int | None, tuple[int, str, int]] | None, no: int) -> None:
        if isinstance(state, tuple):
            upload, (back, total, rows) = state
            self._upload, self._broken = line_at(upload, no), (no - back, total, rows)
        else:
            self._upload, self._broken = line_at(state, no), None

    def _broken_bar(self, text: str, no: int) -> Event | None:
        """A row of a bar at zero broken over rows: the event on its last row (the percent)."""
        broken, self._broken = self._broken, None
        if self._upload is None:
            return None
        if (counts := _COUNTS_AT_ZERO.match(text)) is not None:
            self._broken = (no, counts.group("total"), 1)
            return None
        if broken is None or no != broken[0] + broken[2]:
            return None  # the rows of a bar follow each other
        line, total, rows = broken
        if rows == 1 and (bar := _BAR_ROW.match(text)) is not None:
            if bar.group("percent") is None:
                self._broken = (line, total, 2)
                return None
        elif not (rows == 2 and _PERCENT_ROW.match(text)):
            return None
        return SmpUploadNoProgress.trusted(line=no, text=text, command_line=self._upload, total=total)

    def parse(self, text: str, no: int) -> Event | None:
        if (stalled := self._broken_bar(text, no)) is not None:
            return stalled
        m = _COMMAND.search(text)
        if m is not None:
            self._upload = no if m.group("verb") == "upload" else None
            if self._upload is not None and (refused := self._glued_status(text, m.end(), no)) is not None:
                return refused
            if self._upload is not None and (stalled := _GLUED_NO_PROGRESS.search(text, m.end())) is not None:
                return SmpUploadNoProgress.trusted(line=no, text=text, command_line=no, total=stalled.group("total"))
            if self._upload is None or _BAR_DONE.search(text, m.end()) is None:
                return None
        if self._upload is not None and m is None and (refused := self._glued_status(text, 0, no)) is not None:
            return refused
        if self._upload is not None and _ERROR.match(text):
            refused, self._upload = self._refused(_STATUS.match(text), text, no), None
            return refused  # (None: the message catalogue reads the error itself)
        if self._upload is not None and (_DONE.match(text) or _BAR_DONE.search(text)):
            command, self._upload = self._upload, None
            return SmpImageUploaded.trusted(line=no, text=text, command_line=command)
        if self._upload is not None and (stalled := _NO_PROGRESS.match(text)) is not None:
            return SmpUploadNoProgress.trusted(line=no, text=text, command_line=self._upload,
                                               total=stalled.group("total"))
        return None

    def _glued_status(self, text: str, start: int, no: int) -> Event | None:
        """The device's status glued after the upload's bar on this line (``_BAR_STATUS``): the answer that
        ends the upload."""
        if "Error: " not in text or (refused := self._refused(_BAR_STATUS.search(text, start), text, no)) is None:
            return None
        self._upload = None
        return refused

    def _refused(self, answer: re.Match[str] | None, text: str, no: int) -> Event | None:
        """The upload's refusal by the device: the non-zero SMP status of ``answer`` (``_STATUS`` or
        ``_BAR_STATUS``), for the upload command still waiting."""
        status = parse_int(answer.group("status")) if answer is not None else 0
        if not status or self._upload is None:
            return None
        return SmpUploadRefused.trusted(line=no, text=text, command_line=self._upload, status=status)

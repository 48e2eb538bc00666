"""What a written report says about a boot, as opposed to what a boot log shows.

A forum post, an issue or an article often quotes the bootloader's messages in its own words
("the image in the primary slot is not valid"), names configuration symbols and copies the
signing command, without a single raw log line. These events carry that: they are context, not
steps of a boot, so they never open a session and do not keep a boot that follows them in the
same text from joining them (``occupies_session``), and none of them is a failure by itself.
"""
from __future__ import annotations

from typing import ClassVar, Literal

from bootdiag.core.events import Event

# imgtool main.py: --boot-record takes a sw_type of at most 12 characters.
SW_TYPE_MAX = 12

# The bootloader messages a report is read for, by the id rules use.
REPORTED_MESSAGES = ("mcuboot.image_not_valid", "mcuboot.no_bootable_image", "mcuboot.shared_data_failed")


class ReportedEvent(Event):
    kind: str = "ReportedEvent"
    family = "report_text"
    occupies_session: ClassVar[bool] = False


class ReportedLogMessage(ReportedEvent):
    """A bootloader message quoted or paraphrased in prose: ``messages`` are ids such as
    ``mcuboot.image_not_valid``, in the order they appear; ``message`` is the first."""

    kind: Literal["ReportedLogMessage"] = "ReportedLogMessage"
    value_sets = {"message": lambda: REPORTED_MESSAGES, "messages": lambda: REPORTED_MESSAGES}
    platform: str
    message: str
    messages: list[str]
    slot: str | None = None  # primary | secondary, when the text says which
    phrase: str  # the words of the text that name the first message

    @property
    def slot_label(self) -> str:
        return f"the {self.slot} slot" if self.slot else "a slot"


class ReportedSetting(ReportedEvent):
    """Configuration symbols named in prose (``MCUBOOT_MEASURED_BOOT``, ``CONFIG_MCUBOOT_...``)."""

    kind: Literal["ReportedSetting"] = "ReportedSetting"
    name: str
    names: list[str]
    value: str | None = None  # when written as NAME=value or -DNAME=value

    @property
    def name_list(self) -> str:
        return ", ".join(self.names)


class ImgtoolSignCommand(ReportedEvent):
    """An ``imgtool sign`` command line (quoted in a report, or echoed by a CI job), read the way
    imgtool's own option parser reads it."""

    kind: Literal["ImgtoolSignCommand"] = "ImgtoolSignCommand"
    key: str | None = None
    public_key_format: str | None = None
    version: str | None = None
    header_size: int | None = None
    slot_size: int | None = None
    align: int | None = None
    security_counter: str | None = None
    boot_record: str | None = None  # the token imgtool takes as sw_type
    boot_record_missing_argument: bool = False  # --boot-record followed by a path or an option
    pad_header: bool = False
    pad: bool = False
    confirm: bool = False
    infile: str | None = None
    outfile: str | None = None
    complete: bool = True  # False when the line continues on the next one (trailing \ or ^)
    exit_status: int | None = None  # the status west reported the command exited with
    # "west sign" when these are the imgtool options given to west sign after "--": west adds
    # --version, --align, --header-size and --slot-size before them and the input and output files.
    via: str | None = None

    def is_failure(self) -> bool:
        return bool(self.exit_status)

    @property
    def command(self) -> str:
        """The command as written (what the report shows)."""
        return self.text.strip()

    @property
    def imgtool_outcome(self) -> str:
        """What running the command does, in words (for explanations)."""
        error = self.usage_error
        if error is not None:
            return f"imgtool 2.5.0 stops with `{error}` and writes no image"
        if not self.complete:
            return "the command continues on the next line"
        if self.via == "west sign":
            return "imgtool signs the build's zephyr.bin / zephyr.hex into zephyr.signed.bin / .hex"
        return f"imgtool signs {self.infile} into {self.outfile}"

    @property
    def usage_error(self) -> str | None:
        """What imgtool stops with before signing anything, when the command cannot work.

        Messages and their precedence as imgtool 2.5.0 prints them: click checks a missing
        option value, then missing arguments; main.py's sign checks the sw_type length once the
        key has loaded (an unreadable key or input file fails first, which a text cannot tell)."""
        if not self.complete:
            return None
        if self.boot_record_missing_argument and self.boot_record is None:
            return "Error: Option '--boot-record' requires an argument."
        if self.via != "west sign":  # west sign gives the input and output files itself
            if self.infile is None:
                return "Error: Missing argument 'INFILE'."
            if self.outfile is None:
                return "Error: Missing argument 'OUTFILE'."
        if self.boot_record is not None and len(self.boot_record) > SW_TYPE_MAX:
            return (
                f"Error: '{self.boot_record}' is too long ({len(self.boot_record)} characters) for sw_type. "
                f"Its maximum allowed length is {SW_TYPE_MAX} characters."
            )
        return None

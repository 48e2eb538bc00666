"""The base of every event: small, immutable, and carrying its evidence (line number, raw text).

Each concrete event class declares ``kind: Literal["ClassName"] = "ClassName"``; that field is the
discriminator of the union built in :mod:`bootdiag.core.kinds`. Class-level attributes tell the later
stages what an event means without any per-line logic there:

- ``boundary``: ``(group, rank)`` when the event can open a new boot session (see :mod:`bootdiag.core.session`);
- ``failure``: the event by itself says something went wrong (used for "unexplained" failures);
- ``facts()``: environment facts for the report (chip, tool versions).
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, ClassVar, Literal

from bootdiag.core.record import Record, _assemble, field

REGISTRY: dict[str, type["Event"]] = {}


def _not_quoted(quoted: bool) -> bool:
    return not quoted


def _not_cut_short(cut_short: bool) -> bool:
    return not cut_short


class Event(Record, frozen=True, extra="forbid"):
    kind: str
    line: int
    text: str
    # The message stands quoted in a sentence (``I get "Sig block 0 invalid"``): what someone says
    # happened, not a line of the log. Left out of JSON when false.
    quoted: bool = field(default=False, exclude_if=_not_quoted)
    # The line was cut short (a paste that stops mid-line) and is read as the catalogued message it
    # begins, the only one that begins so: what it says is less sure. Left out of JSON when false.
    cut_short: bool = field(default=False, exclude_if=_not_cut_short)

    family: ClassVar[str] = "generic"
    boundary: ClassVar[tuple[str, float] | None] = None
    failure: ClassVar[bool] = False
    # False for context that is not a step of a boot (a report's prose): it joins the session of
    # the boot that follows it instead of making that boot open a session of its own.
    occupies_session: ClassVar[bool] = True
    # Names of this class and its event base classes: a rule naming a base matches every subclass.
    kinds: ClassVar[frozenset[str]] = frozenset()
    # Fields whose values come from a catalogue (problem ids, message ids): field -> the catalogue.
    # Rule validation rejects a value the catalogue does not have.
    value_sets: ClassVar[dict[str, Callable[[], Collection[str]]]] = {}
    # A family's event for a line it knows only by its envelope (a log line whose message its
    # grammar does not read): such a class knows the message by the catalogue (its ``message_id``),
    # and the parser does not look further. Only a class that says so itself is generic, not its subclasses.
    generic: ClassVar[bool] = False
    # The line shows a boot or a tool run that reached its end (the app started, the flash was
    # verified): a capture is healthy only when something completed.
    completion: ClassVar[bool] = False
    # The boot hands over to the next stage here (the ROM jumps to the bootloader, the bootloader
    # picks the image to start): when the capture goes on with lines nothing reads, the next
    # stage is running, which shows the boot completed.
    handoff: ClassVar[bool] = False
    # A hand-over that only what follows can show: the stage that prints it may still print lines of
    # its own (MCUboot's chainload line, which its jump line follows in every version). A later line
    # of the same stage, or nothing at all, shows no hand-over; another stage's line shows one.
    tentative: ClassVar[bool] = False
    # The run waits here for something that may never come (a kernel waiting for its root
    # device): when the capture ends on such a line, the run did not get past it, so what
    # completed before it does not make the capture healthy.
    stall: ClassVar[bool] = False
    # A failure that only echoes another line's (a crash's decoded backtrace, printed after the crash
    # itself): its session lists it only when nothing else in the session failed, so a paste that
    # kept the frames and lost the crash's own lines still reads as the failure it is.
    echo: ClassVar[bool] = False
    # For a hand-over the capture ends at, with nothing after it: what that silence shows (one
    # sentence) and what to check next. General guidance from the platform's docs, never a cause:
    # the report says the capture is incomplete and gives these beside it.
    silence_means: ClassVar[str] = ""
    silence_checks: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kinds = {c.__name__ for c in cls.__mro__ if issubclass(c, Event) and c is not Event}
        if hasattr(cls, "message_id"):
            kinds.add("Message")  # a rule's "Message" condition reads any line the catalogue knows by id
        cls.kinds = frozenset(kinds)
        cls.generic = bool(cls.__dict__.get("generic", False))
        REGISTRY[cls.__name__] = cls

    def is_failure(self) -> bool:
        return self.failure

    def failure_meaning(self) -> str | None:
        """What the line means as a failure where no catalogue entry says it: for a line that is a
        failure only by what came before it (a boot that starts over again and again)."""
        return None

    def session_boundary(self) -> tuple[str, float] | None:
        """``boundary`` for this event; a family may refine it per event (a log restarting mid-paste)."""
        return type(self).boundary

    def facts(self) -> dict[str, str]:
        return {}

    def level_name(self) -> str | None:
        """``error``, ``warning``, ``info`` or ``debug`` when the line carried a log level."""
        return None

    def completes(self) -> bool:
        """Whether this line shows a boot or tool run that reached its end."""
        return type(self).completion

    def restarts_unasked(self) -> bool:
        """Whether this line shows the device restarting by its own doing (a software reset), not
        by someone's hand or a power cycle: the run before it ended though it had handed over."""
        return False

    def hands_over(self) -> bool:
        """Whether the boot hands over to the next stage at this line (see ``handoff``)."""
        return type(self).handoff

    def waits(self) -> bool:
        """Whether the run waits at this line for something that may not come (see ``stall``)."""
        return type(self).stall

    def opens_write(self) -> bool:
        """Whether a tool starts writing flash at this line: a write that only a later line shows
        completed."""
        return False

    def is_weak(self) -> bool:
        """A failure read with less than certainty (quoted in a sentence, or said in words nothing
        knows): it counts only when the capture shows no boot or flash that completed."""
        return self.quoted

    @classmethod
    def trusted(cls, **values: Any) -> "Event":
        """An event from a parser's own values, which already have their fields' types (the tests
        check every parsed event against its kind's pydantic model): no validation, the defaults
        filled in, an unknown or missing field a ``TypeError``."""
        return cls.model_construct(**values)

    def moved(self, line: int, text: str, **changes: Any) -> "Event":
        """The same event at another line: a boot loop repeats its lines, and a copy costs less
        than making the event again. ``changes`` must already have their fields' types."""
        return _assemble(type(self), {**self.__dict__, "line": line, "text": text, **changes})

    def fields(self) -> dict[str, Any]:
        """The event's own fields (without kind/line/text), for templates and JSON."""
        return {k: v for k, v in self.__dict__.items() if k not in ("kind", "line", "text")}


class Unparsed(Event):
    """A line no grammar claims: forum prose, application output. Context, never an error."""

    kind: Literal["Unparsed"] = "Unparsed"

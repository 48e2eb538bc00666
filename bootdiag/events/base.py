"""The base of every event: small, immutable, and carrying its evidence (line number, raw text).

Each concrete event class declares ``kind: Literal["ClassName"] = "ClassName"``; that field is the
discriminator of the union built in :mod:`bootdiag.events`. Class-level attributes tell the later
stages what an event means without any per-line logic there:

- ``boundary``: ``(group, rank)`` when the event can open a new boot session (see :mod:`bootdiag.session`);
- ``failure``: the event by itself says something went wrong (used for "unexplained" failures);
- ``facts()``: environment facts for the report (chip, tool versions).
"""

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

REGISTRY: dict[str, type["Event"]] = {}
_new = object.__new__
_set = object.__setattr__


class Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    kind: str
    line: int
    text: str

    family: ClassVar[str] = "generic"
    boundary: ClassVar[tuple[str, int] | None] = None
    failure: ClassVar[bool] = False
    # False for context that is not a step of a boot (a report's prose): it joins the session of
    # the boot that follows it instead of making that boot open a session of its own.
    occupies_session: ClassVar[bool] = True
    # Names of this class and its event base classes: a rule naming a base matches every subclass.
    kinds: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.kinds = frozenset(c.__name__ for c in cls.__mro__ if issubclass(c, Event) and c is not Event)
        REGISTRY[cls.__name__] = cls

    def is_failure(self) -> bool:
        return self.failure

    def session_boundary(self) -> tuple[str, int] | None:
        """``boundary`` for this event; a family may refine it per event (a log restarting mid-paste)."""
        return type(self).boundary

    def facts(self) -> dict[str, str]:
        return {}

    def moved(self, line: int, text: str, **changes: Any) -> "Event":
        """The same event at another line: a boot loop repeats its lines, and a copy costs a
        third of a validated construction. ``changes`` must already have their fields' types.

        Pydantic keeps field values in ``__dict__`` and three bookkeeping attributes, set here as
        its own ``__copy__`` sets them (pydantic v2, ``BaseModel.__copy__``).
        """
        copy = _new(type(self))
        _set(copy, "__dict__", {**self.__dict__, "line": line, "text": text, **changes})
        _set(copy, "__pydantic_fields_set__", self.__pydantic_fields_set__)
        _set(copy, "__pydantic_extra__", None)
        _set(copy, "__pydantic_private__", None)
        return copy

    def fields(self) -> dict[str, Any]:
        """The event's own fields (without kind/line/text), for templates and JSON."""
        return {k: v for k, v in self.__dict__.items() if k not in ("kind", "line", "text")}


class Unparsed(Event):
    """A line no grammar claims: forum prose, application output. Context, never an error."""

    kind: Literal["Unparsed"] = "Unparsed"

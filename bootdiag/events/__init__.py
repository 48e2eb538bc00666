"""Typed boot events: one discriminated union over every family's event classes.

Families live in their own modules; importing this package registers all of them.
"""
from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Union

from pydantic import Field, TypeAdapter

from importlib import import_module

from . import artifacts, esp  # noqa: F401  (registers the image/config and ESP events)
from .base import REGISTRY, Event, Unparsed

# Other platforms register themselves the same way when their module is present.
for _family in ("mcuboot", "tegra", "reported"):
    try:
        import_module(f"{__name__}.{_family}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"{__name__}.{_family}":
            raise

__all__ = ["Event", "Unparsed", "REGISTRY", "event_adapter", "event_from_dict", "known_kinds"]


def known_kinds() -> frozenset[str]:
    """Every name a rule may use in ``event = "..."``: concrete kinds and their bases."""
    return frozenset(REGISTRY)


def concrete_types() -> list[type[Event]]:
    """Classes whose ``kind`` is a fixed literal: the members of the union."""
    return [cls for cls in REGISTRY.values() if cls.model_fields["kind"].annotation is not str]


@cache
def event_adapter() -> TypeAdapter[Any]:
    members = tuple(concrete_types())
    union = Annotated[Union[members], Field(discriminator="kind")]  # type: ignore[valid-type]
    return TypeAdapter(union)


def event_from_dict(data: dict[str, Any]) -> Event:
    """Rebuild an event from its JSON form (``bootdiag events`` output)."""
    return event_adapter().validate_python(data)

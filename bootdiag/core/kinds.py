"""Every event kind the registered platforms define, and the union that reads events back from JSON.

Event classes register themselves when their module is imported (:mod:`bootdiag.core.events`);
each platform names its event modules, and this module imports them on first need.
"""
from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import Annotated, Any, Union

from bootdiag import platforms as registry
from bootdiag.core import artifacts, build  # noqa: F401  (register the image, build-setting and build-check events)
from bootdiag.core.events import REGISTRY, Event

__all__ = ["known_kinds", "concrete_types", "event_adapter", "event_from_dict", "load_event_modules"]


@cache
def _load(key: tuple[str, ...]) -> None:
    for platform in registry.platforms():
        for name in platform.event_modules:
            import_module(name)


def load_event_modules() -> None:
    """Import every registered platform's event modules (each class registers itself)."""
    _load(registry.registry_key())


def known_kinds() -> frozenset[str]:
    """Every name a rule may use in ``event = "..."``: concrete kinds and their bases."""
    load_event_modules()
    return frozenset(REGISTRY)


def concrete_types() -> list[type[Event]]:
    """Classes whose ``kind`` is a fixed literal: the members of the union."""
    load_event_modules()
    return [cls for cls in REGISTRY.values() if cls.model_fields["kind"].annotation is not str]


@cache
def _adapter(key: tuple[str, ...], count: int) -> Any:
    from pydantic import Field, TypeAdapter

    members = tuple(cls.pydantic_model() for cls in concrete_types())
    union = Annotated[Union[members], Field(discriminator="kind")]  # type: ignore[valid-type]
    return TypeAdapter(union)


def event_adapter() -> Any:
    """Validates an event's JSON form into the pydantic model of its kind (see :func:`event_from_dict`)."""
    load_event_modules()
    return _adapter(registry.registry_key(), len(REGISTRY))


def event_from_dict(data: dict[str, Any]) -> Event:
    """Rebuild an event from its JSON form (``bootdiag events`` output), validated."""
    from bootdiag.core.record import from_model

    return from_model(event_adapter().validate_python(data))

"""Small value classes for the modules every run imports, without :mod:`dataclasses`.

Importing ``dataclasses`` and building a class with it (it compiles each class's methods from
generated source) cost about 20 ms of every start for the two dozen such classes a run needs. A
class here names its fields in ``_fields`` (and in ``__slots__`` when it has no other attributes)
and writes its own ``__init__``; equality, ``repr`` and, for :class:`Frozen`, hashing come from the
fields, as a dataclass has them.
"""
from __future__ import annotations

from typing import Any, Self


class Value:
    """Equal to a value of the same class with equal fields; not hashable (its fields change)."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in self._fields])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._values() == other._values()  # type: ignore[attr-defined]
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def replaced(self, **changes: Any) -> Self:
        """A new value with ``changes`` made (as ``dataclasses.replace``: made by ``__init__``)."""
        given = {name: getattr(self, name) for name in self._fields if not name.startswith("_")}
        return type(self)(**{**given, **changes})

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields if not name.startswith("_"))
        return f"{type(self).__qualname__}({shown})"


class Frozen(Value):
    """A value whose fields are set once, by its ``__init__`` (through ``object.__setattr__``)."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._values())

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")


def set_fields(target: Frozen, **values: Any) -> None:
    """Set a frozen value's fields (in its ``__init__``)."""
    for name, value in values.items():
        object.__setattr__(target, name, value)

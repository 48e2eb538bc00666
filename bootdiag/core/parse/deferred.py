"""Families made when a line first needs them: a capture of one platform does not import the
others' parsers.

The screen needs every family's trigger and noise at start; those, and whether a family claims
exactly the lines its trigger finds, are kept in the build cache (keyed by the platform packages'
code). A platform whose families read repeats is made at start, since its repeat check runs on
every line; another platform's families stand in as :class:`DeferredFamily` until a line reaches
one of them whose trigger finds it (or whose claim needs the family itself), and are then made
together and take their places in the parser's list. What a family not yet made remembers is
:data:`UNMADE`: put back into a family made since, it is a family made anew.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from bootdiag import platforms as registry
from bootdiag.core.events import Event
from bootdiag.core.parse.family import ClaimsByTrigger, Family
from bootdiag.core.value import Frozen, set_fields


class Outline(Frozen):
    """What the parser needs of a family before it is made."""

    _fields = ("trigger", "noise", "noise_glued", "repeats", "by_trigger", "remembers", "volatile", "claim_start",
               "fresh_claims")

    trigger: str
    noise: str | None
    noise_glued: str | None
    repeats: bool  # it reads repeats (``repeat``/``repeat_at``)
    by_trigger: bool  # it claims exactly the lines its trigger finds
    remembers: bool  # it can say what it remembers (``state``/``restore``)
    volatile: str | None  # its pattern for the parts of a line that change between printings
    claim_start: str | None  # a regex that matches the start of every line it claims (``claim_start``)
    fresh_claims: str | None  # a regex that finds what every line it claims before any line reached it holds

    def __init__(self, trigger: str, noise: str | None, noise_glued: str | None, repeats: bool, by_trigger: bool,
                 remembers: bool, volatile: str | None, claim_start: str | None = None,
                 fresh_claims: str | None = None) -> None:
        set_fields(self, trigger=trigger, noise=noise, noise_glued=noise_glued, repeats=repeats, by_trigger=by_trigger,
                   remembers=remembers, volatile=volatile, claim_start=claim_start, fresh_claims=fresh_claims)


UNMADE = ("family not made",)  # the state of a family no line has reached yet


@cache
def outlines(key: tuple[str, ...]) -> tuple[tuple[Outline, ...], ...]:
    """Each registered platform's families' outlines, in the registry's order."""
    from bootdiag.core.cache import cached

    def build() -> tuple[tuple[Outline, ...], ...]:
        return tuple(
            tuple(Outline(f.trigger, getattr(f, "noise", None), getattr(f, "noise_glued", None), hasattr(f, "repeat"),
                          isinstance(f, ClaimsByTrigger),
                          hasattr(f, "state") and hasattr(f, "restore"), getattr(f, "volatile", None),
                          getattr(f, "claim_start", None), getattr(f, "fresh_claims", None))
                  for f in platform.families())
            for platform in registry.reading_order()
        )

    return cached("family-outlines", [Path(__file__), *registry.package_files(), "\0".join(key)], build)


class DeferredFamily:
    """A family standing in for one of a platform's families until a line needs it."""

    def __init__(self, outline: Outline, make: Callable[[], Family], platform_families: Callable[[], Sequence[Family]],
                 position: int) -> None:
        self.trigger = outline.trigger
        self.noise = outline.noise
        self.noise_glued = outline.noise_glued
        self.volatile = outline.volatile
        self.remembers = outline.remembers
        self._by_trigger = re.compile(outline.trigger) if outline.by_trigger else None
        # A family that claims no line this pattern does not open is not made for such a line.
        self._claim_start = re.compile(outline.claim_start) if outline.claim_start else None
        self._fresh_claims = re.compile(outline.fresh_claims) if outline.fresh_claims else None
        self._make = make
        self._platform_families, self._position = platform_families, position

    def made_anew(self) -> Family:
        """A new one of the family (not put anywhere), for a parser going back to before any line
        reached it."""
        return self._platform_families()[self._position]

    def made(self) -> Family:
        """The family itself (made with its platform's others, all put in their places in the
        parser's list)."""
        return self._make()

    def claims(self, text: str) -> bool:
        if self._by_trigger is not None and self._by_trigger.search(text) is None:
            return False
        if self._claim_start is not None and self._claim_start.match(text) is None:
            return False
        if self._fresh_claims is not None and self._fresh_claims.search(text) is None:
            return False
        return self.made().claims(text)

    def parse(self, text: str, no: int) -> Event | None:
        return self.made().parse(text, no)

    def state(self, no: int) -> object:
        return UNMADE

    def restore(self, state: Any, no: int) -> None:
        if state != UNMADE:
            self.made().restore(state, no)  # type: ignore[attr-defined]


def families_for_parser() -> list[Any]:
    """One parser's families, platform by platform: those of platforms that read repeats made now,
    the others deferred. Each call makes its own (families keep state per capture)."""
    found: list[Any] = []
    for platform, shapes in zip(registry.reading_order(), outlines(registry.registry_key())):
        if any(shape.repeats for shape in shapes):
            found.extend(platform.families())
            continue
        make = _maker(platform.families, found, len(found), len(shapes))
        found.extend(DeferredFamily(shape, make(i), platform.families, i) for i, shape in enumerate(shapes))
    return found


def _maker(families: Callable[[], Sequence[Family]], place: list[Any], first: int, count: int) -> Callable[[int], Callable[[], Family]]:
    """For each of a platform's families, a function that makes them all (once) and gives that one;
    the others take their places in ``place`` too."""
    made: list[Family] = []

    def make_all() -> None:
        if not made:
            made.extend(families())
            if len(made) != count:
                raise RuntimeError(f"a platform gave {len(made)} families, not the {count} its outline holds")
            place[first:first + count] = made

    def make(i: int) -> Callable[[], Family]:
        def one() -> Family:
            make_all()
            return made[i]
        return one

    return make

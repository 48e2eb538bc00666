"""Sentences every report format says alike: written once here, laid out by each renderer.

Each renderer words its own headline and layout for its audience; what a reader must find the same
in every format (what an incomplete capture means, what the nearest known causes are and how much of
each was seen, that next checks are no cause) comes from here, so the formats never drift apart.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bootdiag.core.report import NearRule

NEXT_CHECKS = "what to check next (general guidance: no cause is shown)"
NEAREST = "nearest known causes (each needs more than this capture shows)"
NO_CAUSE_NEAR = "No known cause comes near: no rule's evidence is among these lines."
INCOMPLETE_WHY = "the capture may end too early, or the failure is silent"


def counted(n: int, noun: str) -> str:
    """``n`` with ``noun``, plural unless one ("1 line", "40 lines", "2 boot/tool sessions")."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def capitalised(text: str) -> str:
    """``text`` opening a sentence or a heading."""
    return text[:1].upper() + text[1:]


def incomplete(source: str, detail: str) -> str:
    """What an incomplete capture shows; ``detail`` (in the parentheses) says where the boot starts."""
    return f"{source} shows a boot or flash that neither completed nor failed ({detail}): {INCOMPLETE_WHY}"


def shown_share(near: NearRule) -> str | None:
    """How much of a near rule's evidence the capture showed (``None`` when only that some was)."""
    return f"{near.met} of its {near.of} conditions seen" if near.of else None

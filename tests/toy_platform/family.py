from __future__ import annotations

from lark import Transformer

from bootdiag.core.events import Event
from bootdiag.core.parse.family import ClaimsByTrigger
from bootdiag.core.parse.grammar import parse_and_transform
from toy_platform.events import ToyBootFailed


class _ToTuple(Transformer):
    def start(self, items):  # noqa: ANN001, ANN201
        return int(items[0])


class ToyFamily(ClaimsByTrigger):
    name = "toy"
    trigger = r"TOYBOOT fail"

    def parse(self, text: str, no: int) -> Event | None:
        code = parse_and_transform("toy", "start", text.strip(), _ToTuple().transform)
        return ToyBootFailed.trusted(line=no, text=text, code=code) if code is not None else None

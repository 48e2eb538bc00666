from typing import Literal

from bootdiag.core.events import Event


class ToyBootFailed(Event):
    """``TOYBOOT fail code=N``: the toy ROM refused the image."""

    kind: Literal["ToyBootFailed"] = "ToyBootFailed"
    code: int
    failure = True
    boundary = ("toy-device", 0)

"""Python's cyclic garbage collector, paused while a command line's short run starts.

A run of ``bootdiag explain`` makes tens of thousands of objects that live until it ends (modules,
classes, the rules, screen and catalogue from the build cache, the families and plans a capture's
first lines need) and next to no reference cycles, yet the collector scans them again and again as
they are made: about 4% of the instructions of explaining a small capture. The command line pauses
it for the start and for the start of the capture (what the wrong-baud check reads, which is the
whole of most captures), and it runs again after that: a long capture's memory stays flat. Any
other command runs with it from the start.
"""
from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Pause the collector, unless something else already turned it off (then it stays so)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Run the collector again if :func:`pause` paused it; nothing otherwise."""
    global _paused
    if _paused:
        _paused = False
        gc.enable()


def paused() -> bool:
    return _paused

"""Timing for the tests that a reading grows linearly with its input: CPU time, the best of three,
with the collector held off (a run inside the whole suite shares the machine and a heap the size of
the suite's, and neither grows with the input)."""
from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def best_cpu_times(run: Callable[[T], object], inputs: Sequence[T]) -> list[float]:
    """The best of three CPU times of ``run`` on each of ``inputs``."""
    timings = []
    gc.collect()
    gc.disable()
    try:
        for item in inputs:
            best = float("inf")
            for _ in range(3):
                start = time.process_time()
                run(item)
                best = min(best, time.process_time() - start)
            timings.append(best)
    finally:
        gc.enable()
    return timings


def assert_linear(small: float, large: float, ratio: float) -> None:
    """``large`` (an input ``ratio`` times ``small``'s, at most four) took under two seconds and
    grew no faster than linearly, with room for a shared machine: at most twice the ratio."""
    assert large < 2.0, (small, large)
    assert large < 2 * ratio * max(small, 0.01), (small, large)

"""Wall-clock timing shared by both benchmark sides: the median of a few samples after a warm-up call.

The median, not the minimum, because this machine is shared (2 cores): a sample that another process interrupted
is an outlier, and the median of several samples is robust to a few of them.
"""

from __future__ import annotations

import statistics
import time


def seconds_per_call(fn, *, number: int, repeats: int) -> float:
    """Median over ``repeats`` samples of the mean time of ``number`` consecutive calls of ``fn()``."""
    fn()  # warm-up: first-call costs (imports, allocations, thread start-up) are not what we measure
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def seconds_per_step(run_steps, steps: int, *, repeats: int) -> float:
    """Time of one training step, from ``run_steps()`` which performs ``steps`` of them (setup included)."""
    return seconds_per_call(run_steps, number=1, repeats=repeats) / steps

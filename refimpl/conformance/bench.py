"""Throughput of the checker, for ``make bench``: examples per second of ``check`` on an element-wise op."""

from __future__ import annotations

import time

from .check import check
from .ops import reference_candidate


def examples_per_second(op: str = "threshold", max_examples: int = 500, seed: int = 0) -> dict:
    """Time ``check(op, <refimpl's own op>)`` (a conforming candidate, so every example is generated, run by both
    sides and judged); returns ``{"op", "examples", "seconds", "examples_per_second"}``. Goal: >= 200 per second on
    element-wise ops (threshold, minmax_normalize, floor_quantize)."""
    candidate = reference_candidate(op)
    check(op, candidate, max_examples=10, seed=seed)  # warm-up: imports, strategy construction
    start = time.perf_counter()
    report = check(op, candidate, max_examples=max_examples, seed=seed)
    seconds = time.perf_counter() - start
    return {"op": op, "examples": report.examples_run, "seconds": seconds,
            "examples_per_second": report.examples_run / seconds}

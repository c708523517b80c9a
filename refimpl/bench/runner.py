"""Run the two benchmark sides in separate, alternating processes and reduce their rounds to medians.

One round starts a NumPy worker and a torch worker, one after the other, never at the same time; the order flips
every round so that neither side always runs on a machine just warmed (or just disturbed) by the other.
"""

from __future__ import annotations

import json
import numbers
import os
import statistics
import subprocess
import sys

WORKER_TIMEOUT = 900  # seconds; a stuck worker is reported as failed instead of hanging the benchmark

_DEMO_RSS = ("import resource, subprocess, sys\n"
             "subprocess.run([sys.executable, '-m', 'refimpl', 'demo', '--quiet'], stdout=subprocess.DEVNULL,"
             " check=True)\n"
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")  # read at the worker's start-up


def run_side(side: str, config: dict) -> dict:
    """One worker process; ``{"error": ...}`` if it fails, times out or prints something that is not JSON.

    ``config["threads"]`` (an int, or None for each library's default) is passed to the worker's BLAS and OpenMP
    through the environment, the only way to set them before they start."""
    command = [sys.executable, "-m", "refimpl.bench.worker", side, json.dumps(config)]
    env = None
    if config.get("threads") is not None:
        env = os.environ | {name: str(config["threads"]) for name in THREAD_VARIABLES}
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=WORKER_TIMEOUT, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"failed: the {side} worker ran longer than {WORKER_TIMEOUT} s"}
    if proc.returncode != 0:
        return {"error": _failure(proc.stderr)}
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {"error": f"failed: the {side} worker printed no JSON"}


def _failure(stderr: str) -> str:
    """A failed child process, reported by the last line of its stderr (the exception, for a traceback)."""
    return "failed: " + (stderr.strip().splitlines() or ["no message"])[-1]


def run_rounds(configs: dict[str, dict], rounds: int, sides: list[str], progress=None) -> dict[str, list[dict]]:
    """``{side + suffix: [result of round 0, round 1, ...]}`` for every ``suffix: config`` of ``configs``: each round
    runs every configuration, the sides alternating in order from round to round."""
    results = {side + suffix: [] for suffix in configs for side in sides}
    for r in range(rounds):
        for suffix, config in configs.items():
            for side in sides if r % 2 == 0 else sides[::-1]:
                if progress:
                    progress(f"round {r + 1}/{rounds}: {side + suffix}")
                results[side + suffix].append(run_side(side, config))
    return results


def median_over_rounds(results: list[dict]):
    """The per-round results merged: numbers become their median, nested dicts merge key by key, and anything
    else (a status such as "not available") is taken from the first round. A failed round fails the side."""
    errors = [r["error"] for r in results if isinstance(r, dict) and "error" in r]
    if errors:
        return {"error": errors[0]}
    return _merge(results)


def is_number(x) -> bool:
    """A measured figure (int or float), as opposed to a status string or None; bools are not figures."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _merge(values: list):
    if all(is_number(v) for v in values):
        return statistics.median(values)
    if all(isinstance(v, dict) for v in values):
        return {k: _merge([v[k] for v in values if k in v]) for k in values[0]}
    return values[0]


def demo_peak_rss() -> int | str:
    """Peak resident memory in bytes of ``python -m refimpl demo --quiet``, from ``getrusage(RUSAGE_CHILDREN)`` in a
    wrapper process whose only child is the demo (so no other process's peak is mixed in)."""
    proc = subprocess.run([sys.executable, "-c", _DEMO_RSS], capture_output=True, text=True, timeout=WORKER_TIMEOUT)
    if proc.returncode != 0:
        return _failure(proc.stderr)
    return int(proc.stdout.strip()) * 1024  # Linux reports ru_maxrss in KiB


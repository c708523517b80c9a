"""The benchmark's rows (one per measurement, with its goal) and their rendering as one text table.

Every ratio is "compared ÷ refimpl", so above 1 always means refimpl is better: faster, or a smaller |delta|.
"""

from __future__ import annotations

import math

import numpy as np

from .runner import is_number, median_over_rounds
from .workloads import FLOOR_GOAL, IG_PROBLEMS, STEP_GOALS, STEP_PROBLEMS, label, load_arrays

RATIO_MEANING = "ratio = compared ÷ refimpl (above 1: refimpl is faster, or its |delta| smaller)"
ONE_THREAD = "@1thread"  # suffix of the sides' results timed with one BLAS/OpenMP thread each
COLUMNS = (("measurement", "measurement"), ("refimpl", "refimpl"), ("compared with", "compared_with"),
           ("its value", "peer"), ("ratio (rounds' range)", "ratio"), ("goal", "goal"), ("met", "met"),
           ("max |Δ| outputs", "max_abs_difference"))


def make_row(measurement, refimpl, unit, compared_with=None, peer=None, *, goal=None, goal_on="ratio",
             difference=None, round_ratios=()) -> dict:
    """One row; ``refimpl`` and ``peer`` are numbers or status strings ("not installed", ...); ``round_ratios``
    are the ratios of the single rounds, whose range shows how much the machine's load moved the figure."""
    ratio = None
    if is_number(peer) and is_number(refimpl):
        ratio = peer / refimpl if refimpl > 0 else (math.inf if peer > 0 else None)
    judged = ratio if goal_on == "ratio" else (refimpl if is_number(refimpl) else None)
    met = None if goal is None or judged is None else bool(judged >= goal)
    spread = [min(round_ratios), max(round_ratios)] if len(set(round_ratios)) > 1 else None
    return {"measurement": measurement, "unit": unit, "refimpl": refimpl, "compared_with": compared_with,
            "peer": peer, "ratio": ratio, "ratio_range": spread, "goal": goal, "goal_on": goal_on, "met": met,
            "max_abs_difference": difference}


def _get(result, status: str, path):
    """``result[path...]``, or the side's status when it did not run or failed."""
    if result is None:
        return status
    if "error" in result:
        return result["error"]
    for key in path:
        result = result.get(key, "not available") if isinstance(result, dict) else result
    return result


def row_specs(n_explained: int, one_thread: bool = False) -> list[tuple]:
    """``(measurement, unit, our side, our path, compared with, its side, its path, goal, goal_on, difference key)``
    per row, in the order of the issues: training steps (with ``one_thread``, also timed with one thread per side),
    input gradients, IG, check throughput (memory comes last)."""
    specs = []
    for (sizes, batch), goal in zip(STEP_PROBLEMS, STEP_GOALS, strict=True):
        step = ("train_step", label(sizes))
        specs.append((f"train step {label(sizes)}, batch {batch}", "s", "numpy", step, "torch eager", "torch", step,
                      goal, "ratio", f"step_{label(sizes)}"))
        if one_thread:
            specs.append(("  the same, one thread per side", "s", "numpy" + ONE_THREAD, step,
                          "torch eager, one thread", "torch" + ONE_THREAD, step, goal, "ratio", None))
        floor, epoch = ("gemm_floor", label(sizes)), ("epoch_step", label(sizes))
        specs.append(("  the same step's GEMMs alone", "s", "numpy", step, "NumPy GEMM floor", "numpy", floor, None,
                      "ratio", None))
        specs.append(("  a step of whole epochs of train (shuffle incl.)", "s", "numpy", epoch, "NumPy GEMM floor",
                      "numpy", floor, FLOOR_GOAL, "ratio", None))
        if one_thread:
            specs.append(("  the same, one thread", "s", "numpy" + ONE_THREAD, epoch, "NumPy GEMM floor, one thread",
                          "numpy" + ONE_THREAD, floor, FLOOR_GOAL, "ratio", None))
    digits = f"demo model, {n_explained} digits"
    return specs + [
        (f"input gradients, {digits}", "s", "numpy", ("input_gradient",), "torch autograd", "torch",
         ("input_gradient",), 1.0, "ratio", "input_gradient"),
        (f"exact IG, {digits}", "s", "numpy", ("integrated_gradients",), "Captum IG gausslegendre n=50", "torch",
         ("integrated_gradients",), 1.0, "ratio", "integrated_gradients"),
        ("  max |delta| of those IG", "abs", "numpy", ("ig_max_abs_delta",), "Captum's max |delta|", "torch",
         ("ig_max_abs_delta",), 1e6, "ratio", None),
        *_ig_problem_specs(n_explained, one_thread),
        ("check threshold (candidate in a worker process): examples per second", "per_s", "numpy",
         ("check_examples_per_second",), None, None, None, 300.0, "value", None),
    ]


def _ig_problem_specs(n_explained: int, one_thread: bool) -> list[tuple]:
    """Rows of the exact IG beyond one hidden layer: time against Captum (with ``one_thread``, also with one thread
    per side), max |delta|, and the memory peak of the 784-300-100-10 problem."""
    specs = []
    for key, description, _, inputs, goal in IG_PROBLEMS:
        specs.append((f"exact IG, {description}, {n_explained} rows", "s", "numpy", (key, "seconds"),
                      "Captum IG gausslegendre n=50", "torch", (key, "seconds"), goal, "ratio", key))
        if one_thread:
            specs.append(("  the same, one thread per side", "s", "numpy" + ONE_THREAD, (key, "seconds"),
                          "Captum, one thread", "torch" + ONE_THREAD, (key, "seconds"), goal, "ratio", None))
        specs += [("  max |delta| of those IG", "abs", "numpy", (key, "max_abs_delta"), "Captum's max |delta|",
                   "torch", (key, "max_abs_delta"), None, "ratio", None)]
        if inputs == "random":
            specs.append(("  peak memory of one such call (tracemalloc)", "bytes", "numpy", (key, "peak_bytes"), None,
                          None, None, None, "ratio", None))
    return specs


def build_rows(raw: dict, torch_status: str, differences: dict, memory, n_explained: int) -> list[dict]:
    """All rows from the per-round results ``raw = {"numpy": [...], "torch": [...]}`` (torch absent when it did
    not run): medians over rounds, their ratio, and the range of the per-round ratios."""
    merged = {side: median_over_rounds(results) for side, results in raw.items()}
    status = {"numpy": "not run", "torch": torch_status}
    status |= {side + ONE_THREAD: value for side, value in status.items()}
    rows = []
    for (measurement, unit, our_side, ours, compared_with, side, theirs, goal, goal_on,
         diff) in row_specs(n_explained, one_thread="numpy" + ONE_THREAD in raw):
        mine = _get(merged.get(our_side), status[our_side], ours)
        peer = None if side is None else _get(merged.get(side), status[side], theirs)
        pairs = zip(raw.get(our_side, []), raw.get(side, []), strict=False) if side else ()
        per_round = [b / a for a, b in ((_get(x, "", ours), _get(y, "", theirs)) for x, y in pairs)
                     if is_number(a) and is_number(b) and a > 0]
        rows.append(make_row(measurement, mine, unit, compared_with, peer, goal=goal, goal_on=goal_on,
                             difference=differences.get(diff), round_ratios=per_round))
    rows.append(make_row("peak RSS of `refimpl demo --quiet`", memory, "bytes"))
    return rows


def differences(outdir) -> dict:
    """Largest |refimpl − peer| over the outputs both sides saved (parameters after the same steps, gradients,
    attributions): evidence that the timed code computes the same thing on both sides."""
    names = ([f"step_{label(sizes)}" for sizes, _ in STEP_PROBLEMS] + ["input_gradient", "integrated_gradients"]
             + [key for key, *_ in IG_PROBLEMS])
    out = {}
    for name in names:
        ours, theirs = load_arrays(outdir, f"{name}_refimpl"), load_arrays(outdir, f"{name}_torch")
        if ours is not None and theirs is not None:
            out[name] = max(float(np.max(np.abs(a - b), initial=0.0)) for a, b in zip(ours, theirs, strict=True))
    return out


def format_value(value, unit: str) -> str:
    if value is None:
        return "—"
    if not is_number(value):
        return str(value)
    if unit == "s":
        return f"{value * 1e6:.1f} µs" if value < 1e-3 else f"{value * 1e3:.2f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "per_s":
        return f"{value:,.0f}/s"
    if unit == "bytes":
        return f"{value / 2**20:.1f} MiB"
    return f"{value:.1e}"


def rounded_down(ratio: float, digits: int = 3) -> float:
    """``ratio`` cut (not rounded) to ``digits`` significant digits, so that a printed ratio never reaches a goal
    the exact one misses: 3.9952 prints as 3.99, not 4."""
    if not math.isfinite(ratio) or ratio <= 0:
        return ratio
    scale = 10.0 ** (digits - 1 - math.floor(math.log10(ratio)))
    return math.floor(ratio * scale) / scale


def _cell(row: dict, key: str) -> str:
    value = row[key]
    if key in ("refimpl", "peer"):
        return format_value(value, row["unit"])
    if key == "ratio":
        if value is None:
            return "—"
        text = "∞" if math.isinf(value) else f"{rounded_down(value):.3g}×"
        spread = row["ratio_range"]
        return text if spread is None else f"{text} ({rounded_down(spread[0]):.3g}–{rounded_down(spread[1]):.3g})"
    if key == "goal":
        if value is None:
            return "—"
        return f"≥ {value:g}×" if row["goal_on"] == "ratio" else f"≥ {format_value(value, row['unit'])}"
    if key == "met":
        return "—" if value is None else "yes" if value else "NO"
    if key == "max_abs_difference":
        return "—" if value is None else f"{value:.1e}"
    return "—" if value is None else str(value)


def format_table(rows: list[dict]) -> str:
    cells = [[title for title, _ in COLUMNS]] + [[_cell(row, key) for _, key in COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_machine(machine: dict) -> list[str]:
    torch = machine.get("torch_side", {})
    torch_text = machine["torch"]
    if torch:
        torch_text += f" ({torch['torch_threads']} threads, BLAS {torch['torch_blas']}), captum {torch['captum']}"
    else:
        torch_text += f", captum {machine['captum']}"
    return [f"machine: {machine['cores']} cores ({machine['usable_cores']} usable), {machine['cpu']}, "
            f"Python {machine['python']}",
            f"numpy {machine['numpy']}, BLAS {machine['numpy_blas']}",
            f"torch {torch_text}",
            "load average (1/5/15 min) before {} after {}".format(*(" ".join(f"{x:g}" for x in machine[k])
                                                                   for k in ("load_average", "load_after")))]

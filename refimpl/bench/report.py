"""The benchmark's rows (one per measurement, with its goal) and their rendering as one text table.

Every ratio is "compared ÷ refimpl", so above 1 always means refimpl is better: faster, or a smaller |delta|.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .workloads import STEP_GOALS, STEP_PROBLEMS, label, load_arrays

RATIO_MEANING = "ratio = compared ÷ refimpl (above 1: refimpl is faster, or its |delta| smaller)"
COLUMNS = (("measurement", "measurement"), ("refimpl", "refimpl"), ("compared with", "compared_with"),
           ("its value", "peer"), ("ratio", "ratio"), ("goal", "goal"), ("met", "met"),
           ("max |Δ| outputs", "max_abs_difference"))


def is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def make_row(measurement, refimpl, unit, compared_with=None, peer=None, *, goal=None, goal_on="ratio",
             difference=None) -> dict:
    """One row; ``refimpl`` and ``peer`` are numbers or status strings ("not installed", ...)."""
    ratio = None
    if is_number(peer) and is_number(refimpl):
        ratio = peer / refimpl if refimpl > 0 else (math.inf if peer > 0 else None)
    judged = ratio if goal_on == "ratio" else (refimpl if is_number(refimpl) else None)
    met = None if goal is None or judged is None else bool(judged >= goal)
    return {"measurement": measurement, "unit": unit, "refimpl": refimpl, "compared_with": compared_with,
            "peer": peer, "ratio": ratio, "goal": goal, "goal_on": goal_on, "met": met,
            "max_abs_difference": difference}


def _get(result, status: str, *path):
    """``result[path...]``, or the side's status when it did not run or failed."""
    if result is None:
        return status
    if "error" in result:
        return result["error"]
    for key in path:
        result = result.get(key, "not available") if isinstance(result, dict) else result
    return result


def build_rows(numpy_result, torch_result, torch_status: str, differences: dict, memory, n_explained: int):
    """All rows, in the order of the issues: training steps, input gradients, IG, check throughput, memory."""
    def ours(*path):
        return _get(numpy_result, "not run", *path)

    def theirs(*path):
        return _get(torch_result, torch_status, *path)

    rows = []
    for (sizes, batch), goal in zip(STEP_PROBLEMS, STEP_GOALS, strict=True):
        key = label(sizes)
        rows.append(make_row(f"train step {key}, batch {batch}", ours("train_step", key), "s", "torch eager",
                             theirs("train_step", key), goal=goal, difference=differences.get(f"step_{key}")))
        rows.append(make_row("  the same step's GEMMs alone", ours("train_step", key), "s", "NumPy GEMM floor",
                             ours("gemm_floor", key)))
    rows.append(make_row(f"input gradients, demo model, {n_explained} digits", ours("input_gradient"), "s",
                         "torch autograd", theirs("input_gradient"), goal=1.0,
                         difference=differences.get("input_gradient")))
    rows.append(make_row(f"exact IG, demo model, {n_explained} digits", ours("integrated_gradients"), "s",
                         "Captum IG gausslegendre n=50", theirs("integrated_gradients"), goal=1.0,
                         difference=differences.get("integrated_gradients")))
    rows.append(make_row("  max |delta| of those IG", ours("ig_max_abs_delta"), "abs", "Captum's max |delta|",
                         theirs("ig_max_abs_delta"), goal=1e6))
    rows.append(make_row("check threshold: examples per second", ours("check_examples_per_second"), "per_s",
                         goal=200.0, goal_on="value"))
    rows.append(make_row("peak RSS of `refimpl demo --quiet`", memory, "bytes"))
    return rows


def differences(outdir) -> dict:
    """Largest |refimpl − peer| over the outputs both sides saved (parameters after the same steps, gradients,
    attributions): evidence that the timed code computes the same thing on both sides."""
    names = [f"step_{label(sizes)}" for sizes, _ in STEP_PROBLEMS] + ["input_gradient", "integrated_gradients"]
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


def _cell(row: dict, key: str) -> str:
    value = row[key]
    if key in ("refimpl", "peer"):
        return format_value(value, row["unit"])
    if key == "ratio":
        return "—" if value is None else "∞" if math.isinf(value) else f"{value:.3g}×"
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

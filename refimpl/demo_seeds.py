"""``refimpl demo --seeds 0-9``: the demo's table over several seeds, as a user can expect it.

Each seed is one whole ``refimpl demo --seed s`` run (its own split, baseline, compression and explanations); the
rows of every run have the same methods and settings in the same order, and :func:`aggregate` summarises each row
across the seeds: the mean and the worst test-accuracy change, the mean and largest size, and the mean and lowest IG
agreement.
"""

from __future__ import annotations

import argparse
from fractions import Fraction

SUMMARISED = ("delta_accuracy", "accuracy", "bytes", "ratio", "ig_agreement", "nonzero_weights")


def parse_seeds(text: str) -> list[int]:
    """``"0-9"``, ``"0,3,5"`` or a mix (``"0-2,7"``) as the list of seeds, in the order written.

    Raises ``argparse.ArgumentTypeError`` (argparse reports it as a usage error) for an empty item, a non-integer or
    negative bound, a range whose end is below its start, or a seed given twice.
    """
    seeds = []
    for item in text.split(","):
        low, dash, high = item.strip().partition("-")
        try:
            first, last = int(low), int(high if dash else low)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: seeds are ints >= 0 like 0-9 or 0,3,5") from None
        if first < 0 or last < first:
            raise argparse.ArgumentTypeError(f"{text!r}: {item.strip()!r} is not a range a-b with 0 <= a <= b")
        seeds.extend(range(first, last + 1))
    if len(set(seeds)) != len(seeds):
        raise argparse.ArgumentTypeError(f"{text!r}: a seed is given twice")
    return seeds


def mean(values) -> float:
    """The mean of real numbers, correctly rounded: the exact rational mean rounded once to float64."""
    values = list(values)
    return float(sum(map(Fraction, values), Fraction(0)) / len(values))


def aggregate(results: list[dict]) -> list[dict]:
    """One summary row per table row across per-seed demo results (``run_demo``'s first return value).

    Returns
    -------
    list of dict
        ``method``, ``setting``, ``format``, ``seeds`` (how many), and for each key k of ``SUMMARISED``:
        ``mean_k``, ``min_k`` and ``max_k`` over the seeds (``min_delta_accuracy`` is the worst seed's change; the
        means are correctly rounded). Size: ``mean_bytes``/``max_bytes``; ``min_ratio`` is the least compression.

    Raises
    ------
    ValueError
        No results, or runs whose rows differ in method, setting or format (they are then not the same table).
    """
    if not results:
        raise ValueError("results must hold at least one seed's demo result")
    keys = [(r["method"], r["setting"], r["format"]) for r in results[0]["rows"]]
    for result in results[1:]:
        if [(r["method"], r["setting"], r["format"]) for r in result["rows"]] != keys:
            raise ValueError(f"seed {result['seed']}'s table has other rows than seed {results[0]['seed']}'s")
    rows = []
    for i, (method, setting, format) in enumerate(keys):
        row = {"method": method, "setting": setting, "format": format, "seeds": len(results)}
        for k in SUMMARISED:
            values = [result["rows"][i][k] for result in results]
            row.update({f"mean_{k}": mean(values), f"min_{k}": min(values), f"max_{k}": max(values)})
        rows.append(row)
    return rows


def run_seeds(seeds, run_demo, progress: bool = False) -> dict:
    """Run ``run_demo(seed, progress)`` for each seed and summarise: a JSON-able dict with ``seeds``, ``rows``
    (:func:`aggregate`), ``baseline`` (mean and lowest test accuracy) and ``per_seed`` (each run's result without
    its global importance grid)."""
    results = [run_demo(seed, progress=progress)[0] for seed in seeds]
    accuracies = [r["baseline"]["accuracy"] for r in results]
    return {"seeds": list(seeds), "split": results[0]["split"], "rows": aggregate(results),
            "baseline": {"sizes": results[0]["baseline"]["sizes"], "mean_accuracy": mean(accuracies),
                         "min_accuracy": min(accuracies), "max_accuracy": max(accuracies)},
            "per_seed": [{k: v for k, v in r.items() if k != "global_importance"} for r in results]}


def format_summary(result: dict) -> str:
    """The multi-seed table as aligned text, then the smallest row within the goal's bounds."""
    header = ("method", "setting", "Δacc mean", "Δacc worst", "bytes mean", "ratio mean", "ratio min",
              "IG ρ mean", "IG ρ min")
    lines = [[r["method"], r["setting"], f"{r['mean_delta_accuracy']:+.2f}", f"{r['min_delta_accuracy']:+.2f}",
              f"{r['mean_bytes']:.0f}", f"{r['mean_ratio']:.1f}x", f"{r['min_ratio']:.1f}x",
              f"{r['mean_ig_agreement']:.3f}", f"{r['min_ig_agreement']:.3f}"] for r in result["rows"]]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]

    def fmt(cells):
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in pairs)

    table = "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(line) for line in lines])
    within = [r for r in result["rows"] if r["mean_delta_accuracy"] >= -1.0 and r["min_delta_accuracy"] >= -2.0]
    best = max(within, key=lambda r: r["min_ratio"])
    return (f"{table}\n\nsmallest row of this table with a mean test-accuracy change >= -1 point and no seed below "
            f"-2 points: {best['method']} ({best['setting']}): {best['min_ratio']:.1f}x to {best['max_ratio']:.1f}x "
            f"smaller than dense float32, {best['mean_delta_accuracy']:+.2f} points on average (worst seed "
            f"{best['min_delta_accuracy']:+.2f}), IG agreement {best['mean_ig_agreement']:.3f} on average")

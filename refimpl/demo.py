"""``refimpl demo``: the main job on the embedded digits data.

1. Train the baseline (64-256-10, softmax cross-entropy, SGD with momentum) on a stratified 75 % of the digits.
2. Compress it by every method of §3 (:func:`refimpl.compression.compression_rows`), each size the length of a
   real byte string and each accuracy measured on the model read back from it.
3. Explain: per compressed model, the mean Spearman correlation between its exact integrated gradients and the
   baseline's on the test set (target: the baseline's predicted class) — the source document's claim that
   compression changes explanations, as a number — and the baseline's global importance as an 8×8 grid.

Everything is deterministic for a ``--seed``: ``refimpl demo --seed 0 --json`` prints the same bytes every time.
``--seeds 0-9`` runs the whole job once per seed and prints each row's mean and worst over the seeds
(:mod:`refimpl.demo_seeds`).
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

from .compression import compression_rows
from .compression.pipeline import PIPELINE
from .demo_seeds import format_summary, parse_seeds, run_seeds
from .experiment import DEMO_HIDDEN, DEMO_TRAINING, train_baseline
from .interpret import format_importance_grid, global_importance, ig_agreement
from .training import accuracy, predict

# The compressed models shown beside the baseline in --plots, with short titles: by (method, setting) or by method.
PLOTTED = {("quantize", "bits=4"): "quantized, 4 bits", ("prune_neurons", "keep_ratio=0.25"): "25% of neurons",
           "pipeline:neurons": "pipeline: neurons", "pipeline:connections": "+ connections",
           "pipeline": f"+ {PIPELINE['bits']} bits (final)"}


def add_arguments(parser, name: str) -> None:
    seeds = parser.add_mutually_exclusive_group()
    seeds.add_argument("--seed", type=int, default=0, help="seed for the split, initialisation and shuffling")
    seeds.add_argument("--seeds", type=parse_seeds, metavar="LIST",
                       help="run once per seed (e.g. 0-9 or 0,3,5) and print each row's mean and worst over them")
    parser.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("--plots", metavar="DIR", help="also write PNG attribution heatmaps to DIR "
                        "(needs matplotlib: pip install 'refimpl[plot]')")


def run_demo(seed: int = 0, progress: bool = False) -> tuple[dict, dict]:
    """Run the whole job; return ``(result, models)``: the JSON-able result and each row's model, keyed by
    ``(method, setting)`` (plus ``"baseline"``, and ``"_data"``: the test inputs and their targets)."""
    say = (lambda msg: print(msg, file=sys.stderr, flush=True)) if progress else (lambda msg: None)
    say(f"training the baseline {(64, *DEMO_HIDDEN, 10)} (seed {seed})")
    mlp, X_train, X_test, y_train, y_test = train_baseline(seed, progress)
    say("compressing: threshold, prune_smallest, quantize, prune_neurons, pipeline")
    rows = compression_rows(mlp, X_train, y_train, X_test, y_test, seed=seed)
    say(f"explaining: exact integrated gradients of {len(rows)} models on {X_test.shape[0]} test digits")
    target = predict(mlp, X_test)
    models = {}
    for row in rows:
        model = row.pop("model")
        row["ig_agreement"] = ig_agreement(mlp, model, X_test, target)
        models[row["method"], row["setting"]] = model
    importance = global_importance(mlp, X_test, target, method="integrated_gradients")
    result = {
        "dataset": "digits (UCI optical recognition of handwritten digits, 1797 8x8 images)",
        "seed": seed,
        "split": {"train": int(X_train.shape[0]), "test": int(X_test.shape[0])},
        "baseline": {"sizes": list(mlp.sizes), "accuracy": accuracy(mlp, X_test, y_test),
                     "train_accuracy": accuracy(mlp, X_train, y_train), "training": DEMO_TRAINING},
        "rows": rows,
        "global_importance": importance.tolist(),
    }
    return result, {"baseline": mlp, **models, "_data": (X_test, target)}


def format_table(result: dict) -> str:
    """The compression table as aligned text."""
    header = ("method", "setting", "acc", "Δacc(pts)", "nonzero", "bytes", "ratio", "IG ρ")
    lines = [[r["method"], r["setting"], f"{r['accuracy']:.4f}", f"{r['delta_accuracy']:+.2f}",
              str(r["nonzero_weights"]), str(r["bytes"]), f"{r['ratio']:.1f}x", f"{r['ig_agreement']:.3f}"]
             for r in result["rows"]]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]

    def fmt(cells):  # text columns left-aligned, numbers right-aligned
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in pairs)

    return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(line) for line in lines])


def run(args, name: str) -> int:
    if args.plots:
        os.makedirs(args.plots, exist_ok=True)  # a bad --plots DIR fails now, not after the whole job
    if args.seeds is not None:
        return _run_seeds(args)
    result, models = run_demo(args.seed, progress=not args.quiet)
    if args.plots:
        result["plots"] = _plots(args.plots, models)
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
        return 0
    base = result["baseline"]
    print(f"digits: {result['split']['train']} train / {result['split']['test']} test images, seed {result['seed']}")
    print(f"baseline {tuple(base['sizes'])}: test accuracy {base['accuracy']:.4f}\n")
    print(format_table(result))
    best = max((r for r in result["rows"] if r["delta_accuracy"] >= -1.0), key=lambda r: r["ratio"])
    print(f"\nsmallest row of this table within 1 test-accuracy point of the baseline: {best['method']} "
          f"({best['setting']}): {best['ratio']:.1f}x smaller than dense float32, "
          f"{best['delta_accuracy']:+.2f} points, IG agreement {best['ig_agreement']:.3f}")
    print("\nglobal importance of the baseline (mean |exact IG| per pixel, 8x8):")
    print(format_importance_grid(np.asarray(result["global_importance"])))
    if "plots" in result:
        print(f"\nplots: {result['plots']}")
    return 0


def _run_seeds(args) -> int:
    """``--seeds``: every seed's whole run, then the summary (plots, when asked, of the first seed's models)."""
    plotted = {}

    def one(seed, progress=False):
        result, models = run_demo(seed, progress=progress)
        if args.plots and not plotted:
            plotted["plots"] = _plots(args.plots, models)
        return result, models

    summary = run_seeds(args.seeds, one, progress=not args.quiet)
    summary.update(plotted)
    if args.json:
        print(json.dumps(summary, indent=2, sort_keys=True))
        return 0
    base = summary["baseline"]
    print(f"digits: {summary['split']['train']} train / {summary['split']['test']} test images per seed, "
          f"{len(summary['seeds'])} seeds ({', '.join(map(str, summary['seeds']))})")
    print(f"baseline {tuple(base['sizes'])}: test accuracy {base['mean_accuracy']:.4f} on average "
          f"({base['min_accuracy']:.4f} to {base['max_accuracy']:.4f}); Δacc in points against each seed's own "
          "baseline\n")
    print(format_summary(summary))
    if "plots" in summary:
        print(f"\nplots (seed {summary['seeds'][0]}): {summary['plots']}")
    return 0


def _plots(directory: str, models: dict):
    """Write the heatmaps for the baseline and the pipeline's stages; say how to get them when matplotlib is absent."""
    from .plots import PlotsUnavailable, write_attribution_plots  # noqa: PLC0415 - matplotlib is optional: the plots module loads only with --plots

    X_test, target = models.pop("_data")
    chosen = {"baseline": models.pop("baseline")}
    for (method, setting), model in models.items():
        label = PLOTTED.get((method, setting), PLOTTED.get(method))
        if label:
            chosen[label] = model
    try:
        return write_attribution_plots(directory, chosen, X_test, target)
    except PlotsUnavailable as exc:
        print(f"refimpl demo: no plots written: {exc}", file=sys.stderr)
        return f"not written: {exc}"

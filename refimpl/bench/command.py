"""``refimpl bench [--json] [--quick] [--rounds N] [--threads N] [--no-torch]``: the issues' speed goals in one table.

With each library's default thread count (no ``--threads``), every round also times the training steps with one
BLAS/OpenMP thread per side: at the small size a step is a chain of short calls, and on a 2-core machine handing a
64-row product to a second BLAS thread can cost more than it saves, so both settings are reported side by side.

The parent process imports neither torch nor the timed code's peers: it writes the demo problem once, runs the NumPy
and torch workers in alternating rounds, measures the demo's peak memory, and prints the medians and ratios.
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import math
import os
import sys
import tempfile
from pathlib import Path

from ..datasets import task_data
from ..experiment import DEMO_HIDDEN, DEMO_TRAINING, train_baseline
from ..spec.checks import check_int
from ..spec.mlp import MLP
from ..training import train
from . import machine, report, runner
from .workloads import IG_PROBLEMS, QUICK_ROWS, RANDOM_IG_ROWS, SETTINGS, random_ig_problem, save_demo_problem


def add_arguments(parser, name: str) -> None:
    parser.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: one round, a few steps, an untrained model (timings meaningless)")
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds (default: 5, --quick: 1)")
    parser.add_argument("--no-torch", action="store_true", help="skip the torch/Captum side as if not installed")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS/OpenMP threads of both sides (default: each library's own, all cores)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def _demo_problem(quick: bool, path) -> int:
    """Write the demo model and the digits it explains; return how many digits."""
    if quick:
        X_test = task_data("digits", 0)[1][:QUICK_ROWS]
        mlp = MLP.init([X_test.shape[1], *DEMO_HIDDEN, 10], 0)
    else:
        mlp, _, X_test, _, _ = train_baseline(0)
    save_demo_problem(path, mlp, X_test)
    return X_test.shape[0]


def _ig_problems(quick: bool, outdir) -> dict[str, str]:
    """Write the models and inputs of ``IG_PROBLEMS`` (trained on the digits or random); return their paths by key.
    ``--quick`` uses untrained models and a few rows."""
    X_train, X_test, y_train, _, loss, _ = task_data("digits", 0)
    paths = {}
    for key, _, hidden, inputs, _ in IG_PROBLEMS:
        if inputs == "random":
            mlp, X = random_ig_problem(QUICK_ROWS if quick else RANDOM_IG_ROWS)
        else:
            mlp, X = MLP.init([X_train.shape[1], *hidden, 10], 0), X_test[:QUICK_ROWS] if quick else X_test
            if not quick:
                mlp = train(mlp, X_train, y_train, loss=loss, seed=0, **DEMO_TRAINING)
        paths[key] = str(Path(outdir) / f"{key}.npz")
        save_demo_problem(paths[key], mlp, X)
    return paths


def _torch_status(no_torch: bool) -> str | None:
    """None when the torch side should run, else why it does not."""
    if no_torch:
        return "skipped (--no-torch)"
    return None if importlib.util.find_spec("torch") is not None else "not installed"


def collect(quick: bool, rounds: int | None, no_torch: bool, threads: int | None = None, progress=None) -> dict:
    """Run everything and return the JSON-ready result: date, settings, machine, rows and the raw rounds."""
    mode = "quick" if quick else "full"
    settings = dict(SETTINGS[mode])
    rounds = check_int(settings.pop("rounds") if rounds is None else rounds, "rounds", lo=1)
    threads = None if threads is None else check_int(threads, "threads", lo=1)
    info = machine.describe()
    torch_status = _torch_status(no_torch)
    sides = ["numpy"] + (["torch"] if torch_status is None else [])
    with tempfile.TemporaryDirectory(prefix="refimpl-bench-") as outdir:
        demo = Path(outdir) / "demo.npz"
        n_explained = _demo_problem(quick, demo)
        config = {"settings": settings, "demo": str(demo), "outdir": outdir if len(sides) > 1 else None,
                  "threads": threads, "ig_problems": _ig_problems(quick, outdir)}
        configs = {"": config}
        if threads is None:  # the training steps again with one thread per side, in the same rounds
            configs[report.ONE_THREAD] = config | {"threads": 1, "outdir": None, "one_thread_subset": True}
        raw = runner.run_rounds(configs, rounds, sides, progress)
        differences = report.differences(outdir)
    torch_result = runner.median_over_rounds(raw["torch"]) if "torch" in raw else None
    if torch_result is not None and "machine" in torch_result:
        info["torch_side"] = torch_result["machine"]
    if progress and not quick:
        progress("peak memory of the demo")
    memory = "skipped (--quick)" if quick else runner.demo_peak_rss()
    info["load_after"] = [round(x, 2) for x in os.getloadavg()]
    rows = report.build_rows(raw, torch_status or "", differences, memory, n_explained)
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "mode": mode,
            "rounds": rounds, "threads": threads, "settings": settings, "machine": info,
            "ratio_meaning": report.RATIO_MEANING, "rows": rows, "raw": raw}


def _json_safe(value):
    """JSON has no infinity: an infinite ratio (refimpl's |delta| exactly 0) is written as the string "inf"."""
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def format_result(result: dict) -> str:
    threads = result["threads"] or "library default"
    head = [f"refimpl bench, {result['date']}, {result['mode']} mode: {result['rounds']} round(s), NumPy and torch "
            f"in separate processes, alternating; medians over rounds; threads per side: {threads}"]
    return "\n".join(head + report.format_machine(result["machine"]) + [report.RATIO_MEANING, "",
                                                                        report.format_table(result["rows"])])


def run(args, name: str) -> int:
    def progress(message: str) -> None:
        print(f"bench: {message}", file=sys.stderr, flush=True)

    result = collect(args.quick, args.rounds, args.no_torch, args.threads, None if args.quiet else progress)
    if args.json:
        print(json.dumps(_json_safe(result), indent=2))
    else:
        print(format_result(result))
    return 0

"""``refimpl demo``: the main job on the embedded digits data.

Trains the baseline model, then (as the compression and interpretability parts land) compresses and explains it.
"""

from __future__ import annotations

import json
import sys

from .commands import task_data
from .mlp import MLP
from .training import accuracy, train

# The demo's model and training recipe (documented in the README).
DEMO_HIDDEN = (256,)
DEMO_TRAINING = {"lr": 0.05, "epochs": 40, "batch_size": 32, "momentum": 0.9}


def add_arguments(parser, name: str) -> None:
    parser.add_argument("--seed", type=int, default=0, help="seed for the split, initialisation and shuffling")
    parser.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def train_baseline(seed: int, progress: bool = False):
    """The demo's baseline: ``(mlp, X_train, X_test, y_train, y_test)``."""
    X_train, X_test, y_train, y_test, loss, n_out = task_data("digits", seed)
    mlp = MLP.init([X_train.shape[1], *DEMO_HIDDEN, n_out], seed)
    mlp = train(mlp, X_train, y_train, loss=loss, seed=seed, progress=progress, **DEMO_TRAINING)
    return mlp, X_train, X_test, y_train, y_test


def run(args, name: str) -> int:
    mlp, X_train, X_test, y_train, y_test = train_baseline(args.seed, progress=not args.quiet)
    result = {"dataset": "digits", "seed": args.seed, "sizes": list(mlp.sizes),
              "baseline": {"accuracy": accuracy(mlp, X_test, y_test)}, "rows": []}
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
    else:
        print(f"baseline {mlp.sizes}: test accuracy {result['baseline']['accuracy']:.4f}", file=sys.stdout)
    return 0

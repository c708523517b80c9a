"""The problems every benchmark side solves, built the same way in the NumPy and the PyTorch processes.

Training steps use synthetic data drawn from fixed seeds (only the shapes matter for speed); the interpretability
measurements use the demo model and the digits test set, which the parent process writes once to an ``.npz`` file
so that both sides read bit-identical inputs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..spec.mlp import MLP

# (layer widths, batch): the small network and LeNet-300-100.
STEP_PROBLEMS = (((64, 128, 10), 64), ((784, 300, 100, 10), 128))
STEP_GOALS = (4.0, 1.0)  # torch time ÷ refimpl time: at least 4× faster when small, no slower at LeNet size
LR = 0.01  # plain SGD, no momentum, softmax cross-entropy: the same recipe on both sides
CHECK_OP = "threshold"  # the element-wise op whose `check` throughput is measured
# How much each measurement repeats. "quick" is a smoke test of every code path (timings meaningless).
# Whole epochs of `train` (shuffle included): batches per epoch, and the two epoch counts whose difference is timed.
EPOCH_BATCHES = (20, 10)
SETTINGS = {
    "full": {"rounds": 5, "steps": (200, 20), "repeats": 5, "grad_calls": 20, "ig_repeats": 3, "check_examples": 200,
             "epochs": ((2, 22), (1, 5))},
    "quick": {"rounds": 1, "steps": (1, 1), "repeats": 1, "grad_calls": 1, "ig_repeats": 1, "check_examples": 5,
              "epochs": ((0, 1), (0, 1))},
}
FLOOR_GOAL = 0.8  # GEMM floor ÷ step: the step within 1.25× of its matrix products alone
# Exact IG beyond one hidden layer against Captum: (key, description, hidden widths, inputs, goal Captum ÷ refimpl).
IG_PROBLEMS = (
    ("ig_64-300-100-10", "64-300-100-10 trained on the digits", (300, 100), "digits", 10.0),
    ("ig_784-300-100-10", "784-300-100-10 He weights, N(0, 0.5²) biases, random inputs", (300, 100),
     "random", 10.0),
    ("ig_64-128-128-128-10", "64-128-128-128-10 trained on the digits", (128, 128, 128), "digits", 3.0),
    ("ig_64-128-128-128-128-10", "64-128-128-128-128-10 trained on the digits", (128, 128, 128, 128), "digits", 3.0),
)
RANDOM_IG_ROWS = 450
QUICK_ROWS = 20  # rows explained in --quick mode, by untrained models (a smoke test, not a figure)
AGREE_STEPS = 3  # steps both sides take from the same initial model, to show they compute the same thing


def label(sizes) -> str:
    """``"64-128-10"`` for layer widths ``(64, 128, 10)``."""
    return "-".join(str(n) for n in sizes)


def step_problem(sizes, batch: int):
    """``(mlp, X, y)``: He-initialised model (seed 0), inputs uniform in [0, 1) (seed 1), labels (seed 2)."""
    mlp = MLP.init(sizes, 0)
    X = np.random.default_rng(1).random((batch, sizes[0]))
    y = np.random.default_rng(2).integers(0, sizes[-1], batch)
    return mlp, X, y


def epoch_problem(sizes, batch: int, batches: int):
    """``step_problem`` with ``batch · batches`` rows: the data of whole epochs of minibatches."""
    mlp = MLP.init(sizes, 0)
    X = np.random.default_rng(1).random((batch * batches, sizes[0]))
    y = np.random.default_rng(2).integers(0, sizes[-1], batch * batches)
    return mlp, X, y


def random_ig_problem(rows: int):
    """784-300-100-10 with He weights (seed 0), biases drawn from N(0, 0.5²), and inputs uniform in [0, 1): nonzero
    biases so that the path from the zero baseline crosses many breakpoints."""
    rng = np.random.default_rng(0)
    sizes = (784, 300, 100, 10)
    weights = [rng.normal(0.0, np.sqrt(2.0 / m), (m, k)) for m, k in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [rng.normal(0.0, 0.5, k) for k in sizes[1:]]
    return MLP(weights, biases), rng.random((rows, sizes[0]))


def save_demo_problem(path, mlp: MLP, X: np.ndarray) -> None:
    """Write the model, the inputs and their targets (the model's predicted class, ties to the lowest index)."""
    targets = mlp.forward(X).argmax(axis=1)
    arrays = {f"W{i}": W for i, W in enumerate(mlp.weights)} | {f"b{i}": b for i, b in enumerate(mlp.biases)}
    np.savez(path, X=X, targets=targets, **arrays)


def load_demo_problem(path):
    """``(mlp, X, targets)`` as written by :func:`save_demo_problem`."""
    with np.load(path) as f:
        layers = sum(1 for k in f.files if k.startswith("W"))
        mlp = MLP([f[f"W{i}"] for i in range(layers)], [f[f"b{i}"] for i in range(layers)])
        return mlp, f["X"], f["targets"]


def save_arrays(outdir, name: str, arrays) -> None:
    """Write arrays (positional, ``arr_0``, ``arr_1``, ...) for the parent's agreement checks."""
    np.savez(Path(outdir) / f"{name}.npz", *arrays)


def load_arrays(outdir, name: str) -> list[np.ndarray] | None:
    """The arrays written by :func:`save_arrays`, or None when that side did not write them."""
    path = Path(outdir) / f"{name}.npz"
    if not path.exists():
        return None
    with np.load(path) as f:
        return [f[f"arr_{i}"] for i in range(len(f.files))]

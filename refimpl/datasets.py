"""The handwritten-digits data set shipped with the package, a stratified split and the binary task.

``data/digits.csv.gz`` is the test part of the UCI "Optical Recognition of Handwritten Digits" data set
(E. Alpaydin and C. Kaynak, 1998; UCI Machine Learning Repository; licence CC BY 4.0), byte for byte the copy that
scikit-learn distributes: 1797 rows, 64 pixel counts in 0..16 (an 8×8 image, row-major) and a label 0..9.
"""

from __future__ import annotations

import gzip
from importlib import resources

import numpy as np

from .spec.checks import as_int_array, check_choice, check_int, check_real

N_EXAMPLES, N_FEATURES, N_CLASSES = 1797, 64, 10
CLASS_COUNTS = (178, 182, 177, 183, 181, 182, 181, 179, 174, 180)
BINARY_TASK = "odd digit (1) against even digit (0)"


def load_digits_raw() -> tuple[np.ndarray, np.ndarray]:
    """Pixels as int64 of shape (1797, 64) in 0..16 and labels int64 of shape (1797,) in 0..9, checked."""
    raw = resources.files("refimpl").joinpath("data/digits.csv.gz").read_bytes()
    table = np.loadtxt(gzip.decompress(raw).decode("ascii").splitlines(), delimiter=",", dtype=np.int64)
    pixels, labels = table[:, :N_FEATURES], table[:, N_FEATURES]
    if table.shape != (N_EXAMPLES, N_FEATURES + 1) or pixels.min() < 0 or pixels.max() > 16:
        raise ValueError("the shipped digits data is corrupted (shape or pixel range)")
    if tuple(np.bincount(labels, minlength=N_CLASSES)) != CLASS_COUNTS:
        raise ValueError("the shipped digits data is corrupted (class counts)")
    return pixels, labels


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The digits: ``X`` float64 of shape (1797, 64) equal to pixel / 16 (in [0, 1]) and ``y`` int64 labels 0..9."""
    pixels, labels = load_digits_raw()
    return pixels / 16.0, labels


def binary_labels(y) -> np.ndarray:
    """The binary task on the digits: 1 for an odd digit, 0 for an even one (int64, same shape as ``y``)."""
    y = as_int_array(y, "y", ndim=1)
    if y.size and (y.min() < 0 or y.max() > 9):
        raise ValueError("y must hold digit labels 0..9")
    return y % 2


def train_test_split(X, y, *, test_fraction=0.25, seed=0):
    """Deterministic stratified split: from each class, ``round_half_even(test_fraction · n_c)`` rows go to test.

    Within each class the rows are shuffled by ``default_rng(seed)`` (one permutation per class, classes in
    ascending order); both parts keep the original row order. Returns ``(X_train, X_test, y_train, y_test)``.
    """
    y = as_int_array(y, "y", ndim=1)
    X = np.asarray(X)
    if X.ndim < 1 or X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y must have the same number of rows, got X of shape {X.shape} and y of shape "
                         f"{y.shape}")
    test_fraction = check_real(test_fraction, "test_fraction", lo=0.0, hi=1.0)
    rng = np.random.default_rng(check_int(seed, "seed", lo=0))
    is_test = np.zeros(y.shape[0], dtype=bool)
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        is_test[rng.permutation(rows)[:round(test_fraction * rows.size)]] = True
    return X[~is_test], X[is_test], y[~is_test], y[is_test]


TASKS = ("digits", "odd-even")


def task_data(task: str, seed: int):
    """``(X_train, X_test, y_train, y_test, loss, n_outputs)`` for a task name in ``TASKS``."""
    check_choice(task, "task", TASKS)
    X, y = load_digits()
    if task == "odd-even":
        y = binary_labels(y)
    X_train, X_test, y_train, y_test = train_test_split(X, y, seed=seed)
    if task == "odd-even":
        return X_train, X_test, y_train, y_test, "binary_cross_entropy_with_logits", 1
    return X_train, X_test, y_train, y_test, "softmax_cross_entropy", N_CLASSES

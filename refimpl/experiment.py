"""The demo's experiment set-up, shared by ``refimpl demo`` and the settings study: data, model and recipe.

This is an application module: it sits above the spec, training and data layers and below the commands that use
it (:mod:`refimpl.demo`, :mod:`refimpl.compression.selection`, the benchmark), so that none of those has to import
another command module.
"""

from __future__ import annotations

import numpy as np

from .datasets import task_data
from .spec.checks import as_int_array, check_int
from .spec.mlp import MLP
from .training import train

# The demo's model and training recipe (documented in the README).
DEMO_HIDDEN = (256,)
DEMO_TRAINING = {"lr": 0.05, "epochs": 40, "batch_size": 32, "momentum": 0.9}


def demo_split(seed: int):
    """The digits split of ``refimpl demo --seed seed``: ``(X_train, X_test, y_train, y_test)`` (stratified, 25 %
    test; :func:`refimpl.datasets.train_test_split`)."""
    X_train, X_test, y_train, y_test, _, _ = task_data("digits", seed)
    return X_train, X_test, y_train, y_test


def train_baseline(seed: int, progress: bool = False):
    """The demo's baseline: ``(mlp, X_train, X_test, y_train, y_test)``, the model trained by
    :func:`train_demo_model` on the training part of :func:`demo_split` with ``seed``."""
    X_train, X_test, y_train, y_test = demo_split(seed)
    mlp = train_demo_model(X_train, y_train, seed, progress=progress)
    return mlp, X_train, X_test, y_train, y_test


def train_demo_model(X, y, seed: int, *, loss: str = "softmax_cross_entropy", n_out: int = 10,
                     progress: bool = False, epochs: int | None = None):
    """The demo's recipe on ``(X, y)``: ``MLP.init([X.shape[1], *DEMO_HIDDEN, n_out], seed)`` trained by
    ``DEMO_TRAINING`` (``epochs``, when given, replaces its epoch count) with the shuffle seeded by ``seed``."""
    mlp = MLP.init([X.shape[1], *DEMO_HIDDEN, n_out], seed)
    recipe = DEMO_TRAINING if epochs is None else dict(DEMO_TRAINING, epochs=epochs)
    return train(mlp, X, y, loss=loss, seed=seed, progress=progress, **recipe)


def stratified_folds(y, k: int, seed: int) -> np.ndarray:
    """Assign each row to one of ``k`` cross-validation folds, stratified by label: an int64 array of shape (n,).

    The classes are taken in ascending label order, each class's rows permuted by one ``default_rng(seed)``, and
    the rows dealt round-robin in that order: the j-th row overall goes to fold ``j mod k``, the count continuing
    from one class to the next. So the folds partition the rows; for every class, and over all rows, the counts
    of two folds differ by at most 1; and every fold is non-empty (k <= n).

    Raises
    ------
    TypeError, ValueError
        Naming ``y`` (not a 1-D array of ints), ``k`` (not an int >= 2, or more folds than rows) or ``seed``
        (not an int >= 0).
    """
    y = as_int_array(y, "y", ndim=1)
    k = check_int(k, "k", lo=2)
    if k > y.size:
        raise ValueError(f"k={k} folds need at least {k} rows, got {y.size}")
    rng = np.random.default_rng(check_int(seed, "seed", lo=0))
    fold, start = np.empty(y.size, dtype=np.int64), 0
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        fold[rows] = (start + np.arange(rows.size)) % k
        start += rows.size
    return fold

"""Global interpretability (§2.2.2): the mean absolute attribution of each input feature over a data set."""

from __future__ import annotations

import numpy as np

from ..engines.exact_ig import exact_ig
from ..spec.checks import check_choice, refuses_overflow
from ..spec.gradients import TOO_LARGE, gradients_unchecked, target_or_predicted
from ..spec.mlp import check_inputs

GLOBAL_METHODS = ("integrated_gradients", "saliency", "gradient_x_input")


@refuses_overflow(TOO_LARGE)
def global_importance(mlp, X, target=None, method="integrated_gradients") -> np.ndarray:
    """Mean absolute attribution of each input feature over the rows of ``X``: ``I_i = (1/n) Σ_r |A_{r,i}|``.

    ``A`` is the exact integrated gradients from a zero baseline (``"integrated_gradients"``), the input gradient
    (``"saliency"``) or gradient × input (``"gradient_x_input"``) of :mod:`refimpl.interpret`.

    Parameters
    ----------
    mlp : MLP
    X : array_like of shape (n, d), n >= 1, finite
    target : None, int or int array of shape (n,)
        None means each row's predicted class ``argmax_k F_k(x)`` (lowest index on ties); for a single-output model
        that is output 0.
    method : one of ``GLOBAL_METHODS``

    Returns
    -------
    ndarray of shape (d,), entries >= 0.

    Notes
    -----
    - A feature that is 0 in every row (and in the baseline) gets exactly 0 for the IG and gradient × input methods.
    - Rounding: that of the attribution method, plus a float64 mean of ``n`` non-negative terms (relative error at
      most ``n · 2^-53``).

    Raises
    ------
    TypeError, ValueError
        As for the attribution functions; ``ValueError`` also for ``n = 0`` (a mean over no rows) or an unknown
        ``method``.
    """
    X = check_inputs(mlp, X, rows_needed_for="(the mean over no rows is undefined)")
    method = check_choice(method, "method", GLOBAL_METHODS)
    targets = target_or_predicted(mlp, X, target)
    return np.abs(_attributions(mlp, X, targets, method)).mean(axis=0)


def _attributions(mlp, X, targets, method: str) -> np.ndarray:
    if method == "integrated_gradients":
        return exact_ig(mlp.weights, mlp.biases, X, np.zeros_like(X), targets)
    A = gradients_unchecked(mlp.weights, mlp.biases, X, targets)
    return X * A if method == "gradient_x_input" else A

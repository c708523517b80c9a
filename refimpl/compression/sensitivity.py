"""Sensitivity analysis: the accuracy of a model with one layer at a time pruned at several levels (an experiment
built on the §3.3 rules, not part of the spec)."""

from __future__ import annotations

import numpy as np

from ..spec.checks import check_choice
from ..spec.mlp import MLP, check_inputs
from ..spec.pruning import check_fractions, check_hidden_layer, layer_importances, remove_neurons, select_kept
from ..spec.thresholding import smallest_mask
from ..training import accuracy

SENSITIVITY_METHODS = ("neurons", "connections")

def sensitivity(mlp, X, y, *, method, levels) -> np.ndarray:
    """Accuracy on ``(X, y)`` with one layer pruned alone at each level, every other layer untouched.

    - ``method="neurons"``: one row per hidden layer l; level = keep ratio; the neurons of layer l are pruned by
      :func:`prune_neurons`' rule with "l1" importance (and dead-neuron folding).
    - ``method="connections"``: one row per weight matrix l (the output matrix included); level = sparsity;
      ``W_l`` becomes ``prune_smallest(W_l, level)``.

    Parameters
    ----------
    mlp : MLP (at least one hidden layer for "neurons")
    X : array_like of shape (n, sizes[0]), n >= 1
    y : array_like of int, shape (n,)
    method : {"neurons", "connections"}
    levels : sequence of float, each in [0, 1]

    Returns
    -------
    ndarray of float64, shape (rows, len(levels)): ``out[l, i]`` is the accuracy (in [0, 1]) with layer ``l``
        pruned at ``levels[i]``. Deterministic.

    Raises
    ------
    TypeError, ValueError
        Unknown method, a level outside [0, 1] or not a number, malformed X or y.
    """
    X = check_inputs(mlp, X)
    method = check_choice(method, "method", SENSITIVITY_METHODS)
    levels = check_fractions(levels, "levels")
    if method == "neurons":
        check_hidden_layer(mlp, 0)
        P = layer_importances(mlp, "l1", None, None, None)
        everything = [np.arange(p.size) for p in P]
        pruned = [[remove_neurons(mlp, everything[:l] + [select_kept(P[l], "keep_ratio", v)] + everything[l + 1:])
                   for v in levels] for l in range(len(P))]
    else:
        pruned = [[_replace_layer(mlp, l, smallest_mask(np.abs(W), v)) for v in levels]
                  for l, W in enumerate(mlp.weights)]
    return np.array([[accuracy(m, X, y) for m in row] for row in pruned]).reshape(len(pruned), len(levels))


def _replace_layer(mlp: MLP, layer: int, keep: np.ndarray) -> MLP:
    weights = list(mlp.weights)
    weights[layer] = np.where(keep, weights[layer], 0.0)
    return MLP(weights, mlp.biases)

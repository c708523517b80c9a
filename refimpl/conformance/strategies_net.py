"""Boundary-seeking Hypothesis strategies of the network ops added for issue 13: attributions, importances,
linear pieces, the losses and the SGD step. Registered in strategies.py's table.

Dyadic entries (sums and products exact) make pre-activations exactly 0, ties between neurons and exact losses
common; the other half of the draws are arbitrary floats, and a scale of 1e3 now and then gives large logits.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

_DYADIC = (0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 0.25, -0.75, 1.5)


def _floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def _matrix(draw, entry, rows, cols) -> np.ndarray:
    return np.array(draw(st.lists(entry, min_size=rows * cols, max_size=rows * cols)), dtype=np.float64).reshape(
        rows, cols)


@st.composite
def network(draw, *, out=None, hidden_min=0, hidden_max=2, width_min=0, rows_min=1):
    """(weights, biases, X) of a small ReLU network and a batch of inputs."""
    entry = st.sampled_from(_DYADIC) if draw(st.booleans()) else _floats(-3.0, 3.0)
    d = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(width_min, 4), min_size=hidden_min, max_size=hidden_max))
    sizes = [d, *hidden, out if out is not None else draw(st.integers(1, 3))]
    scale = draw(st.sampled_from([1.0, 1.0, 1e3]))
    weights = [_matrix(draw, entry, m, n) * scale for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [_matrix(draw, entry, 1, n)[0] for n in sizes[1:]]
    X = _matrix(draw, entry, draw(st.integers(rows_min, 3)), d)
    if draw(st.booleans()):  # a feature that is 0 in every row (exact zeros of gradient x input)
        X[:, draw(st.integers(0, d - 1))] = 0.0
    return weights, biases, X


def _targets(draw, X, weights) -> np.ndarray:
    return np.array([draw(st.integers(0, weights[-1].shape[1] - 1)) for _ in range(X.shape[0])], dtype=np.int64)


@st.composite
def saliency(draw):
    W, b, X = draw(network())
    return {"weights": W, "biases": b, "X": X, "target": _targets(draw, X, W), "abs": draw(st.booleans())}


@st.composite
def gradient_x_input(draw):
    W, b, X = draw(network())
    return {"weights": W, "biases": b, "X": X, "target": _targets(draw, X, W)}


@st.composite
def global_importance(draw):
    W, b, X = draw(network(hidden_max=draw(st.sampled_from([0, 2]))))
    method = draw(st.sampled_from(["integrated_gradients", "saliency", "gradient_x_input"]))
    return {"weights": W, "biases": b, "X": X, "target": _targets(draw, X, W), "method": method}


@st.composite
def linear_pieces(draw):
    W, b, X = draw(network(hidden_min=draw(st.sampled_from([0, 1])), hidden_max=2))
    kind = draw(st.sampled_from(["zeros", "random", "same", "negated"]))
    x = X[0]
    baseline = {"zeros": np.zeros_like(x), "same": x.copy(), "negated": -x,
                "random": _matrix(draw, _floats(-2.0, 2.0), 1, x.size)[0]}[kind]
    return {"weights": W, "biases": b, "x": x, "baseline": baseline}


def _labels(draw, n, classes):
    return np.array([draw(st.integers(0, classes - 1)) for _ in range(n)], dtype=np.int64)


@st.composite
def neuron_importance(draw):
    W, b, X = draw(network(hidden_min=1, width_min=1))
    layer = draw(st.integers(0, len(W) - 2))
    if draw(st.booleans()):  # a dead neuron: all-zero incoming weights, and a bias that keeps it off (or not)
        j = draw(st.integers(0, W[layer].shape[1] - 1))
        W[layer][:, j] = 0.0
        b[layer][j] = draw(st.sampled_from([-1.0, 0.0, 0.5]))
    k = W[-1].shape[1]
    kind = draw(st.sampled_from(["l1", "l2", "activation", "taylor"]))
    return {"weights": W, "biases": b, "layer": layer, "kind": kind, "X": X,
            "y": _labels(draw, X.shape[0], 2 if k == 1 else k)}


_LOGIT = st.one_of(st.sampled_from([0.0, 1.0, -1.0, 40.0, -40.0, 800.0, -800.0, 1e300, -1e300, 5e-324]),
                   _floats(-50.0, 50.0), _floats(-1e6, 1e6))


@st.composite
def softmax_cross_entropy(draw):
    n, k = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    logits = _matrix(draw, _LOGIT, n, k)
    if draw(st.booleans()):  # ties: the same logit in every class
        logits[:, :] = logits[:, :1]
    return {"logits": logits, "y": _labels(draw, n, k)}


@st.composite
def binary_cross_entropy_with_logits(draw):
    n = draw(st.integers(1, 4))
    logits = _matrix(draw, _LOGIT, n, 1)
    y = _labels(draw, n, 2)
    if draw(st.booleans()):  # every logit far on the side of its label: a tiny loss
        logits[:, 0] = np.where(y == 1, 1.0, -1.0) * draw(st.sampled_from([20.0, 37.0, 40.0, 700.0]))
    return {"logits": logits, "y": y}


@st.composite
def sgd_update(draw):
    W, b, _ = draw(network())
    entry = st.one_of(st.sampled_from(_DYADIC), _floats(-10.0, 10.0))
    grads = [[_matrix(draw, entry, *w.shape) for w in W], [_matrix(draw, entry, 1, c.size)[0] for c in b]]
    first_step = draw(st.booleans())
    velocity = [[np.zeros(w.shape) if first_step else _matrix(draw, entry, *w.shape) for w in W],
                [np.zeros(c.shape) if first_step else _matrix(draw, entry, 1, c.size)[0] for c in b]]
    masks = [np.array(draw(st.lists(st.booleans(), min_size=w.size, max_size=w.size)), dtype=bool).reshape(w.shape)
             for w in W]
    return {"weights": W, "biases": b, "grads": grads, "velocity": velocity,
            "lr": draw(st.one_of(st.sampled_from([0.01, 0.5, 1.0, 0.1]), _floats(1e-6, 10.0))),
            "momentum": draw(st.one_of(st.sampled_from([0.0, 0.9, 0.5]), _floats(0.0, 0.999))), "masks": masks}


STRATEGIES = {name: globals()[name] for name in (
    "saliency", "gradient_x_input", "global_importance", "linear_pieces", "neuron_importance",
    "softmax_cross_entropy", "binary_cross_entropy_with_logits", "sgd_update")}

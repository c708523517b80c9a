"""Boundary-seeking Hypothesis strategies of the other network ops: attributions, importances, linear pieces, the
losses and the SGD step. Registered in strategies.py's table.

The networks are those of :mod:`.strategies_network` (the checker's sizes: up to 65 wide, fan-in up to 65, 4 hidden
layers, 0 to 65 rows; half dyadic, so pre-activations exactly 0, ties between neurons and exact losses are common,
half with full mantissas; large logits now and then).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from . import strategies_network as sn

_DYADIC = (0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 0.25, -0.75, 1.5)


def _floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def _matrix(draw, entry, rows, cols) -> np.ndarray:
    return np.array(draw(st.lists(entry, min_size=rows * cols, max_size=rows * cols)), dtype=np.float64).reshape(
        rows, cols)


_NONEMPTY = sn.ROWS.filter(lambda n: n > 0)


@st.composite
def network(draw, *, hidden_max=4, rows=sn.ROWS, **kwargs):
    """(weights, biases, X) of a ReLU network at the checker's sizes (:func:`.strategies_network.network`: up to 65
    wide, fan-in up to 65, 4 hidden layers, 0 to 65 rows, dyadic or full-mantissa), with an exactly-zero hidden
    pre-activation planted now and then and, now and then, a feature that is 0 in every row."""
    W, b, X, dyadic = draw(sn.network(hidden_max=hidden_max, rows=rows, **kwargs))
    sn.plant_zero(draw, W, b, X, dyadic)
    if X.size and draw(st.booleans()):  # a feature that is 0 in every row (exact zeros of gradient x input)
        X[:, draw(st.integers(0, X.shape[1] - 1))] = 0.0
    return W, b, X


def _targets(draw, X, weights) -> np.ndarray:
    n, k = X.shape[0], weights[-1].shape[1]
    if n <= 3:
        return np.array([draw(st.integers(0, k - 1)) for _ in range(n)], dtype=np.int64)
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1))).integers(0, k, n)


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
    W, b, X = draw(network(hidden_max=draw(st.sampled_from([0, 2])), rows=_NONEMPTY))
    method = draw(st.sampled_from(["integrated_gradients", "saliency", "gradient_x_input"]))
    return {"weights": W, "biases": b, "X": X, "target": _targets(draw, X, W), "method": method}


@st.composite
def linear_pieces(draw):
    W, b, X = draw(network(hidden_min=draw(st.sampled_from([0, 1])), rows=st.just(1)))
    kind = draw(st.sampled_from(["zeros", "random", "same", "negated"]))
    x = X[0]
    baseline = {"zeros": np.zeros_like(x), "same": x.copy(), "negated": -x,
                "random": np.random.default_rng(draw(st.integers(0, 2**32 - 1))).uniform(-2.0, 2.0, x.size)}[kind]
    return {"weights": W, "biases": b, "x": x, "baseline": baseline}


def _labels(draw, n, classes):
    return np.array([draw(st.integers(0, classes - 1)) for _ in range(n)], dtype=np.int64)


@st.composite
def neuron_importance(draw):
    W, b, X = draw(network(hidden_min=1, width_min=1, rows=_NONEMPTY))
    layer = draw(st.integers(0, len(W) - 2))
    if draw(st.booleans()):  # a dead neuron: all-zero incoming weights, and a bias that keeps it off (or not)
        j = draw(st.integers(0, W[layer].shape[1] - 1))
        W[layer][:, j] = 0.0
        b[layer][j] = draw(st.sampled_from([-1.0, 0.0, 0.5]))
    k = W[-1].shape[1]
    kind = draw(st.sampled_from(["l1", "l2", "activation", "taylor"]))
    y = _targets(draw, X, W) if k > 1 else np.random.default_rng(draw(st.integers(0, 2**32 - 1))).integers(
        0, 2, X.shape[0])
    return {"weights": W, "biases": b, "layer": layer, "kind": kind, "X": X, "y": y}


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
    W, b, _ = draw(network(rows=st.just(0)))
    if sum(w.size + c.size for w, c in zip(W, b, strict=True)) <= sn.SMALL_PARAMETERS:  # entry by entry: shrinks
        entry = st.one_of(st.sampled_from(_DYADIC), _floats(-10.0, 10.0))

        def like(a):
            return _matrix(draw, entry, 1, a.size).reshape(a.shape)

        def mask(a):
            return np.array(draw(st.lists(st.booleans(), min_size=a.size, max_size=a.size)), dtype=bool).reshape(
                a.shape)
    else:  # real sizes: from a seeded generator, a few exact values planted by the choice of scale
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

        def like(a):
            return rng.standard_normal(a.shape)

        def mask(a):
            return rng.random(a.shape) < 0.7
    grads = [[like(w) for w in W], [like(c) for c in b]]
    first_step = draw(st.booleans())
    velocity = [[np.zeros(w.shape) if first_step else like(w) for w in W],
                [np.zeros(c.shape) if first_step else like(c) for c in b]]
    return {"weights": W, "biases": b, "grads": grads, "velocity": velocity,
            "lr": draw(st.one_of(st.sampled_from([0.01, 0.5, 1.0, 0.1]), _floats(1e-6, 10.0))),
            "momentum": draw(st.one_of(st.sampled_from([0.0, 0.9, 0.5]), _floats(0.0, 0.999))),
            "masks": [mask(w) for w in W]}


STRATEGIES = {name: globals()[name] for name in (
    "saliency", "gradient_x_input", "global_importance", "linear_pieces", "neuron_importance",
    "softmax_cross_entropy", "binary_cross_entropy_with_logits", "sgd_update")}

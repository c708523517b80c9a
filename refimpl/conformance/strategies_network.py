"""Networks for the network ops: small ones drawn entry by entry (they shrink to minimal witnesses), large ones up
to 65 units wide with fan-in up to 65, 4 hidden layers and 0 to 65 rows filled from a seeded NumPy generator.

Half the networks are dyadic (entries such as 0.5 and -0.75: every float64 sum and product is exact, so
pre-activations exactly 0 can be planted: a bias set to minus the dot product of a row), the others have full
53-bit mantissas and He-like scales (float32 arithmetic is far outside the float64 windows). Planted on purpose:
exact-zero pre-activations on one row, for integrated gradients a first-layer unit that is identically 0 along a
row's whole path (its incoming weights orthogonal to x - b), identical incoming columns with different biases and
dead units (all-zero incoming weights, relu(b) > 0) for neuron pruning, and large logits now and then.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


def finite(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)

DYADIC = [0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 0.25, -0.75, 1.5]  # products and sums of these are exact
SMALL_PARAMETERS = 48  # up to this many parameters every entry is drawn by Hypothesis
WIDTH = st.one_of(st.integers(0, 4), st.sampled_from([7, 8, 9, 16, 17, 31, 32, 33, 64, 65]))
FAN_IN = st.one_of(st.integers(1, 4), st.sampled_from([8, 9, 16, 17, 32, 33, 64, 65]))
ROWS = st.one_of(st.integers(1, 3), st.sampled_from([0, 7, 8, 9, 16, 17, 31, 32, 33, 64, 65]))
_SEED = st.integers(0, 2 ** 32 - 1)


def _bulk(rng, shape, dyadic: bool, scale: float):
    if dyadic:
        return np.array(DYADIC)[rng.integers(0, len(DYADIC), shape)]
    return rng.standard_normal(shape) * scale


@st.composite
def network(draw, *, out=None, hidden_min=0, hidden_max=4, width_min=0, rows=ROWS, num=None):
    """``(weights, biases, X, dyadic)`` with ``W_l`` of shape (n_l, n_{l+1})."""
    dyadic = draw(st.booleans())
    d = draw(FAN_IN)
    hidden = draw(st.lists(WIDTH.map(lambda w: max(w, width_min)), min_size=hidden_min, max_size=hidden_max))
    k = out if out is not None else draw(st.one_of(st.integers(1, 3), st.sampled_from([10, 17])))
    sizes = [d, *hidden, k]
    n = draw(rows)
    logit_scale = draw(st.sampled_from([1.0, 1.0, 1.0, 1e3]))  # large logits now and then
    shapes = list(zip(sizes[:-1], sizes[1:], strict=True))
    if sum(a * b + b for a, b in shapes) + n * d <= SMALL_PARAMETERS:
        entry = st.sampled_from(DYADIC) if dyadic else finite(-3.0, 3.0)

        def fill(shape):
            size = int(np.prod(shape))
            return np.array(draw(st.lists(entry, min_size=size, max_size=size)), dtype=np.float64).reshape(shape)
    else:
        rng = np.random.default_rng(draw(_SEED))

        def fill(shape):
            return _bulk(rng, shape, dyadic, 1.0 / np.sqrt(max(shape[0], 1)) if len(shape) == 2 else 1.0)
    weights = [fill((a, b)) for a, b in shapes]
    biases = [fill((b,)) * (1.0 if dyadic else 0.25) for _, b in shapes]
    weights[-1] = weights[-1] * logit_scale
    X = fill((n, d))
    return weights, biases, X, dyadic


def plant_zero(draw, weights, biases, X, dyadic: bool) -> None:
    """Make one hidden pre-activation of one row exactly 0 (dyadic networks only: the sum is exact)."""
    if not dyadic or len(weights) < 2 or X.shape[0] == 0 or weights[0].shape[1] == 0 or not draw(st.booleans()):
        return
    r = draw(st.integers(0, X.shape[0] - 1))
    j = draw(st.integers(0, weights[0].shape[1] - 1))
    biases[0][j] = -(X[r] @ weights[0][:, j])


def _targets(draw, n, k):
    return np.array([draw(st.integers(0, k - 1)) for _ in range(min(n, 3))] + [0] * max(n - 3, 0),
                    dtype=np.int64) if n <= 3 else np.random.default_rng(draw(_SEED)).integers(0, k, n)


@st.composite
def _mlp_forward(draw, num):
    weights, biases, X, dyadic = draw(network(num=num))
    plant_zero(draw, weights, biases, X, dyadic)
    return {"weights": weights, "biases": biases, "X": X}


@st.composite
def _mlp_gradients(draw, num):
    loss = draw(st.sampled_from(["softmax_cross_entropy", "binary_cross_entropy_with_logits"]))
    weights, biases, X, dyadic = draw(network(out=1 if loss.startswith("binary") else None, num=num,
                                              rows=ROWS.filter(lambda n: n > 0)))
    plant_zero(draw, weights, biases, X, dyadic)
    k = weights[-1].shape[1]
    y = _targets(draw, X.shape[0], 2 if loss.startswith("binary") else k)
    return {"weights": weights, "biases": biases, "X": X, "y": y, "loss": loss}


@st.composite
def _input_gradient(draw, num):
    weights, biases, X, dyadic = draw(network(num=num))
    plant_zero(draw, weights, biases, X, dyadic)
    return {"weights": weights, "biases": biases, "X": X, "target": _targets(draw, X.shape[0], weights[-1].shape[1])}


_IG_ROWS = st.one_of(st.integers(1, 3), st.sampled_from([0, 8, 9, 17]))
_IG_WIDTH_LAYERS = st.sampled_from([0, 2, 1, 3, 4])


@st.composite
def _integrated_gradients(draw, num):
    weights, biases, X, dyadic = draw(network(hidden_max=draw(_IG_WIDTH_LAYERS), rows=_IG_ROWS, num=num))
    kind = draw(st.sampled_from(["zeros", "random", "same", "partly-same"]))
    B = np.zeros_like(X)
    if kind != "zeros":
        B = np.random.default_rng(draw(_SEED)).uniform(-2.0, 2.0, X.shape)
        if dyadic:
            B = np.round(B * 4) / 4
    if kind == "same":
        B = X.copy()
    elif kind == "partly-same" and X.shape[0]:
        B[0] = X[0]
    _plant_flat_unit(draw, weights, biases, X, B, dyadic)
    return {"weights": weights, "biases": biases, "X": X, "baselines": B,
            "target": _targets(draw, X.shape[0], weights[-1].shape[1])}


def _plant_flat_unit(draw, weights, biases, X, B, dyadic: bool) -> None:
    """A first-layer unit j that is identically 0 along row r's path: W0[:, j] is orthogonal to x_r - b_r (two
    nonzero entries) and b0[j] = -b_r . W0[:, j]. ReLU'(0) decides whether it passes gradient on the whole path."""
    d = X.shape[1]
    if not dyadic or len(weights) < 2 or d < 2 or X.shape[0] == 0 or weights[0].shape[1] == 0:
        return
    if not draw(st.booleans()):
        return
    r, j = draw(st.integers(0, X.shape[0] - 1)), draw(st.integers(0, weights[0].shape[1] - 1))
    c1, c2 = draw(st.integers(0, d - 1)), draw(st.integers(0, d - 1))
    delta = X[r] - B[r]
    if c1 == c2 or delta[c1] == 0 or delta[c2] == 0:
        return
    column = np.zeros(d)
    column[c1], column[c2] = delta[c2], -delta[c1]  # delta . column = 0 exactly (dyadic products)
    weights[0][:, j] = column
    biases[0][j] = -(B[r] @ column)


@st.composite
def _prune_neurons(draw, num):
    weights, biases, _, _ = draw(network(hidden_min=1, hidden_max=4, width_min=1, rows=st.just(0), num=num))
    layer = draw(st.integers(0, len(weights) - 2))
    W, b = weights[layer], biases[layer]
    n = W.shape[1]
    for trap in draw(st.lists(st.sampled_from(["dead", "twin", "permuted"]), max_size=3)):
        j, i = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if trap == "dead":  # all-zero incoming weights, relu(b) > 0: folded into the next bias
            W[:, j] = 0.0
            b[j] = draw(st.sampled_from([0.5, 1.0, 2.0]))
        elif trap == "twin" and i != j:  # identical incoming weights, a different bias
            W[:, i] = W[:, j]
            b[i] = b[j] + 1.0
        elif trap == "permuted" and i != j:  # the same P, other weights
            W[:, i] = -W[::-1, j]
    ratios = [0.5, 0.0, 1.0] + [(2 * j + 1) / (2 * n) for j in range(min(n, 8))] + [j / n for j in range(min(n, 8))]
    keep_ratio = draw(st.one_of(st.sampled_from(ratios), st.floats(0.0, 1.0)))
    return {"weights": weights, "biases": biases, "keep_ratio": keep_ratio}


def mlp_forward(num, assume):
    return _mlp_forward(num)


def mlp_gradients(num, assume):
    return _mlp_gradients(num)


def input_gradient(num, assume):
    return _input_gradient(num)


def integrated_gradients(num, assume):
    return _integrated_gradients(num)


def prune_neurons(num, assume):
    return _prune_neurons(num)

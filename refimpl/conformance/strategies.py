"""Inputs that hit the boundaries on purpose, two ways from one set of building blocks:

- :func:`boundary_cases` - a fixed, hand-picked list per op (the golden vectors, and the first examples every
  check tries: Hypothesis shrinks towards them, so a failure is reported on the simplest case that shows it);
- :func:`strategy` - a Hypothesis strategy per op: the boundary cases, or random inputs built so that entries equal
  to eps, ties in |w|, -0.0, subnormals, constant tensors, alpha*w_tilde+beta on an integer and one ulp either
  side, pre-activations exactly 0, x == baseline, sparsity*n ending in .5, keep ratios giving 0 and n and large
  logits keep coming up.

Every case is a dict of keyword inputs in the order of the candidate's signature (``ops.SIGNATURES``).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

TINY = 5e-324  # the smallest subnormal
SHAPES = [(1,), (2,), (3,), (4,), (5,), (0,), (2, 3), (6,), (8,), (3, 2)]
DYADIC = [0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 0.25, -0.75, 1.5]  # products and sums of these are exact


def _arr(values, shape=None) -> np.ndarray:
    a = np.array(values, dtype=np.float64)
    return a.reshape(shape) if shape is not None else a


def _up(x: float) -> float:
    return math.nextafter(x, math.inf)


def _down(x: float) -> float:
    return math.nextafter(x, -math.inf)


_SHAPE = st.sampled_from(SHAPES)


@st.composite
def _array(draw, entry, min_size=0):
    shape = draw(_SHAPE if min_size == 0 else st.sampled_from([s for s in SHAPES if math.prod(s) >= min_size]))
    values = draw(st.lists(entry, min_size=math.prod(shape), max_size=math.prod(shape)))
    return _arr(values, shape)


def _finite(lo=-1e6, hi=1e6):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


# ---- §3.1 ---------------------------------------------------------------------------------------------------------

_EPS = st.one_of(st.sampled_from([0.5, 0.0, 1.0, TINY, 0.1]), _finite(0.0, 1e3))
# An int picks one of the values next to eps (built per example); strategies are built once (they are costly).
_NEAR_EPS = st.one_of(st.integers(0, 8), _finite(-10.0, 10.0), _finite(-1e300, 1e300))


@st.composite
def _threshold(draw):
    eps = draw(_EPS)
    near = [eps, -eps, _up(eps), -_up(eps), _down(eps) if eps > 0 else 0.0, 0.0, -0.0, TINY, -TINY]
    shape = draw(_SHAPE)
    values = draw(st.lists(_NEAR_EPS, min_size=math.prod(shape), max_size=math.prod(shape)))
    return {"w": _arr([near[x] if isinstance(x, int) else x for x in values], shape), "eps": eps}


@st.composite
def _l1(draw):
    big = st.sampled_from([1e16, -1e16, 2.0 ** 53, 1.0, -1.0, 0.1, -0.0, TINY, 1e-300, 3.0])
    return {"w": draw(_array(st.one_of(big, _finite(-1e20, 1e20)), min_size=0))}


@st.composite
def _prune_smallest(draw):
    shape = draw(st.sampled_from([s for s in SHAPES if s != (0,)]))
    n = math.prod(shape)
    pool = draw(st.lists(st.one_of(st.sampled_from([1.0, 0.5, 0.0, 2.0, TINY]), _finite(0, 10)), min_size=1,
                         max_size=3))  # few magnitudes: ties in |w| are common
    w = [draw(st.sampled_from(pool)) * draw(st.sampled_from([1.0, -1.0])) for _ in range(n)]
    sparsity = draw(st.one_of(st.sampled_from([(2 * k + 1) / (2 * n) for k in range(n)] + [0.0, 1.0, 0.5]),
                              st.floats(0.0, 1.0)))
    return {"w": _arr(w, shape), "sparsity": sparsity}


# ---- §3.2 ---------------------------------------------------------------------------------------------------------

@st.composite
def _minmax(draw):
    constant = draw(st.booleans())
    entry = st.one_of(st.sampled_from([0.0, -0.0, 1.0, -1.0, TINY, 3.0]), _finite(-1e100, 1e100), _finite(-2, 2))
    if constant:
        value = draw(entry)
        return {"w": _arr([value] * draw(st.integers(1, 5)))}
    return {"w": draw(_array(entry, min_size=1))}


def _on_integers(draw, alpha):
    """w_tilde = k / alpha (alpha * w_tilde lands on k or one ulp away) and its neighbours."""
    k = draw(st.integers(-3, max(int(alpha), 1) + 1))
    x = k / alpha if alpha else 0.0
    return draw(st.sampled_from([x, _up(x), _down(x)]))


@st.composite
def _floor_quantize(draw):
    alpha = draw(st.one_of(st.sampled_from([255.0, 100.0, 1.0, 49.0, 3.0, 65535.0]), _finite(-300.0, 300.0)))
    beta = draw(st.one_of(st.sampled_from([0.5, 0.0, 0.25]), _finite(-4.0, 4.0)))
    entry = st.one_of(st.sampled_from([0.29, 0.5, 0.0, -0.5, 1.0, -0.0]), _finite(-4.0, 4.0))
    shape = draw(st.sampled_from(SHAPES))
    values = [draw(entry) if draw(st.booleans()) else _on_integers(draw, alpha) for _ in range(math.prod(shape))]
    return {"w_tilde": _arr(values, shape), "alpha": alpha, "beta": beta}


@st.composite
def _quantize(draw):
    bits = draw(st.one_of(st.sampled_from([8, 1, 2, 4, 16]), st.integers(1, 16)))
    beta = draw(st.one_of(st.sampled_from([0.5, 0.0]), st.floats(0.0, 0.999)))
    alpha = 2 ** bits - 1
    kind = draw(st.sampled_from(["levels", "random", "constant", "positive"]))
    n = draw(st.integers(1, 8))
    if kind == "levels":  # w = lo + k*step: alpha*w_tilde lands on an integer or one ulp from it
        lo, step = draw(st.sampled_from([(0.0, 1.0), (-1.0, 0.5), (0.1, 0.3), (-3.0, 0.01)]))
        w = [lo + draw(st.integers(0, alpha)) * step for _ in range(n)] + [lo, lo + alpha * step]
    elif kind == "constant":
        w = [draw(_finite(-1e3, 1e3))] * n
    elif kind == "positive":
        w = draw(st.lists(_finite(0.5, 100.0), min_size=n, max_size=n))
    else:
        w = draw(st.lists(_finite(-1e3, 1e3), min_size=n, max_size=n))
    return {"w": _arr(w), "bits": bits, "beta": beta}


@st.composite
def _dequantize(draw):
    bits = draw(st.one_of(st.sampled_from([8, 1, 2, 4, 16]), st.integers(1, 16)))
    alpha = 2 ** bits - 1
    lo = draw(st.one_of(st.sampled_from([0.0, -1.0, 0.1]), _finite(-1e3, 1e3)))
    hi = lo + draw(st.one_of(st.sampled_from([1.0, 0.0, 2.5]), _finite(0.0, 1e3)))
    codes = draw(st.lists(st.one_of(st.sampled_from([0, alpha]), st.integers(0, alpha)), min_size=1, max_size=8))
    return {"codes": np.array(codes, dtype=np.uint8 if bits <= 8 else np.uint16), "lo": lo, "hi": hi, "bits": bits}


# ---- networks -----------------------------------------------------------------------------------------------------

@st.composite
def _network(draw, *, out=None, hidden_min=0, hidden_max=2, width_min=0):
    """weights, biases, X: dyadic entries half the time (exact arithmetic: pre-activations exactly 0 happen)."""
    dyadic = draw(st.booleans())
    entry = st.sampled_from(DYADIC) if dyadic else _finite(-3.0, 3.0)
    d = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(width_min, 4), min_size=hidden_min, max_size=max(hidden_min, hidden_max)))
    k = out if out is not None else draw(st.integers(1, 3))
    sizes = [d, *hidden, k]
    scale = draw(st.sampled_from([1.0, 1.0, 1e3]))  # large logits now and then
    weights = [_arr(draw(st.lists(entry, min_size=m * n, max_size=m * n)), (m, n)) * scale
               for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [_arr(draw(st.lists(entry, min_size=n, max_size=n))) for n in sizes[1:]]
    rows = draw(st.integers(1, 3))
    X = _arr(draw(st.lists(entry, min_size=rows * d, max_size=rows * d)), (rows, d))
    return weights, biases, X


@st.composite
def _mlp_forward(draw):
    weights, biases, X = draw(_network())
    return {"weights": weights, "biases": biases, "X": X}


@st.composite
def _mlp_gradients(draw):
    loss = draw(st.sampled_from(["softmax_cross_entropy", "binary_cross_entropy_with_logits"]))
    weights, biases, X = draw(_network(out=1 if loss.startswith("binary") else None))
    k = weights[-1].shape[1]
    top = 1 if loss.startswith("binary") else k - 1
    y = np.array([draw(st.integers(0, top)) for _ in range(X.shape[0])], dtype=np.int64)
    return {"weights": weights, "biases": biases, "X": X, "y": y, "loss": loss}


def _targets(draw, X, weights):
    k = weights[-1].shape[1]
    return np.array([draw(st.integers(0, k - 1)) for _ in range(X.shape[0])], dtype=np.int64)


@st.composite
def _input_gradient(draw):
    weights, biases, X = draw(_network())
    return {"weights": weights, "biases": biases, "X": X, "target": _targets(draw, X, weights)}


@st.composite
def _integrated_gradients(draw):
    weights, biases, X = draw(_network(hidden_max=draw(st.sampled_from([0, 2]))))
    kind = draw(st.sampled_from(["zeros", "random", "same", "partly-same"]))
    baselines = np.zeros_like(X)
    if kind != "zeros":
        baselines = _arr(draw(st.lists(_finite(-2.0, 2.0), min_size=X.size, max_size=X.size)), X.shape)
    if kind == "same":
        baselines = X.copy()
    elif kind == "partly-same":
        baselines[0] = X[0]
    return {"weights": weights, "biases": biases, "X": X, "baselines": baselines,
            "target": _targets(draw, X, weights)}


@st.composite
def _prune_neurons(draw):
    weights, biases, _ = draw(_network(hidden_min=1, hidden_max=2, width_min=1))
    layer = draw(st.integers(0, len(weights) - 2))
    if draw(st.booleans()):  # a dead neuron (all-zero incoming weights) that outputs relu(b) > 0: folded
        j = draw(st.integers(0, weights[layer].shape[1] - 1))
        weights[layer][:, j] = 0.0
        biases[layer][j] = draw(st.sampled_from([0.5, 1.0, 2.0]))
    n = weights[layer].shape[1]
    ratios = [0.5, 0.0, 1.0] + [(2 * j + 1) / (2 * n) for j in range(n)] + [j / n for j in range(n)]
    keep_ratio = draw(st.one_of(st.sampled_from(ratios), st.floats(0.0, 1.0)))
    return {"weights": weights, "biases": biases, "keep_ratio": keep_ratio}


STRATEGIES = {
    "threshold": _threshold, "l1_importance": _l1, "prune_smallest": _prune_smallest,
    "minmax_normalize": _minmax, "floor_quantize": _floor_quantize, "quantize": _quantize,
    "dequantize": _dequantize, "mlp_forward": _mlp_forward, "mlp_gradients": _mlp_gradients,
    "input_gradient": _input_gradient, "integrated_gradients": _integrated_gradients,
    "prune_neurons": _prune_neurons,
}


def strategy(op: str):
    """The Hypothesis strategy for ``op``: its boundary cases first (the shrink target), then random inputs."""
    from .cases import boundary_cases  # noqa: PLC0415

    return st.one_of(st.sampled_from(boundary_cases(op)), STRATEGIES[op]())

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

from . import strategies_net, strategies_quant
from .cases import TINY, array_of, boundary_cases, ulp_down, ulp_up
from .clauses import OPS

SHAPES = [(1,), (2,), (3,), (4,), (5,), (0,), (2, 3), (6,), (8,), (3, 2)]
DYADIC = [0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 0.25, -0.75, 1.5]  # products and sums of these are exact


_SHAPE = st.sampled_from(SHAPES)
_SHAPE_NONEMPTY = st.sampled_from([s for s in SHAPES if math.prod(s) > 0])


@st.composite
def _array(draw, entry, nonempty=False):
    shape = draw(_SHAPE_NONEMPTY if nonempty else _SHAPE)
    values = draw(st.lists(entry, min_size=math.prod(shape), max_size=math.prod(shape)))
    return array_of(values, shape)


def _finite(lo=-1e6, hi=1e6):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


# ---- §3.1 ---------------------------------------------------------------------------------------------------------

_EPS = st.one_of(st.sampled_from([0.5, 0.0, 1.0, TINY, 0.1]), _finite(0.0, 1e3))
# An int picks one of the values next to eps (built per example); strategies are built once (they are costly).
_NEAR_EPS = st.one_of(st.integers(0, 8), _finite(-10.0, 10.0), _finite(-1e300, 1e300))


@st.composite
def _threshold(draw):
    eps = draw(_EPS)
    near = [eps, -eps, ulp_up(eps), -ulp_up(eps), ulp_down(eps) if eps > 0 else 0.0, 0.0, -0.0, TINY, -TINY]
    shape = draw(_SHAPE)
    values = draw(st.lists(_NEAR_EPS, min_size=math.prod(shape), max_size=math.prod(shape)))
    return {"w": array_of([near[x] if isinstance(x, int) else x for x in values], shape), "eps": eps}


_L1_ENTRY = st.one_of(st.sampled_from([1e16, -1e16, 2.0 ** 53, 1.0, -1.0, 0.1, -0.0, TINY, 1e-300, 3.0]),
                      _finite(-1e20, 1e20))


@st.composite
def _l1_importance(draw):
    return {"w": draw(_array(_L1_ENTRY))}


_MAGNITUDES = st.lists(st.one_of(st.sampled_from([1.0, 0.5, 0.0, 2.0, TINY]), _finite(0, 10)), min_size=1, max_size=3)
_PICK = st.tuples(st.integers(0, 2), st.booleans())  # which magnitude of the pool, negative or not
_HALVES = st.integers(0, 7)  # sparsity (2j + 1) / 2n: sparsity * n ends in .5
# Longer vectors too: an unstable sort (np.argsort's default kind) reorders ties mostly beyond 8 entries.
_PRUNE_SHAPE = st.sampled_from([s for s in SHAPES if math.prod(s) > 0] + [(16,), (4, 8)])


@st.composite
def _prune_smallest(draw):
    shape = draw(_PRUNE_SHAPE)
    n = math.prod(shape)
    pool = draw(_MAGNITUDES)  # few magnitudes: ties in |w| are common
    w = [pool[i % len(pool)] * (-1.0 if negative else 1.0) for i, negative in (draw(_PICK) for _ in range(n))]
    kind = draw(st.sampled_from(["half", "edge", "any", "tie", "tie"]))
    mags = sorted(abs(x) for x in w)
    cuts = [k for k in range(1, n) if mags[k - 1] == mags[k] != 0.0]  # the count cuts through a nonzero tie
    if kind == "tie" and cuts:  # only there does the tie rule change the output (pruning a 0 leaves 0)
        sparsity = draw(st.sampled_from(cuts)) / n
    elif kind == "half":
        sparsity = (2 * (draw(_HALVES) % n) + 1) / (2 * n)
    else:
        sparsity = draw(st.sampled_from([0.0, 1.0, 0.5]) if kind == "edge" else st.floats(0.0, 1.0))
    return {"w": array_of(w, shape), "sparsity": sparsity}


# ---- §3.2 ---------------------------------------------------------------------------------------------------------

_MINMAX_ENTRY = st.one_of(st.sampled_from([0.0, -0.0, 1.0, -1.0, TINY, 3.0]), _finite(-1e100, 1e100), _finite(-2, 2))
_COUNT = st.integers(1, 8)


@st.composite
def _minmax_normalize(draw):
    if draw(st.booleans()):  # a constant tensor
        return {"w": array_of([draw(_MINMAX_ENTRY)] * draw(_COUNT))}
    return {"w": draw(_array(_MINMAX_ENTRY, nonempty=True))}


_ALPHA = st.one_of(st.sampled_from([255.0, 100.0, 1.0, 49.0, 3.0, 65535.0]), _finite(-300.0, 300.0))
_BETA = st.one_of(st.sampled_from([0.5, 0.0, 0.25]), _finite(-4.0, 4.0))
_W_TILDE = st.one_of(st.sampled_from([0.29, 0.5, 0.0, -0.5, 1.0, -0.0]), _finite(-4.0, 4.0))
_LEVEL = st.tuples(st.integers(0, 2 ** 16 + 4), st.sampled_from([0, 1, -1]))


def _on_integer(level, alpha) -> float:
    """w_tilde = k / alpha (alpha * w_tilde lands on the integer k or one rounding away), or one ulp either side."""
    k, side = level
    k = k % (int(min(abs(alpha), 2.0 ** 16)) + 5) - 3
    x = k / alpha if abs(alpha) >= 1e-3 else 0.0
    return {0: x, 1: ulp_up(x), -1: ulp_down(x)}[side]


@st.composite
def _floor_quantize(draw):
    alpha, beta, shape = draw(_ALPHA), draw(_BETA), draw(_SHAPE)
    values = [draw(_W_TILDE) if draw(st.booleans()) else _on_integer(draw(_LEVEL), alpha)
              for _ in range(math.prod(shape))]
    return {"w_tilde": array_of(values, shape), "alpha": alpha, "beta": beta}


_BITS = st.one_of(st.sampled_from([8, 1, 2, 4, 16]), st.integers(1, 16))
_Q_BETA = st.one_of(st.sampled_from([0.5, 0.0]), st.floats(0.0, 0.999))
_Q_KIND = st.sampled_from(["levels", "random", "constant", "positive"])
_Q_GRID = st.sampled_from([(0.0, 1.0), (-1.0, 0.5), (0.1, 0.3), (-3.0, 0.01)])
_Q_RANDOM = {"constant": _finite(-1e3, 1e3), "positive": _finite(0.5, 100.0), "random": _finite(-1e3, 1e3)}


@st.composite
def _quantize(draw):
    bits, beta, kind, n = draw(_BITS), draw(_Q_BETA), draw(_Q_KIND), draw(_COUNT)
    alpha = 2 ** bits - 1
    if kind == "levels":  # w = lo + k*step: alpha*w_tilde lands on an integer or one ulp from it
        lo, step = draw(_Q_GRID)
        w = [lo + (draw(_LEVEL)[0] % (alpha + 1)) * step for _ in range(n)] + [lo, lo + alpha * step]
    elif kind == "constant":
        w = [draw(_Q_RANDOM[kind])] * n
    else:
        w = [draw(_Q_RANDOM[kind]) for _ in range(n)]
    return {"w": array_of(w), "bits": bits, "beta": beta}


_LO = st.one_of(st.sampled_from([0.0, -1.0, 0.1]), _finite(-1e3, 1e3))
_SPAN = st.one_of(st.sampled_from([1.0, 0.0, 2.5]), _finite(0.0, 1e3))
_CODE = st.one_of(st.sampled_from([0, -1]), st.integers(0, 2 ** 16 - 1))  # -1 stands for alpha


@st.composite
def _dequantize(draw):
    bits, lo = draw(_BITS), draw(_LO)
    alpha = 2 ** bits - 1
    codes = [alpha if c == -1 else c % (alpha + 1) for c in draw(st.lists(_CODE, min_size=1, max_size=8))]
    return {"codes": np.array(codes, dtype=np.uint8 if bits <= 8 else np.uint16), "lo": lo,
            "hi": lo + draw(_SPAN), "bits": bits}


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
    weights = [array_of(draw(st.lists(entry, min_size=m * n, max_size=m * n)), (m, n)) * scale
               for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [array_of(draw(st.lists(entry, min_size=n, max_size=n))) for n in sizes[1:]]
    rows = draw(st.integers(1, 3))
    X = array_of(draw(st.lists(entry, min_size=rows * d, max_size=rows * d)), (rows, d))
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
        baselines = array_of(draw(st.lists(_finite(-2.0, 2.0), min_size=X.size, max_size=X.size)), X.shape)
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


STRATEGIES = {op: globals()[f"_{op}"] for op in OPS if f"_{op}" in globals()}  # each op's function is named _<op>
STRATEGIES.update({op: make for table in (strategies_net.STRATEGIES, strategies_quant.STRATEGIES)
                   for op, make in table.items()})  # the ops of issue 13, in their own modules


def strategy(op: str):
    """The Hypothesis strategy for ``op``: its boundary cases first (the shrink target), then random inputs."""
    return st.one_of(st.sampled_from(boundary_cases(op)), STRATEGIES[op]())

"""Boundary-seeking Hypothesis strategies of ``fake_quantize``, ``quantize_model`` and ``prune_connections``.
Registered in strategies.py's table.

Quantization inputs sit on the levels ``lo + k·step`` (where the floor lands on an integer or one rounding from
it: ties of the half-up rule), are constant, or are all positive (0 is not forced into the range); pruning inputs
draw few magnitudes so that ties, and counts ending in .5, are common.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

_BITS = st.one_of(st.sampled_from([8, 1, 2, 4, 16]), st.integers(1, 16))
_BETA = st.one_of(st.sampled_from([0.5, 0.0]), st.floats(0.0, 0.999))
_GRID = st.sampled_from([(0.0, 1.0), (-1.0, 0.5), (0.1, 0.3), (-3.0, 0.01), (2.0, 0.25)])


def _floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


@st.composite
def _tensor(draw, bits, n):
    """``n`` values to quantize at ``bits`` bits (a list of floats)."""
    alpha = 2 ** bits - 1
    kind = draw(st.sampled_from(["levels", "levels", "random", "constant", "positive"]))
    if kind == "levels":
        lo, step = draw(_GRID)
        picks = draw(st.lists(st.integers(0, 2 ** 16), min_size=n, max_size=n))
        half = draw(st.booleans())  # halfway between two levels: the tie the half-up rule decides
        return [lo + (k % (alpha + 1) + (0.5 if half and k % 2 else 0.0)) * step for k in picks] + [lo,
                                                                                                   lo + alpha * step]
    if kind == "constant":
        return [draw(_floats(-1e3, 1e3))] * n
    low = 0.5 if kind == "positive" else -1e3
    return draw(st.lists(_floats(low, 1e3), min_size=n, max_size=n))


@st.composite
def fake_quantize(draw):
    bits = draw(_BITS)
    w = draw(_tensor(bits, draw(st.integers(1, 8))))
    return {"w": np.array(w, dtype=np.float64), "bits": bits, "beta": draw(_BETA)}


def _shapes(draw) -> list[tuple[int, int]]:
    d = draw(st.integers(1, 4))
    sizes = [d, *draw(st.lists(st.integers(0, 4), max_size=2)), draw(st.integers(1, 3))]
    return list(zip(sizes[:-1], sizes[1:], strict=True))


@st.composite
def quantize_model(draw):
    bits = draw(_BITS)
    weights = []
    for m, n in _shapes(draw):
        values = draw(_tensor(bits, m * n))[: m * n]
        values += [0.0] * (m * n - len(values))
        W = np.array(values, dtype=np.float64).reshape(m, n)
        if draw(st.booleans()):  # pruned: zeros that must stay exactly 0 and take no part in lo/hi
            W[np.array(draw(st.lists(st.booleans(), min_size=m * n, max_size=m * n)), dtype=bool).reshape(m, n)] = 0
        weights.append(W)
    return {"weights": weights, "bits": bits, "beta": draw(_BETA)}


_MAGNITUDE = st.one_of(st.sampled_from([1.0, 0.5, 0.0, 2.0, 5e-324]), _floats(0.0, 10.0))


@st.composite
def prune_connections(draw):
    pool = draw(st.lists(_MAGNITUDE, min_size=1, max_size=3))  # few magnitudes: ties across matrices are common
    weights = []
    for m, n in _shapes(draw):
        picks = draw(st.lists(st.tuples(st.integers(0, 2), st.booleans()), min_size=m * n, max_size=m * n))
        weights.append(np.array([pool[i % len(pool)] * (-1.0 if neg else 1.0) for i, neg in picks],
                                dtype=np.float64).reshape(m, n))
    scope = draw(st.sampled_from(["layer", "global"]))
    total = sum(W.size for W in weights) if scope == "global" else max(W.size for W in weights)
    kind = draw(st.sampled_from(["half", "edge", "any", "cut"]))
    if kind == "half" and total:  # sparsity * n ends in .5: round half to even decides
        sparsity = (2 * draw(st.integers(0, total - 1)) + 1) / (2 * total)
    elif kind == "cut" and total:
        sparsity = draw(st.integers(0, total)) / total
    else:
        sparsity = draw(st.sampled_from([0.0, 1.0, 0.5]) if kind == "edge" else st.floats(0.0, 1.0))
    return {"weights": weights, "sparsity": sparsity, "scope": scope}


STRATEGIES = {"fake_quantize": fake_quantize, "quantize_model": quantize_model, "prune_connections": prune_connections}


@st.composite
def _channels(draw):
    """(w, bits, axis): a tensor of 1 to 3 dimensions whose slices along ``axis`` are each drawn as a tensor of
    their own (on the levels, constant, positive, random): per-slice ranges, constant slices, ties."""
    ndim = draw(st.integers(1, 3))
    shape = [draw(st.integers(1, 3)) for _ in range(ndim)]
    axis = draw(st.integers(-ndim, ndim - 1))
    bits = draw(_BITS)
    rest = [s for d, s in enumerate(shape) if d != axis % ndim]
    size = int(np.prod(rest)) if rest else 1
    slices = [np.array(draw(_tensor(bits, size))[:size], dtype=np.float64).reshape(rest) for _ in
              range(shape[axis % ndim])]
    return np.stack(slices, axis=axis % ndim), bits, axis


@st.composite
def quantize_per_channel(draw):
    w, bits, axis = draw(_channels())
    return {"w": w, "bits": bits, "beta": draw(_BETA), "axis": axis}


@st.composite
def fake_quantize_per_channel(draw):
    w, bits, axis = draw(_channels())
    return {"w": w, "bits": bits, "beta": draw(_BETA), "axis": axis}


@st.composite
def dequantize_per_channel(draw):
    w, bits, axis = draw(_channels())
    alpha = 2 ** bits - 1
    codes = np.array(draw(st.lists(st.integers(0, alpha), min_size=w.size, max_size=w.size))).reshape(w.shape)
    codes[(0,) * w.ndim] = draw(st.sampled_from([0, alpha]))
    n = w.shape[axis % w.ndim]
    lo = np.array(draw(st.lists(st.one_of(st.sampled_from([0.0, -1.0, 0.1]), _floats(-1e3, 1e3)), min_size=n,
                                max_size=n)))
    span = np.array(draw(st.lists(st.one_of(st.sampled_from([0.0, 1.0, 2.5]), _floats(0.0, 1e3)), min_size=n,
                                  max_size=n)))
    return {"codes": codes.astype(np.uint8 if bits <= 8 else np.uint16), "lo": lo, "hi": lo + span, "bits": bits,
            "axis": axis}


STRATEGIES.update({"quantize_per_channel": quantize_per_channel, "dequantize_per_channel": dequantize_per_channel,
                   "fake_quantize_per_channel": fake_quantize_per_channel})

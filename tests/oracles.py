"""Independent oracles shared by the foundation tests: nothing here calls the code under test.

- ``central_difference``: the numerical gradient of a scalar function, one coordinate at a time.
- ``loop_forward``: the MLP forward pass written as scalar Python loops with exactly summed dot products.
- ``abs_forward``: the same pass on |W|, |b|, |X| without ReLU — the standard bound on the magnitude of every
  intermediate sum, used to scale rounding tolerances.
- ``dec``/``dexp``/``dln``: 60-digit decimal arithmetic for closed-form loss values (no mpmath on this machine).
- ``frozen``: a read-only copy of an array, for the "inputs are never written" checks.
- ``dyadic_mlps``: the one Hypothesis strategy for small networks whose float64 arithmetic is exact.
"""

from __future__ import annotations

import math
from decimal import Context, Decimal, localcontext

import numpy as np
from hypothesis import strategies as st

from refimpl import MLP

EPS = np.finfo(np.float64).eps
DEC = Context(prec=60, Emax=10**9, Emin=-(10**9), traps=[])


def central_difference(f, x: np.ndarray, h: float) -> np.ndarray:
    """``(f(x + h e_i) − f(x − h e_i)) / 2h`` for every coordinate i of ``x`` (a float array, not modified)."""
    grad = np.empty(x.shape)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (f(up) - f(down)) / (2 * h)
    return grad


def loop_forward(weights, biases, X) -> tuple[np.ndarray, list[np.ndarray]]:
    """Logits and the hidden pre-activations, by scalar loops: ``z_j = fsum_i(h_i · W_ij) + b_j``."""
    h = [list(map(float, row)) for row in np.asarray(X)]
    pre = []
    for layer, (W, b) in enumerate(zip(weights, biases, strict=True)):
        z = [[math.fsum([row[i] * float(W[i, j]) for i in range(W.shape[0])] + [float(b[j])])
              for j in range(W.shape[1])] for row in h]
        if layer == len(weights) - 1:
            return np.array(z).reshape(len(h), W.shape[1]), pre
        pre.append(np.array(z).reshape(len(h), W.shape[1]))
        h = [[max(v, 0.0) for v in row] for row in z]
    raise AssertionError("no layers")


def abs_forward(weights, biases, X) -> np.ndarray:
    """``|X| @ |W_0| + |b_0|`` chained through every layer (no ReLU): bounds each partial sum's magnitude."""
    h = np.abs(np.asarray(X, dtype=float))
    for W, b in zip(weights, biases, strict=True):
        h = h @ np.abs(W) + np.abs(b)
    return h


def dec(x) -> Decimal:
    """The exact decimal value of a float or an int (the constructor never rounds)."""
    return Decimal(float(x)) if not isinstance(x, int) else Decimal(x)


def dexp(x: Decimal) -> Decimal:
    return DEC.exp(x)


def dln(x: Decimal) -> Decimal:
    return DEC.ln(x)


def dlog1p(x: Decimal) -> Decimal:
    """ln(1 + x) to ~60 digits even for tiny x (1 + x itself would round x away): the series below 1e-10."""
    with localcontext(DEC):
        if abs(x) < Decimal("1e-10"):
            return x - x * x / 2 + x * x * x / 3  # relative truncation error <= x³/4 < 1e-30
        return DEC.ln(1 + x)


def softmax_ce_exact(logits: np.ndarray, y: np.ndarray) -> tuple[Decimal, list[list[Decimal]]]:
    """Closed form ``(1/n) Σ_i [ln Σ_k e^{z_ik} − z_{i,y_i}]`` and ``(softmax − onehot)/n`` in 60 digits."""
    with localcontext(DEC):  # every +, /, ln, exp below in 60 digits
        return _softmax_ce_exact(logits, y)


def _softmax_ce_exact(logits, y):
    n, k = logits.shape
    total, grad = Decimal(0), []
    for i in range(n):
        exps = [dexp(dec(logits[i, j])) for j in range(k)]
        s = sum(exps, Decimal(0))
        total += dln(s) - dec(logits[i, y[i]])
        grad.append([(e / s - (1 if j == y[i] else 0)) / n for j, e in enumerate(exps)])
    return total / n, grad


def binary_ce_exact(z: np.ndarray, y: np.ndarray) -> tuple[Decimal, list[Decimal]]:
    """Closed form ``(1/n) Σ_i [−y ln σ(z) − (1−y) ln(1−σ(z))]`` and ``(σ(z) − y)/n`` in 60 digits.

    Written with ``−ln σ(z) = ln(1 + e^{−z})``, ``−ln(1 − σ(z)) = ln(1 + e^{z})`` and ``σ(z) − 1 = −1/(1 + e^{z})``
    so that no term is a difference of nearly equal numbers.
    """
    with localcontext(DEC):
        return _binary_ce_exact(z, y)


def _binary_ce_exact(z, y):
    n = len(z)
    total, grad = Decimal(0), []
    for zi, yi in zip(z, y, strict=True):
        zd = dec(zi)
        if yi == 1:
            total += dlog1p(dexp(-zd))
            grad.append(-1 / (1 + dexp(zd)) / n)
        else:
            total += dlog1p(dexp(zd))
            grad.append(1 / (1 + dexp(-zd)) / n)
    return total / n, grad


def frozen(a) -> np.ndarray:
    """A read-only copy: any attempt by the code under test to write into it raises ValueError."""
    out = np.array(a, copy=True)
    out.flags.writeable = False
    return out


QUARTERS = st.integers(-8, 8).map(lambda k: k / 4)  # dyadic: every float sum and product below stays exact


@st.composite
def dyadic_mlps(draw, min_hidden=0, max_hidden=3, max_width=4, n_outputs=None, biases=True, dead=False,
                nonzero=False):
    """An MLP with weights and biases in {-2, -1.75, ..., 2}: forward passes on multiples of 1/4 stay exact.

    ``min_hidden``..``max_hidden`` hidden layers of width 0..``max_width`` (1..1 when ``max_width`` is 1), 1 to 4
    inputs, ``n_outputs`` (or 1 to 3) outputs; ``biases=False``: all biases 0; ``dead``: some hidden neurons get
    all-zero incoming columns; ``nonzero``: no weight is 0.
    """
    n_hidden = draw(st.integers(min_hidden, max_hidden))
    d = draw(st.integers(1, 4))
    outputs = n_outputs or draw(st.integers(1, 3))
    sizes = [d] + [draw(st.integers(0 if max_width > 1 else 1, max_width)) for _ in range(n_hidden)] + [outputs]
    weights, bs = [], []
    for layer, (m, n) in enumerate(zip(sizes, sizes[1:], strict=False)):
        W = np.array(draw(st.lists(QUARTERS, min_size=m * n, max_size=m * n))).reshape(m, n)
        if nonzero:
            W[W == 0] = 0.25
        if dead and layer < n_hidden and n:  # incoming matrices of hidden layers only
            W[:, np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)] = 0.0
        weights.append(W)
        bs.append(np.array(draw(st.lists(QUARTERS, min_size=n, max_size=n))) if biases else np.zeros(n))
    return MLP(weights, bs)

"""Independent oracles and strategies for the interpretability tests.

The oracles use exact rational arithmetic (fractions.Fraction) and plain loops, and share no code with
refimpl.interpret: the exact integrated gradients oracle finds the linear pieces by refining a partition until no
pre-activation of the pattern-fixed network changes sign inside a piece, and takes each piece's gradient as
differences of the (affine) pattern-fixed network, not by backpropagation.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import strategies as st

from .oracles import QUARTERS


def rows(d, n_min=1, n_max=3):
    return st.lists(st.lists(QUARTERS, min_size=d, max_size=d), min_size=n_min, max_size=n_max).map(
        lambda r: np.array(r, dtype=float).reshape(len(r), d))


def to_fractions(mlp):
    return ([[[Fraction(v) for v in row] for row in W] for W in mlp.weights],
            [[Fraction(v) for v in b] for b in mlp.biases])


def preactivations(params, x, pattern=None):
    """``[z_1, ..., z_L]`` in exact arithmetic; with ``pattern`` the hidden units' on/off states are fixed."""
    weights, biases = params
    h, zs = list(x), []
    for layer, (W, b) in enumerate(zip(weights, biases, strict=False)):
        z = [sum((h[i] * W[i][j] for i in range(len(h))), Fraction(0)) + b[j] for j in range(len(b))]
        zs.append(z)
        on = pattern[layer] if pattern is not None and layer < len(pattern) else [v > 0 for v in z]
        h = [v if active else Fraction(0) for v, active in zip(z, on, strict=False)]
    return zs


def exact_pieces(params, x, b):
    """Breakpoints (Fractions) of a partition of [0, 1] on which every hidden pre-activation keeps its sign, and the
    activation pattern inside each piece (taken at its midpoint)."""
    point = lambda a: [bi + a * (xi - bi) for xi, bi in zip(x, b, strict=False)]  # noqa: E731
    points = [Fraction(0), Fraction(1)]
    while True:
        patterns, new = [], set()
        for lo, hi in zip(points, points[1:], strict=False):
            pattern = [[v > 0 for v in z] for z in preactivations(params, point((lo + hi) / 2))[:-1]]
            patterns.append(pattern)
            z_lo, z_hi = (preactivations(params, point(a), pattern)[:-1] for a in (lo, hi))
            for layer_lo, layer_hi in zip(z_lo, z_hi, strict=False):
                for s, e in zip(layer_lo, layer_hi, strict=False):
                    if s * e < 0:
                        new.add(lo + s / (s - e) * (hi - lo))
        if not new:
            return points, patterns
        points = sorted(set(points) | new)


def exact_ig(mlp, x, b, target):
    """Integrated gradients in exact arithmetic: ``(x − b) ⊙ Σ_k (α_{k+1} − α_k) ∇F_{P_k}``, where the gradient of
    the pattern-fixed (affine) network is ``F_P(e_i) − F_P(0)``."""
    params = to_fractions(mlp)
    x, b = [Fraction(v) for v in x], [Fraction(v) for v in b]
    points, patterns = exact_pieces(params, x, b)
    d = len(x)
    integral = [Fraction(0)] * d
    for lo, hi, pattern in zip(points, points[1:], patterns, strict=False):
        f0 = preactivations(params, [Fraction(0)] * d, pattern)[-1][target]
        for i in range(d):
            e_i = [Fraction(int(k == i)) for k in range(d)]
            integral[i] += (hi - lo) * (preactivations(params, e_i, pattern)[-1][target] - f0)
    return [(xi - bi) * g for xi, bi, g in zip(x, b, integral, strict=False)], points


def logit(mlp, x, target):
    return preactivations(to_fractions(mlp), [Fraction(v) for v in x])[-1][target]


def magnitude(mlp, X, B, targets):
    """``S = |F(x)| + |F(b)| + Σ_i |x_i − b_i| (|W_0| ⋯ |W_{L-1}|)_{i, target}`` per row: the magnitudes summed."""
    chain = np.abs(mlp.weights[0])
    for W in mlp.weights[1:]:
        chain = chain @ np.abs(W)
    rows = np.arange(len(X))
    return (np.abs(mlp.forward(X)[rows, targets]) + np.abs(mlp.forward(B)[rows, targets])
            + (np.abs(X - B) * chain[:, targets].T).sum(axis=1))


def hidden_preactivations(mlp, X):
    """Float64 ``[z_1, ..., z_{L-1}]`` of the rows of ``X``, computed directly (no refimpl internals)."""
    h, out = np.asarray(X, dtype=float), []
    for W, b in zip(mlp.weights[:-1], mlp.biases[:-1], strict=True):
        out.append(h @ W + b)
        h = np.maximum(out[-1], 0)
    return out

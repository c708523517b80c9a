"""Integrated gradients (§2.2.1), exact and by quadrature, in their readable form.

``IG_i(x) = (x_i − b_i) ∫_0^1 ∂F/∂x_i(b + α (x − b)) dα`` (Sundararajan et al. 2017), with the conventions of
:mod:`.gradients` for ``F``, ``target`` and ``ReLU'(0) = 0``.

Exact IG of a ReLU network (ExactLine, Sotoudeh & Thakur, NeurIPS 2019): on the path ``γ(α) = b + α (x − b)`` the
network is affine between consecutive breakpoints ``α_k`` (where some hidden pre-activation changes sign), so the
gradient is constant on each piece and the integral is a finite sum::

    IG = (x − b) ⊙ Σ_k (α_{k+1} − α_k) ∇F on piece k,   ∇F = W_0 D_1 W_1 ⋯ D_H W_H[:, target]

with ``D_l`` the activity of hidden layer ``l`` inside the piece. The pieces are found layer by layer. Inside a
piece on which layers ``1..l−1`` keep their activity, ``z_l(γ(α))`` is affine in ``α``, so its values ``s`` and ``e``
at the two ends determine it: where their signs are strictly opposite it crosses 0 at the fraction
``τ = s / (s − e)`` of the piece, and the piece is split there. Conventions (the same everywhere in refimpl):

- a unit is active inside a piece when ``s + e > 0`` (its value at the midpoint is positive); one that is 0 at both
  ends is 0 along the whole piece and inactive (``ReLU'(0) = 0``);
- a unit that only touches 0 at an end does not split the piece; crossings of several units at the same ``τ`` are
  one breakpoint; a ``τ`` that rounds onto an end of the piece is that end;
- values at a breakpoint are interpolated inside the piece being split, and the crossing units are exactly 0
  there, so both neighbouring pieces see bit-identical values of the next layer at the breakpoint (evaluating the
  network at the rounded ``α`` instead would give ±1e-17 and split spurious one-ulp pieces).

This module is the oracle: it evaluates a few forward passes per piece and per layer. ``refimpl.integrated_gradients``
and ``refimpl.linear_pieces`` compute the same by the engine :mod:`refimpl.engines.exact_ig` and are tested
against these functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from .checks import (
    BoolArray,
    FloatArray,
    IntArray,
    IntLike,
    as_float_array,
    check_bool,
    check_choice,
    check_int,
    refuses_overflow,
)
from .gradients import TOO_LARGE, check_target, gradients_unchecked
from .mlp import MLP, check_inputs, check_model, forward_trace

METHODS = ("exact", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid", "gausslegendre")
PRE_ACTIVATIONS_TOO_LARGE = "the weights of mlp, x or baseline are too large: the pre-activations"
_CHUNK_ROWS = 4096  # path points per backward pass in the quadrature methods: bounds the temporaries' memory


@refuses_overflow(TOO_LARGE)
def integrated_gradients(mlp: MLP, X: npt.ArrayLike, baselines: npt.ArrayLike | None = None,
                         target: npt.ArrayLike | None = None, method: str = "exact", n_steps: IntLike = 50,
                         return_convergence_delta: bool = False) -> FloatArray | tuple[FloatArray, FloatArray]:
    """Integrated gradients of ``F = logit[target]`` along the straight path from ``baselines`` to ``X``.

    ``IG(x) = (x − b) ⊙ ∫_0^1 ∇F(b + α (x − b)) dα``, with the integral computed by ``method``:

    - ``"exact"``: the path is split into the pieces ``[α_k, α_{k+1}]`` on which the ReLU network is affine
      (:func:`linear_pieces`, ExactLine), so ``∇F`` is constant on each and
      ``IG = (x − b) ⊙ Σ_k (α_{k+1} − α_k) ∇F(midpoint_k)``. The last hidden layer is integrated in closed form
      inside each piece (unit ``j`` is active on the fraction ``(s⁺ + e⁺)/(|s| + |e|)`` of a piece whose ends it meets
      with pre-activations ``s`` and ``e``), which is the same sum without listing its breakpoints. ``n_steps`` is
      checked but not used.
    - ``"riemann_left"``, ``"riemann_right"``, ``"riemann_middle"``: ``α_k = k/N``, ``(k+1)/N``, ``(k+½)/N`` for
      ``k = 0..N−1``, weights ``1/N``.
    - ``"riemann_trapezoid"``: ``α_k = k/(N−1)`` for ``k = 0..N−1``, weights ``1/(N−1)`` halved at both ends, so they
      sum to 1 (Captum's sum to ``1 − 1/N``); needs ``N >= 2``.
    - ``"gausslegendre"``: the ``N``-point Gauss–Legendre rule mapped to ``[0, 1]``, in float64 (Captum casts to
      float32).

    The quadrature sum is evaluated as ``g_0 + Σ_k w_k (g_k − g_0)`` (``g_k = ∇F(α_k)``; equal to ``Σ_k w_k g_k``
    since the weights sum to 1), so a gradient that is constant along the path is integrated without rounding.

    Parameters
    ----------
    mlp : MLP
    X : array_like of shape (n, d), finite
    baselines : None (zeros), scalar, array_like of shape (d,) or (n, d)
    target : None, int or int array of shape (n,) (None only for a single-output model)
    method : one of ``METHODS``
    n_steps : int >= 1 (>= 2 for ``"riemann_trapezoid"``), the number of gradient evaluations per row
    return_convergence_delta : bool

    Returns
    -------
    attributions : ndarray of shape (n, d)
    delta : ndarray of shape (n,), only with ``return_convergence_delta=True``
        ``Σ_i IG_i − (F(x) − F(b))``, signed, per row (Captum's definition).

    Notes
    -----
    - Completeness: ``"exact"`` gives ``Σ_i IG_i = F(x) − F(b)`` in exact arithmetic, since
      ``Σ_i (x_i − b_i) ∂F/∂x_i · (α_{k+1} − α_k) = F(γ(α_{k+1})) − F(γ(α_k))`` on each affine piece. In float64 the
      tests bound ``|delta|`` by ``1e-12 · S`` with
      ``S = |F(x)| + |F(b)| + Σ_i |x_i − b_i| (|W_0| ⋯ |W_{L-1}|)_{i, target}``, the magnitudes summed: the
      standard bound ``m · 2^-53 · S`` for ``m`` accumulated terms is below it while ``m < 9000``. A breakpoint
      that rounding moves by ``δ`` adds at most ``δ · S``; ``δ`` is of rounding order unless a pre-activation
      crosses 0 at a slope far smaller than the terms it is summed from. On the demo model (64-256-10, 450 test
      digits) the largest ``|delta|`` is 1.8e-14.
    - Quadrature methods are not complete: ``∇F`` is piecewise constant along the path, so their error decreases
      only like ``1/N`` whatever the rule's order.
    - ``x == b`` gives exactly 0 for every method; a model without hidden layers gives ``(x − b) ⊙ W_0[:, target]``
      exactly for every method.
    - ``ReLU'(0) = 0``: a unit whose pre-activation is 0 along a whole piece contributes nothing there. This is
      decided on the computed values: one that is 0 in exact arithmetic but rounds to ±tiny counts by that sign,
      which changes the individual attributions (not their sum) when it feeds a later layer.

    Raises
    ------
    TypeError
        Non-numeric ``X``/``baselines``/``target``; ``method`` not a str; ``n_steps`` not an int;
        ``return_convergence_delta`` not a bool.
    ValueError
        Shapes as in :func:`input_gradient`; ``baselines`` of another shape or not finite; unknown ``method``;
        ``n_steps`` out of range; attributions that overflow float64 (see :mod:`refimpl.spec.gradients`).
    """
    X, B, targets, method, n_steps, with_delta = check_ig_arguments(
        mlp, X, baselines, target, method, n_steps, return_convergence_delta)
    if method == "exact":
        attributions = np.array([exact_row(mlp, x, b, t) for x, b, t in zip(X, B, targets, strict=True)])
        attributions = attributions.reshape(X.shape)
    else:
        attributions = quadrature_ig(mlp.weights, mlp.biases, X, B, targets, *quadrature_rule(method, n_steps))
    return with_convergence_delta(mlp, X, B, targets, attributions) if with_delta else attributions


def exact_row(mlp: MLP, x: FloatArray, b: FloatArray, target: int) -> FloatArray:
    """Exact IG of one row: on each affine piece, the chain rule with the piece's activities, times its length."""
    total = np.zeros_like(x)
    for p in pieces(mlp, x, b):
        dh = mlp.weights[-1][:, target]
        for W, active in zip(mlp.weights[-2::-1], p.masks[::-1], strict=True):  # ∂F/∂h_{l-1} = (∂F/∂h_l ⊙ D_l) W^T
            dh = W @ (dh * active)
        total += (p.hi - p.lo) * dh
    return (x - b) * total


def linear_pieces(mlp: MLP, x: npt.ArrayLike, baseline: npt.ArrayLike | None) -> FloatArray:
    """Sorted breakpoints ``0 = α_0 < α_1 < … < α_K = 1`` of the path ``γ(α) = b + α (x − b)``.

    On each ``[α_k, α_{k+1}]`` every hidden pre-activation ``z_l(γ(α))`` keeps one sign (it may touch 0 at an end)
    and so the network ``F(γ(α))`` is affine in ``α``. Found layer by layer (ExactLine, see the module docstring).

    Parameters
    ----------
    mlp : MLP
    x : array_like of shape (d,), the input
    baseline : None (zeros), scalar or array_like of shape (d,)

    Returns
    -------
    ndarray of shape (K + 1,), float64, strictly increasing, first 0.0, last 1.0.

    Notes
    -----
    - Breakpoints where several units change sign at the same α are listed once.
    - A pre-activation that is 0 at α = 0 or α = 1, or touches 0 without changing sign, adds no breakpoint.
    - A model without hidden layers, or ``x == baseline``, gives ``[0.0, 1.0]``.
    - The breakpoints are exact up to rounding: each is ``α_lo + τ (α_hi − α_lo)`` with ``τ = s / (s − e)`` computed
      from rounded pre-activations, so it may be off by a few units in the last place of the pre-activations'
      magnitude relative to their slope; breakpoints closer than that may be merged or swapped in order.

    Raises
    ------
    TypeError
        Non-numeric arguments or ``mlp`` not an MLP.
    ValueError
        ``x`` not of shape (d,) or not finite; ``baseline`` of another shape; pre-activations that overflow float64.
    """
    check_model(mlp)
    x = as_float_array(x, "x", ndim=1)
    if x.shape != (mlp.sizes[0],):
        raise ValueError(f"x must have shape ({mlp.sizes[0]},) for this model, got {x.shape}")
    b = check_baselines(baseline, x[None, :], "baseline")[0]
    return np.unique([end for p in pieces(mlp, x, b) for end in (p.lo, p.hi)])


class Piece(NamedTuple):
    """``[lo, hi]`` of the path, the activity ``masks[l-1]`` of each hidden layer ``l`` split so far, and the
    pre-activations of the next layer at both ends."""

    lo: float
    hi: float
    masks: tuple[BoolArray, ...]
    z_lo: np.ndarray
    z_hi: np.ndarray


@refuses_overflow(PRE_ACTIVATIONS_TOO_LARGE)
def pieces(mlp: MLP, x: FloatArray, b: FloatArray) -> list[Piece]:
    """The affine pieces of the path ``b → x``, in order: split at the sign changes of every hidden layer in turn."""
    W, c = mlp.weights, mlp.biases
    found = [Piece(0.0, 1.0, (), b @ W[0] + c[0], x @ W[0] + c[0])]
    for layer in range(1, len(W)):  # split at hidden layer `layer`, then step to the next layer's pre-activations
        found = [child for piece in found for child in split(piece)]
        found = [Piece(p.lo, p.hi, p.masks + (active,), (p.z_lo * active) @ W[layer] + c[layer],
                       (p.z_hi * active) @ W[layer] + c[layer])
                 for p in found for active in [p.z_lo + p.z_hi > 0]]
    return found


def split(p: Piece) -> list[Piece]:
    """``p`` cut at every fraction ``τ = s / (s − e)`` where a unit's end values have strictly opposite signs."""
    s, e = p.z_lo, p.z_hi
    crossing = np.flatnonzero(np.sign(s) * np.sign(e) < 0)
    taus = s[crossing] / (s[crossing] - e[crossing])
    children: list[Piece] = []
    lo, z_lo = p.lo, s
    for tau in np.unique(taus[(taus > 0) & (taus < 1)]):
        alpha = min(max(p.lo + tau * (p.hi - p.lo), p.lo), p.hi)  # rounding must not leave the piece
        z = s + tau * (e - s)
        z[crossing[taus == tau]] = 0.0  # the crossing units are exactly 0 at their breakpoint
        children.append(Piece(lo, alpha, p.masks, z_lo, z))
        lo, z_lo = alpha, z
    return children + [Piece(lo, p.hi, p.masks, z_lo, e)]


def check_ig_arguments(mlp: MLP, X: npt.ArrayLike, baselines: npt.ArrayLike | None, target: npt.ArrayLike | None,
                       method: str, n_steps: IntLike, return_convergence_delta: bool
                       ) -> tuple[FloatArray, FloatArray, IntArray, str, int, bool]:
    """The checked arguments of :func:`integrated_gradients`: ``(X, B, targets, method, n_steps, with_delta)``."""
    X = check_inputs(mlp, X)
    B = check_baselines(baselines, X)
    targets = check_target(target, X.shape[0], mlp.sizes[-1])
    method = check_choice(method, "method", METHODS)
    with_delta = check_bool(return_convergence_delta, "return_convergence_delta")
    n_steps = check_int(n_steps, "n_steps", lo=2 if method == "riemann_trapezoid" else 1)
    return X, B, targets, method, n_steps, with_delta


def check_baselines(baselines: npt.ArrayLike | None, X: FloatArray, name: str = "baselines") -> FloatArray:
    """Broadcast None (zeros), a scalar, a ``(d,)`` or an ``(n, d)`` baseline to the shape of ``X`` (read-only view)."""
    if baselines is None:
        return np.zeros_like(X)
    B = as_float_array(baselines, name)
    n, d = X.shape
    if B.shape not in ((), (d,), (n, d)):
        raise ValueError(f"{name} must be None, a scalar, shape ({d},) or shape ({n}, {d}), got shape {B.shape}")
    return np.broadcast_to(B, X.shape)


def with_convergence_delta(mlp: MLP, X: FloatArray, B: FloatArray, targets: IntArray,
                           attributions: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``(attributions, delta)`` with ``delta = Σ_i IG_i − (F(x) − F(b))`` per row."""
    rows = np.arange(X.shape[0])
    shared = X.shape[0] > 0 and B.strides[0] == 0  # one baseline broadcast to every row: one forward pass for it
    F_b = forward_trace(mlp.weights, mlp.biases, B[:1] if shared else B)[-1][0 if shared else rows, targets]
    F_x = forward_trace(mlp.weights, mlp.biases, X)[-1][rows, targets]
    return attributions, attributions.sum(axis=1) - (F_x - F_b)


def quadrature_rule(method: str, n_steps: int) -> tuple[FloatArray, FloatArray]:
    """Nodes ``α_k`` in [0, 1] and weights ``w_k`` (summing to 1 up to rounding) of a quadrature method."""
    k = np.arange(n_steps, dtype=np.float64)
    if method == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(n_steps)
        return (nodes + 1.0) / 2.0, weights / 2.0
    if method == "riemann_trapezoid":
        weights = np.full(n_steps, 1.0 / (n_steps - 1))
        weights[[0, -1]] /= 2.0
        return k / (n_steps - 1), weights
    offset = {"riemann_left": 0.0, "riemann_right": 1.0, "riemann_middle": 0.5}[method]
    return (k + offset) / n_steps, np.full(n_steps, 1.0 / n_steps)


def quadrature_ig(weights: Sequence[FloatArray], biases: Sequence[FloatArray], X: FloatArray, B: FloatArray,
                  targets: IntArray, nodes: FloatArray, node_weights: FloatArray) -> FloatArray:
    """``(x − b) ⊙ (g_0 + Σ_k w_k (g_k − g_0))`` with ``g_k = ∇F(γ(α_k))``, in chunks of path points."""
    n, d = X.shape
    K = len(nodes)
    step = X - B
    total = np.empty_like(X)
    chunk = max(1, _CHUNK_ROWS // K)
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        points = B[lo:hi, None, :] + nodes[None, :, None] * step[lo:hi, None, :]  # (m, K, d)
        g = gradients_unchecked(weights, biases, points.reshape(-1, d), np.repeat(targets[lo:hi], K))
        g = g.reshape(hi - lo, K, d)
        total[lo:hi] = g[:, 0] + np.einsum("k,mkd->md", node_weights, g - g[:, :1])
    return step * total

"""Integrated gradients: exact (ExactLine) and by quadrature.

``IG_i(x) = (x_i − b_i) ∫_0^1 ∂F/∂x_i(b + α (x − b)) dα`` (Sundararajan et al. 2017), with the conventions of
:mod:`refimpl.interpret.gradients` for ``F``, ``target`` and ``ReLU'(0) = 0``.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_bool, check_choice, check_int, finite_result
from ..mlp import check_inputs, forward_trace
from ..engines.exact_ig import exact_ig
from .gradients import TOO_LARGE, check_target, gradients_unchecked
from .pieces import check_baselines

METHODS = ("exact", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid", "gausslegendre")
_CHUNK_ROWS = 4096  # path points per backward pass in the quadrature methods: bounds the temporaries' memory


def integrated_gradients(mlp, X, baselines=None, target=None, method="exact", n_steps=50,
                         return_convergence_delta=False):
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
        ``n_steps`` out of range; attributions that overflow float64 (see :mod:`refimpl.interpret.gradients`).
    """
    X = check_inputs(mlp, X)
    B = check_baselines(baselines, X)
    targets = check_target(target, X.shape[0], mlp.sizes[-1])
    method = check_choice(method, "method", METHODS)
    return_convergence_delta = check_bool(return_convergence_delta, "return_convergence_delta")
    n_steps = check_int(n_steps, "n_steps", lo=2 if method == "riemann_trapezoid" else 1)
    rule = None if method == "exact" else quadrature_rule(method, n_steps)
    return finite_result(lambda: _ig(mlp, X, B, targets, rule, return_convergence_delta), TOO_LARGE)


def _ig(mlp, X, B, targets, rule, with_delta):
    """IG by the exact method (``rule`` None) or a quadrature ``(nodes, weights)``; with the delta if asked."""
    if rule is None:
        attributions = exact_ig_unchecked(mlp.weights, mlp.biases, X, B, targets)
    else:
        attributions = _quadrature_ig(mlp.weights, mlp.biases, X, B, targets, *rule)
    if not with_delta:
        return attributions
    rows = np.arange(X.shape[0])
    shared = X.shape[0] > 0 and B.strides[0] == 0  # one baseline broadcast to every row: one forward pass for it
    F_b = forward_trace(mlp.weights, mlp.biases, B[:1] if shared else B)[-1][0 if shared else rows, targets]
    F_x = forward_trace(mlp.weights, mlp.biases, X)[-1][rows, targets]
    return attributions, attributions.sum(axis=1) - (F_x - F_b)


def exact_ig_unchecked(weights, biases, X, B, targets) -> np.ndarray:
    """Exact IG of every row (see :func:`integrated_gradients`); unchecked internal (:mod:`refimpl.engines.exact_ig`)."""
    return exact_ig(weights, biases, X, B, targets)


def quadrature_rule(method: str, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
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


def _quadrature_ig(weights, biases, X, B, targets, nodes, node_weights) -> np.ndarray:
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

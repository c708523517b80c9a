"""Judges of ``sgd_update`` (one optimizer step) and ``neuron_importance`` (the four importances of §3.3).

Bounds are compare.py's: a step ``θ − lr·(μ·v + g)`` makes 4 roundings of magnitude ``|θ| + lr·(μ|v| + |g|)``;
the importances are bounded by the forward/backward passes on magnitudes. Expected values come from refimpl.
"""

from __future__ import annotations

import numpy as np

from ..spec.mlp import forward_trace
from .compare import Tolerance, backward_magnitudes, forward_magnitudes, network_roundings
from .judging import as_result, as_results, as_sequence, first, fmt, mismatch
from .ops_network import _dlogits_magnitude, _gradient_clause


def _step_parts(got, expected, tol: Tolerance):
    W, b, velocity = as_sequence(got, "out", 3)
    vW, vb = as_sequence(velocity, "velocity", 2)
    exp_W, exp_b, (exp_vW, exp_vb) = expected
    parts = [(W, exp_W, "weights"), (b, exp_b, "biases"), (vW, exp_vW, "velocity[0]"), (vb, exp_vb, "velocity[1]")]
    return [as_results(as_sequence(g, name, len(e)), e, name, "f", tol.precision) for g, e, name in parts]


def judge_sgd_update(inp, expected, got, tol: Tolerance, v) -> None:
    W, b, vW, vb = _step_parts(got, expected, tol)
    exp_W, exp_b, (exp_vW, exp_vb) = expected
    (gW, gb), (old_vW, old_vb) = inp["grads"], inp["velocity"]
    lr, mu = inp["lr"], inp["momentum"]
    for l, m in enumerate(inp["masks"]):
        for got_l, name in ((W[l], f"weights[{l}]"), (vW[l], f"velocity[0][{l}]")):
            i = first(~m & (got_l != 0))
            if i is not None:
                v.fail("sgd_update.masked", f"{name}{list(i)}={fmt(got_l[i])}, but should be 0.0 (masks[{l}]"
                       f"{list(i)} is False: a pruned connection stays exactly 0)")
    for l in range(len(W)):
        v_mag = mu * np.abs(old_vW[l]) + np.abs(gW[l])
        i = first(~tol.close(vW[l], exp_vW[l], v_mag, 2))
        if i is not None:
            v.fail("sgd_update.velocity", f"{mismatch(vW[l], exp_vW[l], i, f'velocity[0][{l}]')} (momentum = "
                   f"{fmt(mu)})")
        i = first(~tol.close(W[l], exp_W[l], np.abs(inp["weights"][l]) + lr * v_mag, 4))
        if i is not None:
            v.fail("sgd_update.weights", f"{mismatch(W[l], exp_W[l], i, f'weights[{l}]')} (lr = {fmt(lr)}, "
                   f"momentum = {fmt(mu)})")
    for l in range(len(b)):
        v_mag = mu * np.abs(old_vb[l]) + np.abs(gb[l])
        close_v = tol.close(vb[l], exp_vb[l], v_mag, 2)
        close_b = tol.close(b[l], exp_b[l], np.abs(inp["biases"][l]) + lr * v_mag, 4)
        i = first(~(close_v & close_b))
        if i is not None:
            got_l, exp_l, name = (b[l], exp_b[l], f"biases[{l}]") if not close_b[i] else \
                (vb[l], exp_vb[l], f"velocity[1][{l}]")
            v.fail("sgd_update.biases", f"{mismatch(got_l, exp_l, i, name)} (biases are never masked)")


def _importance_bound(inp, tol: Tolerance, v):
    """(clause, magnitude, roundings) of ``inp``'s importance kind; None when a pre-activation within rounding of
    0 makes the taylor importance undetermined."""
    W, b, X, layer, kind = inp["weights"], inp["biases"], inp["X"], inp["layer"], inp["kind"]
    n_in = W[layer].shape[0]
    clause = f"neuron_importance.{kind}"
    if kind in ("l1", "l2"):
        return clause, np.abs(W[layer]).sum(axis=0), n_in + 2
    mags = forward_magnitudes(W, b, X)
    if kind == "activation":
        return clause, mags[layer + 1].mean(axis=0), network_roundings(W[:layer + 1]) + X.shape[0]
    if _gradient_clause("neuron_importance", clause, W, b, X, mags, tol, v) is None:
        return None
    n, k = X.shape[0], W[-1].shape[1]
    upstream = backward_magnitudes(W[layer + 1:], mags[layer + 1:], _dlogits_magnitude(mags[-1], n, k)).inputs
    return clause, (mags[layer + 1] * upstream).sum(axis=0), network_roundings(W) + k + 8 + n


def _dead(inp, tol: Tolerance) -> np.ndarray:
    """Neurons whose importance is exactly 0 by the spec: all-zero incoming weights (l1, l2), or a pre-activation
    below 0 by more than its rounding bound on every row (activation, taylor: the neuron never fires)."""
    W, b, X, layer = inp["weights"], inp["biases"], inp["X"], inp["layer"]
    if inp["kind"] in ("l1", "l2"):
        return ~W[layer].any(axis=0)
    z = forward_trace(W[:layer + 1], b[:layer + 1], X)[-1]  # the last layer of a trace has no ReLU: z of `layer`
    bound = tol.bound(z, forward_magnitudes(W[:layer + 1], b[:layer + 1], X)[-1], network_roundings(W[:layer + 1]))
    return (z < -bound).all(axis=0)


def judge_neuron_importance(inp, expected, got, tol: Tolerance, v) -> None:
    out = as_result(got, "out", expected.shape, "f", tol.precision)
    i = first(out < 0)
    if i is not None:
        v.fail("neuron_importance.nonnegative", f"{mismatch(out, expected, i)} (kind = {inp['kind']!r})")
    i = first(_dead(inp, tol) & (out != 0))
    if i is not None:
        why = "its incoming weights are all 0" if inp["kind"] in ("l1", "l2") else "it never fires on X"
        v.fail("neuron_importance.dead", f"{mismatch(out, expected, i)} (neuron {i[0]} of hidden layer "
               f"{inp['layer']}: {why})")
    bound = _importance_bound(inp, tol, v)
    if bound is None:
        return
    clause, magnitude, K = bound
    i = first(~tol.close(out, expected, magnitude, K))
    if i is not None:
        v.fail(clause, f"{mismatch(out, expected, i)} (neuron {i[0]} of hidden layer {inp['layer']})")

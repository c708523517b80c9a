"""Judges of the attribution ops built on the input gradient: ``saliency``, ``gradient_x_input`` and
``global_importance``. The rounding bounds are those of compare.py (the backward pass on magnitudes); expected values
come from refimpl."""

from __future__ import annotations

import numpy as np

from .compare import Tolerance, backward_magnitudes, forward_magnitudes, network_roundings
from .judging import as_result, first, mismatch
from .ops_network import _gradient_clause, row_clause


def _gradient_bound(W, b, X, target, all_active=False):
    """(bound of |d F_target / d x| per entry, forward magnitudes); ``all_active`` bounds it at every point of
    the paths from 0 to X too (integrated gradients)."""
    mags = forward_magnitudes(W, b, X)
    onehot = np.eye(W[-1].shape[1])[target]
    return backward_magnitudes(W, mags, onehot, all_active=all_active).inputs, mags


def judge_saliency(inp, expected, got, tol: Tolerance, v) -> None:
    out = as_result(got, "out", expected.shape, "f", tol.precision)
    W, b, X, absolute = inp["weights"], inp["biases"], inp["X"], inp["abs"]
    bound, mags = _gradient_bound(W, b, X, inp["target"])
    if absolute:
        i = first(out < 0)
        if i is not None:
            v.fail("saliency.abs", f"{mismatch(out, expected, i)} (abs=True: |gradient| is never negative)")
    blamed = row_clause("saliency", "saliency.value", W, b, X, mags, tol, v,
                        ~tol.close(out, expected, bound, network_roundings(W)))
    if blamed is None:
        return
    clause, i = blamed
    if not absolute and expected[i] < 0 and tol.close(out[i], -expected[i], bound[i], network_roundings(W)):
        v.fail("saliency.abs", f"{mismatch(out, expected, i)} (abs=False: the signed gradient, not |gradient|)")
    else:
        v.fail(clause, f"{mismatch(out, expected, i)} (target {inp['target'][i[0]]}, abs={absolute})")


def judge_gradient_x_input(inp, expected, got, tol: Tolerance, v) -> None:
    out = as_result(got, "out", expected.shape, "f", tol.precision)
    W, b, X = inp["weights"], inp["biases"], inp["X"]
    i = first((X == 0) & (out != 0))
    if i is not None:
        v.fail("gradient_x_input.zero-input", f"{mismatch(out, expected, i)} (x{list(i)} = 0)")
    bound, mags = _gradient_bound(W, b, X, inp["target"])
    blamed = row_clause("gradient_x_input", "gradient_x_input.value", W, b, X, mags, tol, v,
                        ~tol.close(out, expected, np.abs(X) * bound, network_roundings(W) + 1))
    if blamed is not None:
        clause, i = blamed
        v.fail(clause, f"{mismatch(out, expected, i)} (target {inp['target'][i[0]]})")


def _attribution_bound(inp) -> tuple[np.ndarray, float]:
    """A bound of |A| per entry and the number of roundings of one entry, for the op's ``method``."""
    W, b, X, method = inp["weights"], inp["biases"], inp["X"], inp["method"]
    K = network_roundings(W)
    if method == "integrated_gradients":  # the gradient along the path 0 -> x: every unit possibly active
        bound, _ = _gradient_bound(W, b, np.abs(X), inp["target"], all_active=True)
        return np.abs(X) * bound, K + sum(w.shape[1] for w in W[:-1]) + 4
    bound, _ = _gradient_bound(W, b, X, inp["target"])
    return (bound, K) if method == "saliency" else (np.abs(X) * bound, K + 1)


def judge_global_importance(inp, expected, got, tol: Tolerance, v) -> None:
    out = as_result(got, "out", expected.shape, "f", tol.precision)
    W, b, X, method = inp["weights"], inp["biases"], inp["X"], inp["method"]
    i = first(out < 0)
    if i is not None:
        v.fail("global_importance.nonnegative", f"{mismatch(out, expected, i)} (a mean of absolute values)")
    if method != "saliency":
        i = first((X == 0).all(axis=0) & (out != 0))
        if i is not None:
            v.fail("global_importance.zero-feature", f"{mismatch(out, expected, i)} (feature {i[0]} is 0 in every "
                   f"row; method={method!r})")
    clause = "global_importance.value"
    if method != "integrated_gradients":
        clause = _gradient_clause("global_importance", clause, W, b, X, forward_magnitudes(W, b, X), tol, v)
        if clause is None:
            return
    magnitude, K = _attribution_bound(inp)
    i = first(~tol.close(out, expected, magnitude.mean(axis=0), K + X.shape[0]))
    if i is not None:
        v.fail(clause, f"{mismatch(out, expected, i)} (method={method!r}, mean over {X.shape[0]} rows)")

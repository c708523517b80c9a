"""Judges of the §3.1/§3.2 ops. Each gets the inputs, the reference's result, the candidate's raw result and the
comparison options, and records failed clauses in a :class:`~.judging.Verdict` (structural problems raise
:class:`~.judging.Broken`). Nothing here recomputes a reference result: expected values come from refimpl."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..compression.boundary import near_integer_boundary
from ..spec.quantization import FLOOR_ULP_WINDOW, minmax_normalize
from ..spec.thresholding import round_count
from .compare import ELEMENTWISE_ROUNDINGS, Tolerance
from .judging import as_result, as_scalar, first, fmt, mismatch, pruned_above_kept, where


def judge_threshold(inp, expected, got, tol: Tolerance, v) -> None:
    out = as_result(got, "out", expected.shape, "f", tol.precision)
    w, eps = inp["w"], inp["eps"]
    bad = out != expected
    for clause, region in (("threshold.strict", np.abs(w) == eps), ("threshold.zero", np.abs(w) < eps),
                           ("threshold.keep", np.abs(w) > eps)):
        i = first(bad & region)
        if i is not None:
            v.fail(clause, f"{mismatch(out, expected, i)} (|w{where(i, '')}| = {fmt(abs(w[i]))}, eps = {fmt(eps)})")


def judge_l1_importance(inp, expected, got, tol: Tolerance, v) -> None:
    out = as_scalar(got, "out", tol.precision, expected)
    n = inp["w"].size
    if math.isinf(expected) and out == expected:  # the exact sum is beyond the largest float: inf is its rounding
        return
    if math.isinf(expected) or not tol.close(out, expected, expected, max(n - 1, 1)):
        v.fail("l1_importance.sum", f"out={fmt(out)}, but should be {fmt(expected)} (outside the summation bound)")
    elif out != expected and not tol.user and tol.precision == "float64":
        v.fail("l1_importance.correctly-rounded", f"out={fmt(out)}, but should be {fmt(expected)} (the correctly "
               f"rounded sum; off by {fmt(out - expected)})")


def judge_prune_smallest(inp, expected, got, tol: Tolerance, v) -> None:
    out = as_result(got, "out", expected.shape, "f", tol.precision)
    w = inp["w"]
    changed = (out != 0) & (out != w)
    if changed.any():
        i = first(changed)
        v.fail("prune_smallest.keep", f"{mismatch(out, w, i)} (a kept entry must be returned unchanged)")
    zeros, want = int(np.count_nonzero(out == 0)), int(np.count_nonzero(expected == 0))
    if zeros != want:
        v.fail("prune_smallest.count", f"out has {zeros} zeros, but should have {want} "
               f"(k = round_half_even({fmt(inp['sparsity'])} * {w.size}) = {round_count(inp['sparsity'], w.size)} "
               "pruned)")
    mags, pruned = np.abs(w), out == 0
    if (found := pruned_above_kept(mags, pruned)) is not None:
        i, j = found
        v.fail("prune_smallest.smallest", f"{where(i)}=0.0 was pruned but {where(j)}={fmt(out[j])} was kept "
               f"(|w{where(i, '')}| = {fmt(mags[i])} > {fmt(mags[j])})")
    if tol.ties == "lowest-index" and zeros == want and not v.failed:
        i = first(pruned != (expected == 0))
        if i is not None:
            v.fail("prune_smallest.ties", f"{mismatch(out, expected, i)} (among equal |w| the lower flat index is "
                   "pruned first)")


def minmax_bound(inp, expected, tol: Tolerance) -> np.ndarray:
    """The allowed |got - expected| of each normalised value (also written into the golden vectors)."""
    w = inp["w"]
    lo, hi = w.min(), w.max()
    if hi == lo:
        return np.zeros(w.shape)
    return tol.bound(expected, (np.abs(w) + abs(lo)) / (hi - lo), ELEMENTWISE_ROUNDINGS)


def dequantize_magnitude(inp, expected, tol: Tolerance) -> np.ndarray:
    """M of the dequantization window. ``lo + q * ((hi - lo) / alpha)`` rounds the step once and q multiplies that
    error: near the subnormal range the step's absolute rounding error (half the subnormal spacing) is not relative
    to anything, so it is added q times (divided by u, as the magnitude is multiplied by u in the bound)."""
    codes = inp["codes"].astype(np.int64)
    return abs(inp["lo"]) + abs(inp["hi"]) + np.abs(expected) + codes * (tol.spacing / tol.u)


def dequantize_bound(inp, expected, tol: Tolerance) -> np.ndarray:
    """The allowed |got - expected| of each dequantized value (also written into the golden vectors)."""
    return tol.bound(expected, dequantize_magnitude(inp, expected, tol), ELEMENTWISE_ROUNDINGS)


def judge_minmax_normalize(inp, expected, got, tol: Tolerance, v) -> None:
    out = as_result(got, "out", expected.shape, "f", tol.precision)
    w = inp["w"]
    lo, hi = w.min(), w.max()
    if hi == lo:
        i = first(out != 0)
        if i is not None:
            v.fail("minmax_normalize.constant", f"{mismatch(out, expected, i)} (w is constant: hi == lo)")
        return
    for target, mask in ((0.0, w == lo), (1.0, w == hi)):
        i = first(mask & (out != target))
        if i is not None:
            v.fail("minmax_normalize.endpoints", f"{mismatch(out, expected, i)} (w{where(i, '')} = "
                   f"{'lo' if target == 0 else 'hi'})")
    bound = minmax_bound(inp, expected, tol)
    i = first(~(np.abs(out - expected) <= bound))
    if i is not None:
        v.fail("minmax_normalize.value", mismatch(out, expected, i) + tol.off_by(out[i], expected[i], bound[i]))


def _exact_integer(alpha: float, w_tilde: float, beta: float) -> bool:
    """True when alpha*w_tilde + beta is an integer and float64 computes it without rounding: no off-by-one is a
    rounding artefact there (this is what tells floor(x + 1/2) from round-half-to-even at ties)."""
    exact = Fraction(alpha) * Fraction(w_tilde) + Fraction(beta)
    return exact.denominator == 1 and Fraction(alpha * w_tilde + beta) == exact


def _code_window(w_tilde, alpha, beta, ulps) -> np.ndarray:
    """How far a code may be from the reference's inside the floor window: 1, or more once the window (``ulps``
    ulps of S = max(|alpha * w_tilde|, |beta|)) is wider than 1, which happens for S >= 2^52."""
    with np.errstate(over="ignore"):
        scale = np.maximum(np.abs(alpha * w_tilde), abs(beta))
    return np.maximum(1.0, np.ceil(2.0 * ulps * np.spacing(scale)))


def _judge_codes(prefix, out, expected, w_tilde, alpha, beta, tol: Tolerance, v) -> None:
    """Codes must equal the reference's, except within the floor window of an integer, where a code as far away as
    the window is wide (one, below 2^52) is a rounding artefact, unless alpha*w_tilde+beta is an integer that
    float64 reaches exactly. A difference beyond the window is a wrong floor even next to an integer."""
    bad = out != expected
    if not bad.any():
        return
    ulps = FLOOR_ULP_WINDOW * (4.0 * 2.0 ** 29 if tol.precision == "float32" else 1.0)
    unit = "float32 ulps" if tol.precision == "float32" else "ulps"
    shown = ulps / 2.0 ** 29 if tol.precision == "float32" else ulps
    small = bad & (np.abs(out - expected) <= _code_window(w_tilde, alpha, beta, ulps))
    near = near_integer_boundary(w_tilde, alpha, beta, ulps) & small
    exact = np.zeros_like(near)
    for index in np.argwhere(near):
        i = tuple(index)
        exact[i] = _exact_integer(alpha, float(w_tilde[i]), beta)
        if not exact[i]:
            v.allow(f"{where(i)}={out[i]} instead of {expected[i]}: boundary, allowed (alpha*w_tilde+beta = "
                    f"{fmt(alpha)}*{fmt(w_tilde[i])}+{fmt(beta)} is within {shown:g} {unit} of an integer)")
    i = first(near & exact)
    if i is not None:
        v.fail(f"{prefix}.boundary", f"{mismatch(out, expected, i)} (alpha*w_tilde+beta = {fmt(alpha)}*"
               f"{fmt(w_tilde[i])}+{fmt(beta)} is exactly an integer: only a rounding artefact next to one is "
               "allowed)")
    i = first(bad & ~near)
    if i is not None:
        clause = "floor_quantize.floor" if prefix == "floor_quantize" else "quantize.codes"
        v.fail(clause, f"{mismatch(out, expected, i)} (alpha*w_tilde+beta = {fmt(alpha)}*{fmt(w_tilde[i])}"
               f"+{fmt(beta)} = {fmt(alpha * w_tilde[i] + beta)})")


def judge_floor_quantize(inp, expected, got, tol: Tolerance, v) -> None:
    out = as_result(got, "out", expected.shape, "i", tol.precision)
    _judge_codes("floor_quantize", out, expected, inp["w_tilde"], inp["alpha"], inp["beta"], tol, v)


def judge_quantize(inp, expected, got, tol: Tolerance, v) -> None:
    out = as_result(got, "out", expected.shape, "i", tol.precision)
    w, bits, beta = inp["w"], inp["bits"], inp["beta"]
    alpha = 2 ** bits - 1
    i = first((out < 0) | (out > alpha))
    if i is not None:
        v.fail("quantize.range", f"{where(i)}={out[i]}, but should be in [0, {alpha}] (bits = {bits})")
    lo, hi = w.min(), w.max()
    if hi == lo:
        i = first(out != expected)
        if i is not None:
            v.fail("quantize.constant", f"{mismatch(out, expected.astype(np.int64), i)} (w is constant)")
        return
    for target, mask in ((0, w == lo), (alpha, w == hi)):
        i = first(mask & (out != target))
        if i is not None:
            v.fail("quantize.endpoints", f"{where(i)}={out[i]}, but should be {target} "
                   f"(w{where(i, '')} = {'lo' if target == 0 else 'hi'} = {fmt(w[i])})")
    _judge_codes("quantize", out, expected.astype(np.int64), minmax_normalize(w), float(alpha), beta, tol, v)


def judge_dequantize(inp, expected, got, tol: Tolerance, v) -> None:
    out = as_result(got, "out", expected.shape, "f", tol.precision)
    codes, lo, hi = inp["codes"].astype(np.int64), inp["lo"], inp["hi"]
    alpha = 2 ** inp["bits"] - 1
    magnitude = dequantize_magnitude(inp, expected, tol)
    i = first((codes == 0) & (out != lo))
    if i is None:
        i = first((codes == alpha) & ~tol.close(out, hi, magnitude, ELEMENTWISE_ROUNDINGS))
    if i is not None:
        v.fail("dequantize.endpoints", f"{mismatch(out, expected, i)} (code {codes[i]} of alpha = {alpha})")
    i = first(~tol.close(out, expected, magnitude, ELEMENTWISE_ROUNDINGS))
    if i is not None:
        bound = tol.bound(expected, magnitude, ELEMENTWISE_ROUNDINGS)
        v.fail("dequantize.value", f"{mismatch(out, expected, i)} (code {codes[i]}, lo = {fmt(lo)}, "
               f"hi = {fmt(hi)}, alpha = {alpha})" + tol.off_by(out[i], expected[i], bound[i]))

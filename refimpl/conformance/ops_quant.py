"""Judges of the float-valued quantization ops (``fake_quantize``, ``quantize_model``) and of connection pruning
(``prune_connections``).

A fake-quantized value is judged through its level: the candidate's float is mapped back to the nearest level
``k = rint(alpha (out - lo) / (hi - lo))``, which must reproduce it within the dequantization rounding window
(``*.levels``); then ``k`` is judged as a quantization code, with the same floor-boundary allowance as ``quantize``.
"""

from __future__ import annotations

import numpy as np

from ..spec.quantization import minmax_normalize, quantize
from .compare import ELEMENTWISE_ROUNDINGS, Tolerance
from .judging import Verdict, as_result, as_results, first, fmt, mismatch, pruned_above_kept, where
from .ops_compression import _judge_codes


def _levels(lo: float, hi: float, alpha: int, k: np.ndarray) -> np.ndarray:
    """The dequantized value of level ``k``, as refimpl.dequantize evaluates it."""
    k = k.astype(np.float64)
    return lo * ((alpha - k) / alpha) + hi * (k / alpha)


def _same(got, expected, tol: Tolerance) -> np.ndarray:
    """Exact equality, in the declared precision: a float32 candidate returns float32(expected) exactly."""
    if tol.precision == "float32":
        return np.asarray(got, dtype=np.float32) == np.asarray(expected, dtype=np.float32)
    return np.asarray(got) == np.asarray(expected)


def judge_levels(prefix: str, w, out, expected, bits: int, beta: float, tol: Tolerance, v, name="out") -> None:
    """Judge ``out`` as ``dequantize(quantize(w, bits, beta))`` of the 1-D or n-D tensor ``w`` (not empty)."""
    alpha = 2 ** bits - 1
    lo, hi = float(w.min()), float(w.max())
    magnitude = abs(lo) + abs(hi) + np.abs(expected)
    if hi == lo:
        i = first(~_same(out, expected, tol))
        if i is not None:
            v.fail(f"{prefix}.endpoints" if prefix == "quantize_model" else f"{prefix}.constant",
                   f"{mismatch(out, expected, i, name)} (the values are constant: they come back exactly)")
        return
    i = first((w == lo) & ~_same(out, lo, tol))
    if i is None:
        i = first((w == hi) & ~tol.close(out, hi, magnitude, ELEMENTWISE_ROUNDINGS))
    if i is not None:
        v.fail(f"{prefix}.endpoints", f"{mismatch(out, expected, i, name)} ({'lo' if w[i] == lo else 'hi'} = "
               f"{fmt(w[i])} comes back as itself)")
    with np.errstate(over="ignore", invalid="ignore"):
        k = np.rint((out - lo) / (hi - lo) * alpha)
    k = np.clip(np.nan_to_num(k, nan=-1.0), -1, alpha + 1).astype(np.int64)
    on_level = (k >= 0) & (k <= alpha) & tol.close(out, _levels(lo, hi, alpha, k), magnitude, ELEMENTWISE_ROUNDINGS)
    i = first(~on_level)
    if i is not None:
        v.fail(f"{prefix}.levels", f"{mismatch(out, expected, i, name)} (not one of the {alpha + 1} levels of "
               f"[{fmt(lo)}, {fmt(hi)}])")
        return
    step = (hi - lo) / alpha
    if not (tol.bound(hi, magnitude, ELEMENTWISE_ROUNDINGS) < step / 4).all():
        return  # levels closer than the rounding window: which level is meant is not determined by the value
    codes = quantize(w, bits, beta).codes.astype(np.int64)
    sub = Verdict()
    _judge_codes(prefix, k, codes, minmax_normalize(w), float(alpha), beta, tol, sub)
    v.allowed.extend(sub.allowed)
    for clause, message in sub.failed.items():
        v.fail(f"{prefix}.codes" if clause == "quantize.codes" else clause, f"level of {name}: {message}")


def judge_fake_quantize(inp, expected, got, tol: Tolerance, v) -> None:
    out = as_result(got, "out", expected.shape, "f", tol.precision)
    judge_levels("fake_quantize", inp["w"], out, expected, inp["bits"], inp["beta"], tol, v)


def _layer_list(got, expected, tol):
    from .judging import as_sequence  # noqa: PLC0415

    return as_results(as_sequence(got, "out", len(expected)), expected, "out", "f", tol.precision)


def judge_quantize_model(inp, expected, got, tol: Tolerance, v) -> None:
    outs = _layer_list(got, expected, tol)
    for l, (W, out, exp) in enumerate(zip(inp["weights"], outs, expected, strict=True)):
        zero = W == 0
        i = first(zero & (out != 0))
        if i is not None:
            v.fail("quantize_model.zeros", f"{mismatch(out, exp, i, f'out[{l}]')} (weights[{l}]{list(i)} = 0: a "
                   "pruned connection stays exactly 0)")
        if (~zero).any():
            judge_levels("quantize_model", W[~zero], out[~zero], exp[~zero], inp["bits"], inp["beta"], tol, v,
                         f"out[{l}][nonzero]")


def judge_prune_connections(inp, expected, got, tol: Tolerance, v) -> None:
    weights, scope = inp["weights"], inp["scope"]
    outs = _layer_list(got, expected, tol)
    for l, (W, out) in enumerate(zip(weights, outs, strict=True)):
        i = first((out != 0) & (out != W))
        if i is not None:
            v.fail("prune_connections.keep", f"{mismatch(out, W, i, f'out[{l}]')} (a kept weight is returned "
                   "unchanged)")
    groups = [list(range(len(weights)))] if scope == "global" else [[l] for l in range(len(weights))]
    for group in groups:
        w = np.concatenate([weights[l].ravel() for l in group])
        out = np.concatenate([outs[l].ravel() for l in group])
        exp = np.concatenate([expected[l].ravel() for l in group])
        what = "all weights" if scope == "global" else f"weights[{group[0]}]"
        zeros, want = int(np.count_nonzero(out == 0)), int(np.count_nonzero(exp == 0))
        if zeros != want:
            v.fail("prune_connections.count", f"{what} has {zeros} zeros after pruning, but should have {want} "
                   f"(sparsity = {fmt(inp['sparsity'])}, scope = {scope!r}, {w.size} weights)")
        mags, pruned = np.abs(w), out == 0
        if (found := pruned_above_kept(mags, pruned)) is not None:
            i, j = found
            v.fail("prune_connections.smallest", f"in {what} (flat), entry {i[0]} (|w| = {fmt(mags[i])}) was "
                   f"pruned but entry {j[0]} (|w| = {fmt(mags[j])}) was kept")
        if tol.ties == "lowest-index" and zeros == want and not v.failed:
            i = first(pruned != (exp == 0))
            if i is not None:
                v.fail("prune_connections.ties", f"{where(i, what)}: {'pruned' if pruned[i] else 'kept'}, but "
                       "should be the other way (among equal |w| the earlier matrix, then the lower flat index, is "
                       "pruned first)")

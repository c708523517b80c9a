"""Judge of ``linear_pieces``: the breakpoints of the path ``b + α (x − b)`` at which a ReLU network changes its
affine piece.

A breakpoint is located by a pre-activation crossing 0, and that pre-activation is only known to within its
rounding bound ``δ`` (compare.py: the forward pass on magnitudes). A unit crossing with slope ``s = dz/dα`` moves
its crossing by up to ``δ / |s|``: that is the window around each of refimpl's breakpoints in which a candidate's
breakpoint counts as the same one. The number of breakpoints is not compared (two crossings closer than their
windows may be merged); every breakpoint of either side must lie in a window of the other.
"""

from __future__ import annotations

import numpy as np

from ..spec.mlp import forward_trace
from .compare import Tolerance, forward_magnitudes, network_roundings
from .judging import Broken, as_result, fmt


def _windows(W, b, x, base, alphas, tol: Tolerance) -> np.ndarray:
    """The rounding window of each breakpoint in ``alphas`` (refimpl's, sorted; the ends get a tiny window)."""
    points = base + alphas[:, None] * (x - base)
    hs = forward_trace(W[:-1], b[:-1], points)  # [points, h_1, ..., z of the last hidden layer... as relu]
    mags = forward_magnitudes(W, b, np.maximum(np.abs(x), np.abs(base))[None, :])
    K = network_roundings(W)
    windows = tol.bound(alphas, 1.0, K)
    gaps = np.diff(alphas)
    for layer in range(len(W) - 1):
        z = hs[layer] @ W[layer] + b[layer]  # (K + 1, n) pre-activations at the breakpoints
        delta = tol.bound(z, mags[layer + 1], K)
        slope = np.zeros_like(z)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            side = np.abs(np.diff(z, axis=0)) / gaps[:, None]
            slope[1:] = np.maximum(slope[1:], side)  # the piece on the left of each breakpoint
            slope[:-1] = np.maximum(slope[:-1], side)  # ... and on its right
            reach = np.where((np.abs(z) <= delta) & (slope > 0), delta / slope, 0.0)
        windows = np.maximum(windows, np.nan_to_num(reach.max(axis=1, initial=0.0), posinf=1.0))
    return windows


def judge_linear_pieces(inp, expected, got, tol: Tolerance, v) -> None:
    try:
        shape = np.shape(got)
    except Exception:  # noqa: BLE001 - whatever the candidate returned
        shape = None
    if shape is None or len(shape) != 1:
        raise Broken("common.shape", f"out has shape {shape}, but should be 1-D (K + 1 breakpoints)")
    out = as_result(got, "out", shape, "f", tol.precision)
    if out.size < 2 or out[0] != 0.0 or out[-1] != 1.0 or not (np.diff(out) > 0).all():
        v.fail("linear_pieces.ends", f"out={out.tolist()}, but should be strictly increasing from 0.0 to 1.0 "
               f"(expected {expected.tolist()})")
        return
    W, b = inp["weights"], inp["biases"]
    windows = _windows(W, b, inp["x"], inp["baseline"], expected, tol)
    near = np.abs(out[:, None] - expected[None, :]) <= windows[None, :]  # (candidate, reference)
    missing = np.flatnonzero(~near.any(axis=0))
    if missing.size:
        k = missing[0]
        v.fail("linear_pieces.missing", f"out={out.tolist()} has no breakpoint at alpha = {fmt(expected[k])} "
               f"(within {windows[k]:.3g}), where a hidden pre-activation changes sign")
    extra = np.flatnonzero(~near.any(axis=1))
    if extra.size:
        k = extra[0]
        v.fail("linear_pieces.extra", f"out[{k}]={fmt(out[k])}, but no pre-activation changes sign there "
               f"(expected {expected.tolist()})")

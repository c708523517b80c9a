"""A second catalogue: wrong implementations written the way kernel and framework engineers write them (blocked
loops with scalar tails, float32 lanes, partial sorts, unrolled loops, micro-batches, preallocated buffers), and
correct implementations in other styles (blocked sums, higher-precision accumulation, exact rationals, float32
under the float32 declaration), each with the verdict the checker must give.

Every function is written from scratch in the candidate signature (NumPy, the standard library, and for the exact
ExactLine variant refimpl's own public pieces).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import NamedTuple

import numpy as np

import refimpl
from refimpl.spec.losses import CHECKED


class Case(NamedTuple):
    name: str
    op: str
    fn: object
    clauses: frozenset  # empty: must conform; otherwise the report must name one of these
    options: dict = {}


def _blocks(n: int, b: int):
    """(start, stop) of the full blocks of b entries, then of the scalar tail."""
    full = n // b * b
    return [(s, s + b) for s in range(0, full, b)], (full, n)


def exact_sum(values) -> float:
    """The correctly rounded sum of floats (inf beyond the largest float64): exact rationals, rounded once."""
    total = sum((Fraction(float(x)) for x in values), Fraction(0))
    try:
        return float(total)  # int / int is correctly rounded
    except OverflowError:
        return math.inf if total > 0 else -math.inf


# ---- wrong: §3.1 --------------------------------------------------------------------------------------------------

def threshold_tail_ge(w, eps):
    flat, out = np.ravel(w), np.zeros(np.size(w))
    body, (t0, t1) = _blocks(flat.size, 16)
    for s, e in body:  # vector body: the spec's strict >
        out[s:e] = np.where(np.abs(flat[s:e]) > eps, flat[s:e], 0.0)
    for i in range(t0, t1):  # scalar tail written separately, with >=
        out[i] = flat[i] if abs(flat[i]) >= eps else 0.0
    return out.reshape(np.shape(w))


def threshold_float32_compare(w, eps):
    keep = np.abs(np.asarray(w, np.float32)) > np.float32(eps) if np.size(w) > 16 else np.abs(w) > eps
    return np.where(keep, w, 0.0)  # the comparison in float32 lanes past 16 entries


def l1_drop_tail(w):
    flat = np.abs(np.ravel(w))
    body, _ = _blocks(flat.size, 64)
    return exact_sum(np.concatenate([flat[s:e] for s, e in body]) if flat.size >= 64 else flat)  # tail dropped


def l1_double_last_block(w):
    flat = np.abs(np.ravel(w))
    body, (t0, t1) = _blocks(flat.size, 16)
    parts = [flat[s:e] for s, e in body] + [flat[t0:t1]]
    if len(body) > 1:
        parts.append(flat[body[-1][0]:body[-1][1]])  # the loop bound is off by one block
    return exact_sum(np.concatenate(parts))


def l1_float32_accumulate(w):
    return float(np.sum(np.abs(np.asarray(w, dtype=np.float32)), dtype=np.float32))


def _pruned(w, order, k):
    out = np.array(w, dtype=np.float64).ravel()
    out[order[:k]] = 0.0
    return out.reshape(np.shape(w))


def prune_argpartition(w, sparsity):
    mags, k = np.abs(np.ravel(w)), round(sparsity * np.size(w))
    if k in (0, mags.size):
        return _pruned(w, np.arange(mags.size), k)
    return _pruned(w, np.argpartition(mags, k - 1), k)  # introselect: ties in any order


def prune_kth_threshold(w, sparsity):
    mags, k = np.abs(np.ravel(w)), round(sparsity * np.size(w))
    if k == 0:
        return np.array(w, dtype=np.float64)
    t = np.partition(mags, k - 1)[k - 1]
    return np.where(np.abs(w) <= t, 0.0, w)  # every entry tied with the k-th goes too


def prune_count_half_up(w, sparsity):
    k = int(sparsity * np.size(w) + 0.5)  # C's (int)(x + 0.5)
    return _pruned(w, np.argsort(np.abs(np.ravel(w)), kind="stable"), k)


# ---- wrong: §3.2 --------------------------------------------------------------------------------------------------

def minmax_reciprocal(w):
    lo, hi = w.min(), w.max()
    if hi == lo:
        return np.zeros(w.shape)
    return (w - lo) * (1.0 / (hi - lo))  # one division hoisted out of the loop: the maximum can miss 1.0


def minmax_per_block(w):
    flat, out = np.ravel(w), np.zeros(np.size(w))
    body, (t0, t1) = _blocks(flat.size, 64)
    for s, e in [*body, (t0, t1)]:  # min and max per block instead of over the tensor
        if e > s:
            lo, hi = flat[s:e].min(), flat[s:e].max()
            out[s:e] = 0.0 if hi == lo else (flat[s:e] - lo) / (hi - lo)
    return out.reshape(np.shape(w))


def floor_quantize_int32(w_tilde, alpha, beta):
    with np.errstate(invalid="ignore", over="ignore"):
        return np.floor(alpha * w_tilde + beta).astype(np.int64).astype(np.int32)  # codes stored as int32


def floor_quantize_lane7_trunc(w_tilde, alpha, beta):
    x = alpha * np.ravel(w_tilde) + beta
    out = np.floor(x)
    out[7::8] = np.trunc(x[7::8])  # an 8-lane unrolled loop whose last lane truncates
    return out.astype(np.int64).reshape(np.shape(w_tilde))


def quantize_float32_inverse_scale(w, bits, beta):
    lo, hi = w.min(), w.max()
    if hi == lo:
        return np.zeros(w.shape, dtype=np.int64)
    inv = np.float32(2 ** bits - 1) / np.float32(hi - lo)  # a float32 inverse scale, as fast kernels keep it
    return np.clip(np.floor((w - lo) * float(inv) + beta), 0, 2 ** bits - 1).astype(np.int64)


def quantize_round_for_half(w, bits, beta):
    lo, hi = w.min(), w.max()
    x = np.zeros(w.shape) if hi == lo else (2 ** bits - 1) * ((w - lo) / (hi - lo))
    return (np.rint(x) if beta == 0.5 else np.floor(x + beta)).astype(np.int64)  # "beta 1/2 means rounding"


def dequantize_int16_codes(codes, lo, hi, bits):
    q = codes.astype(np.int16).astype(np.float64)  # a signed 16-bit load: codes above 32767 wrap
    return lo + q * ((hi - lo) / (2 ** bits - 1))


def dequantize_tail_left_at_lo(codes, lo, hi, bits):
    out = np.full(codes.shape, float(lo))
    body, _ = _blocks(codes.size, 32)
    step = (hi - lo) / (2 ** bits - 1)
    flat = out.ravel()
    for s, e in body if codes.size >= 32 else [(0, codes.size)]:
        flat[s:e] = lo + codes.ravel()[s:e] * step  # the scalar tail is never written
    return flat.reshape(codes.shape)


# ---- wrong: networks ----------------------------------------------------------------------------------------------

def _dot_unrolled_typo(h, W):
    out = np.zeros((h.shape[0], W.shape[1]))
    m = h.shape[1]
    for i in range(0, m - m % 4, 4):  # 4-way unrolled dot product; lane 3 reads the row of lane 2
        out += h[:, i:i + 1] * W[i] + h[:, i + 1:i + 2] * W[i + 1] + h[:, i + 2:i + 3] * W[i + 2] \
            + h[:, i + 3:i + 4] * W[i + 2]
    for i in range(m - m % 4, m):
        out += h[:, i:i + 1] * W[i]
    return out


def forward_unrolled_typo(weights, biases, X):
    h = X
    for l, (W, b) in enumerate(zip(weights, biases, strict=True)):
        z = _dot_unrolled_typo(h, W) + b
        h = z if l == len(weights) - 1 else np.maximum(z, 0.0)
    return h


def forward_float32(weights, biases, X):
    h = X.astype(np.float32)
    for l, (W, b) in enumerate(zip(weights, biases, strict=True)):
        z = h @ W.astype(np.float32) + b.astype(np.float32)
        h = z if l == len(weights) - 1 else np.maximum(z, np.float32(0))
    return h.astype(np.float64)  # float32 arithmetic returned as float64


def forward_drop_last_microbatch(weights, biases, X):
    mlp, out = refimpl.MLP(weights, biases), np.zeros((X.shape[0], weights[-1].shape[1]))
    for s in range(0, X.shape[0] - X.shape[0] % 16 if X.shape[0] >= 16 else X.shape[0], 16):
        out[s:s + 16] = mlp.forward(X[s:s + 16])  # the last, partial micro-batch is skipped
    return out


def _masks_two_slots(weights, biases, X):
    slots, h = [None, None], X
    for l, (W, b) in enumerate(zip(weights[:-1], biases[:-1], strict=True)):
        z = h @ W + b
        slots[l % 2] = z > 0  # a 2-slot buffer: fine up to 2 hidden layers
        h = np.maximum(z, 0.0)
    return slots


def input_gradient_two_slot_masks(weights, biases, X, target):
    slots = _masks_two_slots(weights, biases, X)
    g = weights[-1][:, target].T
    for l in range(len(weights) - 2, -1, -1):
        mask = slots[l % 2]
        if mask.shape != g.shape:
            mask = (X @ weights[0] + biases[0] > 0) if l == 0 else np.ones(g.shape, dtype=bool)
        g = (g * mask) @ weights[l].T
    return g


def input_gradient_mask_from_output(weights, biases, X, target):
    hs = [X]
    for W, b in zip(weights[:-1], biases[:-1], strict=True):
        hs.append(np.maximum(hs[-1] @ W + b, 0.0))
    g = weights[-1][:, target].T
    for l in range(len(weights) - 2, -1, -1):
        g = (g * (hs[l + 1] >= 0)) @ weights[l].T  # the mask of h >= 0 is always true
    return g


def gradients_drop_last_rows(weights, biases, X, y, loss):
    mlp, n = refimpl.MLP(weights, biases), X.shape[0]
    kept = n - n % 32 if n > 32 else n  # micro-batches of 32; the remainder rows are dropped
    value, dlogits = CHECKED[loss](mlp.forward(X), y)
    dlogits = dlogits.copy()
    dlogits[kept:] = 0.0
    g = refimpl.backward(mlp, X, dlogits)
    return value, list(g.weights), list(g.biases)


def ig_relu_prime_one_on_pieces(weights, biases, X, baselines, target):
    """ExactLine with the gradient taken as ReLU'(0) = 1 (a unit at exactly 0 passes gradient)."""
    out = np.zeros_like(X)
    mlp = refimpl.MLP(weights, biases)
    for r in range(X.shape[0]):
        a = refimpl.linear_pieces(mlp, X[r], baselines[r])
        for lo, hi in zip(a[:-1], a[1:], strict=True):
            point = baselines[r] + (lo + hi) / 2 * (X[r] - baselines[r])
            out[r] += (hi - lo) * _grad_relu_prime_one(weights, biases, point, target[r])
    return (X - baselines) * out


def _grad_relu_prime_one(weights, biases, x, t):
    h, masks = x, []
    for W, b in zip(weights[:-1], biases[:-1], strict=True):
        z = h @ W + b
        masks.append(z >= 0)
        h = np.maximum(z, 0.0)
    g = weights[-1][:, t]
    for W, m in zip(weights[-2::-1], masks[::-1], strict=True):
        g = (g * m) @ W.T
    return g


def prune_layers(weights, biases, keep_ratio, choose):
    """Neuron pruning with the fold, hidden layer by hidden layer; ``choose(P, k)`` returns the kept indices."""
    W, b = list(weights), list(biases)
    for l in range(len(W) - 1):
        P = np.abs(weights[l]).sum(axis=0)
        keep = np.sort(choose(P, round(keep_ratio * P.size)))
        dead = np.setdiff1d(np.arange(P.size), keep)
        dead = dead[~W[l][:, dead].any(axis=0)]  # removed neurons with all-zero incoming weights: folded
        b[l + 1] = b[l + 1] + np.maximum(b[l][dead], 0.0) @ W[l + 1][dead, :]
        W[l], b[l], W[l + 1] = W[l][:, keep], b[l][keep], W[l + 1][keep, :]
    return W, b


def prune_neurons_argpartition(weights, biases, keep_ratio):
    return prune_layers(weights, biases, keep_ratio,  # introselect: ties in any order
                        lambda P, k: np.argpartition(-P, k - 1)[:k] if 0 < k < P.size else np.arange(k))

"""Correct implementations in styles other than refimpl's (blocked and pairwise loops, extended-precision
accumulation, exact rationals, float32 under the float32 declaration), and the realistic catalogue's table."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

import refimpl
from refimpl.spec.losses import CHECKED

from . import realistic as r


def threshold_blocked(w, eps):
    flat, out = np.ravel(w), np.zeros(np.size(w))
    body, (t0, t1) = r._blocks(flat.size, 32)
    for s, e in [*body, (t0, t1)]:
        out[s:e] = np.where(np.abs(flat[s:e]) > eps, flat[s:e], 0.0)
    return out.reshape(np.shape(w))


def l1_fraction(w):
    return r.exact_sum(np.abs(np.ravel(w)))  # exact rationals, rounded once (inf beyond the largest float64)


def l1_float32_declared(w):
    return np.sum(np.abs(np.asarray(w, dtype=np.float32)), dtype=np.float32)  # pairwise float32 sum


def prune_lexsort(w, sparsity):
    flat = np.ravel(w)
    order = np.lexsort((np.arange(flat.size), np.abs(flat)))  # |w| first, then the index: stable by construction
    return r._pruned(w, order, round(sparsity * flat.size))


def minmax_blocked_extrema(w):
    flat = np.ravel(w)
    body, (t0, t1) = r._blocks(flat.size, 64)
    parts = [flat[s:e] for s, e in [*body, (t0, t1)] if e > s]
    lo, hi = min(p.min() for p in parts), max(p.max() for p in parts)
    return np.zeros(w.shape) if hi == lo else (w - lo) / (hi - lo)


def floor_quantize_fraction(w_tilde, alpha, beta):
    a, b = Fraction(alpha), Fraction(beta)
    return np.array([math.floor(a * Fraction(float(x)) + b) for x in np.ravel(w_tilde)],
                    dtype=np.int64).reshape(np.shape(w_tilde))  # the exact floor of the given floats


def dequantize_textbook(codes, lo, hi, bits):
    return lo + codes.astype(np.float64) * ((hi - lo) / (2 ** bits - 1))  # lo + q * step


def quantize_float32_declared(w, bits, beta):
    w32 = np.asarray(w, dtype=np.float32)
    lo, hi = w32.min(), w32.max()
    if hi == lo:
        return np.zeros(w.shape, dtype=np.int64)
    x = np.float32(2 ** bits - 1) * ((w32 - lo) / (hi - lo)) + np.float32(beta)
    return np.floor(x).astype(np.int64)


def forward_longdouble(weights, biases, X):
    h = X.astype(np.longdouble)  # extended-precision accumulation (80-bit on x86): an FMA-like result
    for l, (W, b) in enumerate(zip(weights, biases, strict=True)):
        z = h @ W.astype(np.longdouble) + b
        h = z if l == len(weights) - 1 else np.maximum(z, 0)
    return h.astype(np.float64)


def forward_float32_declared(weights, biases, X):
    return r.forward_float32(weights, biases, X).astype(np.float32)


def gradients_microbatches(weights, biases, X, y, loss):
    mlp, n = refimpl.MLP(weights, biases), X.shape[0]
    value, dlogits = CHECKED[loss](mlp.forward(X), y)
    dW = [np.zeros_like(W) for W in weights]
    db = [np.zeros_like(b) for b in biases]
    for s in range(0, n, 16):  # micro-batches of 16 rows, every row counted once
        g = refimpl.backward(mlp, X[s:s + 16], dlogits[s:s + 16])
        dW = [a + c for a, c in zip(dW, g.weights, strict=True)]
        db = [a + c for a, c in zip(db, g.biases, strict=True)]
    return value, dW, db


def input_gradient_rowwise(weights, biases, X, target):
    g = np.zeros_like(X)
    for i in range(X.shape[0]):  # one row at a time, the chain rule with ReLU'(0) = 0
        h, masks = X[i], []
        for W, b in zip(weights[:-1], biases[:-1], strict=True):
            z = h @ W + b
            masks.append(z > 0)
            h = np.maximum(z, 0.0)
        v = weights[-1][:, target[i]]
        for W, m in zip(weights[-2::-1], masks[::-1], strict=True):
            v = (v * m) @ W.T
        g[i] = v
    return g


def _path_gradient(weights, biases, z0_x, z0_b, m, target):
    """The input gradient at the point a fraction m along the path, with the first layer's pre-activations
    interpolated (z0(m) = z0(b) + m (z0(x) - z0(b)): exactly 0 on a unit that is 0 at both ends)."""
    z = z0_b + m * (z0_x - z0_b)
    masks, h = [z > 0], np.maximum(z, 0.0)
    for W, b in zip(weights[1:-1], biases[1:-1], strict=True):
        z = h @ W + b
        masks.append(z > 0)
        h = np.maximum(z, 0.0)
    v = weights[-1][:, target]
    for W, mask in zip(weights[-2::-1], masks[::-1], strict=True):
        v = (v * mask) @ W.T
    return v


def ig_exactline(weights, biases, X, baselines, target):
    if len(weights) == 1:
        return (X - baselines) * weights[0][:, target].T
    out = np.zeros_like(X)
    mlp = refimpl.MLP(weights, biases)
    for i in range(X.shape[0]):
        a = refimpl.linear_pieces(mlp, X[i], baselines[i])
        z0_x, z0_b = X[i] @ weights[0] + biases[0], baselines[i] @ weights[0] + biases[0]
        for lo, hi in zip(a[:-1], a[1:], strict=True):  # ExactLine: piece widths times the midpoint gradients
            out[i] += (hi - lo) * _path_gradient(weights, biases, z0_x, z0_b, (lo + hi) / 2, target[i])
    return (X - baselines) * out


def prune_neurons_stable(weights, biases, keep_ratio):
    return r.prune_layers(weights, biases, keep_ratio, lambda P, k: np.argsort(-P, kind="stable")[:k])


def _c(fn, op, clauses="", **options):
    return r.Case(fn.__name__, op, fn, frozenset(clauses.split()), options)


F32 = {"precision": "float32"}
WRONG = [
    _c(r.threshold_tail_ge, "threshold", "threshold.strict"),
    _c(r.threshold_float32_compare, "threshold", "threshold.strict threshold.zero threshold.keep"),
    _c(r.l1_drop_tail, "l1_importance", "l1_importance.sum"),
    _c(r.l1_double_last_block, "l1_importance", "l1_importance.sum common.finite"),  # doubling can overflow
    _c(r.l1_float32_accumulate, "l1_importance", "l1_importance.sum l1_importance.correctly-rounded common.finite"),
    _c(r.prune_argpartition, "prune_smallest", "prune_smallest.ties"),
    _c(r.prune_kth_threshold, "prune_smallest", "prune_smallest.count"),
    _c(r.prune_count_half_up, "prune_smallest", "prune_smallest.count"),
    # 1 / (hi - lo) also overflows on a subnormal range
    _c(r.minmax_reciprocal, "minmax_normalize", "minmax_normalize.endpoints common.finite"),
    _c(r.minmax_per_block, "minmax_normalize", "minmax_normalize.value minmax_normalize.endpoints"),
    _c(r.floor_quantize_int32, "floor_quantize", "floor_quantize.floor"),
    _c(r.floor_quantize_lane7_trunc, "floor_quantize", "floor_quantize.floor"),
    _c(r.quantize_float32_inverse_scale, "quantize", "quantize.codes quantize.endpoints"),
    _c(r.quantize_round_for_half, "quantize", "quantize.boundary quantize.endpoints"),
    _c(r.dequantize_int16_codes, "dequantize", "dequantize.value dequantize.endpoints"),
    _c(r.dequantize_tail_left_at_lo, "dequantize", "dequantize.value dequantize.endpoints"),
    _c(r.forward_unrolled_typo, "mlp_forward", "mlp_forward.logits"),
    _c(r.forward_float32, "mlp_forward", "mlp_forward.logits"),
    _c(r.forward_drop_last_microbatch, "mlp_forward", "mlp_forward.logits"),
    _c(r.input_gradient_two_slot_masks, "input_gradient", "input_gradient.value input_gradient.relu-prime-zero"),
    _c(r.input_gradient_mask_from_output, "input_gradient", "input_gradient.value"),
    _c(r.gradients_drop_last_rows, "mlp_gradients", "mlp_gradients.dweights mlp_gradients.dbiases"),
    _c(r.ig_relu_prime_one_on_pieces, "integrated_gradients", "ig.relu-prime-zero"),
    _c(r.prune_neurons_argpartition, "prune_neurons", "prune_neurons.ties"),
]
CORRECT = [
    _c(threshold_blocked, "threshold"),
    _c(l1_fraction, "l1_importance"),
    _c(l1_float32_declared, "l1_importance", **F32),
    _c(prune_lexsort, "prune_smallest"),
    _c(r.prune_argpartition, "prune_smallest", ties="any"),
    _c(minmax_blocked_extrema, "minmax_normalize"),
    _c(floor_quantize_fraction, "floor_quantize"),
    _c(dequantize_textbook, "dequantize"),
    _c(quantize_float32_declared, "quantize", **F32),
    _c(forward_longdouble, "mlp_forward"),
    _c(forward_float32_declared, "mlp_forward", **F32),
    _c(gradients_microbatches, "mlp_gradients"),
    _c(input_gradient_rowwise, "input_gradient"),
    _c(ig_exactline, "integrated_gradients"),
    _c(prune_neurons_stable, "prune_neurons"),
]

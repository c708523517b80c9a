"""A catalogue of known-wrong implementations, each with the clause the checker must report.

Every mutant is a plausible mistake (most are listed in the conformance issue; several are the source document's
own bugs); each is written from scratch in the candidate signature, in plain NumPy.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

import refimpl


class Mutant(NamedTuple):
    name: str
    op: str
    fn: object
    clauses: frozenset  # the report must name one of these
    options: dict = {}


# ---- §3.1 ---------------------------------------------------------------------------------------------------------

def threshold_ge(w, eps):
    return np.where(np.abs(w) >= eps, w, 0.0)  # >= for >


def threshold_in_place(w, eps):
    w[np.abs(w) <= eps] = 0.0  # writes into its input
    return w


def threshold_none(w, eps):
    np.where(np.abs(w) > eps, w, 0.0)  # forgets to return


def threshold_raises_on_empty(w, eps):
    keep = np.abs(w) > min(eps, np.abs(w).max())  # max of an empty array raises
    return np.where(keep, w, 0.0)


def threshold_hangs_at_zero(w, eps):
    while eps == 0.0:  # never returns for eps = 0
        pass
    return np.where(np.abs(w) > eps, w, 0.0)


def l1_as_l2(w):
    return float(np.sqrt(np.sum(np.square(w))))  # L2 instead of L1


def l1_naive_sum(w):
    total = 0.0
    for x in np.abs(w).ravel():  # left to right: not correctly rounded
        total += float(x)
    return total


def _k_pruned(sparsity, n, rule):
    return rule(sparsity * n)


def _prune(w, k, order):
    out = np.array(w, dtype=np.float64, copy=True).ravel()
    out[order[:k]] = 0.0
    return out.reshape(np.shape(w))


def prune_random_mask(w, sparsity):
    rng = np.random.default_rng(0)  # the source document: a random mask, not importance (seeded: reproducible)
    return np.where(rng.random(np.shape(w)) < sparsity, 0.0, w)


def prune_floor_count(w, sparsity):
    return _prune(w, math.floor(sparsity * np.size(w)), np.argsort(np.abs(w).ravel(), kind="stable"))


def prune_ties_highest_index(w, sparsity):
    n = np.size(w)
    order = np.lexsort((-np.arange(n), np.abs(w).ravel()))  # ties: highest index first
    return _prune(w, round(sparsity * n), order)


# ---- §3.2 ---------------------------------------------------------------------------------------------------------

def minmax_float32(w):
    with np.errstate(over="ignore", invalid="ignore"):  # large float64 values overflow float32: part of the bug
        w32 = np.asarray(w, dtype=np.float32)  # float32 arithmetic, declared as float64
        lo, hi = w32.min(), w32.max()
        return np.zeros(np.shape(w)) if hi == lo else ((w32 - lo) / (hi - lo)).astype(np.float64)


def floor_quantize_round(w_tilde, alpha, beta):
    return np.round(alpha * w_tilde + beta).astype(np.int64)  # round for floor


def floor_quantize_trunc(w_tilde, alpha, beta):
    return (alpha * w_tilde + beta).astype(np.int64)  # toward zero, not -inf


def _normalize(w):
    lo, hi = w.min(), w.max()
    return np.zeros(w.shape) if hi == lo else (w - lo) / (hi - lo)


def quantize_alpha_pow2(w, bits, beta):
    return np.floor(2 ** bits * _normalize(w) + beta).astype(np.int64)  # alpha = 2^b


def quantize_zero_forced(w, bits, beta):
    lo, hi = min(w.min(), 0.0), max(w.max(), 0.0)  # PyTorch's MinMaxObserver habit
    w_tilde = np.zeros(w.shape) if hi == lo else (w - lo) / (hi - lo)
    return np.floor((2 ** bits - 1) * w_tilde + beta).astype(np.int64)


def quantize_half_even(w, bits, beta):
    return np.rint((2 ** bits - 1) * _normalize(w)).astype(np.int64)  # nearbyint, ignores beta


def quantize_ties_to_even(w, bits, beta):
    return np.rint((2 ** bits - 1) * _normalize(w) + (beta - 0.5)).astype(np.int64)  # half to even at ties


def dequantize_pow2_step(codes, lo, hi, bits):
    return lo + codes * ((hi - lo) / 2 ** bits)  # Delta = (hi - lo) / 2^b


def dequantize_float32(codes, lo, hi, bits):
    return (lo + codes * ((hi - lo) / (2 ** bits - 1))).astype(np.float32)


# ---- networks -----------------------------------------------------------------------------------------------------

def _trace(weights, biases, X, relu_prime_at_zero=0.0):
    hs, masks = [X], []
    for W, b in zip(weights[:-1], biases[:-1], strict=True):
        z = hs[-1] @ W + b
        masks.append(np.where(z > 0, 1.0, np.where(z == 0, relu_prime_at_zero, 0.0)))
        hs.append(np.maximum(z, 0.0))
    return hs, masks, hs[-1] @ weights[-1] + biases[-1]


def forward_relu_on_output(weights, biases, X):
    return np.maximum(_trace(weights, biases, X)[2], 0.0)  # ReLU on the logits too


def _input_grad(weights, biases, X, target, relu_prime_at_zero=0.0):
    _, masks, _ = _trace(weights, biases, X, relu_prime_at_zero)
    g = weights[-1][:, target].T
    for W, m in zip(weights[-2::-1], masks[::-1], strict=True):
        g = (g * m) @ W.T
    return g


def input_gradient_relu_prime_one(weights, biases, X, target):
    return _input_grad(weights, biases, X, target, relu_prime_at_zero=1.0)  # ReLU'(0) = 1


def input_gradient_wrt_parameters(weights, biases, X, target):
    hs, masks, _ = _trace(weights, biases, X)  # the source document: gradient of the parameters
    g = np.eye(weights[-1].shape[1])[target]
    for layer in range(len(weights) - 1, 0, -1):
        g = (g @ weights[layer].T) * masks[layer - 1]
    return X.T @ g  # dF/dW_0, shape (d, n_1)


def gradients_softmax_no_shift(weights, biases, X, y, loss):
    hs, masks, z = _trace(weights, biases, X)
    n = X.shape[0]
    if loss == "softmax_cross_entropy":
        e = np.exp(z)  # no max shift: overflows for large logits
        p = e / e.sum(axis=1, keepdims=True)
        value = float(np.mean(np.log(e.sum(axis=1)) - z[np.arange(n), y]))
        dz = (p - np.eye(z.shape[1])[y]) / n
    else:
        s = 1.0 / (1.0 + np.exp(-z[:, 0]))
        value = float(np.mean(np.maximum(z[:, 0], 0) - z[:, 0] * y + np.log1p(np.exp(-np.abs(z[:, 0])))))
        dz = ((s - y) / n)[:, None]
    dW, db = [None] * len(weights), [None] * len(weights)
    for layer in range(len(weights) - 1, -1, -1):
        dW[layer], db[layer] = hs[layer].T @ dz, dz.sum(axis=0)
        if layer:
            dz = (dz @ weights[layer].T) * masks[layer - 1]
    return value, dW, db


def _ig_quadrature(weights, biases, X, baselines, target, alphas, step_weights):
    mlp = refimpl.MLP(weights, biases)
    total = np.zeros_like(X)
    for a, s in zip(alphas, step_weights, strict=True):
        total += s * refimpl.input_gradient(mlp, baselines + a * (X - baselines), target)
    return (X - baselines) * total


def ig_captum_trapezoid(weights, biases, X, baselines, target, n=50):
    weights_ = np.full(n, 1.0 / n)
    weights_[[0, -1]] /= 2.0  # Captum's riemann_trapezoid: the weights sum to 1 - 1/n
    return _ig_quadrature(weights, biases, X, baselines, target, np.linspace(0.0, 1.0, n), weights_)


def ig_average_pieces(weights, biases, X, baselines, target):
    mlp = refimpl.MLP(weights, biases)
    out = np.zeros_like(X)
    for i in range(X.shape[0]):
        a = refimpl.linear_pieces(mlp, X[i], baselines[i])
        mids = (a[:-1] + a[1:]) / 2.0  # averages the pieces' gradients instead of summing them by width
        out[i] = _ig_quadrature(weights, biases, X[i:i + 1], baselines[i:i + 1], target[i:i + 1], mids,
                                np.full(mids.size, 1.0 / mids.size))[0]
    return out


def prune_neurons_no_fold(weights, biases, keep_ratio):
    W, b = list(weights), list(biases)
    for l in range(len(W) - 1):
        P = np.abs(weights[l]).sum(axis=0)
        keep = np.sort(np.argsort(-P, kind="stable")[:round(keep_ratio * P.size)])
        W[l], b[l], W[l + 1] = W[l][:, keep], b[l][keep], W[l + 1][keep, :]  # dead neurons dropped, not folded
    return W, b


def prune_neurons_l2(weights, biases, keep_ratio):
    W, b = list(weights), list(biases)
    for l in range(len(W) - 1):
        P = np.square(weights[l]).sum(axis=0)  # L2 ranking, with the fold
        keep = np.sort(np.argsort(-P, kind="stable")[:round(keep_ratio * P.size)])
        dead = np.setdiff1d(np.arange(P.size), keep)
        dead = dead[~W[l][:, dead].any(axis=0)]
        b[l + 1] = b[l + 1] + np.maximum(b[l][dead], 0.0) @ W[l + 1][dead, :]
        W[l], b[l], W[l + 1] = W[l][:, keep], b[l][keep], W[l + 1][keep, :]
    return W, b


def entries_of(namespace: dict):
    """``_m(name, op, "clause clause", **options)``: the catalogue entry of the function ``name`` of ``namespace``."""
    def entry(name, op, clauses, **options):
        return Mutant(name, op, namespace[name], frozenset(clauses.split()), options)
    return entry


_m = entries_of(globals())


CATALOGUE = [
    _m("threshold_ge", "threshold", "threshold.strict"),
    _m("threshold_in_place", "threshold", "common.no-mutation"),
    _m("threshold_none", "threshold", "common.type"),
    _m("threshold_raises_on_empty", "threshold", "common.returns"),
    _m("threshold_hangs_at_zero", "threshold", "common.time-limit", time_limit=0.2),
    _m("l1_as_l2", "l1_importance", "l1_importance.sum"),
    _m("l1_naive_sum", "l1_importance", "l1_importance.correctly-rounded"),
    # a random mask breaks whichever of count, order or tie rule the first input exposes
    _m("prune_random_mask", "prune_smallest", "prune_smallest.count prune_smallest.smallest prune_smallest.ties"),
    _m("prune_floor_count", "prune_smallest", "prune_smallest.count"),
    _m("prune_ties_highest_index", "prune_smallest", "prune_smallest.ties"),
    # float32 shows as rounding error (value) or, for |w| beyond float32's range, as overflow (finite)
    _m("minmax_float32", "minmax_normalize", "minmax_normalize.value minmax_normalize.endpoints common.finite"),
    _m("floor_quantize_round", "floor_quantize", "floor_quantize.floor"),
    _m("floor_quantize_trunc", "floor_quantize", "floor_quantize.floor"),
    _m("quantize_alpha_pow2", "quantize", "quantize.range"),
    _m("quantize_zero_forced", "quantize", "quantize.endpoints quantize.constant"),
    _m("quantize_half_even", "quantize", "quantize.codes quantize.boundary"),
    _m("quantize_ties_to_even", "quantize", "quantize.boundary quantize.endpoints"),
    _m("dequantize_pow2_step", "dequantize", "dequantize.endpoints"),
    _m("dequantize_float32", "dequantize", "common.dtype"),
    _m("forward_relu_on_output", "mlp_forward", "mlp_forward.logits"),
    _m("input_gradient_relu_prime_one", "input_gradient", "input_gradient.relu-prime-zero"),
    _m("input_gradient_wrt_parameters", "input_gradient", "common.shape"),
    _m("gradients_softmax_no_shift", "mlp_gradients", "common.finite"),
    _m("ig_captum_trapezoid", "integrated_gradients", "ig.linear-exact"),
    _m("ig_average_pieces", "integrated_gradients", "ig.completeness"),
    _m("prune_neurons_no_fold", "prune_neurons", "prune_neurons.fold"),
    _m("prune_neurons_l2", "prune_neurons", "prune_neurons.selection"),
]

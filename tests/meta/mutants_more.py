"""Known-wrong implementations of the ops added for issue 13, each with the clause the checker must report.

Each is a plausible mistake written from scratch in the candidate signature, in plain NumPy (several are what a
framework does by default: TF's zero-forcing range, PyTorch's round half to even, jnp.maximum's ReLU'(0) = 1/2).
"""

from __future__ import annotations

import numpy as np

import refimpl

from .mutants import _input_grad, _trace, entries_of

# ---- attributions -------------------------------------------------------------------------------------------------


def saliency_ignores_abs(weights, biases, X, target, abs):  # noqa: A002
    return _input_grad(weights, biases, X, target)  # always signed


def saliency_relu_prime_one(weights, biases, X, target, abs):  # noqa: A002
    g = _input_grad(weights, biases, X, target, relu_prime_at_zero=1.0)
    return np.abs(g) if abs else g


def gxi_gradient_only(weights, biases, X, target):
    return _input_grad(weights, biases, X, target)  # forgets the "x" of gradient x input


def gxi_relu_prime_half(weights, biases, X, target):
    return X * _input_grad(weights, biases, X, target, relu_prime_at_zero=0.5)  # jnp.maximum(z, 0) at a tie


def global_importance_signed(weights, biases, X, target, method):
    g = _input_grad(weights, biases, X, target)
    A = g if method == "saliency" else X * g  # gradient x input for IG too, and no absolute value
    return A.mean(axis=0)


def global_importance_sum(weights, biases, X, target, method):
    mlp = refimpl.MLP(weights, biases)
    A = (refimpl.integrated_gradients(mlp, X, None, target) if method == "integrated_gradients" else
         refimpl.saliency(mlp, X, target, abs=False) if method == "saliency" else
         refimpl.gradient_x_input(mlp, X, target))
    return np.abs(A).sum(axis=0)  # a sum, not a mean


def _preactivations(weights, biases, points):
    hs, _, _ = _trace(weights, biases, points)
    return [h @ W + b for h, W, b in zip(hs[:-1], weights[:-1], biases[:-1], strict=True)]


def pieces_affine_everywhere(weights, biases, x, baseline):
    ends = _preactivations(weights, biases, np.stack([baseline, x]))
    alphas = [0.0, 1.0]
    for z in ends:  # every layer treated as affine along the whole segment: only layer 1 is
        s, e = z[0], z[1]
        crossing = np.sign(s) * np.sign(e) < 0
        alphas += list(s[crossing] / (s[crossing] - e[crossing]))
    return np.unique(np.array(alphas))


def pieces_with_midpoints(weights, biases, x, baseline):
    a = refimpl.linear_pieces(refimpl.MLP(weights, biases), x, baseline)
    return np.unique(np.concatenate([a, (a[:-1] + a[1:]) / 2]))  # sample points mixed into the breakpoints


# ---- quantization and pruning -------------------------------------------------------------------------------------

def _fake(w, bits, beta, lo, hi, alpha, rounding=np.floor):
    if hi == lo:
        return np.full(np.shape(w), float(lo))
    k = np.clip(rounding(alpha * (w - lo) / (hi - lo) + beta), 0, alpha)
    return lo + k * ((hi - lo) / alpha)


def fake_quantize_zero_in_range(w, bits, beta):
    return _fake(w, bits, beta, min(w.min(), 0.0), max(w.max(), 0.0), 2 ** bits - 1)  # TF/PyTorch's range


def fake_quantize_half_even(w, bits, beta):
    return _fake(w, bits, beta - 0.5, w.min(), w.max(), 2 ** bits - 1, np.rint)  # nearbyint at ties


def fake_quantize_pow2_levels(w, bits, beta):
    return _fake(w, bits, beta, w.min(), w.max(), 2 ** bits)  # alpha = 2^b: hi is not a level


def fake_quantize_float32(w, bits, beta):
    return _fake(w, bits, beta, w.min(), w.max(), 2 ** bits - 1).astype(np.float32)


def quantize_model_with_zeros(weights, bits, beta):
    return [_fake(W, bits, beta, W.min(), W.max(), 2 ** bits - 1) if W.size else W.copy() for W in weights]


def _prune_flat(mags, k, order):
    keep = np.ones(mags.size, dtype=bool)
    keep[order[:k]] = False
    return keep


def prune_connections_always_layer(weights, sparsity, scope):
    out = []
    for W in weights:  # scope ignored: every matrix pruned on its own
        keep = _prune_flat(np.abs(W).ravel(), round(sparsity * W.size), np.argsort(np.abs(W).ravel(), kind="stable"))
        out.append(np.where(keep.reshape(W.shape), W, 0.0))
    return out


def prune_connections_ties_last(weights, sparsity, scope):
    if scope == "layer":
        return [refimpl.prune_smallest(W, sparsity) for W in weights]
    flat = np.concatenate([np.abs(W).ravel() for W in weights])
    order = np.lexsort((-np.arange(flat.size), flat))  # ties: the later matrix first
    keep = _prune_flat(flat, round(sparsity * flat.size), order)
    ends = np.cumsum([W.size for W in weights])[:-1]
    return [np.where(k.reshape(W.shape), W, 0.0) for k, W in zip(np.split(keep, ends), weights, strict=True)]


# ---- losses and training ------------------------------------------------------------------------------------------

def softmax_no_shift(logits, y):
    n = logits.shape[0]
    e = np.exp(logits)  # overflows for logits above 709
    return float(np.mean(np.log(e.sum(axis=1)) - logits[np.arange(n), y])), (e / e.sum(axis=1, keepdims=True)
                                                                             - np.eye(logits.shape[1])[y]) / n


def softmax_gradient_summed(logits, y):
    loss, grad = refimpl.softmax_cross_entropy(logits, y)
    return loss, grad * logits.shape[0]  # the gradient of the summed loss, not the mean


def bce_log_of_one_plus(logits, y):
    z = logits[:, 0]
    loss = np.mean(np.maximum(z, 0) - z * y + np.log(1.0 + np.exp(-np.abs(z))))  # log(1 + x), not log1p
    return float(loss), refimpl.binary_cross_entropy_with_logits(logits, y)[1]


def _sgd(weights, biases, grads, velocity, lr, momentum, masks, *, mask_weights=True, dampening=0.0,
         nesterov=False):
    new_W, new_b, vW, vb = [], [], [], []
    for W, g, v, m in zip(weights, grads[0], velocity[0], masks, strict=True):
        g = np.where(m, g, 0.0)
        v = momentum * v + (1 - dampening) * g
        step = g + momentum * v if nesterov else v
        new = W - lr * step
        new_W.append(np.where(m, new, 0.0) if mask_weights else new)
        vW.append(np.where(m, v, 0.0) if mask_weights else v)
    for b, g, v in zip(biases, grads[1], velocity[1], strict=True):
        v = momentum * v + (1 - dampening) * g
        new_b.append(b - lr * (g + momentum * v if nesterov else v))
        vb.append(v)
    return new_W, new_b, (vW, vb)


def sgd_masks_gradient_only(*args):
    return _sgd(*args, mask_weights=False)  # the gradient is masked, but a pruned weight that held a value keeps it


def sgd_dampening(weights, biases, grads, velocity, lr, momentum, masks):
    return _sgd(weights, biases, grads, velocity, lr, momentum, masks, dampening=momentum)  # v = mu v + (1 - mu) g


def sgd_nesterov(*args):
    return _sgd(*args, nesterov=True)


def _importance_mutant(kind_map):
    def candidate(weights, biases, layer, kind, X, y):
        mlp = refimpl.MLP(weights, biases)
        if kind in kind_map:
            return kind_map[kind](weights, biases, layer, X)
        return refimpl.neuron_importance(mlp, layer, kind, X if kind in ("activation", "taylor") else None,
                                         y if kind == "taylor" else None)
    return candidate


importance_l2_squared = _importance_mutant({"l2": lambda W, b, l, X: np.square(W[l]).sum(axis=0)})  # no sqrt
importance_activation_of_z = _importance_mutant(
    {"activation": lambda W, b, l, X: np.abs(_preactivations(W, b, X)[l]).mean(axis=0)})  # |z|, not relu(z)
importance_l1_outgoing = _importance_mutant({"l1": lambda W, b, l, X: np.abs(W[l + 1]).sum(axis=1)})  # rows of W_{l+1}


# ---- per channel --------------------------------------------------------------------------------------------------

def _slice_ranges(w, axis):
    others = tuple(d for d in range(w.ndim) if d != axis % w.ndim)
    return w.min(axis=others, keepdims=True), w.max(axis=others, keepdims=True)


def qpc_per_tensor_range(w, bits, beta, axis):
    return refimpl.quantize(w, bits, beta).codes  # the axis ignored: one range for the whole tensor


def qpc_range_of_the_other_axis(w, bits, beta, axis):
    return refimpl.quantize(w, bits, beta, (axis + 1) % w.ndim).codes  # rows for columns


def fqpc_constant_slice_nan(w, bits, beta, axis):
    lo, hi = _slice_ranges(w, axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.floor((2 ** bits - 1) * (w - lo) / (hi - lo) + beta)  # 0/0 on a constant slice
    return lo + k * (hi - lo) / (2 ** bits - 1)


def dqpc_pow2_step(codes, lo, hi, bits, axis):
    shape = [1] * codes.ndim
    shape[axis % codes.ndim] = -1
    return lo.reshape(shape) + codes * ((hi - lo).reshape(shape) / 2 ** bits)


_m = entries_of(globals())


MORE = [
    _m("saliency_ignores_abs", "saliency", "saliency.abs"),
    _m("saliency_relu_prime_one", "saliency", "saliency.relu-prime-zero"),
    _m("gxi_gradient_only", "gradient_x_input", "gradient_x_input.zero-input gradient_x_input.value"),
    _m("gxi_relu_prime_half", "gradient_x_input", "gradient_x_input.relu-prime-zero"),
    _m("global_importance_signed", "global_importance",
       "global_importance.nonnegative global_importance.value"),
    _m("global_importance_sum", "global_importance", "global_importance.value"),
    _m("pieces_affine_everywhere", "linear_pieces", "linear_pieces.missing linear_pieces.extra"),
    _m("pieces_with_midpoints", "linear_pieces", "linear_pieces.extra"),
    _m("fake_quantize_zero_in_range", "fake_quantize", "fake_quantize.endpoints"),
    _m("fake_quantize_half_even", "fake_quantize",
       "fake_quantize.boundary fake_quantize.codes fake_quantize.endpoints"),
    _m("fake_quantize_pow2_levels", "fake_quantize", "fake_quantize.endpoints fake_quantize.levels"),
    _m("fake_quantize_float32", "fake_quantize", "common.dtype"),
    _m("quantize_model_with_zeros", "quantize_model", "quantize_model.zeros"),
    _m("prune_connections_always_layer", "prune_connections",
       "prune_connections.count prune_connections.smallest prune_connections.ties"),
    _m("prune_connections_ties_last", "prune_connections", "prune_connections.ties"),
    _m("softmax_no_shift", "softmax_cross_entropy", "common.finite"),
    _m("softmax_gradient_summed", "softmax_cross_entropy", "softmax_cross_entropy.gradient"),
    _m("bce_log_of_one_plus", "binary_cross_entropy_with_logits", "bce.small-loss"),
    _m("sgd_masks_gradient_only", "sgd_update", "sgd_update.masked"),
    _m("sgd_dampening", "sgd_update", "sgd_update.velocity"),
    _m("sgd_nesterov", "sgd_update", "sgd_update.weights"),
    _m("qpc_per_tensor_range", "quantize_per_channel",
       "quantize_per_channel.endpoints quantize_per_channel.codes quantize_per_channel.constant"),
    _m("qpc_range_of_the_other_axis", "quantize_per_channel",
       "quantize_per_channel.endpoints quantize_per_channel.codes quantize_per_channel.constant"),
    _m("fqpc_constant_slice_nan", "fake_quantize_per_channel", "common.finite"),
    _m("dqpc_pow2_step", "dequantize_per_channel", "dequantize_per_channel.endpoints"),
    _m("importance_l2_squared", "neuron_importance", "neuron_importance.l2"),
    _m("importance_activation_of_z", "neuron_importance", "neuron_importance.activation neuron_importance.dead"),
    _m("importance_l1_outgoing", "neuron_importance", "neuron_importance.l1 neuron_importance.dead common.shape"),
]

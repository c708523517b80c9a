"""The clauses of the ops added for issue 13 (attributions, losses, training step, importances, quantization of
floats and models, connection pruning). Merged into the registry by clauses.py; the format is that of its ``_OPS``."""

from __future__ import annotations

_QUANT_LEVELS = "every value is one of the levels lo + k (hi - lo) / alpha, k in 0..alpha, within the rounding window"

OPS_CLAUSES = {
    "saliency": [
        ("saliency.abs", "abs=True returns |d F_target / d x| (no negative entry); abs=False the signed gradient"),
        ("saliency.relu-prime-zero", "ReLU'(0) = 0: a hidden unit whose pre-activation is exactly 0 passes no "
                                     "gradient"),
        ("saliency.value", "|grad| (abs=True) or grad (abs=False) of F_target within the backward rounding bound"),
    ],
    "gradient_x_input": [
        ("gradient_x_input.zero-input", "x_i = 0 gives exactly 0"),
        ("gradient_x_input.relu-prime-zero", "ReLU'(0) = 0: a hidden unit whose pre-activation is exactly 0 passes "
                                             "no gradient"),
        ("gradient_x_input.value", "x * d F_target / d x within the backward rounding bound (one more rounding)"),
    ],
    "fake_quantize": [
        ("fake_quantize.constant", "a constant tensor (hi == lo) comes back exactly"),
        ("fake_quantize.endpoints", "w = lo = min w comes back as lo exactly and w = hi = max w as hi (0 is not "
                                    "forced into the range)"),
        ("fake_quantize.levels", _QUANT_LEVELS + " (alpha = 2^bits - 1)"),
        ("fake_quantize.codes", "the level of w is k = floor(alpha (w - lo) / (hi - lo) + beta)"),
        ("fake_quantize.boundary", "a level one off is allowed only within the floor window of an integer, never on "
                                   "an integer float64 reaches exactly (as quantize.boundary)"),
    ],
    "quantize_model": [
        ("quantize_model.zeros", "a zero weight (a pruned connection) comes back exactly 0 and takes no part in "
                                 "lo/hi"),
        ("quantize_model.endpoints", "per matrix, lo/hi are the min/max of its nonzero entries: those come back as "
                                     "lo exactly and hi"),
        ("quantize_model.levels", "per matrix, " + _QUANT_LEVELS),
        ("quantize_model.codes", "the level of a nonzero w is k = floor(alpha (w - lo) / (hi - lo) + beta)"),
        ("quantize_model.boundary", "a level one off is allowed only within the floor window of an integer (as "
                                    "quantize.boundary)"),
    ],
    "prune_connections": [
        ("prune_connections.count", "scope='layer': each W_l has round_half_even(sparsity * W_l.size) entries "
                                    "zeroed; scope='global': round_half_even(sparsity * N) over all N weights"),
        ("prune_connections.keep", "entries not pruned are returned unchanged"),
        ("prune_connections.smallest", "every pruned |w| <= every kept |w|, within each matrix ('layer') or across "
                                       "all matrices ('global')"),
        ("prune_connections.ties", "among equal |w| the earlier matrix, then the lower flat index, is pruned first"),
    ],
    "softmax_cross_entropy": [
        ("softmax_cross_entropy.loss", "L = mean_i (log sum_k exp z_ik - z_{i, y_i}) within the rounding bound of "
                                       "1 + max|z| (absolute: the max shift rounds; no overflow for finite logits)"),
        ("softmax_cross_entropy.gradient", "dL/dz = (softmax(z) - onehot(y)) / n within the rounding bound of "
                                           "(1 + max|z|) / n"),
    ],
    "binary_cross_entropy_with_logits": [
        ("bce.loss", "L = mean_i (max(z_i, 0) - z_i y_i + log(1 + exp(-|z_i|))) within the rounding bound relative "
                     "to L"),
        ("bce.small-loss", "the relative bound holds for tiny losses too (L < 2^-20: z far on the side of its label; "
                           "log1p, not log(1 + x))"),
        ("bce.gradient", "dL/dz = (sigmoid(z) - y) / n within the rounding bound of 1 / n (absolute)"),
    ],
    "sgd_update": [
        ("sgd_update.masked", "where masks[l] is False the weight and its velocity are exactly 0 after the step"),
        ("sgd_update.velocity", "v <- momentum * v + g (g masked for weights) within the rounding bound"),
        ("sgd_update.weights", "W <- W - lr * v (the new v) within the rounding bound"),
        ("sgd_update.biases", "b <- b - lr * (momentum * v_b + g_b); biases are never masked"),
    ],
    "neuron_importance": [
        ("neuron_importance.nonnegative", "P_j >= 0"),
        ("neuron_importance.dead", "l1/l2: all-zero incoming weights give P_j = 0 exactly; activation/taylor: a "
                                   "neuron that never fires on X (z_j <= 0 on every row) gives 0 exactly"),
        ("neuron_importance.l1", "P_j = sum_i |W_l[i, j]| within the summation bound"),
        ("neuron_importance.l2", "P_j = sqrt(sum_i W_l[i, j]^2) within the rounding bound (no overflow of squares)"),
        ("neuron_importance.activation", "P_j = mean over the rows of X of relu(z_j) within the forward rounding "
                                         "bound"),
        ("neuron_importance.taylor", "P_j = |sum over rows of a_j dL/da_j|, L the mean loss (binary for one output, "
                                     "softmax otherwise), within the backward rounding bound"),
    ],
    "linear_pieces": [
        ("linear_pieces.ends", "breakpoints strictly increasing, the first exactly 0.0 and the last exactly 1.0"),
        ("linear_pieces.missing", "every alpha in (0, 1) at which a hidden pre-activation changes sign strictly is "
                                  "listed (within its rounding window)"),
        ("linear_pieces.extra", "no breakpoint where no pre-activation changes sign (touching 0 without crossing, "
                                "or being 0 at alpha = 0 or 1, adds none)"),
    ],
    "global_importance": [
        ("global_importance.nonnegative", "I_i >= 0 (a mean of absolute values)"),
        ("global_importance.zero-feature", "a feature that is 0 in every row gets exactly 0 (integrated_gradients, "
                                           "gradient_x_input)"),
        ("global_importance.relu-prime-zero", "ReLU'(0) = 0 in the attributions (saliency, gradient_x_input)"),
        ("global_importance.value", "I_i = (1/n) sum_r |A_ri| (A: exact IG from 0, gradient or gradient x input) "
                                    "within the attribution's rounding bound"),
    ],
}


PER_CHANNEL = {"quantize_per_channel": "quantize", "dequantize_per_channel": "dequantize",
               "fake_quantize_per_channel": "fake_quantize"}
"""Each per-channel op and the per-tensor op it applies to every slice ``w.take(j, axis)`` alone."""


def per_channel_clauses(ops: dict) -> dict:
    """The clauses of the per-channel ops, derived from their per-tensor op's (``ops``: the registry's table):
    ``<op>.slices`` first, then every per-tensor clause restated per slice."""
    out = {}
    for op, base in PER_CHANNEL.items():
        out[op] = [(f"{op}.slices", "each slice along axis (negative axis counts from the end) has its own lo_j = "
                                    "min and hi_j = max of the slice, and is judged as the per-tensor op on it "
                                    "alone")]
        out[op] += [(f"{op}.{cid.split('.', 1)[1]}", f"per slice: {formula}") for cid, formula in ops[base]]
    return out

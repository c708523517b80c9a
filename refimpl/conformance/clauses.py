"""The clause registry: every statement the checker can find broken, with the formula it checks, in one place.

A clause id is ``<op prefix>.<name>`` (``threshold.strict``) or ``common.<name>`` for the checks that apply to every
op. A failure always names exactly one clause; ``refimpl check --list`` prints this table.
"""

from __future__ import annotations

from typing import NamedTuple

from ..spec.checks import check_choice
from .clauses_more import OPS_CLAUSES, per_channel_clauses


class Clause(NamedTuple):
    id: str
    op: str  # "common" or an op name
    formula: str


_COMMON = [
    ("common.returns", "the candidate returns (does not raise) on every valid input"),
    ("common.time-limit", "each call returns within the per-call time limit (runner.TIME_LIMIT seconds by default)"),
    ("common.type", "the result is array-like of real numbers (tuples/lists where the op returns several arrays)"),
    ("common.shape", "the result has the documented shape"),
    ("common.dtype", "floats for real results (float64, or float32 under precision='float32'); integers for codes"),
    ("common.finite", "no NaN or infinity in the result for finite inputs"),
    ("common.no-mutation", "the inputs are not written to (they are passed read-only and compared afterwards)"),
]

_OPS = {
    "threshold": [
        ("threshold.strict", "|w| > eps: an entry with |w_i| = eps is zeroed"),
        ("threshold.zero", "w_hat_i = 0 where |w_i| < eps"),
        ("threshold.keep", "w_hat_i = w_i exactly where |w_i| > eps (the sign of a zero is not part of the spec)"),
    ],
    "l1_importance": [
        ("l1_importance.sum", "|R - sum|w_i|| within the summation bound 4 (n - 1) u sum|w_i| (any order)"),
        ("l1_importance.correctly-rounded", "R = sum_i |w_i| rounded once to float64 (independent of order)"),
    ],
    "minmax_normalize": [
        ("minmax_normalize.constant", "hi == lo (constant tensor): w_tilde = 0 everywhere"),
        ("minmax_normalize.endpoints", "w_tilde = 0 exactly where w = lo = min w and 1 exactly where w = hi = max w"),
        ("minmax_normalize.value", "w_tilde = (w - lo) / (hi - lo) within the rounding window (compare.py)"),
    ],
    "floor_quantize": [
        ("floor_quantize.floor", "code = floor(alpha * w_tilde + beta), toward -inf (floor(-0.5) = -1)"),
        ("floor_quantize.boundary", "within the floor window of an integer a code one off (as many as the window "
                                    "is wide once |alpha * w_tilde| >= 2^52) is a rounding artefact ('boundary, "
                                    "allowed'), except on an integer float64 reaches exactly"),
    ],
    "quantize": [
        ("quantize.range", "0 <= code <= 2^bits - 1"),
        ("quantize.constant", "a constant tensor (hi == lo) gives code floor(beta) = 0 everywhere"),
        ("quantize.endpoints", "code 0 at lo = min w and alpha = 2^bits - 1 at hi = max w (0 is not forced into "
                               "the range)"),
        ("quantize.codes", "code = floor(alpha * (w - lo) / (hi - lo) + beta), alpha = 2^bits - 1"),
        ("quantize.boundary", "a code one off is allowed only within the floor window of an integer, never on an "
                              "integer float64 reaches exactly (as floor_quantize)"),
    ],
    "dequantize": [
        ("dequantize.endpoints", "code 0 gives lo exactly; code alpha gives hi (within the rounding window)"),
        ("dequantize.value", "w = lo + code * (hi - lo) / alpha, alpha = 2^bits - 1, within the rounding window"),
    ],
    "prune_smallest": [
        ("prune_smallest.count", "exactly k = round_half_even(sparsity * n) entries are zeroed (Python round of "
                                 "the float64 product)"),
        ("prune_smallest.keep", "entries not pruned are returned unchanged"),
        ("prune_smallest.smallest", "every pruned |w| <= every kept |w| (untied decisions follow |w|)"),
        ("prune_smallest.ties", "among equal |w| the lower flat index is pruned first (ties='lowest-index' only)"),
    ],
    "prune_neurons": [
        ("prune_neurons.count", "each hidden layer keeps round_half_even(keep_ratio * n_l) neurons; input and "
                                "output widths are unchanged"),
        ("prune_neurons.structure", "a kept neuron j keeps column j of W_l, entry j of b_l and row j of W_{l+1}, in "
                                    "the original order; a removed neuron loses all three"),
        ("prune_neurons.selection", "kept neurons have the largest P_j = sum_i |W_l[i, j]| (computed on the model "
                                    "as given, before anything is removed)"),
        ("prune_neurons.ties", "among equal P_j the lower index is kept (ties='lowest-index' only)"),
        ("prune_neurons.fold", "a removed neuron with all-zero incoming weights adds relu(b_j) * W_{l+1}[j, :] "
                               "to b_{l+1} (biases within the rounding bound)"),
    ],
    "mlp_forward": [
        ("mlp_forward.logits", "z_L = h_{L-1} @ W_{L-1} + b_{L-1}, h_l = max(h_{l-1} @ W_l + b_l, 0), within the "
                               "dot-product rounding bound"),
    ],
    "mlp_gradients": [
        ("mlp_gradients.loss", "mean loss over the batch (softmax cross-entropy or sigmoid BCE on logits)"),
        ("mlp_gradients.relu-prime-zero", "ReLU'(0) = 0: a hidden unit whose pre-activation is exactly 0 passes "
                                          "no gradient"),
        ("mlp_gradients.dweights", "dW_l = h_l.T @ dz_{l+1} within the backward rounding bound"),
        ("mlp_gradients.dbiases", "db_l = sum over rows of dz_{l+1} within the backward rounding bound"),
    ],
    "input_gradient": [
        ("input_gradient.relu-prime-zero", "ReLU'(0) = 0: a hidden unit whose pre-activation is exactly 0 passes "
                                           "no gradient"),
        ("input_gradient.value", "d F_target / d x for each row (F the output logit) within the backward rounding "
                                 "bound"),
    ],
    "integrated_gradients": [
        ("ig.zero-path", "x == baseline gives attributions exactly 0"),
        ("ig.linear-exact", "where the network is affine along the whole path (e.g. no hidden layer), "
                            "IG = (x - b) * grad F within the rounding bound"),
        ("ig.relu-prime-zero", "ReLU'(0) = 0 along the path: a hidden unit that is 0 on a whole piece of the path "
                               "passes no gradient there"),
        ("ig.completeness", "sum_i IG_i = F(x) - F(baseline) within the rounding bound"),
        ("ig.value", "IG = (x - b) * integral_0^1 grad F(b + a (x - b)) da, the exact piecewise-linear integral"),
    ],
}

_OPS.update(OPS_CLAUSES)  # the ops of clauses_more.py
_OPS.update(per_channel_clauses(_OPS))

CLAUSES: dict[str, Clause] = {}
for _op, _items in [("common", _COMMON), *_OPS.items()]:
    for _id, _formula in _items:
        CLAUSES[_id] = Clause(_id, _op, _formula)

OPS = tuple(_OPS)


def clauses_for(op: str) -> list[Clause]:
    """The clauses of ``op`` (its own, then the common ones), in the order they are judged; ``op`` one of OPS."""
    return [CLAUSES[i] for i, _ in _OPS[check_choice(op, "op", OPS)]] + [CLAUSES[i] for i, _ in _COMMON]


def tag(clause_id: str, call: str) -> str:
    """The bracketed suffix of a failure message: ``[threshold(w, eps=0.5): threshold.strict |w| > eps]``."""
    return f"[{call}: {clause_id} {CLAUSES[clause_id].formula}]"

"""Judge of prune_neurons: which neurons the candidate kept (matched by incoming weights, then biases), whether
they are the ones with the largest P (beyond rounding), the tie rule, the structure and the folded biases."""

from __future__ import annotations

import math

import numpy as np

from ..spec.mlp import MLP
from ..spec.pruning import neuron_importance
from .compare import Tolerance
from .judging import Broken, as_results, as_sequence, first, fmt, mismatch


def judge_prune_neurons(inp, expected, got, tol: Tolerance, v) -> None:
    W, b, ratio = inp["weights"], inp["biases"], inp["keep_ratio"]
    exp_W, exp_b, exp_kept = expected
    got_W, got_b = as_sequence(got, "out", 2)
    got_W, got_b = as_sequence(got_W, "weights", len(W)), as_sequence(got_b, "biases", len(b))
    for l, (g, e) in enumerate(zip(got_W, exp_W, strict=True)):
        if np.shape(g) != e.shape:
            n = W[l].shape[1]
            v.fail("prune_neurons.count", f"weights[{l}].shape={np.shape(g)}, but should be {e.shape} (keep "
                   f"round_half_even({fmt(ratio)} * {n}) = {e.shape[1]} of {n})" if l < len(W) - 1 else
                   f"weights[{l}].shape={np.shape(g)}, but should be {e.shape}")
            return
    got_W = as_results(got_W, exp_W, "weights", "f", tol.precision)
    got_b = as_results(got_b, exp_b, "biases", "f", tol.precision)
    mlp = MLP(W, b)
    prev = np.arange(W[0].shape[0])
    kept_all, folded = [], False
    for l in range(len(W) - 1):
        incoming = W[l][prev, :]
        # biases tell identical columns apart unless a removed dead neuron was folded into this layer's biases
        kept = _match_columns(incoming, got_W[l], l, set(exp_kept[l].tolist()), None if folded else b[l], got_b[l])
        removed = np.setdiff1d(np.arange(incoming.shape[1]), kept)
        folded = bool(removed.size) and bool((~incoming[:, removed].any(axis=0)).any())
        _judge_selection(W[l], neuron_importance(mlp, l, "l1"), kept, exp_kept[l], l, tol, v)
        if l == 0 and not np.array_equal(got_b[0], b[0][kept]):
            i = first(got_b[0] != b[0][kept])
            v.fail("prune_neurons.structure", f"{mismatch(got_b[0], b[0][kept], i, 'biases[0]')} (the bias goes "
                   "with its neuron)")
        kept_all.append(kept)
        prev = kept
    i = first(got_W[-1] != W[-1][prev, :])
    if i is not None:
        v.fail("prune_neurons.structure", f"{mismatch(got_W[-1], W[-1][prev, :], i, f'weights[{len(W) - 1}]')} "
               "(rows of the kept neurons, in order)")
    same_kept = all(np.array_equal(k, e) for k, e in zip(kept_all, exp_kept, strict=True))
    if same_kept:  # otherwise the folded biases differ from the reference's: not compared
        for l in range(1, len(W)):
            cols = kept_all[l] if l < len(W) - 1 else np.arange(W[l].shape[1])
            magnitude = np.abs(exp_b[l]) + np.abs(b[l - 1]) @ np.abs(W[l][:, cols])
            i = first(~tol.close(got_b[l], exp_b[l], magnitude, W[l].shape[0] + 2))
            if i is not None:
                v.fail("prune_neurons.fold", f"{mismatch(got_b[l], exp_b[l], i, f'biases[{l}]')} (removed neurons "
                       "with all-zero incoming weights add relu(b_j) * W[j, :] to the next bias)")
                break


def _order_free(column: np.ndarray) -> bool:
    """Whether sum_i |column_i| is the same in every order (forward, backward and exactly): then a tie in P is one
    every implementation sees."""
    a = np.abs(column)
    return float(a.sum()) == float(a[::-1].sum()) == math.fsum(a)


def _judge_selection(W, P, kept, exp_kept, layer: int, tol: Tolerance, v) -> None:
    """prune_neurons.selection: no kept neuron has a smaller P than a removed one, beyond rounding (P is a sum of
    fan-in terms: two P within that sum's rounding bound may compare either way in another summation order);
    prune_neurons.ties: among P equal in every summation order, the lower index is kept."""
    dropped = np.setdiff1d(np.arange(P.size), kept)
    bound = tol.bound(P, P, W.shape[0])
    hard = [(j, d) for j in kept for d in dropped if P[j] < P[d] and P[d] - P[j] > max(bound[j], bound[d])]
    if hard:
        j, d = min(hard, key=lambda pair: P[pair[0]] - P[pair[1]])
        v.fail("prune_neurons.selection", f"hidden layer {layer}: neuron {j} (P = {fmt(P[j])}) was kept but neuron "
               f"{d} (P = {fmt(P[d])}) was removed")
        return
    if tol.ties != "lowest-index" or np.array_equal(kept, exp_kept):
        return
    swapped = [(j, d) for j in kept for d in dropped if d < j and P[j] == P[d] and _order_free(W[:, j])
               and _order_free(W[:, d])]
    if swapped:
        v.fail("prune_neurons.ties", f"hidden layer {layer}: kept neurons {kept.tolist()}, but should be "
               f"{exp_kept.tolist()} (among equal P the lower index is kept)")
    else:
        v.allow(f"hidden layer {layer}: kept neurons {kept.tolist()} instead of {exp_kept.tolist()}: their P are "
                "within the rounding of their sums (boundary, allowed)")


def _match_columns(original: np.ndarray, got: np.ndarray, layer: int, preferred, bias, got_bias) -> np.ndarray:
    """The original neuron behind each column of ``got``, in order: a column with exactly the same incoming weights.
    Neurons whose incoming columns are alike (on the rows still there) are told apart by their biases (a bias equal
    to the returned one; ``bias`` None where folding changed them), then by the reading most favourable to the
    candidate (one the reference also kept); the outgoing rows checked later decide. Every choice keeps the rest
    matchable (``feasible``), so an in-order matching is found whenever one exists."""
    m, n = got.shape[1], original.shape[1]
    same = np.array([[np.array_equal(original[:, c], got[:, j]) for c in range(n)] for j in range(m)],
                    dtype=bool).reshape(m, n)
    feasible = np.zeros((m + 1, n + 1), dtype=bool)  # feasible[j, c]: got[:, j:] matches within original[:, c:]
    feasible[m, :] = True
    for j in range(m - 1, -1, -1):
        for c in range(n - 1, -1, -1):
            feasible[j, c] = feasible[j, c + 1] or (same[j, c] and feasible[j + 1, c + 1])
    kept, start = [], 0
    for j in range(m):
        hits = [c for c in range(start, n) if same[j, c] and feasible[j + 1, c + 1]]
        if not hits:
            raise Broken("prune_neurons.structure", f"weights[{layer}][:, {j}] is not the incoming column of any "
                         f"remaining neuron of hidden layer {layer} (in order): {got[:, j].tolist()}")
        if bias is not None:
            hits = [c for c in hits if bias[c] == got_bias[j]] or hits
        pick = next((c for c in hits if c in preferred), hits[0])
        kept.append(pick)
        start = pick + 1
    return np.array(kept, dtype=np.int64)

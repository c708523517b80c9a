"""Judges of the network ops (forward, gradients, input gradients, integrated gradients, neuron pruning). Expected
values come from refimpl; the only arithmetic here is the rounding bounds of compare.py and, for ReLU'(0), locating
the pre-activations that are exactly 0."""

from __future__ import annotations

import numpy as np

from ..interpret.integrated import linear_pieces
from ..spec.mlp import MLP, forward_trace
from .compare import Tolerance, backward_magnitudes, forward_magnitudes, network_roundings
from .judging import as_result, as_results, as_scalar, as_sequence, first, fmt, mismatch


def _zero_rows(weights, biases, X, mags, tol: Tolerance):
    """Per row of X: (a hidden pre-activation is exactly 0, one lies within rounding of 0 without being 0);
    ``mags``: :func:`forward_magnitudes` of the same network and X."""
    hs = forward_trace(weights, biases, X)
    exact = np.zeros(X.shape[0], dtype=bool)
    ambiguous = np.zeros(X.shape[0], dtype=bool)
    for layer in range(len(weights) - 1):
        z = hs[layer] @ weights[layer] + biases[layer]
        bound = tol.bound(z, mags[layer + 1], network_roundings(weights[: layer + 1]))
        exact |= (z == 0).any(axis=1)
        ambiguous |= ((z != 0) & (np.abs(z) <= bound)).any(axis=1)
    return exact, ambiguous & ~tol.user


_UNDETERMINED = ("a hidden pre-activation lies within rounding of 0: its ReLU mask, and so the gradient, is not "
                 "determined by the inputs; {what} not compared (boundary, allowed)")


def _gradient_clause(op: str, default: str, weights, biases, X, mags, tol, v) -> str | None:
    """For judges that compare a whole batch at once: ``op.relu-prime-zero`` when a hidden pre-activation is exactly
    0 in some row, else ``default``; None (not compared) when one lies within rounding of 0 without being 0. Judges
    that can name the mismatching row use :func:`row_clause` instead."""
    exact, ambiguous = _zero_rows(weights, biases, X, mags, tol)
    if ambiguous.any():
        v.allow(_UNDETERMINED.format(what="gradients"))
        return None
    return f"{op}.relu-prime-zero" if exact.any() else default


def row_clause(op: str, default: str, weights, biases, X, mags, tol, v, wrong: np.ndarray):
    """(clause, index) of the first mismatch ``wrong`` (rows x entries) to report, or None: a mismatch in a row
    without an exact-zero hidden pre-activation is ``default``; only when every mismatching row has one is it
    ``op.relu-prime-zero``. Rows with a pre-activation within rounding of 0 (not 0) are not compared."""
    exact, ambiguous = _zero_rows(weights, biases, X, mags, tol)
    if ambiguous.any():
        v.allow(_UNDETERMINED.format(what="the gradients of those rows"))
    wrong = wrong & ~ambiguous[:, None]
    i = first(wrong & ~exact[:, None])
    if i is not None:
        return default, i
    i = first(wrong)
    return None if i is None else (f"{op}.relu-prime-zero", i)


def _relu_prime_one_gradients(weights, biases, X, dlogits):
    """The backward pass with ReLU'(0) = 1 (masks z >= 0): what a candidate with that convention returns. Used only
    to tell whether a mismatch is that convention (relu-prime-zero) or something else."""
    hs, masks = [X], []
    for W, b in zip(weights[:-1], biases[:-1], strict=True):
        z = hs[-1] @ W + b
        masks.append(z >= 0)
        hs.append(np.maximum(z, 0.0))
    dz, dW, db = dlogits, [None] * len(weights), [None] * len(weights)
    for layer in range(len(weights) - 1, -1, -1):
        dW[layer], db[layer] = hs[layer].T @ dz, dz.sum(axis=0)
        if layer:
            dz = (dz @ weights[layer].T) * masks[layer - 1]
    return dW, db


def forward_bound(inp, expected, tol: Tolerance) -> np.ndarray:
    """The allowed |got - expected| of each logit (also written into the golden vectors)."""
    W, b, X = inp["weights"], inp["biases"], inp["X"]
    return tol.bound(expected, forward_magnitudes(W, b, X)[-1], network_roundings(W))


def judge_mlp_forward(inp, expected, got, tol: Tolerance, v) -> None:
    out = as_result(got, "out", expected.shape, "f", tol.precision)
    i = first(~(np.abs(out - expected) <= forward_bound(inp, expected, tol)))
    if i is not None:
        v.fail("mlp_forward.logits", mismatch(out, expected, i))


def _dlogits_magnitude(logits_mag, n, k):
    """A bound of |dlogits| and of its rounding sensitivity: each entry of softmax - onehot is at most 1 in
    magnitude, divided by n; logit errors move it by at most their own size (the softmax is 1-Lipschitz)."""
    return np.full((n, k), 1.0 / n) * (1.0 + logits_mag.max(axis=1, keepdims=True))


def judge_mlp_gradients(inp, expected, got, tol: Tolerance, v) -> None:
    W, b, X = inp["weights"], inp["biases"], inp["X"]
    loss, dW, db = expected
    got_loss, got_dW, got_db = as_sequence(got, "out", 3)
    got_dW, got_db = as_sequence(got_dW, "dweights", len(W)), as_sequence(got_db, "dbiases", len(b))
    got_loss = as_scalar(got_loss, "loss", tol.precision)
    outs_W = as_results(got_dW, dW, "dweights", "f", tol.precision)
    outs_b = as_results(got_db, db, "dbiases", "f", tol.precision)
    mags = forward_magnitudes(W, b, X)
    n, k = X.shape[0], W[-1].shape[1]
    K = network_roundings(W) + k + 8
    logits_max = float(mags[-1].max())
    if not tol.close(got_loss, loss, abs(loss) + logits_max + np.log(k + 1) + 1.0, K):
        v.fail("mlp_gradients.loss", f"loss={fmt(got_loss)}, but should be {fmt(loss)} ({inp['loss']})")
    bound = backward_magnitudes(W, mags, _dlogits_magnitude(mags[-1], n, k))
    exact, ambiguous = _zero_rows(W, b, X, mags, tol)
    if ambiguous.any():  # dW and db sum over the rows: one undetermined mask leaves them undetermined
        v.allow(_UNDETERMINED.format(what="gradients"))
        return
    found = None
    for name, outs, exps, bnds in (("dweights", outs_W, dW, bound.weights), ("dbiases", outs_b, db, bound.biases)):
        for l, (o, e, m) in enumerate(zip(outs, exps, bnds, strict=True)):
            i = first(~tol.close(o, e, m, K))
            if i is not None and found is None:
                found = (f"mlp_gradients.{name}", mismatch(o, e, i, f"{name}[{l}]"))
    if found is None:
        return
    clause, message = found
    if exact.any():  # blamed on ReLU'(0) only when the ReLU'(0) = 1 gradients are what the candidate returned
        from ..spec.losses import CHECKED  # noqa: PLC0415

        _, dlogits = CHECKED[inp["loss"]](forward_trace(W, b, X)[-1], inp["y"])
        alt_W, alt_b = _relu_prime_one_gradients(W, b, X, dlogits)
        if all(tol.close(o, e, m, K).all() for o, e, m in zip(outs_W + outs_b, alt_W + alt_b,
                                                               list(bound.weights) + list(bound.biases),
                                                               strict=True)):
            clause = "mlp_gradients.relu-prime-zero"
    v.fail(clause, message)


def judge_input_gradient(inp, expected, got, tol: Tolerance, v) -> None:
    out = as_result(got, "out", expected.shape, "f", tol.precision)
    W, b, X = inp["weights"], inp["biases"], inp["X"]
    onehot = np.eye(W[-1].shape[1])[inp["target"]]
    mags = forward_magnitudes(W, b, X)
    bound = backward_magnitudes(W, mags, onehot).inputs
    blamed = row_clause("input_gradient", "input_gradient.value", W, b, X, mags, tol, v,
                        ~tol.close(out, expected, bound, network_roundings(W)))
    if blamed is not None:
        clause, i = blamed
        v.fail(clause, f"{mismatch(out, expected, i)} (target {inp['target'][i[0]]}"
               + (", a hidden pre-activation of this row is exactly 0)" if clause.endswith("zero") else ")"))


def judge_integrated_gradients(inp, expected, got, tol: Tolerance, v) -> None:
    out = as_result(got, "out", expected.shape, "f", tol.precision)
    W, b, X, B, t = inp["weights"], inp["biases"], inp["X"], inp["baselines"], inp["target"]
    rows = np.arange(X.shape[0])
    same = (X == B).all(axis=1)
    i = first(same[:, None] & (out != 0))
    if i is not None:
        v.fail("ig.zero-path", f"{mismatch(out, expected, i)} (x == baseline in row {i[0]})")
    # |grad F| along the whole path is bounded by the all-active magnitude network; pieces add roundings.
    path_mags = forward_magnitudes(W, b, np.maximum(np.abs(X), np.abs(B)))  # bounds every point of every path
    grad_mag = backward_magnitudes(W, path_mags, np.eye(W[-1].shape[1])[t], all_active=True).inputs
    K = network_roundings(W) + sum(w.shape[1] for w in W[:-1]) + 4
    entry_bound = tol.bound(expected, np.abs(X - B) * grad_mag, K)
    close = np.abs(out - expected) <= entry_bound
    affine = _affine_rows(W, b, X, B)
    i = first(affine[:, None] & ~close)
    if i is not None and not _flat_unit(W, b, X[i[0]], B[i[0]], tol, v):
        v.fail("ig.linear-exact", f"{mismatch(out, expected, i)} (the network is affine along row {i[0]}'s path: "
               "IG = (x - b) * grad F)")
    fx, fb = (forward_trace(W, b, Z)[-1][rows, t] for Z in (X, B))
    f_bound = 2 * tol.bound(fx, path_mags[-1][rows, t], network_roundings(W))
    gap_ok = np.abs(out.sum(axis=1) - (fx - fb)) <= entry_bound.sum(axis=1) + f_bound
    r = first(~gap_ok)
    if r is not None:
        r = r[0]
        v.fail("ig.completeness", f"sum(out[{r}])={fmt(out[r].sum())}, but should be F(x) - F(b) = "
               f"{fmt(fx[r] - fb[r])} (target {t[r]})")
    i = first(~close)
    if i is not None and not _flat_unit(W, b, X[i[0]], B[i[0]], tol, v, mismatch(out, expected, i)):
        v.fail("ig.value", mismatch(out, expected, i))


def _flat_unit(W, b, x, z, tol, v, message=None) -> bool:
    """Whether a hidden unit is 0 (within rounding) on a whole piece of the path z -> x, i.e. at both ends and the
    middle of a piece; then ReLU'(0) decides that unit's gradient on the piece, and a mismatch of this row is
    reported as ig.relu-prime-zero (with ``message``; without one, only the answer is returned)."""
    if len(W) == 1:
        return False
    a = linear_pieces(MLP(W, b), x, z)
    ends = np.concatenate([a, (a[:-1] + a[1:]) / 2])
    P = z + ends[:, None] * (x - z)
    hs, mags = forward_trace(W, b, P), forward_magnitudes(W, b, np.maximum(np.abs(x), np.abs(z))[None, :])
    for layer in range(len(W) - 1):
        zs = hs[layer] @ W[layer] + b[layer]
        small = np.abs(zs) <= tol.bound(zs, mags[layer + 1], 2 * network_roundings(W[: layer + 1]))
        k = len(a)
        flat = small[: k - 1] & small[1:k] & small[k:]  # piece j: its two ends and its middle
        if flat.any():
            if message is not None:
                j, unit = (int(t) for t in np.argwhere(flat)[0])
                v.fail("ig.relu-prime-zero", f"{message} (hidden unit {unit} of layer {layer} is 0 along piece "
                       f"[{fmt(a[j])}, {fmt(a[j + 1])}] of this row's path: ReLU'(0) = 0 passes no gradient)")
            return True
    return False


def _affine_rows(W, b, X, B) -> np.ndarray:
    """Rows whose straight path stays in one linear piece (no hidden layer, or linear_pieces gives [0, 1])."""
    if len(W) == 1:
        return np.ones(X.shape[0], dtype=bool)
    mlp = MLP(W, b)
    return np.array([len(linear_pieces(mlp, x, z)) == 2 for x, z in zip(X, B, strict=True)], dtype=bool)

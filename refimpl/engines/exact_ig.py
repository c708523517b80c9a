"""The exact integrated-gradients engine: a sweep along each path with rank-one updates (unchecked internals).

Path ``γ(α) = b + α (x − b)``, ``α ∈ [0, 1]``; ``z_l(α)`` is hidden layer ``l``'s pre-activation, ``g_l(α) = ∂F/∂z_l``
and ``IG = (x − b) ⊙ W_0 ∫_0^1 g_1 dα``. The result is the spec's (:mod:`refimpl.spec.integrated`, ExactLine), with
its conventions: a unit is active on a piece when its end values satisfy ``s + e > 0`` (``ReLU'(0) = 0``), it crosses
only where the signs are strictly opposite, and a crossing whose ``τ = s / (s − e)`` rounds to an end of its piece is
dropped. It differs from the spec only in the order of rounding (tested against it and against exact arithmetic).

Layer 1. ``z_1`` is affine on the whole path, so its crossings ``α_j = z_1j(0) / (z_1j(0) − z_1j(1))`` are known at
once and each unit crosses at most once. Sorted, they cut the path into pieces; from one piece to the next a single
unit ``j`` switches (``σ_j = ±1``), so the slope of ``z_2`` changes by the rank-one term ``σ_j Δ_j W_1[j]``
(``Δ = z_1(1) − z_1(0)``) and ``z_2`` at every breakpoint is a running sum: ``O(n_2)`` per breakpoint instead of
a matrix product. Several units crossing at one α make zero-length pieces, which weigh nothing.

Layers 2..H−1 are split piece by piece as in ExactLine, with ``z_{l+1}`` evaluated once per breakpoint (pieces share
their ends). The last hidden layer H is integrated in closed form on each piece: unit ``i`` is active on the
fraction ``(s⁺ + e⁺)/(|s| + |e|)`` of a piece whose ends it meets with values ``s`` and ``e``.

Backward. ``J_l[c] = ∫_c g_l`` per piece ``c``: ``J_H = len · fraction ⊙ W_H[:, t]``, and
``J_l[c] = Σ_{children c'} D_l[c'] ⊙ (W_l J_{l+1}[c'])``. Layer 1 again needs no product per piece: unit ``j`` is
active on one interval ``[s_j, e_j]`` of the path, so ``∫ g_1j = W_1[j] · (U_2(e_j) − U_2(s_j))`` with the prefix
integral ``U_2(α) = ∫_0^α g_2`` (a running sum of ``J_2``): one dot of length ``n_2`` per crossing, plus one product
``W_1 U_2(1)`` per row for the units that are active at α = 1.

Cost per row: ``O(n_0 n_1 + K_1 n_2)`` with ``K_1 <= n_1`` the layer-1 crossings for two hidden layers (the matrix
products of layer 1 are done for all rows at once, before and after the element-wise sweep); deeper layers add one
product per breakpoint of the layers below them in each direction. Memory: rows are processed in chunks (rows with
similar crossing counts together) whose breakpoint arrays hold at most ``CHUNK_ENTRIES`` float64 entries each.
"""

from __future__ import annotations

import numpy as np

CHUNK_ENTRIES = 1 << 20  # entries of one (breakpoints, rows, width) array per chunk: 8 MiB of float64


def exact_ig(weights, biases, X, B, targets) -> np.ndarray:
    """Exact IG of every row: ``(n, d)`` for ``X``, ``B`` of shape ``(n, d)`` and int ``targets`` of shape ``(n,)``."""
    if len(weights) == 1:  # affine model: the gradient is W_0[:, target] everywhere
        return (X - B) * weights[0].T[targets]
    if len(weights) == 2:  # one hidden layer: its activity integrated in closed form on the whole path
        zA, zB = B @ weights[0] + biases[0], X @ weights[0] + biases[0]
        g1 = _last_layer_integral(np.stack([zA, zB]), np.ones((1, len(X))))[0] * weights[1].T[targets]
        return (X - B) * (g1 @ weights[0].T)
    # Every matrix product over all rows at once, outside the sweep: a threaded BLAS call leaves its worker threads
    # spinning for a while, which would take a core from the sweep's element-wise work if interleaved with it.
    layer1 = _first_layer(weights, biases, X, B)
    total, g1 = np.empty((len(X), weights[1].shape[1])), np.zeros((len(X), weights[1].shape[0]))
    for rows, first in _chunks(layer1):
        total[rows], g1[rows] = _integrated_g2(weights, biases, first, targets[rows])
    g1 += layer1["end_active"] * (total @ weights[1].T)
    return (X - B) * (g1 @ weights[0].T)


def breakpoints(weights, biases, x, b):
    """Sorted distinct breakpoints of every hidden layer on the path ``b → x`` (one row, shapes ``(d,)``), and the
    pre-activations computed at them (a list of arrays, for the caller's overflow check)."""
    if len(weights) == 1:
        return np.array([0.0, 1.0]), []
    ((_, first),) = _chunks(_first_layer(weights, biases, x[None, :], b[None, :]), exact_zeros=True)
    level = _deeper_layers(weights, biases, first, len(weights))
    return np.unique(level["alpha"]), [first["Z"], level["Z"]]


# --- layer 1: crossings known at once, z_2 by rank-one updates ------------------------------------------------

def _first_layer(weights, biases, X, B) -> dict:
    """Per row: ``z_1`` at both ends (``zA``, ``zB``), the crossings (``crossing``, at ``tau``), the units active on
    the first and last piece, and ``z_2`` (``Z0``), its slope along α (``slope0``) on the first piece and the bound
    ``|b_1| + max(|zA|, |zB|) |W_1|`` on ``|z_2|`` along the path (``bound``); arrays of shape (n, n_1) or (n, n_2)."""
    W1, b1 = weights[1], biases[1]
    zA, zB = B @ weights[0] + biases[0], X @ weights[0] + biases[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = zA / (zA - zB)
    crossing = (np.sign(zA) * np.sign(zB) < 0) & (tau > 0) & (tau < 1)
    start_active = np.where(crossing, zA > 0, zA + zB > 0)
    return {"zA": zA, "zB": zB, "tau": tau, "crossing": crossing, "W1": W1, "b1": b1,
            "end_active": np.where(crossing, zB > 0, zA + zB > 0),
            "Z0": (start_active * zA) @ W1 + b1, "slope0": (start_active * (zB - zA)) @ W1,
            "bound": np.abs(b1) + np.maximum(np.abs(zA), np.abs(zB)) @ np.abs(W1)}


def _chunks(layer1, exact_zeros: bool = False):
    """Yield ``(row indices, first-layer sweep)`` for chunks of rows, rows with similar crossing counts together
    (``exact_zeros``: see :func:`_recompute_near_zero`)."""
    counts = layer1["crossing"].sum(axis=1)
    order = np.argsort(counts, kind="stable")
    width = layer1["Z0"].shape[1]
    lo = 0
    while lo < len(order):  # rows sorted by count: each chunk pads to its last (largest) row's count
        hi = lo + 1
        while hi < len(order) and (hi + 1 - lo) * (counts[order[hi]] + 2) * width <= CHUNK_ENTRIES:
            hi += 1
        rows = np.sort(order[lo:hi])
        yield rows, _sweep({k: v[rows] if k not in ("W1", "b1") else v for k, v in layer1.items()}, exact_zeros)
        lo = hi


def _sweep(layer1, exact_zeros: bool) -> dict:
    """Layer-1 crossings sorted along each path and ``z_2`` at every breakpoint, breakpoint-major and padded to the
    chunk's largest count ``K`` (r rows; ``layer1`` as from :func:`_first_layer`, for these rows).

    Returns a dict: ``alpha`` (K+2, r) breakpoints, 0 first, then the crossings, then 1 (repeated as padding);
    ``length`` (K+1, r); ``unit`` and ``sigma`` (K, r), the unit switching at each crossing and +1 (on) / −1 (off) /
    0 (padding); ``count`` (r,); ``G`` (K, r, n_2) = ``W_1[unit]``; ``Z`` (K+2, r, n_2).
    """
    zA, zB, crossing, tau, W1 = layer1["zA"], layer1["zB"], layer1["crossing"], layer1["tau"], layer1["W1"]
    r = zA.shape[0]
    count = crossing.sum(axis=1)
    K = int(count.max(initial=0))
    unit = np.argsort(np.where(crossing, tau, 2.0), axis=1, kind="stable")[:, :K].T  # (K, r)
    cols = np.arange(r)
    sigma = np.where(crossing[cols, unit], np.where(zB[cols, unit] > 0, 1.0, -1.0), 0.0)
    alpha = np.ones((K + 2, r))
    alpha[0] = 0.0
    alpha[1:-1] = np.where(crossing[cols, unit], tau[cols, unit], 1.0)
    length = np.diff(alpha, axis=0)
    G = W1[unit]  # the row of W_1 of the unit switching at each crossing
    coef = sigma * (zB - zA)[cols, unit]  # the slope of z_1[unit] along α gained when it switches (0: padding)
    Z = _running_sums(layer1["Z0"], layer1["slope0"], G, coef, length)
    if exact_zeros:
        _recompute_near_zero(Z, alpha, layer1)
    return {"alpha": alpha, "length": length, "unit": unit, "sigma": sigma, "count": count, "G": G, "Z": Z}


def _running_sums(Z0, slope0, G, coef, length) -> np.ndarray:
    """``z_2`` at every breakpoint (K+2, r, n_2): ``Z[k+1] = Z[k] + length[k] · slope_k`` with
    ``slope_{k+1} = slope_k + coef[k] · G[k]`` (z_2 is continuous; its slope changes by a rank-one term)."""
    K, r = coef.shape
    Z = np.empty((K + 2,) + Z0.shape)
    Z[0] = Z0
    if r * Z0.shape[1] < 4096:  # few rows: NumPy's cumsum beats one call per step (same additions, same order)
        slopes = np.cumsum(np.concatenate([slope0[None], G * coef[..., None]]), axis=0)
        np.multiply(slopes, length[..., None], out=Z[1:])
        return np.cumsum(Z, axis=0, out=Z)
    slope, step = slope0.copy(), np.empty_like(slope0)
    for k in range(K + 1):
        np.multiply(slope, length[k, :, None], out=step)
        np.add(Z[k], step, out=Z[k + 1])
        if k < K:
            np.multiply(G[k], coef[k, :, None], out=step)
            slope += step
    return Z


def _recompute_near_zero(Z, alpha, layer1) -> None:
    """Evaluate directly, in place, the entries of ``Z`` (K+2, r, n_2) within the running sums' rounding of 0.

    A running sum carries the rounding of every earlier step (at most ``(K+2)·2^-52`` times ``layer1["bound"]``), so
    a unit that is exactly 0 at a breakpoint (e.g. all its active inputs switch off there) would come out ±1e-17 and
    split a spurious one-ulp piece next to it. These few entries get the direct form
    ``ReLU(z_1(α)) · W_1[:, i] + b_1[i]`` with the units crossing at that α exactly 0, as at every other breakpoint.
    Only the breakpoints need it: in the integral such a piece weighs one ulp, and a value of ±1e-17 instead of 0 moves
    an active fraction by 1e-17 relative to the piece's other end, far inside the completeness bound."""
    k, rows, units = np.nonzero(np.abs(Z) <= (4 * Z.shape[0] * np.finfo(float).eps) * layer1["bound"])
    if len(k):
        zA, zB, W1, b1 = layer1["zA"][rows], layer1["zB"][rows], layer1["W1"], layer1["b1"]
        a = alpha[k, rows][:, None]
        h = np.maximum(zA + a * (zB - zA), 0.0)
        h[layer1["crossing"][rows] & (layer1["tau"][rows] == a)] = 0.0
        Z[k, rows, units] = np.einsum("mj,jm->m", h, W1[:, units]) + b1[units]


def _integrated_g2(weights, biases, first, targets):
    """``U_2(1) = ∫_0^1 g_2 dα`` (r, n_2) per row of the chunk, and the crossing units' part of ``∫ g_1`` (r, n_1):
    ``−σ_j W_1[j] · U_2(α_j)``; the rest, ``[active at α = 1] ⊙ W_1 U_2(1)``, is the caller's (one product)."""
    w_t = weights[-1].T[targets]  # (r, n_H): ∂F/∂h_H
    if len(weights) == 3:
        U = _last_layer_integral(first["Z"], first["length"])
        U *= w_t
    else:
        U = _deeper_backward(weights, biases, first, w_t)
    for k in range(1, U.shape[0]):  # prefix integral U_2 at the end of each piece, in place
        U[k] += U[k - 1]
    crossing_dots = np.einsum("krn,krn->kr", first["G"], U[:-1])  # W_1[j] · U_2(α_j) at each crossing
    g1 = np.zeros((U.shape[1], weights[1].shape[0]))
    ks, rows = np.nonzero(first["sigma"])
    g1[rows, first["unit"][ks, rows]] = -first["sigma"][ks, rows] * crossing_dots[ks, rows]
    return U[-1], g1


def _last_layer_integral(Z, length) -> np.ndarray:
    """``length · (s⁺ + e⁺)/(|s| + |e|)`` for each piece between consecutive points of ``Z`` (first axis), with
    ``s``, ``e`` its end values: the measure of the part where an affine function is positive (0 when it is 0 at
    both ends). ``Z`` of shape ``(m + 1, ..., n)``, ``length`` ``(m, ...)``; returns ``(m, ..., n)``."""
    positive = Z > 0
    out = np.multiply(positive[:-1] & positive[1:], length[..., None])
    flip = np.flatnonzero(positive[:-1] != positive[1:])  # exactly one end positive: the formula's fraction
    n_piece = out[0].size
    a, c = Z.reshape(-1)[flip], Z.reshape(-1)[flip + n_piece]
    out.reshape(-1)[flip] = (length.reshape(-1)[flip // Z.shape[-1]]
                             * (np.maximum(a, 0.0) + np.maximum(c, 0.0)) / (np.abs(a) + np.abs(c)))
    return out


# --- layers 2..H−1: split piece by piece, values once per breakpoint --------------------------------------------

def _flat_points(first) -> dict:
    """The chunk's layer-1 breakpoints without padding: ``alpha``, ``row`` (P,), ``Z`` (P, n_2) sorted by row, α."""
    keep = np.arange(first["alpha"].shape[0])[None, :] <= first["count"][:, None] + 1  # (r, K+2)
    return {"alpha": first["alpha"].T[keep], "row": np.nonzero(keep)[0], "Z": first["Z"].transpose(1, 0, 2)[keep],
            "keep": keep}


def _deeper_layers(weights, biases, first, stop: int) -> dict:
    """Split at hidden layers ``2..stop−1``; return the breakpoints with ``z_stop`` there and each level's pieces."""
    level = _flat_points(first)
    level["levels"] = []
    for layer in range(2, stop):
        alpha, row, Z, parent = _split_points(level["alpha"], level["row"], level["Z"])
        active = np.add(Z[:-1], Z[1:])[row[1:] == row[:-1]] > 0  # pattern of layer `layer` on each new piece
        level["levels"].append({"parent": parent, "active": active})
        Znext = np.maximum(Z, 0.0) @ weights[layer] + biases[layer]
        level.update(alpha=alpha, row=row, Z=Znext)
    return level


def _split_points(alpha, row, Z):
    """Insert the strict sign changes of ``Z`` between consecutive breakpoints of a row (ExactLine's split).

    Returns ``(alpha, row, Z, parent)`` for the new breakpoints, ``parent`` giving for each new piece the index of
    the old piece it lies in (old pieces are the consecutive same-row pairs, numbered in order)."""
    same = row[1:] == row[:-1]
    left = np.flatnonzero(same)  # old piece p runs from point left[p] to left[p] + 1
    positive, negative = Z > 0, Z < 0
    strict = (positive[:-1] & negative[1:]) | (negative[:-1] & positive[1:])  # opposite strict signs
    strict &= same[:, None]  # consecutive points of different rows bound no piece
    point, unit = np.nonzero(strict)
    piece = np.cumsum(same)[point] - 1  # the index of the piece starting at `point`
    s_cross, e_cross = Z[point, unit], Z[point + 1, unit]
    tau = s_cross / (s_cross - e_cross)
    inside = (tau > 0) & (tau < 1)
    piece, unit, tau = piece[inside], unit[inside], tau[inside]
    order = np.lexsort((tau, piece))
    piece, unit, tau = piece[order], unit[order], tau[order]
    first = np.ones(len(tau), dtype=bool)
    first[1:] = (piece[1:] != piece[:-1]) | (tau[1:] != tau[:-1])
    cut = np.cumsum(first) - 1
    cut_piece, cut_tau = piece[first], tau[first]
    n_cuts = np.bincount(cut_piece, minlength=len(left))
    # new position of every old point and of every cut: old point i is preceded by the cuts of earlier pieces
    cuts_before_point = np.zeros(len(alpha), dtype=np.int64)
    cuts_before_point[left + 1] = n_cuts
    cuts_before_point = np.cumsum(cuts_before_point)
    old_pos = np.arange(len(alpha)) + cuts_before_point
    rank = np.arange(len(cut_tau)) - (np.cumsum(n_cuts) - n_cuts)[cut_piece]
    cut_pos = old_pos[left[cut_piece]] + 1 + rank
    total = len(alpha) + len(cut_tau)
    new_alpha, new_row, new_Z = np.empty(total), np.empty(total, dtype=np.int64), np.empty((total, Z.shape[1]))
    new_alpha[old_pos], new_row[old_pos], new_Z[old_pos] = alpha, row, Z
    lo, hi = alpha[left[cut_piece]], alpha[left[cut_piece] + 1]
    new_alpha[cut_pos] = np.clip(lo + cut_tau * (hi - lo), lo, hi)
    new_row[cut_pos] = row[left[cut_piece]]
    s, e = Z[left[cut_piece]], Z[left[cut_piece] + 1]
    z_cut = s + cut_tau[:, None] * (e - s)
    z_cut[cut, unit] = 0.0  # the crossing units are exactly 0 at their breakpoint
    new_Z[cut_pos] = z_cut
    parent = np.repeat(np.arange(len(left)), n_cuts + 1)
    return new_alpha, new_row, new_Z, parent


def _deeper_backward(weights, biases, first, w_t) -> np.ndarray:
    """``J_2`` on the chunk's layer-1 pieces, padded like ``first["length"]``: (K+1, r, n_2), for H >= 3."""
    H = len(weights) - 1
    level = _deeper_layers(weights, biases, first, H)
    alpha, row, Z = level["alpha"], level["row"], level["Z"]
    same = np.flatnonzero(row[1:] == row[:-1])
    J = _last_layer_integral(Z, np.diff(alpha))[same] * w_t[row[same]]  # pairs across rows are dropped
    for layer in range(H - 1, 1, -1):
        pieces = level["levels"][layer - 2]
        contribution = (J @ weights[layer].T) * pieces["active"]
        J = _segment_sums(contribution, pieces["parent"])
    out = np.zeros(first["length"].shape + (weights[1].shape[1],))
    out.transpose(1, 0, 2)[level["keep"][:, 1:] & level["keep"][:, :-1]] = J
    return out


def _segment_sums(values, parent) -> np.ndarray:
    """Sums of the rows of ``values`` with equal ``parent`` (non-decreasing, every parent present), in order."""
    first = np.flatnonzero(np.r_[True, parent[1:] != parent[:-1]]) if len(parent) else np.zeros(0, dtype=np.int64)
    out = values[first].copy()
    rank = np.arange(len(parent)) - np.repeat(first, np.diff(np.r_[first, len(parent)]))
    for k in range(1, int(rank.max(initial=0)) + 1):  # few children per parent: one pass per child rank
        at = np.flatnonzero(rank == k)
        out[parent[at]] += values[at]
    return out

"""ExactLine: the pieces of the segment baseline → input on which a ReLU network is affine.

Path ``γ(α) = b + α (x − b)`` for ``α ∈ [0, 1]``. The first layer's pre-activations ``z_1(α)`` are affine in ``α`` on
the whole segment; inside a piece on which the activation pattern of layers ``1..l`` is fixed, ``z_{l+1}(α)`` is affine
too, so its values at the two ends of the piece determine it. A pre-activation with end values ``s`` and ``e`` of
opposite strict signs crosses zero at the fraction ``τ = s / (s − e)`` of the piece (Sotoudeh & Thakur, NeurIPS 2019,
"ExactLine"); the piece is split there, layer after layer. All pieces of all rows are processed together as flat
arrays (row index, start α, end α), so the cost is a few matrix products over all pieces.

Conventions: a unit is active on a piece when its pre-activation is positive inside it, i.e. when ``s + e > 0``
(``ReLU'(0) = 0``; a unit that is exactly 0 at both ends is 0 along the whole piece and inactive). A crossing is only
where the signs are strictly opposite, so a pre-activation that touches 0 at an end of a piece does not split it.
Crossings of several units at the same ``τ`` give one breakpoint; a ``τ`` that rounds to 0 or 1 coincides with an end
of the piece and is dropped; at a crossing the crossing units' pre-activations are set to exactly 0, so both
neighbouring pieces see bit-identical values of the next layer there.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..spec.gradients import pull_back


class Pieces(NamedTuple):
    """Flat description of the pieces of every row's path, sorted by row then by α (unchecked internal)."""

    row: np.ndarray      # (P,) int64, non-decreasing
    start: np.ndarray    # (P,) α at the start of the piece
    stop: np.ndarray     # (P,) α at the end; stop >= start
    masks: list          # masks[l-1]: (P, n_l) bool, ReLU'(z_l) inside the piece, for the layers split so far
    z_start: np.ndarray  # (P, n_{l+1}) pre-activations of the next layer at the start of the piece
    z_stop: np.ndarray   # (P, n_{l+1}) ... and at its end


def trace_pieces(weights, biases, X, B, n_split: int) -> Pieces:
    """Split every path ``B[r] → X[r]`` at the sign changes of hidden layers ``1..n_split`` (unchecked internal)."""
    n = X.shape[0]
    pieces = Pieces(np.arange(n), np.zeros(n), np.ones(n), [], B @ weights[0] + biases[0], X @ weights[0] + biases[0])
    for layer in range(1, n_split + 1):
        pieces = _split(pieces)
        active = (pieces.z_start + pieces.z_stop) > 0  # sign inside the piece; both ends 0 -> inactive
        z_start = (pieces.z_start * active) @ weights[layer] + biases[layer]
        z_stop = (pieces.z_stop * active) @ weights[layer] + biases[layer]
        pieces = pieces._replace(masks=pieces.masks + [active], z_start=z_start, z_stop=z_stop)
    return pieces


def _split(p: Pieces) -> Pieces:
    """Split each piece where a unit of ``z_start``/``z_stop`` changes sign strictly inside it."""
    s, e = p.z_start, p.z_stop
    piece, unit = np.nonzero(np.sign(s) * np.sign(e) < 0)  # row-major: sorted by piece
    tau = s[piece, unit] / (s[piece, unit] - e[piece, unit])
    inside = (tau > 0) & (tau < 1)
    piece, unit, tau = piece[inside], unit[inside], tau[inside]
    order = np.lexsort((tau, piece))
    piece, unit, tau = piece[order], unit[order], tau[order]
    first = np.ones(len(tau), dtype=bool)  # first crossing of each distinct (piece, τ)
    first[1:] = (piece[1:] != piece[:-1]) | (tau[1:] != tau[:-1])
    cut = np.cumsum(first) - 1  # the distinct breakpoint each crossing belongs to
    cut_piece, cut_tau = piece[first], tau[first]

    n_cuts = np.bincount(cut_piece, minlength=len(s))
    parent = np.repeat(np.arange(len(s)), n_cuts + 1)
    first_child = np.cumsum(n_cuts + 1) - (n_cuts + 1)
    rank = np.arange(len(cut_tau)) - (np.cumsum(n_cuts) - n_cuts)[cut_piece]
    left = first_child[cut_piece] + rank  # the child piece that ends at this breakpoint; the next one starts there

    lo, hi = p.start[cut_piece], p.stop[cut_piece]
    alpha = np.clip(lo + cut_tau * (hi - lo), lo, hi)  # rounding must not leave the parent piece
    start, stop = p.start[parent], p.stop[parent]
    stop[left], start[left + 1] = alpha, alpha

    z_cut = s[cut_piece] + cut_tau[:, None] * (e[cut_piece] - s[cut_piece])  # affine inside the parent
    z_cut[cut, unit] = 0.0  # the crossing units are exactly 0 at their breakpoint
    z_start, z_stop = s[parent], e[parent]
    z_stop[left], z_start[left + 1] = z_cut, z_cut
    return Pieces(p.row[parent], start, stop, [m[parent] for m in p.masks], z_start, z_stop)


def active_fraction(s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Fraction of a piece on which an affine function with end values ``s``, ``e`` is positive.

    ``(s⁺ + e⁺) / (|s| + |e|)``: 1 when both are ``>= 0`` and not both 0, 0 when both are ``<= 0``, and
    ``s / (s − e)`` (or ``e / (e − s)``) when the signs are strictly opposite; ``0/0`` (0 at both ends) is 0,
    matching ``ReLU'(0) = 0``.
    """
    num = np.maximum(s, 0.0) + np.maximum(e, 0.0)
    den = np.abs(s) + np.abs(e)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def exact_ig(weights, biases, X, B, targets) -> np.ndarray:
    """Exact IG of every row ``B[r] → X[r]`` for output ``targets[r]`` (the contract of
    :func:`refimpl.spec.integrated.integrated_gradients`), shape (n, d)."""
    if len(weights) == 1:  # affine model: the gradient is W_0[:, target] everywhere
        return (X - B) * weights[0].T[targets]
    pieces = trace_pieces(weights, biases, X, B, len(weights) - 2)
    width = (pieces.stop - pieces.start)[:, None]
    # The last hidden layer is not split: integrate its units' activity over each piece in closed form.
    masks = pieces.masks + [width * active_fraction(pieces.z_start, pieces.z_stop)]
    dz1 = pull_back(weights, masks, weights[-1].T[targets[pieces.row]], stop=1) * masks[0]
    if len(dz1) > len(X):  # some row has several pieces: sum them (rows are sorted, each has >= 1 piece)
        dz1 = np.add.reduceat(dz1, np.flatnonzero(np.r_[True, pieces.row[1:] != pieces.row[:-1]]), axis=0)
    return (X - B) * (dz1 @ weights[0].T)

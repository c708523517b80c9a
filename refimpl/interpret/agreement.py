"""How far two attributions agree (the source document's claim that compression changes explanations, measured)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..spec.checks import as_float_array, check_int
from ..spec.gradients import target_or_predicted
from ..spec.mlp import check_inputs, check_model
from .integrated import exact_attributions


class Agreement(NamedTuple):
    """Per-row agreement measures, shape (n,) each, and their arithmetic means (Python floats)."""

    cosine: np.ndarray
    spearman: np.ndarray
    top_k_overlap: np.ndarray
    mean_cosine: float
    mean_spearman: float
    mean_top_k_overlap: float


def attribution_agreement(a, b, top_k=10) -> Agreement:
    """Agreement of two attributions of the same inputs, row by row.

    For rows ``a``, ``b`` of length ``d``:

    - ``cosine = a·b / (‖a‖ ‖b‖)``; 1 when both rows are all zero, 0 when exactly one is. Each row is first divided
      by its largest ``|entry|`` (which changes nothing mathematically) so that no square overflows or underflows.
    - ``spearman``: the Pearson correlation of the rank vectors ``R(a)``, ``R(b)`` of the signed values, ranks
      ``1..d`` with tied values given the average of the ranks they span. When a rank vector is constant (all values
      tied, or ``d = 1``) the correlation is 0/0; it is defined as 1 when both are constant and 0 when one is.
    - ``top_k_overlap = |T_k(a) ∩ T_k(b)| / k``, ``T_k`` the indices of the ``k`` largest ``|values|``, ties broken
      towards the lower index.

    Parameters
    ----------
    a, b : array_like of shape (n, d), same shape, n >= 1, d >= 1, finite
    top_k : int in [1, d]

    Returns
    -------
    Agreement
        ``cosine`` in [-1, 1] (clipped, rounding can step past ±1 by an ulp), ``spearman`` in [-1, 1],
        ``top_k_overlap`` in {0, 1/k, …, 1}, and their means.

    Notes
    -----
    - Symmetric in ``a`` and ``b`` (bit for bit), and ``a`` against itself gives 1 (``spearman`` and
      ``top_k_overlap`` exactly, ``cosine`` within a few ulps).
    - Invariant to multiplying a row by ``c > 0``: ``spearman`` and ``top_k_overlap`` exactly when the scaling
      creates no new ties (e.g. powers of 2), ``cosine`` within rounding.
    - ``-0.0`` and ``0.0`` are tied.
    - Exactness: ranks and overlaps are exact; the correlations are float64 with relative error ``O(d · 2^-53)``.

    Raises
    ------
    TypeError
        Non-numeric ``a``/``b``, non-int ``top_k``.
    ValueError
        Not 2-D, different shapes, no rows or no columns, non-finite entries, ``top_k`` outside ``[1, d]``.
    """
    a = as_float_array(a, "a", ndim=2)
    b = as_float_array(b, "b", ndim=2)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"a and b must have at least one row and one column, got shape {a.shape}")
    top_k = check_int(top_k, "top_k", lo=1, hi=a.shape[1])
    cosine = _cosine(a, b)
    spearman = _correlation(average_ranks(a), average_ranks(b))
    overlap = _top_k_overlap(a, b, top_k)
    return Agreement(cosine, spearman, overlap, float(cosine.mean()), float(spearman.mean()), float(overlap.mean()))


def average_ranks(a: np.ndarray) -> np.ndarray:
    """Ranks 1..d of each row's values, ties averaged (``[3, 1, 3] → [2.5, 1, 2.5]``); unchecked internal."""
    n, d = a.shape
    order = np.argsort(a, axis=1, kind="stable")
    ordered = np.take_along_axis(a, order, axis=1)
    new_group = np.ones((n, d), dtype=bool)
    new_group[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    starts = np.flatnonzero(new_group)  # flat index of the first member of each tie group (a new row starts one)
    sizes = np.diff(np.r_[starts, n * d])
    first_rank = starts % d + 1.0
    mean_rank = first_rank + (sizes - 1) / 2.0  # the average of first_rank .. first_rank + size - 1
    ranks = np.empty((n, d))
    np.put_along_axis(ranks, order, np.repeat(mean_rank, sizes).reshape(n, d), axis=1)
    return ranks


def _cosine(a, b) -> np.ndarray:
    a, b = _unit_max(a), _unit_max(b)
    norms = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))  # each sum is in [1, d] after _unit_max (or 0)
    both_zero = ~a.any(axis=1) & ~b.any(axis=1)
    cos = np.divide((a * b).sum(axis=1), norms, out=np.zeros(len(a)), where=norms > 0)
    return np.where(both_zero, 1.0, np.clip(cos, -1.0, 1.0))


def _unit_max(a) -> np.ndarray:
    scale = np.abs(a).max(axis=1, keepdims=True)
    return np.divide(a, scale, out=np.zeros_like(a), where=scale > 0)


def _correlation(ra, rb) -> np.ndarray:
    ca = ra - ra.mean(axis=1, keepdims=True)
    cb = rb - rb.mean(axis=1, keepdims=True)
    va, vb = (ca * ca).sum(axis=1), (cb * cb).sum(axis=1)
    both_constant = (va == 0) & (vb == 0)
    denom = np.sqrt(va * vb)  # one rounding: sqrt(v · v) == v exactly, so identical rank vectors give exactly 1
    rho = np.divide((ca * cb).sum(axis=1), denom, out=np.zeros(len(ra)), where=denom > 0)
    return np.where(both_constant, 1.0, np.clip(rho, -1.0, 1.0))


def _top_k_overlap(a, b, k: int) -> np.ndarray:
    top_a = np.argsort(-np.abs(a), axis=1, kind="stable")[:, :k]  # stable: ties keep the lower index first
    top_b = np.argsort(-np.abs(b), axis=1, kind="stable")[:, :k]
    chosen = np.zeros(a.shape, dtype=bool)
    np.put_along_axis(chosen, top_a, True, axis=1)
    return np.take_along_axis(chosen, top_b, axis=1).sum(axis=1) / k


def ig_agreement(original, compressed, X, target=None) -> float:
    """Mean Spearman correlation between the exact integrated gradients of two models on the rows of ``X``.

    Both attributions use a zero baseline and the same output per row: ``target`` (an int or an int array of shape
    (n,)), or by default the original model's predicted class ``argmax_k F_k(x)`` (lowest index on ties). This is
    ``attribution_agreement(IG_original, IG_compressed).mean_spearman`` (1 means the same feature ranking on every
    row). Raises as :func:`integrated_gradients` and :func:`attribution_agreement`; ``ValueError`` also when the two
    models' input or output widths differ or ``X`` has no rows.
    """
    check_model(original, "original")
    check_model(compressed, "compressed")
    if (original.sizes[0], original.sizes[-1]) != (compressed.sizes[0], compressed.sizes[-1]):
        raise ValueError(f"original and compressed must have the same input and output widths, got sizes "
                         f"{original.sizes} and {compressed.sizes}")
    X = check_inputs(original, X, rows_needed_for="(the mean over no rows is undefined)")
    targets = target_or_predicted(original, X, target, "original")
    B = np.zeros_like(X)
    ig = [exact_attributions(m, X, B, targets, name) for name, m in (("original", original),
                                                                     ("compressed", compressed))]
    return attribution_agreement(*ig, top_k=min(10, X.shape[1])).mean_spearman

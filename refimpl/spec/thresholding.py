"""§3.1 Weight thresholding: ``ŵ_i = w_i if |w_i| > ε else 0``, the L1 importance ``R = Σ|w_i|``, and the
count-based variant that zeros the ``k`` smallest weights (PyTorch's ``l1_unstructured`` count rule, with ties
decided).

Everything here is exact: masks and counts are decided by comparisons of float64 magnitudes, and ``R`` is correctly
rounded.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from .checks import BoolArray, FloatArray, RealLike, as_float_array, check_real


def threshold(w: npt.ArrayLike, eps: RealLike) -> FloatArray:
    """§3.1 thresholding: ``ŵ_i = w_i if |w_i| > ε, else 0``.

    Parameters
    ----------
    w : array_like of real numbers, any shape (0-d and empty included)
    eps : float, finite, ε >= 0

    Returns
    -------
    ndarray of float64, the shape of ``w``
        A new array; ``w`` is never modified. Exact: each entry is either ``w_i`` itself or zero.

    Notes
    -----
    - The inequality is strict: a weight with ``|w_i| == ε`` is removed, so ``ε = 0`` removes exactly the zeros.
    - The sign of a zero (``-0.0`` or ``0.0``), in the input or produced by thresholding, is not part of the spec;
      the result writes ``+0.0`` for every removed weight.
    - An empty ``w`` gives an empty result of the same shape.
    - Unlike the source document's example code, which draws a random mask, the mask is ``|w| > ε``: deterministic.

    Raises
    ------
    TypeError
        ``w`` is not an array of real numbers, or ``eps`` is not a real number.
    ValueError
        ``w`` holds NaN or ±inf, or ``eps`` is negative, NaN or infinite.
    """
    w = as_float_array(w, "w")
    eps = check_real(eps, "eps", lo=0.0)
    return np.where(np.abs(w) > eps, w, 0.0)


def l1_importance(w: npt.ArrayLike) -> float:
    """§3.1 importance of the weights: ``R = Σ_{i=1..n} |w_i|``, correctly rounded.

    Parameters
    ----------
    w : array_like of real numbers, any shape

    Returns
    -------
    float
        The exact sum of the ``|w_i|`` rounded once to the nearest float64 (ties to even), so the result does not
        depend on the order or the shape of ``w`` (``math.fsum``). An empty ``w`` gives ``0.0``. An exact sum
        beyond the largest float64 gives ``inf`` (the correctly rounded value), never an error.

    Raises
    ------
    TypeError
        ``w`` is not an array of real numbers.
    ValueError
        ``w`` holds NaN or ±inf.
    """
    values = np.abs(as_float_array(w, "w")).ravel().tolist()
    try:
        total = math.fsum(values)
        if total < 2.0 ** 1023:
            return total
    except OverflowError:
        pass
    # Near the top of the range fsum may overflow or round a halfway sum down: sum the exact rationals instead
    # (int / int division in CPython is correctly rounded and raises OverflowError where the rounding gives inf).
    try:
        return float(sum(map(Fraction, values), Fraction(0)))
    except OverflowError:
        return math.inf


def round_count(fraction: float, n: int) -> int:
    """``round_half_even(fraction · n)``: Python's ``round`` of the float64 product (PyTorch's count rule).

    The product is rounded to float64 first, so ``0.35 · 10`` (which is ``3.5`` in float64) gives 4. For
    ``fraction`` in [0, 1] the result lies in [0, n].
    """
    return int(round(fraction * n))


def smallest_first(magnitudes: FloatArray) -> npt.NDArray[np.intp]:
    """Flat indices ordered by increasing magnitude, ties by increasing flat index (a stable sort)."""
    return np.argsort(magnitudes.ravel(), kind="stable")


def smallest_mask(magnitudes: FloatArray, sparsity: float) -> BoolArray:
    """Boolean keep-mask of ``magnitudes``' shape that is False on exactly the ``k = round_count(sparsity, size)``
    entries ranked first by :func:`smallest_first`."""
    keep = np.ones(magnitudes.size, dtype=bool)
    keep[smallest_first(magnitudes)[:round_count(sparsity, magnitudes.size)]] = False
    return keep.reshape(magnitudes.shape)


def prune_smallest(w: npt.ArrayLike, sparsity: RealLike) -> FloatArray:
    """Zero exactly the ``k = round_half_even(sparsity · n)`` weights of smallest ``|w_i|``.

    The count-based form of §3.1: it is ``threshold(w, ε)`` for an ε between the k-th and (k+1)-th smallest
    ``|w_i|`` whenever those differ, and it decides ties where no ε can.

    Parameters
    ----------
    w : array_like of real numbers, any shape, ``n = w.size``
    sparsity : float in [0, 1], the fraction of weights to zero (PyTorch's ``amount``)

    Returns
    -------
    ndarray of float64, the shape of ``w``
        A new array with exactly ``k`` entries set to ``+0.0`` and every other entry equal to ``w_i``. Exact.

    Notes
    -----
    - ``k`` is Python's ``round`` (half to even) of the float64 product ``sparsity * n``: 0.5·5 → 2, 0.5·7 → 4,
      0.35·10 → 4 (because ``0.35 * 10 == 3.5`` in float64) — PyTorch's rule for a float ``amount``.
    - Ties in ``|w|`` are broken by flat (row-major) index: the lower index is pruned first. PyTorch's ``topk``
      leaves tied order unspecified; this spec decides it.
    - ``-0.0`` and ``0.0`` have the same magnitude and tie; the sign of a zero is not part of the spec.
    - Already-zero weights count among the ``k`` when they rank among the smallest (unlike PyTorch's iterative
      pruning, which applies the fraction to the entries still unpruned).
    - An empty ``w`` gives an empty result (k = 0).

    Raises
    ------
    TypeError
        ``w`` is not an array of real numbers, or ``sparsity`` is not a real number.
    ValueError
        ``w`` holds NaN or ±inf, or ``sparsity`` is outside [0, 1] or not finite.
    """
    w = as_float_array(w, "w")
    sparsity = check_real(sparsity, "sparsity", lo=0.0, hi=1.0)
    keep = smallest_mask(np.abs(w), sparsity)
    return np.where(keep, w, 0.0)

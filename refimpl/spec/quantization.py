"""§3.2 Weight quantization: min-max normalisation ``w̃ = (w − lo)/(hi − lo)`` and the floor formula
``w_i = ⌊α·w̃_i + β⌋``, in float64 and in exact rational arithmetic, plus the per-tensor quantizer built on them
(α = 2^bits − 1) and its inverse.

How float64 and exact arithmetic can disagree is stated once, here: computing ``s = fl(fl(α·w̃) + β)`` makes two
roundings, each of at most half an ulp of its result. With ``S = max(|fl(α·w̃)|, |β|)`` the sum's magnitude is at most
``2S``, so ``|s − (α·w̃ + β)| ≤ ½·ulp(S) + ½·ulp(2S) = 1.5·ulp(S)`` (``ulp(x) = np.spacing(|x|)``). The two floors can
therefore differ only where the exact value lies within 1.5·ulp(S) of an integer; :data:`FLOOR_ULP_WINDOW` states
2 ulps, and when ``S < 2^52`` (so 1.5·ulp(S) < 1) they then differ by exactly one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from . import channels
from .checks import FloatArray, IntArray, IntLike, RealLike, as_float_array, as_int_array, check_int, check_real

FLOOR_ULP_WINDOW = 2
"""The float64 and exact floors of ``α·w̃ + β`` agree unless the exact value lies within this many ulps of
``S = max(|fl(α·w̃)|, |β|)`` of an integer (proven bound: 1.5; see the module docstring)."""

DEQUANTIZE_ROUNDING = 2.0 ** -49
"""Rounding allowance of the round trip, relative to ``|lo| + |hi|`` (16 units of 2^-53; derivation in
:func:`dequantize`)."""

_INT64_LIMIT = 2.0 ** 63


def minmax_normalize(w: npt.ArrayLike) -> FloatArray:
    """§3.2 step 1: ``w̃ = (w − lo)/(hi − lo)`` with ``lo = min w``, ``hi = max w``.

    Parameters
    ----------
    w : array_like of real numbers, any shape, not empty

    Returns
    -------
    ndarray of float64, the shape of ``w``, every entry in [0, 1]
        Evaluated as ``(w − lo) / (hi − lo)``: three correctly rounded operations, so each entry is within 3 units
        of 2^-53 (relative) of the exact quotient. The minimum maps to exactly 0.0 and the maximum to exactly 1.0,
        and rounding is monotone, so no entry leaves [0, 1].

    Notes
    -----
    - A constant tensor (``hi == lo``, which the source document leaves as 0/0) gives all zeros.
    - ``-0.0`` and ``0.0`` compare equal: a tensor holding only zeros is constant.

    Raises
    ------
    TypeError
        ``w`` is not an array of real numbers.
    ValueError
        ``w`` is empty, holds NaN or ±inf, or ``hi − lo`` overflows float64.
    """
    w = as_float_array(w, "w", allow_empty=False)
    lo: np.float64 = w.min()  # declared: NumPy's stubs type min() and max() without an axis as Any
    hi: np.float64 = w.max()
    if hi == lo:
        return np.zeros(w.shape)
    with np.errstate(over="ignore"):
        span = hi - lo
    if not np.isfinite(span):
        raise ValueError(f"w spans [{lo}, {hi}], whose width overflows float64; rescale w first")
    with np.errstate(under="ignore"):  # a quotient below 2^-1022 is correctly rounded to a subnormal: not an error
        return (w - lo) / span


def floor_quantize(w_tilde: npt.ArrayLike, alpha: RealLike, beta: RealLike) -> IntArray:
    """§3.2 step 2: ``w_i = ⌊α·w̃_i + β⌋`` in float64, evaluated exactly as ``floor(alpha * w_tilde + beta)``.

    One multiply, one add, one floor, each as IEEE float64 with round to nearest: the order matters at integer
    boundaries (``floor(100 * 0.29) == 28`` because the product is 28.999999999999996). This is the formula itself,
    defined for any finite ``w̃``, α, β; :func:`quantize` is the caller that feeds it [0, 1].

    Parameters
    ----------
    w_tilde : array_like of real numbers, any shape (empty included)
    alpha, beta : float, finite

    Returns
    -------
    ndarray of int64, the shape of ``w_tilde``
        Exact for the float64 evaluation; it differs from :func:`floor_quantize_exact` only inside the window
        described by :data:`FLOOR_ULP_WINDOW` (test with :func:`near_integer_boundary`).

    Notes
    -----
    - Negative values floor toward −∞, not toward zero: ``⌊−0.5⌋ = −1``.
    - An exact integer stays itself: ``⌊3.0⌋ = 3``.

    Raises
    ------
    TypeError
        An argument is not real (or not an array of reals).
    ValueError
        NaN or ±inf in any argument, or ``α·w̃ + β`` is not finite or its floor is outside the int64 range
        (``|⌊α·w̃ + β⌋| < 2^63`` is required).
    """
    w_tilde, alpha, beta = check_floor_arguments(w_tilde, alpha, beta)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):  # underflow is correctly rounded
        y = np.floor(alpha * w_tilde + beta)
    if not (np.abs(y) < _INT64_LIMIT).all():  # also catches inf and NaN from an overflowing product
        raise ValueError("alpha * w_tilde + beta must be finite with a floor inside the int64 range (|x| < 2^63)")
    return np.asarray(y.astype(np.int64))  # asarray: a 0-d w̃ gives a 0-d array, not a NumPy scalar


def floor_quantize_exact(w_tilde: npt.ArrayLike, alpha: RealLike, beta: RealLike) -> IntArray:
    """The same formula ``⌊α·w̃_i + β⌋`` in exact rational arithmetic on the given float64 values.

    Each float is converted to the ``fractions.Fraction`` it denotes exactly, so the only rounding is the floor.
    Arguments as :func:`floor_quantize`; returns an int64 array of the shape of ``w_tilde``. Exact.

    Raises
    ------
    TypeError
        An argument is not real (or not an array of reals).
    ValueError
        NaN or ±inf in any argument, or an exact floor outside the int64 range (``|⌊α·w̃ + β⌋| < 2^63``).
    """
    w_tilde, alpha, beta = check_floor_arguments(w_tilde, alpha, beta)
    a, b = Fraction(alpha), Fraction(beta)
    out = [math.floor(a * Fraction(x) + b) for x in w_tilde.ravel().tolist()]
    if any(abs(v) >= 2 ** 63 for v in out):
        raise ValueError("the exact floor of alpha * w_tilde + beta must be inside the int64 range (|x| < 2^63)")
    return np.array(out, dtype=np.int64).reshape(w_tilde.shape)



def check_floor_arguments(w_tilde: object, alpha: object, beta: object) -> tuple[FloatArray, float, float]:
    return as_float_array(w_tilde, "w_tilde"), check_real(alpha, "alpha"), check_real(beta, "beta")


def code_dtype(bits: int) -> np.dtype[np.uint8] | np.dtype[np.uint16]:
    """The smallest unsigned dtype that holds codes of ``bits`` bits (1..16): uint8 or uint16."""
    return np.dtype(np.uint8) if bits <= 8 else np.dtype(np.uint16)


def check_bits_beta(bits: IntLike, beta: RealLike) -> tuple[int, float]:
    """Validate ``bits`` in 1..16 and ``β`` in [0, 1) such that ``fl(α + β) < α + 1`` (α = 2^bits − 1).

    The last condition excludes the few β just below 1 for which the float64 sum ``α + β`` rounds up to
    ``2^bits``: those would give the maximum a code that does not fit in ``bits`` bits.
    """
    bits = check_int(bits, "bits", lo=1, hi=16)
    beta = check_real(beta, "beta", lo=0.0, hi=1.0, hi_open=True)
    alpha = float(2 ** bits - 1)
    if not alpha + beta < alpha + 1.0:
        raise ValueError(f"beta={beta!r} is so close to 1 that alpha + beta rounds to 2^bits for bits={bits}; "
                         "use a beta at least one ulp of alpha further from 1")
    return bits, beta


@dataclass(frozen=True, eq=False)
class Quantized:
    """A tensor quantized by §3.2: ``codes = ⌊α·w̃ + β⌋`` with ``w̃ = (w − lo)/(hi − lo)``, α = 2^bits − 1.

    Attributes
    ----------
    codes : read-only ndarray of uint8 (bits <= 8) or uint16, the tensor's shape, each in [0, α]
    lo, hi : float, the minimum and maximum of the original tensor (lo <= hi, finite, hi − lo finite); with
        ``axis``, read-only float64 arrays of shape (codes.shape[axis],): one range per slice along ``axis``
    bits : int in 1..16
    beta : float in [0, 1)
    axis : None (per tensor, the default) or the int axis of the per-slice ranges (stored non-negative)

    Constructing one validates every field (``TypeError``/``ValueError`` naming the field).
    """

    codes: npt.NDArray[np.integer[Any]]
    lo: float | FloatArray
    hi: float | FloatArray
    bits: int
    beta: float
    axis: int | None = None

    def __post_init__(self) -> None:
        bits, beta = check_bits_beta(self.bits, self.beta)
        codes = as_int_array(self.codes, "codes")
        lo: float | FloatArray
        hi: float | FloatArray
        axis: int | None
        if self.axis is None:
            lo, hi, axis = check_real(self.lo, "lo"), check_real(self.hi, "hi"), None
            if not (lo <= hi and math.isfinite(hi - lo)):
                raise ValueError(f"lo and hi must satisfy lo <= hi with a finite hi - lo, got lo={lo}, hi={hi}")
        else:
            lo, hi, axis = channels.check_ranges(self.lo, self.hi, codes, self.axis)
        if codes.size and (codes.min() < 0 or codes.max() > 2 ** bits - 1):
            raise ValueError(f"codes must lie in [0, {2 ** bits - 1}] for bits={bits}")
        codes = codes.astype(code_dtype(bits))
        codes.flags.writeable = False
        for name, value in (("codes", codes), ("lo", lo), ("hi", hi), ("bits", bits), ("beta", beta),
                            ("axis", axis)):
            object.__setattr__(self, name, value)

    @property
    def alpha(self) -> int:
        """α = 2^bits − 1, the number of steps between lo and hi."""
        return int(2 ** self.bits - 1)  # int(): mypy types int ** int as Any (a negative power is a float)


def quantize(w: npt.ArrayLike, bits: IntLike, beta: RealLike = 0.5, axis: IntLike | None = None) -> Quantized:
    """§3.2 quantization: ``codes = floor_quantize(minmax_normalize(w), α, β)`` with α = 2^bits − 1, per tensor,
    or per slice along ``axis`` (each slice ``w.take(j, axis)`` with its own ``lo_j``/``hi_j``).

    Parameters
    ----------
    w : array_like of real numbers, any shape, not empty
    bits : int in 1..16
    beta : float in [0, 1), default 0.5
        ½ rounds each normalised weight half up to the nearest of the 2^bits levels; 0 truncates (floor).
    axis : None (per tensor) or int in [-w.ndim, w.ndim) (per channel: ``axis=1`` gives one range per output neuron
        of a weight matrix of shape (n_l, n_{l+1}))

    Returns
    -------
    Quantized
        ``codes`` in the smallest unsigned dtype for ``bits``; ``lo = min w``, ``hi = max w``. Exact: the codes are
        the float64 evaluation of the formula, nothing else.

    Notes
    -----
    - Every code lies in [0, 2^bits − 1]: w̃ ∈ [0, 1] (see :func:`minmax_normalize`), rounding is monotone, and β is
      validated so that ``fl(α + β) < α + 1``. α = 2^bits would put the maximum alone on level 2^bits.
    - The minimum gets code ⌊β⌋ = 0 and the maximum ⌊α + β⌋ = α.
    - A constant tensor gets all-zero codes and comes back exactly.
    - Zero is not preserved: 0 maps to whatever level is nearest (see :func:`quantize_model` for pruned tensors).
    - Unlike PyTorch's affine quantizer (round half to even, zero point forced into the range) or TensorFlow's
      MIN_COMBINED (half away from zero), this is the document's floor with β = ½, i.e. round half up.
    - Per channel, every slice is quantized as the per-tensor form quantizes it alone (bit-identical codes): a
      constant slice gets codes 0 and comes back exactly; ``lo``/``hi`` are arrays of shape (w.shape[axis],).

    Raises
    ------
    TypeError
        ``w`` is not an array of reals, ``bits`` is not an int, ``beta`` is not real.
    ValueError
        ``w`` is empty (per channel: any zero-length dimension, so that no slice is empty) or not finite or (a
        slice of) it spans more than float64 can hold; ``bits`` outside 1..16 (0 and 17 are refused); ``beta``
        outside [0, 1) or so close to 1 that ``α + β`` rounds to 2^bits; ``axis`` out of range (``TypeError`` when
        it is not an int).
    """
    bits, beta = check_bits_beta(bits, beta)
    w = as_float_array(w, "w", allow_empty=False)
    if axis is None:
        codes = floor_quantize(minmax_normalize(w), 2 ** bits - 1, beta)
        return Quantized(codes, float(w.min()), float(w.max()), bits, beta)
    axis = channels.check_axis(axis, w.ndim)
    lo, hi = channels.slice_ranges(w, axis)
    codes = floor_quantize(channels.normalize_slices(w, axis, lo, hi), 2 ** bits - 1, beta)
    return Quantized(codes, lo, hi, bits, beta, axis)


def dequantize(q: Quantized) -> FloatArray:
    """The inverse map ``ŵ_i = lo + c_i·(hi − lo)/α`` (the source document defines none).

    Evaluated as the convex combination ``lo·((α − c)/α) + hi·(c/α)``, which is the same formula and returns
    ``lo`` and ``hi`` exactly for the codes 0 and α (and so a constant tensor exactly).

    Parameters
    ----------
    q : Quantized

    Returns
    -------
    ndarray of float64, the shape of ``q.codes`` (per channel: slice ``j`` uses ``lo[j]``, ``hi[j]``)

    Notes
    -----
    Error bound of the round trip, for every entry: ``|w − dequantize(quantize(w, bits, β))| ≤
    max(β, 1 − β)·(hi − lo)/α + DEQUANTIZE_ROUNDING·(|lo| + |hi|) + 2^-1072``. In exact arithmetic
    ``c − α·w̃ ∈ (β − 1, β]`` gives the first term. Rounding adds at most: 3u·(hi − lo) from computing w̃,
    1.5·ulp(α + 1) ≤ 3u·(α + 1) code units ≤ 6u·(hi − lo) from the floor's argument, and 3u·(|lo| + |hi|) from this
    evaluation (u = 2^-53), 12u·(|lo| + |hi|) in all; 16u is stated. The last term covers underflow to subnormals.

    Raises
    ------
    TypeError
        ``q`` is not a :class:`Quantized`.
    """
    if not isinstance(q, Quantized):
        raise TypeError(f"q must be a refimpl.Quantized, got {type(q).__name__}")
    alpha = float(q.alpha)
    c = q.codes.astype(np.float64)
    lo, hi = q.lo, q.hi
    if q.axis is not None:  # per channel: lo and hi are arrays, shaped here to broadcast along the axis
        lo, hi = channels.along(np.asarray(lo), q.axis, c.ndim), channels.along(np.asarray(hi), q.axis, c.ndim)
    with np.errstate(under="ignore"):  # lo or hi near the subnormal range: the rounded products are the answer
        return np.asarray(lo * ((alpha - c) / alpha) + hi * (c / alpha))  # 0-d codes: 0-d array, not scalar


def fake_quantize(w: npt.ArrayLike, bits: IntLike, beta: RealLike = 0.5, axis: IntLike | None = None) -> FloatArray:
    """Quantize then dequantize: ``dequantize(quantize(w, bits, beta, axis))``, the floats a quantized model
    computes with (what TensorFlow's ``fake_quant_*`` and PyTorch's ``fake_quantize_per_tensor_affine`` return, on
    the spec's levels ``lo + k·(hi − lo)/α``). Arguments, edge cases, exactness and errors are those of
    :func:`quantize` and :func:`dequantize`; returns a float64 array of ``w``'s shape."""
    return dequantize(quantize(w, bits, beta, axis))

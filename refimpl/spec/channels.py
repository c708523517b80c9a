"""Per-channel (per-slice) ranges for §3.2 quantization: one ``lo``/``hi`` per index along an ``axis``.

With ``axis = k`` the slice ``j`` is ``w.take(j, axis=k)`` (for refimpl's weights ``W_l`` of shape (n_l, n_{l+1}),
``axis=1`` gives one range per output neuron, as TensorFlow's ``QuantizeV2(axis=...)`` and PyTorch's per-channel
observers do for an output channel). Every slice is quantized exactly as the per-tensor form quantizes a tensor:
``w̃ = (w − lo_j)/(hi_j − lo_j)``, a constant slice gives ``w̃ = 0`` and comes back exactly. Used by
:func:`refimpl.quantize`, :class:`refimpl.Quantized` and :func:`refimpl.dequantize`.
"""

from __future__ import annotations

import numpy as np

from .checks import FloatArray, IntArray, IntLike, as_float_array, check_int


def check_axis(axis: IntLike, ndim: int) -> int:
    """``axis`` as a non-negative index into ``ndim`` dimensions (negative counts from the end, as NumPy).

    Raises ``TypeError`` for a non-int (``True`` included) and ``ValueError`` naming ``axis`` when it is outside
    ``[-ndim, ndim)`` (a 0-d tensor has no axis).
    """
    axis = check_int(axis, "axis")
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis must be in [{-ndim}, {ndim}) for a {ndim}-D tensor, got {axis}")
    return axis % ndim


def along(values: FloatArray, axis: int, ndim: int) -> FloatArray:
    """The per-slice ``values`` (shape (n,)) shaped to broadcast against an ``ndim``-D tensor along ``axis``."""
    shape = [1] * ndim
    shape[axis] = values.size
    return values.reshape(shape)


def slice_ranges(w: FloatArray, axis: int) -> tuple[FloatArray, FloatArray]:
    """``(lo, hi)``: the minimum and maximum of every slice of ``w`` along ``axis``, each of shape (w.shape[axis],).

    Raises ``ValueError`` naming ``w`` for an empty slice (a tensor with a zero-length dimension other than
    ``axis``: a range of no values is undefined, as for an empty tensor) or a slice whose width ``hi − lo``
    overflows float64.
    """
    others = tuple(d for d in range(w.ndim) if d != axis)
    if w.size == 0:
        raise ValueError(f"w must not be empty (shape {w.shape}): a slice of no values has no range")
    lo, hi = w.min(axis=others), w.max(axis=others)
    with np.errstate(over="ignore"):
        span = hi - lo
    if not np.isfinite(span).all():
        j = int(np.flatnonzero(~np.isfinite(span))[0])
        raise ValueError(f"slice {j} of w along axis {axis} spans [{lo[j]}, {hi[j]}], whose width overflows float64")
    return lo, hi


def normalize_slices(w: FloatArray, axis: int, lo: FloatArray, hi: FloatArray) -> FloatArray:
    """``w̃ = (w − lo_j)/(hi_j − lo_j)`` slice by slice; 0 on a constant slice (``hi_j == lo_j``). The same three
    correctly rounded operations as :func:`refimpl.minmax_normalize`, so each slice's ``w̃`` is bit-identical to
    the per-tensor normalisation of that slice alone."""
    lo_b, span_b = along(lo, axis, w.ndim), along(hi - lo, axis, w.ndim)
    with np.errstate(under="ignore", invalid="ignore", divide="ignore"):
        out = (w - lo_b) / span_b
    return np.where(span_b > 0, out, 0.0)


def check_ranges(lo: object, hi: object, codes: IntArray, axis: IntLike) -> tuple[FloatArray, FloatArray, int]:
    """Validate per-slice ``lo``/``hi`` of :class:`refimpl.Quantized` with ``axis``: 1-D, finite, one entry per
    slice of ``codes`` along ``axis``, ``lo <= hi`` with a finite ``hi − lo``. Returns read-only float64 copies and
    the non-negative axis."""
    axis = check_axis(axis, codes.ndim)
    n = codes.shape[axis]
    lo, hi = as_float_array(lo, "lo", ndim=1), as_float_array(hi, "hi", ndim=1)
    for name, values in (("lo", lo), ("hi", hi)):
        if values.shape != (n,):
            raise ValueError(f"{name} must have one entry per slice of codes along axis {axis} ({n}), got shape "
                             f"{values.shape}")
    with np.errstate(over="ignore"):
        ok = (lo <= hi) & np.isfinite(hi - lo)
    if not ok.all():
        j = int(np.flatnonzero(~ok)[0])
        raise ValueError(f"lo and hi must satisfy lo <= hi with a finite hi - lo in every slice, got lo[{j}]="
                         f"{lo[j]}, hi[{j}]={hi[j]}")
    lo, hi = lo.copy(), hi.copy()
    lo.flags.writeable = hi.flags.writeable = False
    return lo, hi, axis

"""Where float64 and exact floors may disagree: the rounding window of ``⌊α·w̃ + β⌋`` near an integer, for the
conformance checker and for users who compare a float implementation with the exact one (not part of the spec's
formulas; the bound itself, :data:`refimpl.spec.quantization.FLOOR_ULP_WINDOW`, is derived there)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..spec.checks import check_real
from ..spec.quantization import FLOOR_ULP_WINDOW, check_floor_arguments


def near_integer_boundary(w_tilde, alpha, beta, ulps=FLOOR_ULP_WINDOW) -> np.ndarray:
    """Whether the exact ``α·w̃_i + β`` lies within ``ulps`` ulps of ``S_i = max(|fl(α·w̃_i)|, |β|)`` of an integer.

    Where this is False, :func:`refimpl.floor_quantize` and :func:`refimpl.floor_quantize_exact` must agree (with
    the default ``ulps``); where it is True they may differ, by exactly one when ``S_i < 2^52``. A conformance
    checker uses it to tell a real bug from a rounding boundary. The distance is compared exactly (rationals);
    ``ulps`` is a finite number >= 0.

    Returns
    -------
    ndarray of bool, the shape of ``w_tilde``

    Raises
    ------
    TypeError, ValueError
        As :func:`refimpl.floor_quantize_exact` for the arguments; ``ulps`` negative or not finite.
    """
    w_tilde, alpha, beta = check_floor_arguments(w_tilde, alpha, beta)
    ulps = Fraction(check_real(ulps, "ulps", lo=0.0))
    with np.errstate(over="ignore", under="ignore"):
        scale = np.maximum(np.abs(alpha * w_tilde), abs(beta))
    a, b = Fraction(alpha), Fraction(beta)
    out = []
    for x, s in zip(w_tilde.ravel().tolist(), scale.ravel().tolist(), strict=True):
        t = a * Fraction(x) + b
        distance = min(t - math.floor(t), math.ceil(t) - t)
        out.append(not math.isfinite(s) or distance <= ulps * Fraction(float(np.spacing(s))))
    return np.array(out, dtype=bool).reshape(w_tilde.shape)

"""Correctly rounded exp, log and log1p, so that the golden vectors do not depend on the platform's libm.

NumPy's ``exp`` is not correctly rounded and its result differs between builds (measured: NumPy 1.24-1.26 on
AVX-512 machines give 9 values of mlp_gradients.json that differ by up to 11 ulps from other machines). While the
vectors are written, :func:`platform_independent` has refimpl's loss functions use the versions below instead:
each value is computed with :mod:`decimal` at a precision well beyond float64's (more digits for arguments near 0,
where log1p needs them) and rounded once to float64 (``float(Decimal)`` is correctly rounded), so every platform
writes the same bytes. Everything else the losses compute (sums, products, divisions) is IEEE arithmetic, which
NumPy evaluates identically everywhere for these small inputs.
"""

from __future__ import annotations

import math
import types
from contextlib import contextmanager
from decimal import Decimal, localcontext

import numpy as np

DIGITS = 60


def _digits(x: float) -> int:
    """Enough decimal digits for ``x``: 60 plus its decimal exponent's magnitude below 1."""
    return DIGITS + (max(0, -math.frexp(x)[1]) * 31 // 100 if x != 0.0 and math.isfinite(x) else 0)


def _each(fn, x):
    arr = np.asarray(x, dtype=np.float64)
    out = np.array([fn(float(v)) for v in arr.ravel()], dtype=np.float64).reshape(arr.shape)
    return out if arr.ndim else out[()]


def _exp(x: float) -> float:
    if not math.isfinite(x):
        return math.exp(x)
    with localcontext() as ctx:
        ctx.prec = DIGITS
        ctx.Emin, ctx.Emax = -999999, 999999
        return float(Decimal(x).exp())


def _log(x: float) -> float:
    if not (math.isfinite(x) and x > 0):
        return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)
    with localcontext() as ctx:
        ctx.prec = DIGITS
        return float(Decimal(x).ln())


def _log1p(x: float) -> float:
    if not (math.isfinite(x) and x > -1):
        return math.log1p(x) if math.isfinite(x) else x
    with localcontext() as ctx:
        ctx.prec = _digits(x)
        return float((Decimal(1) + Decimal(x)).ln())


def exp(x, *args, **kwargs):
    return _each(_exp, x)


def log(x, *args, **kwargs):
    return _each(_log, x)


def log1p(x, *args, **kwargs):
    return _each(_log1p, x)


class _NumPy(types.ModuleType):
    """NumPy with exp, log and log1p replaced (every other name is NumPy's own)."""

    def __getattr__(self, name):
        return getattr(np, name)


_SHIM = _NumPy("numpy_correctly_rounded")
_SHIM.exp, _SHIM.log, _SHIM.log1p = exp, log, log1p


@contextmanager
def platform_independent():
    """While active, refimpl's loss functions (refimpl.spec.losses) use the correctly rounded exp/log/log1p."""
    from ..spec import losses  # noqa: PLC0415 - the module whose NumPy is swapped for the duration

    saved = losses.np
    losses.np = _SHIM
    try:
        yield
    finally:
        losses.np = saved

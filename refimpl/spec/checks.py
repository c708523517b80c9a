"""Argument checks shared by every public function.

Each check names the argument and says what would be valid, and raises ``TypeError`` for a wrong kind of value and
``ValueError`` for a right kind with a wrong value. Nothing here modifies its input.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
IntLike: TypeAlias = int | np.integer[Any]
"""An int argument: a Python or NumPy integer (bool is refused at run time although it is an int subclass)."""
RealLike: TypeAlias = float | np.integer[Any] | np.floating[Any]
"""A real argument: a Python int or float, or a NumPy integer or float (bool is refused at run time)."""

_P = ParamSpec("_P")
_R = TypeVar("_R")

_REAL_KINDS = "iuf"  # signed and unsigned integers, floats; never bool, complex, object, str


def _as_array(x: object, name: str, what: str) -> npt.NDArray[Any]:
    """``np.asarray(x)``, refusing None, strings and ragged nests with a TypeError that says ``what`` is expected."""
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be {what}, got {type(x).__name__}")
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as exc:  # ragged nested lists and the like
        raise TypeError(f"{name} must be {what}: {exc}") from None


def as_float_array(x: object, name: str, *, ndim: int | None = None, allow_empty: bool = True,
                   finite: bool = True) -> FloatArray:
    """Return ``x`` as a float64 ndarray after checking its kind, rank, size and finiteness.

    The result may share memory with ``x`` when ``x`` already is float64: callers never write to it.
    """
    arr = _as_array(x, name, "an array of real numbers")
    if arr.dtype.kind not in _REAL_KINDS:
        raise TypeError(f"{name} must hold real numbers (integer or float), got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    arr = arr.astype(np.float64, copy=False)
    if finite and not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def as_int_array(x: object, name: str, *, ndim: int | None = None) -> IntArray:
    """Return ``x`` as an int64 ndarray; floats are accepted only when they hold whole numbers."""
    arr = _as_array(x, name, "an array of integers")
    if arr.dtype.kind == "f" and arr.size and np.isfinite(arr).all() and (arr == np.round(arr)).all():
        if np.abs(arr).max() >= 2.0**63:  # the cast would not be exact (NumPy warns and returns garbage)
            raise ValueError(f"{name} holds whole numbers outside the int64 range")
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
    if arr.dtype == np.uint64 and arr.size and arr.max() > np.iinfo(np.int64).max:  # would wrap to negatives
        raise ValueError(f"{name} holds integers outside the int64 range")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    return arr.astype(np.int64, copy=False)


def check_int(value: object, name: str, *, lo: int | None = None, hi: int | None = None) -> int:
    """Return ``value`` as an int within ``[lo, hi]`` (both inclusive); bools and floats are refused."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    value = int(value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        interval = ("(-inf" if lo is None else f"[{lo}") + (", inf)" if hi is None else f", {hi}]")
        raise ValueError(f"{name} must be an int in {interval}, got {value}")
    return value


def check_real(value: object, name: str, *, lo: float | None = None, hi: float | None = None,
               lo_open: bool = False, hi_open: bool = False) -> float:
    """Return ``value`` as a finite float within the stated bounds (open or closed at each end)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    left, right = ("(" if lo_open else "["), (")" if hi_open else "]")
    interval = f"{left}{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}{right}"
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite and in {interval}, got {value}")
    too_low = lo is not None and (value <= lo if lo_open else value < lo)
    too_high = hi is not None and (value >= hi if hi_open else value > hi)
    if too_low or too_high:
        raise ValueError(f"{name} must be in {interval}, got {value}")
    return value


def check_choice(value: object, name: str, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {list(choices)}, got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def check_bool(value: object, name: str) -> bool:
    """Return ``value`` as a bool if it is one (Python or NumPy ``bool_``); ints such as 0 and 1 are refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)

def as_float32(values: npt.NDArray[np.floating[Any]], name: str) -> npt.NDArray[np.float32]:
    """``values`` rounded to little-endian float32 (the byte form of weights and biases), refusing overflow to inf."""
    with np.errstate(over="ignore", under="ignore"):  # below float32's normal range the rounded value is stored
        out = values.astype("<f4")
    if not np.isfinite(out).all():
        raise ValueError(f"{name} has entries beyond the float32 range (|x| > 3.4e38), which float32 cannot store")
    return out


def read_only(arr: npt.ArrayLike) -> FloatArray:
    """Return a read-only, C-ordered float64 copy of ``arr`` (a copy: the caller's array stays writable, unshared).

    The result is a view of a read-only private copy: NumPy lets the owner of a buffer switch ``writeable`` back
    on, but refuses it for a view whose base is read-only, so nobody can make the result writable again.
    """
    out = np.array(arr, dtype=np.float64, order="C", copy=True)  # C order: a transposed input stays savable
    out.flags.writeable = False
    return out.view()


def refuses_overflow(what: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Decorator for a public function whose arithmetic runs on validated, finite inputs: its result is returned
    unless it overflowed float64.

    Finite inputs can still be too large for float64 (weights of 1e200 multiplied through three layers): the
    arithmetic then yields inf and, from inf − inf or inf · 0, NaN. Rather than return those, or let a caller's
    ``np.seterr(all="raise")`` surface a FloatingPointError from deep inside NumPy, the decorated function runs with
    floating-point warnings off and an overflowed result is refused with a ``ValueError`` whose message starts with
    ``what`` (which should name the arguments responsible). Underflow to a subnormal or to 0 is the correctly
    rounded result and is never an error. The result may be an array, a float, or nested tuples/lists of them
    (other objects and None are not inspected), so the formula inside the function stays free of error handling.
    """
    def decorate(function: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(function)
        def checked(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            with np.errstate(over="ignore", under="ignore", invalid="ignore"):
                result = function(*args, **kwargs)
            if not _all_finite(result):
                raise ValueError(f"{what} overflowed float64 (a value beyond ±1.8e308 or an undefined inf − inf)")
            return result
        return checked
    return decorate


def _all_finite(value: object) -> bool:
    if isinstance(value, (tuple, list)):
        return all(_all_finite(v) for v in value)
    if isinstance(value, (np.ndarray, float, np.floating)):
        return bool(np.isfinite(value).all())
    return True

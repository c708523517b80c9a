"""The vocabulary every op's judge uses: a verdict that collects failed clauses, and the checks of a result's
type, shape, dtype and finiteness (the ``common.*`` clauses), with array-api-tests style messages."""

from __future__ import annotations

import numbers

import numpy as np


class Broken(Exception):
    """Raised by a structural check (type, shape, dtype, finite): the value clauses cannot be judged."""

    def __init__(self, clause: str, message: str):
        super().__init__(message)
        self.clause, self.message = clause, message


class Verdict:
    """Failed clauses (at most one message per clause, the first found) and 'boundary, allowed' notes."""

    def __init__(self):
        self.failed: dict[str, str] = {}
        self.allowed: list[str] = []

    def fail(self, clause: str, message: str) -> None:
        self.failed.setdefault(clause, message)

    def allow(self, message: str) -> None:
        self.allowed.append(message)


def fmt(x) -> str:
    """A value as Python would read it back exactly (shortest round-trip repr of floats)."""
    if isinstance(x, (float, np.floating)):
        return repr(float(x))
    if isinstance(x, (np.integer, np.bool_)):
        return repr(x.item())
    return repr(x)


def where(index, name: str = "out") -> str:
    """``out[2]`` or ``out[1, 0]`` for an index tuple from ``np.argwhere``."""
    return f"{name}[{', '.join(str(int(i)) for i in np.atleast_1d(index))}]"


def first(mask: np.ndarray):
    """The index tuple of the first True entry of ``mask`` (row-major), or None."""
    hits = np.argwhere(mask)
    return tuple(hits[0]) if len(hits) else None


def pruned_above_kept(magnitudes: np.ndarray, pruned: np.ndarray):
    """``(i, j)``: a pruned entry whose magnitude exceeds that of a kept entry ``j`` (the largest pruned and the
    smallest kept, first in row-major order), or None when every pruned magnitude is <= every kept one."""
    kept = ~pruned
    if not (pruned.any() and kept.any()) or magnitudes[pruned].max() <= magnitudes[kept].min():
        return None
    return (first(pruned & (magnitudes == magnitudes[pruned].max())),
            first(kept & (magnitudes == magnitudes[kept].min())))


def mismatch(got: np.ndarray, expected: np.ndarray, index, name: str = "out") -> str:
    """``out[2]=0.5, but should be 0.0``."""
    return f"{where(index, name)}={fmt(got[index])}, but should be {fmt(expected[index])}"


def _finite_where_expected(out: np.ndarray, expected, name: str) -> None:
    """common.finite: no NaN/inf, except an infinity where the reference's result is that same infinity (refimpl
    documents a few: the l1 sum beyond the largest float64 is inf)."""
    bad = ~np.isfinite(out)
    if expected is not None:
        bad &= ~(np.isinf(out) & (out == np.asarray(expected, dtype=np.float64)))
    if bad.any():
        i = first(bad)
        raise Broken("common.finite", f"{where(i, name)}={fmt(out[i])}, but should be "
                     + ("finite" if expected is None or np.isfinite(np.asarray(expected)[i]) else
                        fmt(np.asarray(expected)[i])))


def as_result(value, name: str, shape: tuple, kind: str, precision: str, expected=None) -> np.ndarray:
    """Check a returned array: array-like of reals (common.type), ``shape`` (common.shape), dtype of ``kind`` "f"
    (float64, or float32 under precision="float32") or "i" (any integer dtype) (common.dtype), finite where
    ``expected`` (if given) is finite (common.finite). Returns it as float64 or int64."""
    if value is None or isinstance(value, (str, bytes, dict)):
        raise Broken("common.type", f"{name} is {type(value).__name__}, but should be an array")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # noqa: BLE001 - whatever the candidate returned
        raise Broken("common.type", f"{name} cannot be read as an array ({type(exc).__name__}: {exc})") from None
    if arr.dtype.kind not in "biuf":
        raise Broken("common.type", f"{name} has dtype {arr.dtype}, but should hold real numbers")
    if arr.shape != tuple(shape):
        raise Broken("common.shape", f"{name}.shape={arr.shape}, but should be {tuple(shape)}")
    if kind == "i":
        if arr.dtype.kind not in "iu":
            raise Broken("common.dtype", f"{name}.dtype={arr.dtype}, but should be an integer dtype")
        return arr.astype(np.int64)
    allowed = ("float64", "float32") if precision == "float32" else ("float64",)
    if arr.dtype.name not in allowed:
        raise Broken("common.dtype", f"{name}.dtype={arr.dtype}, but should be {' or '.join(allowed)}"
                     + ("" if precision == "float32" else " (pass precision='float32' for a float32 candidate)"))
    out = arr.astype(np.float64)
    _finite_where_expected(out, expected, name)
    return out


def as_results(values: list, expected: list, name: str, kind: str, precision: str) -> list[np.ndarray]:
    """:func:`as_result` for each of a list of arrays (``name[0]``, ``name[1]``, ...)."""
    return [as_result(g, f"{name}[{l}]", e.shape, kind, precision)
            for l, (g, e) in enumerate(zip(values, expected, strict=True))]


def as_scalar(value, name: str, precision: str, expected=None) -> float:
    """A returned real number: a Python/NumPy real or a 0-d (or single-entry) float array; finite unless
    ``expected`` is that same infinity."""
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        out = float(value)
    else:
        try:
            shape = np.shape(value) if np.size(value) == 1 else ()
        except Exception as exc:  # noqa: BLE001 - whatever the candidate returned
            raise Broken("common.type", f"{name} cannot be read as a number ({type(exc).__name__}: {exc})") from None
        arr = as_result(value, name, shape, "f", precision, None if expected is None else np.full(shape, expected))
        out = float(arr.reshape(-1)[0])
    if not np.isfinite(out) and not (expected is not None and out == expected):
        raise Broken("common.finite", f"{name}={fmt(out)}, but should be "
                     + ("finite" if expected is None or np.isfinite(expected) else fmt(expected)))
    return out


def as_sequence(value, name: str, length: int) -> list:
    """A returned tuple/list of ``length`` items (common.type)."""
    if isinstance(value, (str, bytes, np.ndarray)) or not isinstance(value, (list, tuple)):
        raise Broken("common.type", f"{name} is {type(value).__name__}, but should be a tuple/list of {length}")
    if len(value) != length:
        raise Broken("common.shape", f"len({name})={len(value)}, but should be {length}")
    return list(value)

"""Ways to spoil one argument of a valid call, by the kind of argument.

Each corruption is ``(label, make)`` where ``make(good_value, data)`` returns the bad value (``data`` is Hypothesis'
draw object, used to place a NaN or pick a number). The kinds are deliberately coarse: a function that accepts some
spoiled value legitimately (an empty array where empty is in its spec) lists that kind's exceptions in its entry.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


def _at_random_entry(value, data, fill):
    arr = np.array(value, dtype=np.float64, copy=True)
    if arr.size == 0:
        return np.full((1,) * max(arr.ndim, 1), fill)
    flat = arr.reshape(-1)
    flat[data.draw(st.integers(0, flat.size - 1), label="entry")] = fill
    return arr


def _non_numeric():
    return [
        ("None", lambda v, d: None),
        ("str", lambda v, d: "0.5"),
        ("str array", lambda v, d: np.asarray(v).astype(str)),
        ("complex array", lambda v, d: np.asarray(v).astype(complex)),
        ("bool array", lambda v, d: np.ones(np.shape(v), dtype=bool)),
        ("object array", lambda v, d: np.asarray(v).astype(object)),
    ]


def _non_finite():
    return [(label, (lambda fill: lambda v, d: _at_random_entry(v, d, fill))(fill))
            for label, fill in (("NaN entry", np.nan), ("+inf entry", np.inf), ("-inf entry", -np.inf))]


def array_any():
    """Any-shape real array (empty and 0-d allowed)."""
    return _non_numeric() + _non_finite()


def matrix(wrong_width: bool = True, empty: bool = True):
    """A 2-D real array ``(n, d)`` with ``d`` fixed by the model."""
    out = _non_numeric() + _non_finite() + [
        ("1-D", lambda v, d: np.asarray(v, dtype=float).reshape(-1)),
        ("0-d", lambda v, d: np.float64(0.5)),
        ("3-D", lambda v, d: np.asarray(v, dtype=float)[None]),
    ]
    if wrong_width:
        out.append(("wrong inner dimension", lambda v, d: np.zeros((np.shape(v)[0], np.shape(v)[1] + 1))))
    if empty:
        out.append(("empty", lambda v, d: np.zeros((0, np.shape(v)[1]))))
    return out


def labels(n_classes: int):
    """Integer labels ``(n,)`` in ``[0, n_classes)``."""
    return [
        ("None", lambda v, d: None),
        ("str", lambda v, d: "1"),
        ("fractional labels", lambda v, d: np.asarray(v, dtype=float) + 0.5),
        ("complex labels", lambda v, d: np.asarray(v).astype(complex)),
        ("label too large", lambda v, d: np.full(np.shape(v), n_classes)),
        ("negative label", lambda v, d: np.full(np.shape(v), -1)),
        ("wrong length", lambda v, d: np.asarray(v)[:-1]),
        ("2-D labels", lambda v, d: np.asarray(v)[:, None]),
    ]


def integer(lo: int, hi: int | None = None):
    out = [
        ("None", lambda v, d: None),
        ("str", lambda v, d: "3"),
        ("float", lambda v, d: float(v) + 0.5),
        ("bool", lambda v, d: True),
        ("below range", lambda v, d: lo - d.draw(st.integers(1, 10**6), label="below")),
    ]
    if hi is not None:
        out.append(("above range", lambda v, d: hi + d.draw(st.integers(1, 10**6), label="above")))
    return out


def real(lo: float | None, hi: float | None):
    out = [
        ("None", lambda v, d: None),
        ("str", lambda v, d: "0.5"),
        ("NaN", lambda v, d: float("nan")),
        ("+inf", lambda v, d: float("inf")),
        ("-inf", lambda v, d: float("-inf")),
        ("complex", lambda v, d: 0.5 + 1j),
    ]
    if lo is not None:
        out.append(("below range", lambda v, d: lo - d.draw(st.floats(1e-9, 1e9), label="below")))
    if hi is not None:
        out.append(("above range", lambda v, d: hi + d.draw(st.floats(1e-9, 1e9), label="above")))
    return out


def choice():
    return [("None", lambda v, d: None), ("unknown name", lambda v, d: "no-such-choice"), ("int", lambda v, d: 3)]


def model():
    return [("None", lambda v, d: None), ("str", lambda v, d: "model.npz"),
            ("list", lambda v, d: [np.ones((2, 2))]), ("array", lambda v, d: np.ones((2, 2)))]

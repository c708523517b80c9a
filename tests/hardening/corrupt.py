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


def _filled(fill):
    return lambda v, d: _at_random_entry(v, d, fill)


def _non_finite():
    return [(label, _filled(fill)) for label, fill in (("NaN entry", np.nan), ("+inf entry", np.inf),
                                                       ("-inf entry", -np.inf))]


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


def ratio():
    """A fraction in [0, 1] (sparsity, keep ratio, test fraction)."""
    return real(0.0, 1.0)


def eps():
    """A threshold ε >= 0."""
    return real(0.0, None)


def bits():
    """A bit width in 1..16."""
    return integer(1, 16)


def flag():
    """A bool argument: only True/False are valid."""
    return [("None", lambda v, d: None), ("int", lambda v, d: 1), ("str", lambda v, d: "yes"),
            ("float", lambda v, d: 1.0)]


def vector(length: bool = True, empty: bool = True):
    """A 1-D real array ``(d,)`` with ``d`` fixed by the model."""
    out = _non_numeric() + _non_finite() + [
        ("0-d", lambda v, d: np.float64(0.5)),
        ("2-D", lambda v, d: np.asarray(v, dtype=float)[None]),
    ]
    if length:
        out.append(("wrong length", lambda v, d: np.zeros(np.size(v) + 1)))
    if empty:
        out.append(("empty", lambda v, d: np.zeros(0)))
    return out


def baseline():
    """None, a scalar, ``(d,)`` or ``(n, d)`` are valid: spoil the kind, the values or the shape."""
    return _non_numeric()[1:] + _non_finite() + [
        ("wrong length", lambda v, d: np.zeros(np.shape(v)[-1] + 1)),
        ("3-D", lambda v, d: np.zeros((2, 1) + np.shape(v))),
        ("empty", lambda v, d: np.zeros(0)),
    ]


def int_codes(hi: int):
    """Integer codes in [0, hi]."""
    return [
        ("None", lambda v, d: None),
        ("str", lambda v, d: "1"),
        ("str array", lambda v, d: np.asarray(v).astype(str)),
        ("fractional", lambda v, d: np.asarray(v, dtype=float) + 0.5),
        ("complex", lambda v, d: np.asarray(v).astype(complex)),
        ("NaN entry", lambda v, d: _at_random_entry(v, d, np.nan)),
        ("code too large", lambda v, d: np.full(max(np.size(v), 1), hi + d.draw(st.integers(1, 10**6)))),
        ("negative code", lambda v, d: np.full(max(np.size(v), 1), -d.draw(st.integers(1, 10**6)))),
    ]


def targets(n_outputs: int, none_ok: bool = False):
    """An output index in [0, n_outputs) or one per row."""
    out = [
        ("str", lambda v, d: "1"),
        ("float", lambda v, d: 0.5),
        ("bool", lambda v, d: True),
        ("too large", lambda v, d: n_outputs + d.draw(st.integers(0, 10**6), label="over")),
        ("negative", lambda v, d: -d.draw(st.integers(1, 10**6), label="under")),
        ("row too large", lambda v, d: np.full(6, n_outputs)),
        ("row negative", lambda v, d: np.full(6, -1)),
        ("wrong length", lambda v, d: np.zeros(5, dtype=int)),
        ("2-D", lambda v, d: np.zeros((6, 1), dtype=int)),
        ("fractional rows", lambda v, d: np.full(6, 0.5)),
        ("complex rows", lambda v, d: np.zeros(6, dtype=complex)),
        ("NaN rows", lambda v, d: np.full(6, np.nan)),
    ]
    if not none_ok:
        out.append(("None", lambda v, d: None))
    return out


def data_bytes():
    """A byte string of a fixed layout: wrong kind, truncated, extended."""
    return [("None", lambda v, d: None), ("str", lambda v, d: "abc"), ("list", lambda v, d: list(v)),
            ("array", lambda v, d: np.frombuffer(v, dtype=np.uint8)),
            ("truncated", lambda v, d: v[:d.draw(st.integers(0, len(v) - 1), label="cut")]),
            ("trailing byte", lambda v, d: v + b"\x00")]


def callable_():
    return [("None", lambda v, d: None), ("int", lambda v, d: 3),
            ("str without a colon", lambda v, d: "refimpl.threshold")]


def without(kinds, *labels):
    """``kinds`` minus the corruptions named in ``labels`` (values that the function's spec accepts)."""
    missing = set(labels) - {label for label, _ in kinds}
    assert not missing, f"no corruption named {missing}"
    return [(label, make) for label, make in kinds if label not in labels]


def element(kinds):
    """Spoil one entry of a list of arrays (a model's weights or biases) by one of ``kinds``."""
    def spoil(make):
        def apply(v, d):
            out = list(v)
            i = d.draw(st.integers(0, len(out) - 1), label="element")
            out[i] = make(out[i], d)
            return out
        return apply
    return [(f"element {label}", spoil(make)) for label, make in kinds]


def overflowing_model():
    """A valid MLP whose weights (×1e200) make any two-layer product overflow float64."""
    return [("overflowing weights", lambda v, d: type(v)([w * 1e200 for w in v.weights], v.biases))]

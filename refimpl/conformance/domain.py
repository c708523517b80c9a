"""A candidate's declared domain: ``assume={"bits": range(2, 17), "sparsity": lambda s: s < 1}``.

Each key is an argument of the op (``bits``, ``eps``, ``keep_ratio``, ``X``...) or one of the derived quantities
``rows`` (rows of X), ``size`` (entries of the op's first array argument), ``width`` (every hidden layer's width)
and ``hidden`` (number of hidden layers). Each value is a collection (``range``, set, list: the quantity must be a
member) or a predicate (called with the quantity, must return True). The search draws only inputs inside the
domain (``bits`` is drawn from the allowed values directly; anything else is filtered), the boundary cases outside
it are skipped, and a report says which domain was assumed.

On the command line: ``--assume bits=2..16`` (integers 2 to 16 inclusive), ``--assume bits=8,16``,
``--assume sparsity=0..0.99`` (a closed interval of reals).
"""

from __future__ import annotations

import math
from collections.abc import Collection

import numpy as np

DERIVED = ("rows", "size", "width", "hidden")


def check_assume(assume, args: tuple[str, ...]) -> dict:
    """Validate ``assume`` against the op's arguments; returns a plain dict (empty for None)."""
    if assume is None:
        return {}
    if not isinstance(assume, dict):
        raise TypeError(f"assume must be a dict of argument name -> collection or predicate, got "
                        f"{type(assume).__name__}")
    for name, allowed in assume.items():
        if name not in args and name not in DERIVED:
            raise ValueError(f"assume: {name!r} is neither an argument of this op {list(args)} nor one of "
                             f"{list(DERIVED)}")
        if isinstance(allowed, (str, bytes)) or not (callable(allowed) or isinstance(allowed, Collection)):
            raise TypeError(f"assume[{name!r}] must be a collection (range, set, list) or a predicate, got "
                            f"{type(allowed).__name__}")
    return dict(assume)


def quantity(name: str, inputs: dict, args: tuple[str, ...]):
    """The value of an argument or a derived quantity on one input (None when it does not apply)."""
    if name in inputs:
        return inputs[name]
    if name == "rows":
        return inputs["X"].shape[0] if "X" in inputs else None
    if name == "size":
        first = next((inputs[a] for a in args if isinstance(inputs[a], np.ndarray)), None)
        return None if first is None else int(first.size)
    weights = inputs.get("weights")
    if weights is None:
        return None
    widths = [W.shape[1] for W in weights[:-1]]
    return len(widths) if name == "hidden" else widths


def _member(value, allowed) -> bool:
    if isinstance(allowed, Collection):
        return value in allowed
    return bool(allowed(value))


def admits(assume: dict, inputs: dict, args: tuple[str, ...]) -> bool:
    """Whether one input lies inside the declared domain."""
    for name, allowed in assume.items():
        value = quantity(name, inputs, args)
        if value is None:
            continue
        values = value if name == "width" else [value]
        if not all(_member(v, allowed) for v in values):
            return False
    return True


def allowed_values(assume: dict, name: str, default: list) -> list:
    """``default`` restricted to the domain of ``name`` (for arguments drawn from a small set, such as bits)."""
    if name not in assume:
        return default
    kept = [v for v in default if _member(v, assume[name])]
    return kept or default  # an empty intersection: drawn as usual, then filtered (the check says Unsatisfiable)


def parse(texts) -> dict:
    """``["bits=2..16", "sparsity=0..0.99", "bits=8,16"]`` -> an ``assume`` dict (the CLI's --assume)."""
    out: dict = {}
    for text in texts or ():
        name, sep, spec = text.partition("=")
        if not sep or not name.strip() or not spec.strip():
            raise ValueError(f"--assume expects NAME=LO..HI or NAME=V1,V2,..., got {text!r}")
        out[name.strip()] = _parse_spec(spec.strip(), text)
    return out


def _number(s: str, text: str):
    try:
        return int(s)
    except ValueError:
        pass
    try:
        x = float(s)
    except ValueError:
        raise ValueError(f"--assume {text!r}: {s!r} is not a number") from None
    if not math.isfinite(x):
        raise ValueError(f"--assume {text!r}: {s!r} is not finite")
    return x


def _parse_spec(spec: str, text: str):
    if ".." in spec:
        lo, hi = (_number(s.strip(), text) for s in spec.split("..", 1))
        if lo > hi:
            raise ValueError(f"--assume {text!r}: the interval is empty ({lo} > {hi})")
        if isinstance(lo, int) and isinstance(hi, int):
            return range(lo, hi + 1)
        return _Interval(float(lo), float(hi))
    return frozenset(_number(s.strip(), text) for s in spec.split(","))


class _Interval:
    """The closed interval [lo, hi] as a predicate (shown in reports as ``lo..hi``)."""

    def __init__(self, lo: float, hi: float):
        self.lo, self.hi = lo, hi

    def __call__(self, x) -> bool:
        return self.lo <= x <= self.hi

    def __repr__(self) -> str:
        return f"{self.lo!r}..{self.hi!r}"


def describe(assume: dict) -> dict:
    """A JSON-friendly description of the domain, for reports."""
    out = {}
    for name, allowed in assume.items():
        if isinstance(allowed, range) and allowed.step == 1:
            out[name] = f"{allowed.start}..{allowed.stop - 1}"
        elif isinstance(allowed, (set, frozenset, list, tuple)):
            out[name] = sorted(allowed) if all(isinstance(v, (int, float)) for v in allowed) else list(allowed)
        else:
            out[name] = getattr(allowed, "__name__", None) if not isinstance(allowed, _Interval) else repr(allowed)
            out[name] = out[name] or repr(allowed)
    return out


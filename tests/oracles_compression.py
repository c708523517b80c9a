"""Independent oracles and strategies for the compression tests: nothing here calls refimpl.compression.

- ``round_half_even``: the count rule ``round(fraction · n)`` re-derived with exact rationals.
- ``exact_l1``: Σ|w_i| summed as fractions and rounded once.
- ``smallest_by_sorting``: the k entries a brute-force sort by (|w|, index) ranks first.
- ``pack_reference``: the bit-packing layout built as one Python integer.
- ``finite_arrays``/``tie_heavy_arrays``: Hypothesis strategies (networks: ``oracles.dyadic_mlps``).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

U = 2.0 ** -53  # unit roundoff of float64


def round_half_even(fraction: float, n: int) -> int:
    """Round the float64 product ``fraction * n`` to the nearest integer, ties to even, with rationals."""
    p = Fraction(fraction * n)  # the spec counts from the float64 product
    low = math.floor(p)
    rest = p - low
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and low % 2 == 1):
        return low + 1
    return low


def exact_l1(values) -> float:
    """Σ|v| over the exact rationals, rounded once to float64 (inf beyond the float64 range)."""
    total = sum((abs(Fraction(float(v))) for v in np.ravel(values)), Fraction(0))
    try:
        return float(total)
    except OverflowError:
        return math.inf


def smallest_by_sorting(values, k: int) -> set[int]:
    """Flat indices of the k entries with the smallest |v|, ties to the lower index, by sorting tuples."""
    flat = [float(v) for v in np.ravel(values)]
    return set(sorted(range(len(flat)), key=lambda i: (abs(flat[i]), i))[:k])


def pack_reference(codes, bits: int) -> bytes:
    """Code i at bits [i·bits, (i+1)·bits) of one little-endian integer, written out in ceil(n·bits/8) bytes."""
    codes = [int(c) for c in np.ravel(codes)]
    value = sum(c << (i * bits) for i, c in enumerate(codes))
    return value.to_bytes((len(codes) * bits + 7) // 8, "little")


def finite_arrays(max_dims=3, max_side=5, min_side=0, bound=None):
    """Float64 arrays of any shape (0-d and empty included) with finite entries, ties and zeros made likely."""
    elements = st.one_of(
        st.floats(allow_nan=False, allow_infinity=False, min_value=-bound if bound else None, max_value=bound),
        st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 0.1]))
    shapes = hnp.array_shapes(min_dims=0 if min_side == 0 else 1, max_dims=max_dims, min_side=min_side,
                              max_side=max_side)
    return hnp.arrays(np.float64, shapes, elements=elements)


def tie_heavy_arrays(max_side=12):
    """1-D arrays drawn from a few magnitudes of both signs: many ties in |w|."""
    return hnp.arrays(np.float64, st.integers(0, max_side),
                      elements=st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.25, -0.25, 3.0]))




def dyadic_inputs(n_features: int, rows: int = 5, seed: int = 0) -> np.ndarray:
    """Inputs that are multiples of 1/4 in [-2, 2]."""
    return np.random.default_rng(seed).integers(-8, 9, size=(rows, n_features)) / 4

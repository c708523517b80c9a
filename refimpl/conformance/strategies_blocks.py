"""The building blocks of the strategies (see strategies.py): tensor sizes drawn small-first around block sizes,
prefix-stable lanes of uniforms, boundary values planted at block edges and in the tail."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

BLOCKS = (8, 16, 32, 64, 128)
KERNEL_SIZES = sorted({b * k + d for b in BLOCKS for k in (1, 2, 3) for d in (-1, 0, 1)}
                      | {255, 256, 257, 511, 512, 513, 1023, 1024, 1025, 4095, 4096, 4097})
SIZES = sorted(set(range(0, 17)) | set(KERNEL_SIZES))  # drawn by index: shrinking the index shrinks the tensor
SIZE = st.integers(0, len(SIZES) - 1).map(SIZES.__getitem__)
SIZE_NONEMPTY = st.integers(1, len(SIZES) - 1).map(SIZES.__getitem__)
_SEED = st.integers(0, 2 ** 32 - 1)
_PLANTS = st.lists(st.tuples(st.integers(0, 2 + 2 * len(BLOCKS)), st.integers(0, 2 ** 16), st.integers(0, 63)),
                   max_size=8)


class Lanes:
    """A stand-in for a NumPy generator (``random``, ``uniform``, ``integers`` of size n) whose k-th call reads
    column k of one seeded (n, 4) uniform matrix: entry i gets the same values whatever n is, so when Hypothesis
    shrinks the size of a failing tensor, the entries that remain are the ones that failed."""

    def __init__(self, seed: int, n: int):
        self.u, self.k = np.random.default_rng(seed).random((n, 4)), 0

    def _column(self, n: int) -> np.ndarray:
        column = self.u[:n, self.k % 4]
        self.k += 1
        return column

    def random(self, n: int) -> np.ndarray:
        return self._column(n)

    def uniform(self, lo: float, hi: float, n: int) -> np.ndarray:
        return lo + (hi - lo) * self._column(n)

    def integers(self, lo: int, hi: int, n: int) -> np.ndarray:
        return np.minimum(lo + np.floor(self._column(n) * (hi - lo)).astype(np.int64), hi - 1)


def finite(lo=-1e6, hi=1e6):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def plant_position(kind: int, k: int, n: int) -> int:
    """Where a planted value goes in a flat tensor of ``n`` entries: kind 0 the last entry, 1 the first, 2 anywhere,
    3..7 the last lane of a block of 8..128 or the first lane of the next, 8..12 the scalar tail after the last
    full block of 8..128 (the last block when n is a multiple)."""
    if kind <= 2:
        return (n - 1, 0, k % n)[kind]
    b = BLOCKS[(kind - 3) % len(BLOCKS)]
    full = n // b * b
    if kind >= 3 + len(BLOCKS):
        return full + k % (n - full) if n > full else n - 1 - k % min(n, b)
    blocks = max(n // b, 1)
    return min(n - 1, b * (k % blocks + 1) - 1 + (k // blocks) % 2)


def _shape(n: int, two_d: bool) -> tuple:
    """1-D, or 2-D with a row length that is a block size (or 2/3 for small tensors) when one divides n."""
    if two_d:
        for b in (*BLOCKS[::-1], 3, 2):
            if n % b == 0 and n > b:
                return (n // b, b)
    return (n,)


@st.composite
def tensor(draw, element, pool: list, bulk, *, nonempty=False, size=None):
    """A float64 tensor of a size drawn small-first: entries ``bulk(Lanes(seed, n), n)``, then ``pool`` values
    planted at block edges and in the tail. (``element`` is kept for the signature of callers; every entry comes
    from the lanes, so that shrinking the size keeps the remaining entries.)"""
    n = draw(size if size is not None else (SIZE_NONEMPTY if nonempty else SIZE))
    two_d = draw(st.booleans())
    flat = np.asarray(bulk(Lanes(draw(_SEED), n), n), dtype=np.float64).copy()
    if n:
        for kind, k, v in draw(_PLANTS):
            flat[plant_position(kind, k, n)] = pool[v % len(pool)]
    return flat.reshape(_shape(n, two_d))


def pool_bulk(pool: list, scale: float, share: float = 0.5):
    """A bulk filler: about ``share`` of the entries from ``pool``, the rest uniform in [-scale, scale]."""
    values = np.array(pool, dtype=np.float64)

    def bulk(lanes, n):
        out = lanes.uniform(-scale, scale, n)
        picked = lanes.random(n) < share
        choice = values[lanes.integers(0, values.size, n)]
        return np.where(picked, choice, out)

    return bulk

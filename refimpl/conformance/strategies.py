"""Inputs that hit the boundaries on purpose, at the sizes and with the numerics of real implementations.

:func:`strategy` gives one Hypothesis strategy per op: first the hand-picked boundary cases of cases.py, then
random inputs. Cheap inputs come first everywhere (sizes, widths and rows are drawn small-first and shrink towards
the small end; Hypothesis shrinks a failure to the simplest input that shows it), but the search reaches

- tensors up to 4097 entries, with sizes on and one either side of multiples of 8, 16, 32, 64 and 128 (vector
  bodies with scalar tails, a dropped or doubled last block) and boundary values planted on the last lane of a
  block, the first lane of the next, and in the scalar tail (:func:`tensor`);
- networks up to 65 units wide, fan-in up to 65, 4 hidden layers, 0 to 65 rows (strategies_network.py);
- non-dyadic values with full 53-bit mantissas (float32 arithmetic is far outside the float64 windows), and the
  value traps of each op: |w| = eps and one ulp either side, -0.0, subnormals, ties in |w| in long tensors,
  sparsity * n on .5 and one ulp below, alpha * w_tilde + beta on an integer and one ulp either side, beyond 2^31
  (int32 codes overflow) and beyond 2^52 (floats are integers), narrow quantization ranges far from zero (a
  reciprocal scale flips a code), the bits = 1, w_tilde = 1/2, beta = 1/2 midpoint (floor(x + 1/2) is not
  round-half-even), subnormal ranges and results, l1 entries up to 1e308 (the sum overflows to inf).

Tensors are filled from one seeded (n, 4) matrix of uniforms (:class:`Lanes`; entry i is the same whatever n),
with the planted values drawn by Hypothesis: the same seed of a check gives the same inputs, and shrinking the size
keeps the entries that remain, so a failure on 4097 entries shrinks to the few that show it. The declared numerics
(numerics.py) shape the values (float32-representable inputs, float32 ulps and subnormals) and the declared domain
(domain.py) restricts them.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from .cases import boundary_cases
from .clauses import OPS
from .domain import admits, allowed_values
from .numerics import Numerics

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


# ---- §3.1 ---------------------------------------------------------------------------------------------------------

def _threshold(num: Numerics, assume):
    eps_strategy = st.one_of(st.sampled_from([0.5, 0.0, 1.0, num.tiny, 0.1, 1e-300]), finite(0.0, 1e3))
    near = st.one_of(st.integers(0, 8), finite(-10.0, 10.0), finite(-1e300, 1e300))

    @st.composite
    def draw_case(draw):
        eps = num.narrow(draw(eps_strategy))
        pool = [eps, -eps, num.up(eps), -num.up(eps), num.down(eps) if eps > 0 else 0.0, 0.0, -0.0, num.tiny,
                -num.tiny]
        return {"w": draw(tensor(near, pool, pool_bulk(pool, 2.0 * max(eps, 1.0)))), "eps": eps}

    return draw_case()


def _l1_importance(num: Numerics, assume):
    pool = [1e16, -1e16, 2.0 ** 53, 1.0, -1.0, 0.1, -0.0, num.tiny, 1e-300, 3.0, 1e300, -1.7e308, 1.7e308]
    entry = st.one_of(st.integers(0, len(pool) - 1), finite(-1e20, 1e20), finite(-1.7e308, 1.7e308))

    @st.composite
    def draw_case(draw):
        scale = draw(st.sampled_from([1.0, 1e5, 1e20, 1e300, 1e-300]))
        return {"w": draw(tensor(entry, pool, pool_bulk(pool, scale, draw(st.sampled_from([0.0, 0.1, 0.5])))))}

    return draw_case()


_HALVES = st.integers(0, 2 ** 12)


@st.composite
def _sparsity(draw, mags: np.ndarray, num: Numerics):
    """sparsity * n on .5 or one ulp below it, cutting through a tie, 0, 1, 1/2, or anything."""
    n = mags.size
    kind = draw(st.sampled_from(["half", "half-below", "edge", "any", "tie", "tie"]))
    if kind == "tie":
        cuts = np.flatnonzero((mags[:-1] == mags[1:]) & (mags[1:] != 0.0)) + 1  # a count that splits a nonzero tie
        if cuts.size:
            return int(cuts[draw(st.integers(0, cuts.size - 1))]) / n
        kind = "half"
    if kind.startswith("half"):
        s = (2 * (draw(_HALVES) % n) + 1) / (2 * n)
        return num.down(s) if kind == "half-below" else s
    return draw(st.sampled_from([0.0, 1.0, 0.5]) if kind == "edge" else st.floats(0.0, 1.0))


def _prune_smallest(num: Numerics, assume):
    magnitudes = st.lists(st.one_of(st.sampled_from([1.0, 0.5, 0.0, 2.0, num.tiny]), finite(0, 10)),
                          min_size=1, max_size=4)

    @st.composite
    def draw_case(draw):
        mags = [num.narrow(m) for m in draw(magnitudes)]  # few magnitudes: ties in |w| are common
        pool = mags + [-m for m in mags]
        entry = st.integers(0, len(pool) - 1)
        w = draw(tensor(entry, pool, pool_bulk(pool, 10.0, draw(st.sampled_from([1.0, 0.9, 0.5]))), nonempty=True))
        return {"w": w, "sparsity": draw(_sparsity(np.sort(np.abs(w).ravel()), num))}

    return draw_case()


# ---- §3.2 ---------------------------------------------------------------------------------------------------------

def _minmax_normalize(num: Numerics, assume):
    entry = st.one_of(st.integers(0, 5), finite(-1e100, 1e100), finite(-2, 2))

    @st.composite
    def draw_case(draw):
        kind = draw(st.sampled_from(["random", "constant", "far", "subnormal"]))
        lo, span = {"random": (0.0, draw(st.sampled_from([1.0, 1e100, 1e-300]))), "constant": (3.0, 0.0),
                    "far": _far(draw),
                    "subnormal": (0.0, 1e-310)}[kind]
        pool = [lo, lo + span, lo - span, lo + span / 2, num.tiny, -0.0, 0.0, lo + span * 1e-300]

        def bulk(rng, n):
            return lo + span * rng.uniform(-1.0, 1.0, n)

        if kind == "constant":
            return {"w": np.full(draw(SIZE_NONEMPTY), num.narrow(draw(finite(-1e3, 1e3))))}
        return {"w": draw(tensor(entry, pool, bulk, nonempty=True))}

    return draw_case()


def _far(draw):
    """A narrow range far from zero: lo and a span of a few digits of lo."""
    lo = draw(st.sampled_from([1e3, -5e4, 1e8]))
    return lo, abs(lo) * draw(st.sampled_from([1e-12, 3e-9, 1e-6]))


_LEVEL = st.tuples(st.integers(0, 2 ** 16 + 4), st.sampled_from([0, 1, -1]))


def on_integer(level, alpha: float, num: Numerics) -> float:
    """w_tilde = k / alpha (alpha * w_tilde lands on the integer k or one rounding away), or one ulp either side."""
    k, side = level
    k = k % (int(min(abs(alpha), 2.0 ** 16)) + 5) - 3
    x = num.narrow(k / alpha) if abs(alpha) >= 1e-3 else 0.0
    return {0: x, 1: num.up(x), -1: num.down(x)}[side]


def _floor_quantize(num: Numerics, assume):
    alphas = st.one_of(st.sampled_from([255.0, 100.0, 1.0, 49.0, 3.0, 65535.0, 2.0 ** 10]), finite(-300.0, 300.0),
                       st.sampled_from([1e6, 2.0 ** 31 + 0.5, 4e9, 2.0 ** 50, 2.0 ** 52, 3e15, 1e-300]))
    betas = st.one_of(st.sampled_from([0.5, 0.0, 0.25]), finite(-4.0, 4.0), st.sampled_from([2.0 ** 31, -1e10]))
    w_tildes = st.one_of(st.sampled_from([0.29, 0.5, 0.0, -0.5, 1.0, -0.0, 1e-310]), finite(-4.0, 4.0))

    @st.composite
    def draw_case(draw):
        alpha, beta = num.narrow(draw(alphas)), num.narrow(draw(betas))
        pool = [on_integer(draw(_LEVEL), alpha, num) for _ in range(6)]
        # (j + 1/2) / alpha: alpha * w_tilde is exactly j + 1/2
        if abs(alpha) >= 1.0 and math.log2(abs(alpha)).is_integer():
            pool += [(draw(st.integers(-3, 40)) + 0.5) / alpha]
        entry = st.one_of(st.integers(0, len(pool) - 1), w_tildes.map(num.narrow))
        w = draw(tensor(entry, pool, pool_bulk(pool, 1.5)))
        return {"w_tilde": w, "alpha": alpha, "beta": beta}

    return draw_case()


_Q_GRIDS = [(0.0, 1.0), (-1.0, 0.5), (0.1, 0.3), (-3.0, 0.01), (1000.0, 1e-9), (-5e4, 3e-7), (1e8, 0.1)]


def _quantize(num: Numerics, assume):
    bits_all = [8, 1, 2, 4, 16, 3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15]
    bits_s = st.sampled_from(allowed_values(assume, "bits", bits_all))
    betas = st.one_of(st.sampled_from([0.5, 0.0]), st.floats(0.0, 0.999))
    kinds = st.sampled_from(["levels", "random", "constant", "positive", "midpoint", "cancel"])

    @st.composite
    def draw_case(draw):
        bits, beta, kind = draw(bits_s), num.narrow(draw(betas)), draw(kinds)
        alpha = 2 ** bits - 1
        if num.float32 and np.float32(alpha) + np.float32(beta) >= alpha + 1:
            beta = 0.5  # beta's domain in float32: alpha + beta must stay below alpha + 1 (as in float64)
        if kind == "midpoint":  # bits 1, w_tilde 1/2, beta 1/2: exactly 1, where half-even rounding of 1/2 gives 0
            bits, beta = draw(st.sampled_from(allowed_values(assume, "bits", [1]))), 0.5
            lo = num.narrow(float(draw(st.integers(-40, 40))) / 4)
            hi = lo + 2.0 ** draw(st.integers(-3, 3))
            return {"w": np.array([lo, (lo + hi) / 2, hi, lo, hi]), "bits": bits, "beta": beta}
        if kind == "constant":
            return {"w": np.full(draw(SIZE_NONEMPTY), num.narrow(draw(finite(-1e3, 1e3)))), "bits": bits,
                    "beta": beta}
        lo, step = draw(st.sampled_from(_Q_GRIDS))
        if kind == "cancel":  # a large common offset: w - lo cancels most digits
            lo, step = draw(st.sampled_from([1e8, -3e12, 7e15])), draw(st.sampled_from([1.0, 0.25, 3.0]))
        if kind in ("levels", "cancel"):
            pool = [lo + (k[0] % (alpha + 1)) * step for k in (draw(_LEVEL) for _ in range(6))]

            def bulk(rng, n):
                return lo + rng.integers(0, alpha + 1, n) * step
        else:
            lo, scale = (0.5, 100.0) if kind == "positive" else (-1e3, 2e3)
            pool = [lo, lo + scale, lo + scale / 3]

            def bulk(rng, n):
                return lo + scale * rng.random(n)
        entry = st.integers(0, len(pool) - 1)
        w = draw(tensor(entry, pool, bulk, nonempty=True)).ravel()
        ends = np.array([lo, lo + alpha * step]) if kind in ("levels", "cancel") else np.array([])
        return {"w": np.concatenate([w, ends]), "bits": bits, "beta": beta}

    return draw_case()


def _dequantize(num: Numerics, assume):
    bits_s = st.sampled_from(allowed_values(assume, "bits", [8, 1, 2, 4, 16, 3, 7, 12, 15]))
    los = st.one_of(st.sampled_from([0.0, -1.0, 0.1, 1e3]), finite(-1e3, 1e3))
    spans = st.one_of(st.sampled_from([1.0, 0.0, 2.5, 1e-9, 1e-310, num.tiny * 3]), finite(0.0, 1e3))
    code_entry = st.sampled_from([0, -1, 1])

    @st.composite
    def draw_case(draw):
        bits, lo = draw(bits_s), num.narrow(draw(los))
        alpha = 2 ** bits - 1
        pool = [0.0, float(alpha), 1.0, float(alpha // 2)]
        codes = draw(tensor(code_entry.map(lambda c: c % 4), pool,
                            lambda rng, n: rng.integers(0, alpha + 1, n), nonempty=True))
        dtype = np.uint8 if bits <= 8 else np.uint16
        return {"codes": codes.astype(dtype), "lo": lo, "hi": num.narrow(lo + draw(spans)), "bits": bits}

    return draw_case()


def _network_ops():
    from . import strategies_network as sn  # noqa: PLC0415

    return {name: getattr(sn, name) for name in ("mlp_forward", "mlp_gradients", "input_gradient",
                                                 "integrated_gradients", "prune_neurons")}


def _strategies() -> dict:
    from . import strategies_net, strategies_quant  # noqa: PLC0415 - the ops of issue 13, in their own modules

    local = {op: globals()[f"_{op}"] for op in OPS if f"_{op}" in globals()}
    more = {op: _ignoring_declarations(make) for table in (strategies_net.STRATEGIES, strategies_quant.STRATEGIES)
            for op, make in table.items()}
    return {**more, **local, **_network_ops()}


def _ignoring_declarations(make):
    """A strategy factory without the (numerics, assume) arguments: the declarations still apply afterwards
    (float inputs narrowed to the declared precision, the domain filtered) in :func:`strategy`."""
    return lambda num, assume: make()


def strategy(op: str, numerics: Numerics | None = None, assume: dict | None = None):
    """The Hypothesis strategy for ``op``: its boundary cases first (the shrink target), then random inputs,
    shaped by the declared numerics and restricted to the declared domain ``assume``."""
    from .ops import OPS as SPECS  # noqa: PLC0415

    num, assume = numerics or Numerics(), assume or {}
    args = SPECS[op].args
    cases = [num.narrowed_inputs(c) for c in boundary_cases(op)]
    cases = [c for c in cases if admits(assume, c, args)]
    random = _strategies()[op](num, assume).map(lambda inputs: {k: inputs[k] for k in args})
    if num.float32:
        random = random.map(num.narrowed_inputs)
    both = st.one_of(st.sampled_from(cases), random) if cases else random
    return both.filter(lambda inputs: admits(assume, inputs, args)) if assume else both

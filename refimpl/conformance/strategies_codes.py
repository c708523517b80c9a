"""Strategies of the §3.2 ops (normalisation, floor quantization, quantize, dequantize), with the building blocks
of strategies.py: sizes drawn small-first, prefix-stable lanes, boundary values planted at block edges and in the
tail, and the quantizers' value traps (see strategies.py's docstring)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from .domain import allowed_values
from .numerics import Numerics
from .strategies_blocks import SIZE_NONEMPTY, finite, pool_bulk, tensor

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
        if abs(alpha) >= 1.0 and math.log2(abs(alpha)).is_integer():  # alpha * (j + 1/2) / alpha is exactly j + 1/2
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

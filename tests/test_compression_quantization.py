"""§3.2: min-max normalisation, the floor formula (float64 against exact rationals), quantize/dequantize, packing,
and quantize_model's exact zeros."""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from refimpl import (
    FLOOR_ULP_WINDOW,
    MLP,
    Quantized,
    dequantize,
    floor_quantize,
    floor_quantize_exact,
    minmax_normalize,
    near_integer_boundary,
    pack_codes,
    prune_connections,
    quantize,
    quantize_model,
    unpack_codes,
)

from .oracles import frozen
from .oracles_compression import U, finite_arrays, pack_reference

bits_st = st.integers(1, 16)
beta_st = st.one_of(st.sampled_from([0.0, 0.5, 0.25, 1 - 2.0 ** -40]), st.floats(0.0, 1.0, exclude_max=True))
values = finite_arrays(min_side=1, bound=1e306)  # hi - lo stays finite


# --- the floor formula -----------------------------------------------------------------------------------------------

@st.composite
def floor_cases(draw):
    """w̃ = m/α (float division) puts α·w̃ next to the integer m, where float64 and exact floors can part."""
    alpha = draw(st.one_of(st.integers(1, 2**16), st.floats(-1e6, 1e6)))
    beta = draw(st.one_of(st.sampled_from([0.0, 0.5, -0.5]), st.floats(-1e3, 1e3)))
    near = st.integers(-2**20, 2**20).map(lambda m: m / alpha if abs(alpha) >= 1e-3 else float(m))
    w = draw(hnp.arrays(np.float64, st.integers(0, 8), elements=st.one_of(near, st.floats(-1e6, 1e6))))
    return w, float(alpha), float(beta)


@given(case=floor_cases())
def test_floor_quantize_is_the_float64_formula(case):
    """Oracle: Python's own float arithmetic, one element at a time (IEEE float64, no fused multiply-add)."""
    w, alpha, beta = case
    out = floor_quantize(frozen(w), alpha, beta)
    assert out.dtype == np.int64 and out.shape == w.shape
    assert out.tolist() == [math.floor(alpha * x + beta) for x in w.tolist()]


@given(case=floor_cases())
def test_float_and_exact_floors_differ_only_inside_the_window_and_then_by_one(case):
    w, alpha, beta = case
    fast, exact = floor_quantize(w, alpha, beta), floor_quantize_exact(frozen(w), alpha, beta)
    assert exact.tolist() == [math.floor(Fraction(alpha) * Fraction(x) + Fraction(beta)) for x in w.tolist()]
    near = near_integer_boundary(w, alpha, beta)
    for x, f, e, n in zip(w.tolist(), fast.tolist(), exact.tolist(), near.tolist(), strict=True):
        if f != e:
            assert n, f"w̃={x!r}, α={alpha!r}, β={beta!r}: float {f} != exact {e} outside the window"
            assert abs(f - e) == 1
        # the window's own claim, checked with rationals: distance to the nearest integer within 2 ulps of S
        t = Fraction(alpha) * Fraction(x) + Fraction(beta)
        scale = max(abs(alpha * x), abs(beta))
        assert n == (min(t - math.floor(t), math.ceil(t) - t) <= FLOOR_ULP_WINDOW * Fraction(np.spacing(scale)))


def test_guide_float_facts():
    assert floor_quantize(0.29, 100, 0).item() == 28  # 100 * 0.29 == 28.999999999999996 in float64
    assert floor_quantize_exact(0.29, 100, 0).item() == 28  # and the float 0.29 is below 29/100, so exactly too
    assert floor_quantize(1 / 49, 49, 0).item() == 0
    assert floor_quantize_exact(1 / 49, 49, 0).item() == 0
    # where they part: fl(1/3) < 1/3, but 3 * fl(1/3) rounds up to 1.0
    assert floor_quantize(1 / 3, 3, 0).item() == 1 and floor_quantize_exact(1 / 3, 3, 0).item() == 0
    assert near_integer_boundary(1 / 3, 3, 0).item()
    assert not near_integer_boundary(0.3, 3, 0).item()


def test_zero_dimensional_inputs_give_zero_dimensional_arrays():
    """Every array function keeps the shape of its input, 0-d included (an ndarray, not a NumPy scalar)."""
    for fn in (floor_quantize, floor_quantize_exact):
        out = fn(np.float64(2.75), 3.0, -0.5)
        assert type(out) is np.ndarray and out.shape == () and out.dtype == np.int64
        assert out.item() == math.floor(3.0 * 2.75 - 0.5)
    q = quantize(np.float64(-7.25), 5)
    back = dequantize(q)
    assert q.codes.shape == () and type(back) is np.ndarray and back.shape == () and back.item() == -7.25


def test_subnormal_results_are_not_errors_under_seterr_raise():
    """Underflow to a subnormal or to 0 is the correctly rounded answer: no FloatingPointError under
    np.errstate(all="raise") (each of these raised one). Oracles: exact rationals and the documented endpoints."""
    tiny = [5e-324, 0.0, 1e-323]
    with np.errstate(all="raise"):
        assert floor_quantize([5e-324], 1e-308, 0.5).tolist() == [0]  # 5e-324·1e-308 + ½ = ½ + (below one ulp)
        assert near_integer_boundary([5e-324], 1e-308, 0.5).tolist() == [False]
        w = [0.0, 1e-300, 1e300]
        exact = [Fraction(x) / Fraction(1e300) for x in w]
        out = minmax_normalize(w).tolist()  # 1e-300/1e300 underflows to 0, within half the smallest subnormal
        bound = [Fraction(U) * e + Fraction(1, 2 ** 1075) for e in exact]
        assert all(abs(Fraction(o) - e) <= b for o, e, b in zip(out, exact, bound, strict=True))
        q = quantize(tiny, 16)
        back = dequantize(q)
        assert (q.lo, q.hi) == (0.0, 1e-323) and back[1] == 0.0 and back[2] == 1e-323
        qm = quantize_model(MLP([np.array([[5e-324, 1.0]]), np.ones((2, 1))], [np.array([1e-310, 0.0]), [0.0]]), 8)
        assert qm.biases[0].tolist() == [0.0, 0.0]  # 1e-310 rounds to float32 zero (it is stored as float32)


def test_floor_of_negatives_goes_toward_minus_infinity():
    assert floor_quantize([-0.5, -1.0, -1e-300, 0.0, -0.0], 1.0, 0.0).tolist() == [-1, -1, -1, 0, 0]
    assert floor_quantize_exact([-0.5, -1e-300], 1.0, 0.0).tolist() == [-1, -1]


# --- min-max normalisation -------------------------------------------------------------------------------------------

@given(w=values)
def test_minmax_normalize_against_exact_quotient(w):
    out = minmax_normalize(frozen(w))
    lo, hi = float(w.min()), float(w.max())
    assert out.shape == w.shape and ((out >= 0) & (out <= 1)).all()
    if hi == lo:
        assert (out == 0).all()
        return
    assert out.ravel()[w.argmin()] == 0.0 and out.ravel()[w.argmax()] == 1.0
    for x, o in zip(w.ravel().tolist(), out.ravel().tolist(), strict=True):
        exact = (Fraction(x) - Fraction(lo)) / (Fraction(hi) - Fraction(lo))
        assert abs(Fraction(o) - exact) <= 4 * Fraction(U) * exact + Fraction(2.0 ** -1074)


def test_minmax_normalize_edge_cases():
    assert minmax_normalize([[3.0, 3.0]]).tolist() == [[0.0, 0.0]]
    assert minmax_normalize([0.0, -0.0]).tolist() == [0.0, 0.0]
    assert minmax_normalize(-7.0).shape == ()
    with pytest.raises(ValueError, match="overflows"):
        minmax_normalize([-1e308, 1e308])


# --- quantize / dequantize -------------------------------------------------------------------------------------------

@given(w=values, bits=bits_st, beta=beta_st)
def test_codes_lie_in_range_and_match_exact_rounding_away_from_boundaries(w, bits, beta):
    try:
        q = quantize(frozen(w), bits, beta)
    except ValueError as exc:  # only β so close to 1 that α + β rounds up to 2^bits is refused
        assert "beta" in str(exc) and beta > 1 - 2.0 ** (bits - 52)
        return
    alpha = 2 ** bits - 1
    assert q.codes.dtype == (np.uint8 if bits <= 8 else np.uint16) and q.codes.shape == w.shape
    assert int(q.codes.min()) >= 0 and int(q.codes.max()) <= alpha
    assert (q.lo, q.hi, q.bits, q.beta) == (float(w.min()), float(w.max()), bits, beta)
    lo, hi = Fraction(q.lo), Fraction(q.hi)
    for x, c in zip(w.ravel().tolist(), q.codes.ravel().tolist(), strict=True):
        t = alpha * (Fraction(x) - lo) / (hi - lo) + Fraction(beta) if hi > lo else Fraction(beta)
        assert abs(c - math.floor(t)) <= 1
        if min(t - math.floor(t), math.ceil(t) - t) > 16 * Fraction(U) * (alpha + 1):
            assert c == math.floor(t)


@given(w=values, bits=bits_st, beta=beta_st)
def test_dequantize_error_bound_and_exact_endpoints(w, bits, beta):
    assume(beta < 1 - 2.0 ** (bits - 52))
    q = quantize(w, bits, beta)
    back = dequantize(q)
    alpha = 2 ** bits - 1
    lo, hi = Fraction(q.lo), Fraction(q.hi)
    bound = max(Fraction(beta), 1 - Fraction(beta)) * (hi - lo) / alpha
    bound += Fraction(2.0 ** -49) * (abs(lo) + abs(hi)) + Fraction(2.0 ** -1072)
    for x, y in zip(w.ravel().tolist(), back.ravel().tolist(), strict=True):
        assert abs(Fraction(x) - Fraction(y)) <= bound
    assert back.ravel()[w.argmin()] == q.lo and back.ravel()[w.argmax()] == q.hi
    if q.lo == q.hi:
        assert (back == w).all()  # a constant tensor comes back exactly


def test_quantize_small_example_by_hand():
    """w = [1, 2, 3, 4.5], 4 bits: w̃ = [0, 2/7, 4/7, 1], α·w̃ + ½ = [0.5, 4.79, 9.07, 15.5] → [0, 4, 9, 15]."""
    assert quantize([1.0, 2.0, 3.0, 4.5], 4).codes.tolist() == [0, 4, 9, 15]
    # β = 0 truncates: 15·2/7 = 4.29 → 4, 15·4/7 = 8.57 → 8
    assert quantize([1.0, 2.0, 3.0, 4.5], 4, beta=0.0).codes.tolist() == [0, 4, 8, 15]
    assert quantize([5.0], 3).codes.tolist() == [0] and dequantize(quantize([5.0], 3)).tolist() == [5.0]


def test_quantized_is_frozen_and_validated():
    q = quantize([0.0, 1.0], 8)
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.lo = 3.0
    with pytest.raises(ValueError):
        q.codes[0] = 1
    with pytest.raises(ValueError, match="codes"):
        Quantized(np.array([0, 256]), 0.0, 1.0, 8, 0.5)
    with pytest.raises(ValueError, match="lo and hi"):
        Quantized(np.array([0]), 1.0, 0.0, 8, 0.5)
    with pytest.raises(TypeError, match="q"):
        dequantize(np.array([1, 2]))


# --- packing ---------------------------------------------------------------------------------------------------------

@given(data=st.data(), bits=bits_st)
def test_pack_unpack_round_trip_and_layout_for_every_width(data, bits):
    codes = data.draw(st.lists(st.integers(0, 2**bits - 1), max_size=40))
    packed = pack_codes(frozen(np.array(codes, dtype=np.int64)), bits)
    assert packed == pack_reference(codes, bits)
    assert len(packed) == math.ceil(len(codes) * bits / 8)
    out = unpack_codes(packed, bits, len(codes))
    assert out.tolist() == codes and out.dtype == (np.uint8 if bits <= 8 else np.uint16)


def test_pack_extremes_of_every_width():
    for bits in range(1, 17):
        codes = [0, 2**bits - 1, 1, 2**bits - 1]
        assert unpack_codes(pack_codes(codes, bits), bits, 4).tolist() == codes
    assert pack_codes([], 5) == b"" and unpack_codes(b"", 5, 0).tolist() == []
    assert pack_codes([1.0, 3.0], 2) == pack_codes([1, 3], 2) == bytes([0b1101])  # whole floats count as integers


@pytest.mark.parametrize("call, exc, match", [
    (lambda: pack_codes([0, 4], 2), ValueError, "codes"),
    (lambda: pack_codes([-1], 2), ValueError, "codes"),
    (lambda: pack_codes([0], 0), ValueError, "bits"),
    (lambda: pack_codes([0], 17), ValueError, "bits"),
    (lambda: pack_codes([0.5], 4), TypeError, "codes"),
    (lambda: unpack_codes(b"\x00\x00", 4, 2), ValueError, "data"),
    (lambda: unpack_codes(b"\xf0", 4, 1), ValueError, "padding"),
    (lambda: unpack_codes([0], 4, 1), TypeError, "data"),
    (lambda: unpack_codes(b"\x00", 4, -1), ValueError, "count"),
])
def test_packing_bad_inputs(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --- quantize_model --------------------------------------------------------------------------------------------------

@st.composite
def pruned_models(draw):
    sizes = [draw(st.integers(1, 5)), draw(st.integers(0, 6)), draw(st.integers(1, 4))]
    mlp = MLP.init(sizes, draw(st.integers(0, 2**32 - 1)))
    return prune_connections(mlp, sparsity=draw(st.floats(0.0, 1.0)))[0]


@given(mlp=pruned_models(), bits=bits_st)
def test_prune_then_quantize_keeps_every_zero_and_bounds_the_rest(mlp, bits):
    qm = quantize_model(mlp, bits)
    back = qm.dequantize()
    assert back.sizes == mlp.sizes
    for W, Wq, q, m in zip(mlp.weights, back.weights, qm.weights, qm.masks, strict=True):
        assert (Wq[W == 0] == 0).all()  # pruned entries stay exactly zero
        assert np.array_equal(m, W != 0) and q.codes.size == np.count_nonzero(W)
        nz = W[W != 0]
        if nz.size:
            assert q.codes.tolist() == quantize(nz, bits).codes.tolist()
            step = Fraction(float(nz.max())) - Fraction(float(nz.min()))
            allowance = Fraction(2.0 ** -49) * (abs(Fraction(q.lo)) + abs(Fraction(q.hi))) + Fraction(2.0 ** -1072)
            for x, y in zip(nz.tolist(), Wq[W != 0].tolist(), strict=True):
                assert abs(Fraction(x) - Fraction(y)) <= step / (2 * (2**bits - 1)) + allowance
    for b, bq in zip(mlp.biases, back.biases, strict=True):
        assert bq.tolist() == [float(np.float32(v)) for v in b.tolist()]  # biases: float32, unquantized


def test_quantize_model_of_a_dense_model_is_per_tensor_quantize():
    mlp = MLP.init([5, 7, 3], 3)
    qm = quantize_model(mlp, 6, beta=0.0)
    for W, q in zip(mlp.weights, qm.weights, strict=True):
        ref = quantize(W, 6, beta=0.0)
        assert q.codes.tolist() == ref.codes.ravel().tolist() and (q.lo, q.hi) == (ref.lo, ref.hi)
    assert qm.nonzero_weights == 5 * 7 + 7 * 3 and qm.sizes == (5, 7, 3)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: quantize([1.0, 2.0], 0), ValueError, "bits"),
    (lambda: quantize([1.0, 2.0], 17), ValueError, "bits"),
    (lambda: quantize([1.0, 2.0], 4.0), TypeError, "bits"),
    (lambda: quantize([1.0, 2.0], True), TypeError, "bits"),
    (lambda: quantize([1.0, 2.0], 4, beta=1.0), ValueError, "beta"),
    (lambda: quantize([1.0, 2.0], 4, beta=-0.1), ValueError, "beta"),
    (lambda: quantize([1.0, 2.0], 4, beta=np.nan), ValueError, "beta"),
    (lambda: quantize([1.0, 2.0], 1, beta=1 - 2.0 ** -53), ValueError, "beta"),
    (lambda: quantize([1.0, np.nan], 4), ValueError, "w"),
    (lambda: quantize([], 4), ValueError, "w"),
    (lambda: minmax_normalize([]), ValueError, "w"),
    (lambda: minmax_normalize([np.inf]), ValueError, "w"),
    (lambda: floor_quantize([np.nan], 1.0, 0.0), ValueError, "w_tilde"),
    (lambda: floor_quantize([1.0], np.nan, 0.0), ValueError, "alpha"),
    (lambda: floor_quantize([1.0], 1.0, np.inf), ValueError, "beta"),
    (lambda: floor_quantize([1e300], 1e300, 0.0), ValueError, "int64"),
    (lambda: floor_quantize_exact([1e300], 1.0, 0.0), ValueError, "int64"),
    (lambda: floor_quantize_exact([np.nan], 1.0, 0.0), ValueError, "w_tilde"),
    (lambda: near_integer_boundary([0.5], 1.0, 0.0, ulps=-1), ValueError, "ulps"),
    (lambda: quantize_model([np.ones((2, 2))], 4), TypeError, "mlp"),
    (lambda: quantize_model(MLP.init([2, 2], 0), 0), ValueError, "bits"),
    (lambda: quantize_model(MLP.init([2, 2], 0), 4, beta=1.0), ValueError, "beta"),
])
def test_quantization_bad_inputs(call, exc, match):
    with pytest.raises(exc, match=match):
        call()

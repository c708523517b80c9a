"""Per-channel quantization (quantize/dequantize/fake_quantize with ``axis``) against independent oracles: brute
force per slice, exact rational arithmetic; its edge cases decided as for the per-tensor form."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import refimpl
from refimpl import Quantized, dequantize, fake_quantize, quantize

U = 2.0 ** -53
_ENTRY = st.one_of(st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.0]), st.floats(-1e6, 1e6))
_W = st.integers(1, 3).flatmap(lambda ndim: arrays(np.float64, st.tuples(*[st.integers(1, 4)] * ndim),
                                                   elements=_ENTRY))
_BITS = st.integers(1, 16)
_BETA = st.sampled_from([0.5, 0.0, 0.25])


def _axis(draw_w):
    return st.integers(-draw_w.ndim, draw_w.ndim - 1)


@given(st.data(), _W, _BITS, _BETA)
def test_each_slice_is_quantized_as_the_tensor_alone(data, w, bits, beta):
    axis = data.draw(_axis(w))
    q = quantize(w, bits, beta, axis)
    assert q.axis == axis % w.ndim and q.codes.shape == w.shape
    back = dequantize(q)
    for j in range(w.shape[axis]):
        alone = quantize(np.take(w, j, axis=axis), bits, beta)  # brute force: the per-tensor form on the slice
        assert np.array_equal(np.take(q.codes, j, axis=axis), alone.codes)
        assert (q.lo[j], q.hi[j]) == (alone.lo, alone.hi)
        assert np.array_equal(np.take(back, j, axis=axis), dequantize(alone))
    assert np.array_equal(fake_quantize(w, bits, beta, axis), back)


@given(st.data(), _W, _BITS, _BETA)
def test_codes_are_the_exact_floor_except_at_a_rounding_boundary(data, w, bits, beta):
    axis = data.draw(_axis(w))
    q = quantize(w, bits, beta, axis)
    alpha = 2 ** bits - 1
    for index in np.ndindex(w.shape):
        j = index[axis]
        lo, hi = Fraction(float(np.take(w, j, axis=axis).min())), Fraction(float(np.take(w, j, axis=axis).max()))
        t = Fraction(beta) if hi == lo else alpha * (Fraction(float(w[index])) - lo) / (hi - lo) + Fraction(beta)
        exact = int(t.__floor__())
        code = int(q.codes[index])
        if code != exact:  # only a value within a few roundings of an integer may floor the other way
            assert abs(code - exact) == 1 and min(t - int(t.__floor__()), int(t.__ceil__()) - t) < 16 * U * alpha


@given(st.data(), _W, _BITS)
def test_dequantize_is_the_rational_formula_within_four_roundings(data, w, bits):
    axis = data.draw(_axis(w))
    q = quantize(w, bits, 0.5, axis)
    back = dequantize(q)
    alpha = 2 ** bits - 1
    for index in np.ndindex(w.shape):
        lo, hi, c = q.lo[index[axis % w.ndim]], q.hi[index[axis % w.ndim]], int(q.codes[index])
        exact = Fraction(lo) + c * (Fraction(hi) - Fraction(lo)) / alpha
        bound = Fraction(4 * U * (abs(lo) + abs(hi))) + Fraction(2.0 ** -1070)
        assert abs(Fraction(float(back[index])) - exact) <= bound


def test_a_constant_slice_comes_back_exactly_and_the_ends_of_each_slice_are_exact():
    w = np.array([[0.1, 7.0, -2.0], [0.3, 7.0, 5.0]])
    q = quantize(w, 3, axis=1)
    assert q.codes[:, 1].tolist() == [0, 0] and q.lo.tolist() == [0.1, 7.0, -2.0] and q.hi.tolist() == [0.3, 7.0, 5.0]
    back = dequantize(q)
    assert back[:, 1].tolist() == [7.0, 7.0]
    assert back[0].tolist() == [0.1, 7.0, -2.0] and back[1].tolist() == [0.3, 7.0, 5.0]  # every entry is an end


def test_negative_axis_is_the_same_axis_and_per_tensor_is_unchanged():
    w = np.arange(24.0).reshape(2, 3, 4) ** 1.5
    for axis in range(-3, 3):
        a, b = quantize(w, 5, 0.5, axis), quantize(w, 5, 0.5, axis % 3)
        assert a.axis == b.axis and np.array_equal(a.codes, b.codes) and np.array_equal(a.lo, b.lo)
    legacy = Quantized(np.array([0, 3]), -1.0, 2.0, 2, 0.5)  # the per-tensor constructor, positional, unchanged
    assert legacy.axis is None and legacy.lo == -1.0 and dequantize(legacy).tolist() == [-1.0, 2.0]
    assert quantize(w, 5).axis is None and isinstance(quantize(w, 5).lo, float)


@pytest.mark.parametrize("w, axis, error, words", [
    (np.ones((2, 3)), 2, ValueError, "axis must be in [-2, 2)"),
    (np.ones((2, 3)), -3, ValueError, "axis"),
    (np.ones(3), True, TypeError, "axis"),
    (np.ones(3), 0.0, TypeError, "axis"),
    (np.float64(1.0), 0, ValueError, "axis"),  # a 0-d tensor has no axis
    (np.ones((0, 3)), 1, ValueError, "w must not be empty"),  # empty slices
    (np.ones((3, 0)), 1, ValueError, "w must not be empty"),  # no slice at all: as an empty tensor
    (np.array([[-1e308, 0.0], [1e308, 0.0]]), 1, ValueError, "slice 0 of w along axis 1"),
])
def test_bad_axis_or_tensor_is_refused_by_name(w, axis, error, words):
    with pytest.raises(error, match=words.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        quantize(w, 4, 0.5, axis)


@pytest.mark.parametrize("lo, hi, words", [
    (np.zeros(2), np.ones(3), "lo must have one entry per slice"),
    (np.zeros(3), np.ones(2), "hi must have one entry per slice"),
    (np.array([0.0, 2.0, 0.0]), np.ones(3), r"lo\[1\]=2.0, hi\[1\]=1.0"),
    (0.0, 1.0, "lo must be 1-D"),
])
def test_quantized_checks_per_slice_ranges(lo, hi, words):
    with pytest.raises(ValueError, match=words):
        Quantized(np.zeros((2, 3), dtype=np.int64), lo, hi, 4, 0.5, 1)


def test_per_channel_ranges_have_no_byte_layout():
    q = quantize(np.array([1.0, 2.0]), 4, axis=0)
    model = refimpl.QuantizedModel((q,), (np.ones((2, 1), dtype=bool),), (np.zeros(1),))
    with pytest.raises(ValueError, match="per-channel ranges"):
        refimpl.compression.encode(model, "sparse-quantized")

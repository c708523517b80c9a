"""attribution_agreement and ig_agreement against brute-force oracles."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import refimpl
from refimpl.interpret import ig_agreement

from .oracles import frozen

# small integers make ties likely; the float strategy covers wide magnitudes
VALUES = st.one_of(st.integers(-3, 3).map(float), st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False))


@st.composite
def pairs(draw, n_max=4, d_max=8):
    shape = (draw(st.integers(1, n_max)), draw(st.integers(1, d_max)))
    return draw(arrays(float, shape, elements=VALUES)), draw(arrays(float, shape, elements=VALUES))


def brute_ranks(row):
    """Rank = (number of smaller values) + (number of equal values + 1) / 2: the average of the tied positions."""
    return [Fraction(sum(v < x for v in row)) + Fraction(sum(v == x for v in row) + 1, 2) for x in row]


def brute_spearman(a, b):
    ra, rb = brute_ranks(a), brute_ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=True))
    va, vb = sum((x - ma) ** 2 for x in ra), sum((y - mb) ** 2 for y in rb)
    if va == 0 or vb == 0:
        return 1.0 if va == vb == 0 else 0.0
    return float(cov) / (float(va) * float(vb)) ** 0.5


def brute_top_k(a, b, k):
    top = lambda row: set(sorted(range(len(row)), key=lambda i: (-abs(row[i]), i))[:k])  # noqa: E731
    return len(top(a) & top(b)) / k


def brute_cosine(a, b):
    fa, fb = [Fraction(v) for v in a], [Fraction(v) for v in b]
    na, nb = sum(v * v for v in fa), sum(v * v for v in fb)
    if na == 0 or nb == 0:
        return 1.0 if na == nb == 0 else 0.0
    dot = sum(x * y for x, y in zip(fa, fb, strict=True))
    return float(np.sign(dot)) * float(dot * dot / (na * nb)) ** 0.5  # cos² exactly, then one square root


@given(pairs(), st.data())
def test_matches_brute_force_oracles(pair, data):
    a, b = pair
    k = data.draw(st.integers(1, a.shape[1]))
    result = refimpl.attribution_agreement(a, b, top_k=k)
    for r in range(len(a)):
        assert abs(result.spearman[r] - brute_spearman(a[r], b[r])) <= 1e-12
        assert result.top_k_overlap[r] == brute_top_k(a[r], b[r], k)
        assert abs(result.cosine[r] - brute_cosine(a[r], b[r])) <= 1e-12
    assert result.mean_spearman == pytest.approx(np.mean(result.spearman), abs=1e-15)
    assert result.mean_cosine == pytest.approx(np.mean(result.cosine), abs=1e-15)
    assert result.mean_top_k_overlap == pytest.approx(np.mean(result.top_k_overlap), abs=1e-15)


@given(pairs())
def test_identical_gives_one_and_agreement_is_symmetric(pair):
    a, b = pair
    same = refimpl.attribution_agreement(a, a, top_k=1)
    assert (same.spearman == 1).all() and (same.top_k_overlap == 1).all()
    assert (np.abs(same.cosine - 1) <= 1e-15).all()
    ab, ba = refimpl.attribution_agreement(a, b, top_k=1), refimpl.attribution_agreement(b, a, top_k=1)
    for x, y in zip(ab, ba, strict=True):
        np.testing.assert_array_equal(x, y)


@given(pairs(), st.floats(1e-3, 1e3), st.integers(-20, 20))
def test_invariant_to_positive_scaling(pair, c, power):
    a, b = pair
    base = refimpl.attribution_agreement(a, b, top_k=1)
    exact = refimpl.attribution_agreement(a * 2.0**power, b, top_k=1)  # powers of 2 scale without rounding
    np.testing.assert_array_equal(exact.spearman, base.spearman)
    np.testing.assert_array_equal(exact.top_k_overlap, base.top_k_overlap)
    np.testing.assert_array_equal(exact.cosine, base.cosine)
    scaled = refimpl.attribution_agreement(a * c, b * c, top_k=1)
    assert (np.abs(scaled.cosine - base.cosine) <= 1e-12).all()


def test_defined_edge_cases():
    zero, ones, ramp = np.zeros((1, 3)), np.ones((1, 3)), np.array([[1.0, 2.0, 3.0]])
    assert refimpl.attribution_agreement(zero, zero, 3).cosine[0] == 1  # both all zero
    assert refimpl.attribution_agreement(zero, ramp, 3).cosine[0] == 0  # exactly one all zero
    assert refimpl.attribution_agreement(ones, ones * 5, 1).spearman[0] == 1  # both constant
    assert refimpl.attribution_agreement(ones, ramp, 1).spearman[0] == 0  # one constant
    assert refimpl.attribution_agreement(ramp, -ramp, 1).spearman[0] == -1
    assert refimpl.attribution_agreement([[0.0, -0.0]], [[1.0, 2.0]], 1).spearman[0] == 0  # -0.0 ties 0.0
    # ties in |value| go to the lower index: top-1 of [2, -2] is index 0, of [-2, 2] also index 0
    assert refimpl.attribution_agreement([[2.0, -2.0]], [[-2.0, 2.0]], 1).top_k_overlap[0] == 1
    assert refimpl.attribution_agreement([[1e-200, 0]], [[1e-200, 0]], 1).cosine[0] == 1  # no underflow
    assert refimpl.attribution_agreement([[1e300, 1e300]], [[1e300, 1e300]], 1).cosine[0] == 1  # no overflow
    single = refimpl.attribution_agreement([[4.0]], [[-1.0]], 1)
    assert single.spearman[0] == 1 and single.top_k_overlap[0] == 1 and single.cosine[0] == -1


def test_read_only_inputs():
    a, b = frozen(np.arange(12.0).reshape(3, 4)), frozen(np.arange(12.0)[::-1].reshape(3, 4))
    first, second = refimpl.attribution_agreement(a, b, 2), refimpl.attribution_agreement(a, b, 2)
    for x, y in zip(first, second, strict=True):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("a, b, top_k, error, word", [
    (np.ones((2, 3)), np.ones((2, 4)), 1, ValueError, "same shape"),
    (np.ones(3), np.ones(3), 1, ValueError, "a"),
    (np.ones((0, 3)), np.ones((0, 3)), 1, ValueError, "row"),
    (np.ones((2, 3)), np.ones((2, 3)), 4, ValueError, "top_k"),
    (np.ones((2, 3)), np.ones((2, 3)), 0, ValueError, "top_k"),
    (np.ones((2, 3)), np.ones((2, 3)), 1.0, TypeError, "top_k"),
    (np.ones((2, 3)), [[1, 2, np.nan]] * 2, 1, ValueError, "b"),
    ("abc", np.ones((2, 3)), 1, TypeError, "a"),
])
def test_bad_arguments_raise_clear_errors(a, b, top_k, error, word):
    with pytest.raises(error, match=word):
        refimpl.attribution_agreement(a, b, top_k)


def test_ig_agreement():
    mlp = refimpl.MLP.init([6, 8, 3], 0)
    X = np.random.default_rng(0).normal(size=(5, 6))
    assert ig_agreement(mlp, mlp, X) == 1.0
    # scaling the output layer by 3 scales every IG by 3: same ranking
    scaled = refimpl.MLP([mlp.weights[0], 3 * mlp.weights[1]], [mlp.biases[0], 3 * mlp.biases[1]])
    assert ig_agreement(mlp, scaled, X) == 1.0
    negated = refimpl.MLP([mlp.weights[0], -mlp.weights[1]], [mlp.biases[0], -mlp.biases[1]])
    assert ig_agreement(mlp, negated, X, target=1) == -1.0
    with pytest.raises(ValueError, match="widths"):
        ig_agreement(mlp, refimpl.MLP.init([6, 8, 2], 0), X)
    with pytest.raises(TypeError, match="compressed"):
        ig_agreement(mlp, "model", X)
    with pytest.raises(ValueError, match="X must have at least one row"):
        ig_agreement(mlp, mlp, X[:0])

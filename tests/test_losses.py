"""Losses against 60-digit closed forms, central differences, and hand-derived limits at huge logits."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from refimpl import binary_cross_entropy_with_logits, softmax_cross_entropy

from .oracles import EPS, binary_ce_exact, central_difference, frozen, softmax_ce_exact

finite = st.floats(-60, 60, allow_nan=False, allow_infinity=False)
# Logits whose exp (or a probability divided by n) lands in the subnormal range: the underflow must not raise.
near_underflow = st.sampled_from([0.0, 40.0, -40.0, 700.5, -707.5, -708.0, 745.0, -745.0])


def strict():
    """Any floating-point warning (overflow, underflow, invalid, divide) becomes an error."""
    return np.errstate(all="raise")


@st.composite
def softmax_batch(draw, elements=finite):
    n, k = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    logits = draw(hnp.arrays(np.float64, (n, k), elements=elements))
    y = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    return logits, y


@st.composite
def binary_batch(draw, elements=finite):
    n = draw(st.integers(1, 5))
    logits = draw(hnp.arrays(np.float64, (n, 1), elements=elements))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    return logits, y


# --- values and gradients against the closed forms -------------------------------------------------------------------

@given(softmax_batch(st.one_of(finite, st.floats(-1e4, 1e4), near_underflow)))
def test_softmax_cross_entropy_matches_closed_form(batch):
    """Tolerance: the max shift z − max(z) rounds with error ≤ ε·|z|, and log/exp/sum add a few ε relative; so the
    mean loss is within 8ε·(1 + max|z|) of the 60-digit value, and every gradient entry (a probability over n, in
    [−1, 1]) within 8ε·(1 + max|z|)·(number of classes) absolute."""
    logits, y = batch
    with strict():
        loss, grad = softmax_cross_entropy(frozen(logits), frozen(y))
    exact_loss, exact_grad = softmax_ce_exact(logits, y)
    scale = 8 * EPS * (1 + np.abs(logits).max())
    assert isinstance(loss, float) and abs(loss - float(exact_loss)) <= scale
    assert grad.shape == logits.shape
    assert np.all(np.abs(grad - np.array(exact_grad, dtype=float)) <= scale * logits.shape[1])


@given(binary_batch(st.one_of(finite, st.floats(-1e4, 1e4), near_underflow)))
def test_binary_cross_entropy_matches_closed_form(batch):
    """Relative accuracy, even for tiny losses: with y ∈ {0, 1}, max(z, 0) − z·y is exact (0, z or −z), and
    log1p(e^{−|z|}) adds one relative rounding of each of exp and log1p; the mean of n <= 5 non-negative terms adds
    n more. So |loss − L| <= 16ε·L, plus one subnormal step where e^{−|z|} is subnormal (|z| > 708). A version
    using log(1 + e) instead of log1p fails this at z = 40, y = 1 (it returns 0 for 4.2e-18)."""
    logits, y = batch
    with strict():
        loss, grad = binary_cross_entropy_with_logits(frozen(logits), frozen(y))
    exact_loss, exact_grad = binary_ce_exact(logits[:, 0], y)
    assert isinstance(loss, float) and abs(loss - float(exact_loss)) <= 16 * EPS * float(exact_loss) + 5e-324
    assert grad.shape == logits.shape
    assert np.all(np.abs(grad[:, 0] - np.array(exact_grad, dtype=float)) <= 8 * EPS)


@given(softmax_batch(st.floats(-8, 8)))
def test_softmax_gradient_matches_central_differences(batch):
    """The loss is smooth; the central difference's truncation error is h²/6·max|f'''| ≤ h² (f''' of log-sum-exp is
    bounded by 1 per unit direction) and its rounding error about ε·|L|/h with |L| ≤ 17 + log 5. With h = 1e-5:
    ≤ 1e-10 + 4e-10, so the tolerance 1e-8 has a wide margin."""
    logits, y = batch
    _, grad = softmax_cross_entropy(logits, y)
    fd = central_difference(lambda z: softmax_cross_entropy(z, y)[0], logits, 1e-5)
    assert np.allclose(grad, fd, rtol=0, atol=1e-8)


@given(binary_batch(st.floats(-8, 8)))
def test_binary_gradient_matches_central_differences(batch):
    """As for softmax: the tolerance 1e-8 bounds truncation (h² with h = 1e-5) and rounding (ε·|L|/h)."""
    logits, y = batch
    _, grad = binary_cross_entropy_with_logits(logits, y)
    fd = central_difference(lambda z: binary_cross_entropy_with_logits(z, y)[0], logits, 1e-5)
    assert np.allclose(grad, fd, rtol=0, atol=1e-8)


def test_small_closed_forms():
    """Values a reader can check by hand."""
    loss, grad = softmax_cross_entropy(np.zeros((2, 4)), [0, 3])  # uniform: log 4, p − onehot = 1/4 − [1]
    assert loss == pytest.approx(np.log(4), rel=2 * EPS)
    assert np.allclose(grad, (np.full((2, 4), 0.25) - np.eye(4)[[0, 3]]) / 2, rtol=0, atol=EPS)
    loss, grad = binary_cross_entropy_with_logits(np.zeros((3, 1)), [0, 1, 1])  # σ(0) = 1/2: log 2 each
    assert loss == pytest.approx(np.log(2), rel=2 * EPS)
    assert np.array_equal(grad[:, 0], np.array([0.5, -0.5, -0.5]) / 3)
    loss, grad = softmax_cross_entropy(np.array([[3.5], [-7.0]]), [0, 0])  # one class: log e^z − z = 0
    assert loss == 0.0 and np.array_equal(grad, np.zeros((2, 1)))


# --- stability at huge logits ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("big", [1e4, 1e300])
def test_softmax_stability_at_huge_logits(big):
    """Logits ±big and 0 in one row: probabilities (1, 0, 0) exactly in float; the loss is 0 for the top class,
    big for label 0-logit and 2·big for the −big one (the e^{−big} corrections are below half an ulp)."""
    logits = np.array([[big, -big, 0.0]] * 3)
    with strict(), warnings.catch_warnings():
        warnings.simplefilter("error")
        for label, expected in ((0, 0.0), (1, 2 * big), (2, big)):
            loss, grad = softmax_cross_entropy(logits, [label] * 3)
            assert loss == expected
            onehot = np.eye(3)[[label] * 3]
            assert np.array_equal(grad, (np.eye(3)[[0] * 3] - onehot) / 3)
        loss, grad = softmax_cross_entropy(np.array([[big, big], [-big, -big]]), [0, 1])  # ties: log 2 each
        assert loss == pytest.approx(np.log(2), rel=2 * EPS)
        assert np.allclose(grad, [[-0.25, 0.25], [0.25, -0.25]], rtol=0, atol=EPS)


@pytest.mark.parametrize("big", [1e4, 1e300])
def test_binary_stability_at_huge_logits(big):
    """σ(±big) is 1 or 0 in float: the loss is |z| when the sign is wrong and 0 when it is right, and the gradient
    (σ − y)/n is exactly ±1/n or 0."""
    logits = np.array([[big], [-big], [big], [-big]])
    with strict(), warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, grad = binary_cross_entropy_with_logits(logits, [1, 0, 0, 1])
        assert loss == big / 2  # (0 + 0 + big + big) / 4
        assert np.array_equal(grad[:, 0], [0.0, 0.0, 0.25, -0.25])


def test_losses_at_the_top_of_the_float64_range():
    """Logits near 1.8e308: no warning, no NaN. A mean of representable per-example losses is returned even where
    their sum overflows (two losses of 1.7e308 average to 1.7e308); a loss whose exact value exceeds float64
    (log(e^1e308 + e^-1e308) + 1e308 ≈ 2e308) is inf, the correctly rounded value, with its exact gradient."""
    top = 1.7e308
    with strict(), warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, grad = binary_cross_entropy_with_logits([[top], [top]], [0, 0])
        assert loss == top and np.array_equal(grad, [[0.5], [0.5]])
        loss, grad = softmax_cross_entropy([[top, 0.0], [top, 0.0]], [1, 1])  # each term: top + log(1 + e^-top)
        assert loss == top and np.array_equal(grad, [[0.5, -0.5], [0.5, -0.5]])
        loss, grad = softmax_cross_entropy([[1e308, -1e308]], [0])
        assert loss == 0.0 and np.array_equal(grad, [[0.0, 0.0]])
        loss, grad = softmax_cross_entropy([[1e308, -1e308]], [1])
        assert loss == np.inf and np.array_equal(grad, [[1.0, -1.0]])


# --- inputs ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn, logits, y", [
    (softmax_cross_entropy, np.arange(6.0).reshape(2, 3), np.array([2, 0])),
    (binary_cross_entropy_with_logits, np.array([[1.0], [-2.0]]), np.array([1, 0])),
])
def test_inputs_are_not_written(fn, logits, y):
    before = logits.copy(), y.copy()
    fn(logits, y)
    fn(frozen(logits), frozen(y))
    assert np.array_equal(logits, before[0]) and np.array_equal(y, before[1])


def test_labels_may_be_whole_floats_or_lists():
    a = softmax_cross_entropy([[1.0, 2.0]], [1])
    b = softmax_cross_entropy(np.array([[1.0, 2.0]]), np.array([1.0]))
    assert a[0] == b[0] and np.array_equal(a[1], b[1])


@pytest.mark.parametrize("logits, y, error, names", [
    (np.ones((2, 3)), [0, 3], ValueError, "y"),
    (np.ones((2, 3)), [-1, 0], ValueError, "y"),
    (np.ones((2, 3)), [0], ValueError, "y"),
    (np.ones((2, 3)), [0.5, 1], TypeError, "y"),
    (np.ones((2, 3)), np.array([True, False]), TypeError, "y"),
    (np.ones((2, 3)), None, TypeError, "y"),
    (np.ones((2, 3)), [[0], [1]], ValueError, "y"),
    (np.ones((2, 3)), [[0], [1, 2]], TypeError, "y"),  # ragged
    (np.ones((2, 3)), [1e300, 0.0], ValueError, "y"),  # whole, but no int64 holds it
    (np.ones((2, 3)), np.array([2**63, 0], dtype=np.uint64), ValueError, "y"),  # would wrap to a negative
    (np.ones((2, 3)), [np.nan, 0.0], TypeError, "y"),
    (np.ones((0, 3)), np.zeros(0, dtype=int), ValueError, "logits"),
    (np.ones(3), [0, 1, 2], ValueError, "logits"),
    (np.array([[np.nan, 0.0]]), [0], ValueError, "logits"),
    (np.array([[np.inf, 0.0]]), [0], ValueError, "logits"),
    (np.ones((1, 2), dtype=complex), [0], TypeError, "logits"),
    (np.ones((1, 2), dtype=bool), [0], TypeError, "logits"),
    (None, [0], TypeError, "logits"),
])
def test_softmax_refuses_bad_inputs(logits, y, error, names):
    with strict(), pytest.raises(error) as info:  # refused before any arithmetic could warn
        softmax_cross_entropy(logits, y)
    assert names in str(info.value)


@pytest.mark.parametrize("logits, y, error, names", [
    (np.ones((2, 1)), [0, 2], ValueError, "y"),
    (np.ones((2, 1)), [-1, 0], ValueError, "y"),
    (np.ones((2, 1)), [1], ValueError, "y"),
    (np.ones((2, 2)), [0, 1], ValueError, "logits"),
    (np.ones(2), [0, 1], ValueError, "logits"),
    (np.array([[np.nan]]), [0], ValueError, "logits"),
    (np.ones((1, 1)), np.array([True]), TypeError, "y"),
])
def test_binary_refuses_bad_inputs(logits, y, error, names):
    with pytest.raises(error) as info:
        binary_cross_entropy_with_logits(logits, y)
    assert names in str(info.value)

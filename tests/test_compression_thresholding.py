"""§3.1: threshold (strict >), l1_importance (correctly rounded), prune_smallest (half-even count, ties by index)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl import l1_importance, prune_smallest, threshold

from .oracles import frozen
from .oracles_compression import exact_l1, finite_arrays, round_half_even, smallest_by_sorting, tie_heavy_arrays

nonneg = st.floats(0.0, 1e300)


# --- threshold -------------------------------------------------------------------------------------------------------

@given(w=finite_arrays(), eps=nonneg, pick=st.integers(0, 10**6), use_entry=st.booleans())
def test_threshold_matches_elementwise_rule(w, eps, pick, use_entry):
    if use_entry and w.size:  # ε equal to some |w_i|: the strict inequality must remove that entry
        eps = abs(float(w.ravel()[pick % w.size]))
    out = threshold(frozen(w), eps)
    assert out.shape == w.shape and out.dtype == np.float64
    for x, o in zip(w.ravel().tolist(), out.ravel().tolist(), strict=True):
        assert o == (x if abs(x) > eps else 0.0)
        if abs(x) > eps:
            assert math.copysign(1.0, o) == math.copysign(1.0, x)  # kept entries are the same float


def test_threshold_is_strict_at_epsilon():
    eps = 0.3
    w = np.array([eps, -eps, np.nextafter(eps, 1.0), -np.nextafter(eps, 1.0), np.nextafter(eps, 0.0)])
    assert threshold(w, eps).tolist() == [0.0, 0.0, w[2], w[3], 0.0]


def test_threshold_eps_zero_removes_exactly_the_zeros():
    w = np.array([0.0, -0.0, 5e-324, -5e-324, 1.0])
    assert threshold(w, 0.0).tolist() == [0.0, 0.0, 5e-324, -5e-324, 1.0]


def test_threshold_returns_a_new_array_and_keeps_shape_of_empty_and_scalar():
    w = np.array([[1.0, -2.0]])
    out = threshold(w, 0.5)
    assert not np.shares_memory(out, w) and out.flags.writeable
    assert threshold(np.zeros((0, 3)), 1.0).shape == (0, 3)
    assert threshold(np.float64(-2.0), 1.0).shape == () and float(threshold(-2.0, 1.0)) == -2.0


# --- l1_importance ---------------------------------------------------------------------------------------------------

@given(w=finite_arrays(), seed=st.integers(0, 2**32 - 1))
def test_l1_importance_is_the_correctly_rounded_sum(w, seed):
    R = l1_importance(frozen(w))
    assert R == exact_l1(w)
    shuffled = np.random.default_rng(seed).permutation(w.ravel())
    assert l1_importance(shuffled) == R  # independent of the order


def test_l1_importance_edge_cases():
    assert l1_importance([]) == 0.0
    assert l1_importance([1e308, 1e308]) == math.inf  # the exact sum is beyond the float64 range
    top = np.finfo(np.float64).max
    assert l1_importance([top, 2.0 ** 969]) == top  # below the halfway point to 2^1024: rounds down
    assert l1_importance([-top, 2.0 ** 970]) == math.inf  # exactly halfway, ties to even: overflows
    # summed naively left to right this is 0.0: 1e16 + 1 rounds to 1e16 twice
    assert l1_importance([1e16, 1.0, 1.0, -1e16]) == 2e16 + 2.0


# --- prune_smallest --------------------------------------------------------------------------------------------------

@given(w=st.one_of(finite_arrays(), tie_heavy_arrays()), sparsity=st.floats(0.0, 1.0))
def test_prune_smallest_zeros_exactly_k_smallest_lower_index_first(w, sparsity):
    out = prune_smallest(frozen(w), sparsity)
    k = round_half_even(sparsity, w.size)
    pruned = smallest_by_sorting(w, k)
    assert out.shape == w.shape
    for i, (x, o) in enumerate(zip(w.ravel().tolist(), out.ravel().tolist(), strict=True)):
        assert o == (0.0 if i in pruned else x)


@pytest.mark.parametrize("sparsity, n, k", [(0.35, 10, 4), (0.5, 5, 2), (0.5, 7, 4), (0.25, 2, 0), (0.75, 2, 2),
                                            (1.0, 3, 3), (0.0, 3, 0)])
def test_prune_smallest_counts_like_pytorch(sparsity, n, k):
    """Counts from the guide (PyTorch's rule): 0.35·10 is 3.5 in float64 and rounds half-even to 4."""
    w = np.arange(1.0, n + 1.0)
    assert int((prune_smallest(w, sparsity) == 0).sum()) == k


def test_prune_smallest_ties_lowest_index_first():
    """Eight equal weights, prune 3: PyTorch's topk happened to pick {4, 5, 6}; this spec picks {0, 1, 2}."""
    out = prune_smallest(np.full(8, 0.7), 3 / 8)
    assert np.flatnonzero(out == 0).tolist() == [0, 1, 2]
    mixed = np.array([-1.0, 1.0, 0.5, -0.5, 0.0, -0.0])
    # the two zeros first, then |0.5| == |-0.5|: index 2 before index 3, then |-1| == |1|: index 0 before 1
    assert prune_smallest(mixed, 0.5).tolist() == [-1.0, 1.0, 0.0, -0.5, 0.0, 0.0]
    assert prune_smallest(mixed, 5 / 6).tolist() == [0.0, 1.0, 0.0, 0.0, 0.0, 0.0]


@given(w=finite_arrays(min_side=1), sparsity=st.floats(0.0, 1.0))
def test_prune_smallest_agrees_with_threshold_when_the_boundary_is_untied(w, sparsity):
    mags = np.sort(np.abs(w.ravel()))
    k = round_half_even(sparsity, w.size)
    if 0 < k < w.size and mags[k - 1] < mags[k]:
        assert np.array_equal(prune_smallest(w, sparsity), threshold(w, float(mags[k - 1])))


# --- bad inputs ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, match", [
    (lambda: threshold([1.0, np.nan], 0.1), "w"),
    (lambda: threshold([1.0, np.inf], 0.1), "w"),
    (lambda: threshold([1.0], -0.1), "eps"),
    (lambda: threshold([1.0], np.nan), "eps"),
    (lambda: threshold([1.0], np.inf), "eps"),
    (lambda: l1_importance([np.nan]), "w"),
    (lambda: prune_smallest([1.0, np.nan], 0.5), "w"),
    (lambda: prune_smallest([1.0], 1.5), "sparsity"),
    (lambda: prune_smallest([1.0], -0.1), "sparsity"),
    (lambda: prune_smallest([1.0], np.nan), "sparsity"),
])
def test_bad_values_raise_value_error_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("call, match", [
    (lambda: threshold("1.0", 0.1), "w"),
    (lambda: threshold([1.0], "0.1"), "eps"),
    (lambda: threshold([True, False], 0.1), "w"),
    (lambda: threshold([1.0], True), "eps"),
    (lambda: l1_importance(None), "w"),
    (lambda: prune_smallest([1 + 2j], 0.5), "w"),
    (lambda: prune_smallest([1.0], None), "sparsity"),
])
def test_bad_kinds_raise_type_error_naming_the_argument(call, match):
    with pytest.raises(TypeError, match=match):
        call()

"""The shipped digits, the stratified split and the binary task, against the data's README and brute force."""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl import datasets

from .oracles import frozen

# From the data's README (../shared/data/README.md), not from the code: 1797 × 64, pixels 0..16, and these counts.
README_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
SHARED_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "digits.csv.gz"


def parse_csv(raw: bytes) -> list[list[int]]:
    """An independent reader: gzip + the csv module + int()."""
    return [[int(v) for v in row] for row in csv.reader(io.StringIO(gzip.decompress(raw).decode("ascii")))]


@pytest.fixture(scope="module")
def shipped_rows():
    return parse_csv(resources.files("refimpl").joinpath("data/digits.csv.gz").read_bytes())


@pytest.fixture(scope="module")
def digits():
    return datasets.load_digits()


def test_shipped_file_has_the_readme_counts(shipped_rows):
    assert len(shipped_rows) == 1797 and all(len(r) == 65 for r in shipped_rows)
    assert all(0 <= v <= 16 for r in shipped_rows for v in r[:64])
    counts = Counter(r[64] for r in shipped_rows)
    assert [counts[d] for d in range(10)] == README_COUNTS and sum(counts.values()) == 1797


@pytest.mark.skipif(not SHARED_CSV.exists(), reason="the project's shared data folder is not next to this checkout")
def test_shipped_file_holds_the_same_rows_as_the_source(shipped_rows):
    assert shipped_rows == parse_csv(SHARED_CSV.read_bytes())


def test_load_digits_is_pixels_over_16(digits, shipped_rows):
    X, y = digits
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    pixels = np.array([r[:64] for r in shipped_rows])
    assert np.array_equal(X, pixels / 16)  # exact: k/16 is a float for every k in 0..16
    assert np.array_equal(X * 16, pixels) and X.min() == 0.0 and X.max() == 1.0
    assert np.array_equal(y, [r[64] for r in shipped_rows])
    assert np.bincount(y).tolist() == README_COUNTS


def test_load_digits_returns_fresh_arrays(digits):
    X, y = datasets.load_digits()
    X[0, 0], y[0] = 5.0, 7  # a caller may scribble on its copy ...
    X2, y2 = datasets.load_digits()
    assert np.array_equal(X2, digits[0]) and np.array_equal(y2, digits[1])  # ... without changing the next load


# --- the stratified split --------------------------------------------------------------------------------------------

def test_digits_split_is_stratified_and_deterministic(digits):
    X, y = digits
    X_tr, X_te, y_tr, y_te = datasets.train_test_split(frozen(X), frozen(y), seed=0)
    # round half to even of count/4: 178/4 = 44.5 → 44, 182/4 = 45.5 → 46, 174/4 = 43.5 → 44, ...
    expected_test = [round(c / 4) for c in README_COUNTS]
    assert np.bincount(y_te, minlength=10).tolist() == expected_test
    assert np.bincount(y_tr, minlength=10).tolist() == [c - t for c, t in zip(README_COUNTS, expected_test,
                                                                              strict=True)]
    assert X_tr.shape == (1797 - sum(expected_test), 64) and X_te.shape == (sum(expected_test), 64)
    again = datasets.train_test_split(X, y, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip((X_tr, X_te, y_tr, y_te), again, strict=True))
    other = datasets.train_test_split(X, y, seed=1)
    assert not np.array_equal(other[3], y_te) or not np.array_equal(other[1], X_te)


@st.composite
def labelled(draw):
    y = np.array(draw(st.lists(st.integers(0, 4), max_size=40)), dtype=np.int64)
    return np.arange(len(y), dtype=np.float64)[:, None] * [1.0, -1.0], y  # row i is (i, −i): traceable


@given(data=labelled(), fraction=st.floats(0, 1), seed=st.integers(0, 2**32 - 1))
def test_split_is_a_stratified_order_keeping_partition(data, fraction, seed):
    X, y = data
    X_tr, X_te, y_tr, y_te = datasets.train_test_split(frozen(X), frozen(y), test_fraction=fraction, seed=seed)
    tr, te = X_tr[:, 0].astype(int), X_te[:, 0].astype(int)
    assert sorted(tr.tolist() + te.tolist()) == list(range(len(y)))  # a partition of the rows
    assert np.all(np.diff(tr) > 0) and np.all(np.diff(te) > 0)  # both keep the original order
    assert np.array_equal(y_tr, y[tr]) and np.array_equal(y_te, y[te]) and np.array_equal(X_te[:, 1], -te)
    for label, n_c in Counter(y.tolist()).items():  # per class: round-half-even of (fraction × n_c) in float64
        assert int(np.sum(y_te == label)) == round(fraction * n_c)
    assert datasets.train_test_split(X, y, test_fraction=fraction, seed=seed)[1].tobytes() == X_te.tobytes()


@pytest.mark.parametrize("kwargs, error, names", [
    (dict(test_fraction=1.5), ValueError, "test_fraction"), (dict(test_fraction=-0.1), ValueError, "test_fraction"),
    (dict(test_fraction=float("nan")), ValueError, "test_fraction"), (dict(test_fraction="0.2"), TypeError,
                                                                      "test_fraction"),
    (dict(seed=-1), ValueError, "seed"), (dict(seed=0.5), TypeError, "seed"),
    (dict(y=np.zeros(3, dtype=int)), ValueError, "y"), (dict(y=np.zeros((4, 1), dtype=int)), ValueError, "y"),
    (dict(y=np.array([0.5, 1, 2, 3])), TypeError, "y"), (dict(y=None), TypeError, "y"),
])
def test_split_refuses_bad_arguments(kwargs, error, names):
    call = dict(X=np.ones((4, 2)), y=np.arange(4)) | kwargs
    with pytest.raises(error) as info:
        datasets.train_test_split(call.pop("X"), call.pop("y"), **call)
    assert names in str(info.value)


# --- the binary task -------------------------------------------------------------------------------------------------

def test_binary_labels_are_odd_against_even(digits):
    _, y = digits
    b = datasets.binary_labels(frozen(y))
    assert b.dtype == np.int64 and b.shape == y.shape
    assert all(int(bi) == (1 if yi in (1, 3, 5, 7, 9) else 0) for bi, yi in zip(b, y, strict=True))
    assert int(b.sum()) == sum(README_COUNTS[1::2])  # 182 + 183 + 182 + 179 + 180 = 906 odd digits


@pytest.mark.parametrize("y, error", [
    ([0, 10], ValueError), ([-1, 2], ValueError), ([[1, 2]], ValueError), ([True, False], TypeError),
    ([1.5], TypeError), (None, TypeError), ("12", TypeError),
])
def test_binary_labels_refuse_non_digits(y, error):
    with pytest.raises(error, match="y"):
        datasets.binary_labels(np.array(y) if isinstance(y, list) else y)

"""Choosing the pipeline on validation data: the test images are never passed, the fit and validation parts partition
the training rows, the rule agrees with a brute-force scan, and a tiny study is deterministic."""

from __future__ import annotations

import re
from collections import Counter
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.compression import selection
from refimpl.compression.pipeline import PIPELINE
from refimpl.compression.selection import CANDIDATES, choose, select_pipeline, split_fit_validation
from refimpl.datasets import task_data

from .oracles import frozen

TINY = [{"keep_ratio": 0.25, "sparsities": (0.5,), "scope": "global", "bits": b, "epochs_per_step": 1}
        for b in (3, 6)]


def rows(X) -> Counter:
    """The rows of X as a multiset (each row's bytes)."""
    return Counter(np.ascontiguousarray(r).tobytes() for r in np.asarray(X, dtype=np.float64))


def spy(function, log: list, at: int):
    """``function``, logging the rows of its positional argument number ``at`` on each call."""
    def wrapper(*args, **kwargs):
        log.append(rows(args[at]))
        return function(*args, **kwargs)
    return wrapper


def test_pipeline_is_one_of_the_candidates():
    assert PIPELINE in CANDIDATES and len(CANDIDATES) == len({repr(c) for c in CANDIDATES})


@given(st.lists(st.integers(0, 4), min_size=2, max_size=40), st.floats(0.05, 0.95), st.integers(0, 2**32 - 1))
def test_split_partitions_the_rows_given(labels, fraction, seed):
    n = len(labels)
    X = np.column_stack([np.arange(n), np.arange(n) ** 2]).astype(float)  # each row names its index
    y = np.array(labels)
    try:
        X_fit, X_val, y_fit, y_val = split_fit_validation(frozen(X), frozen(y), seed=seed,
                                                          validation_fraction=fraction)
    except ValueError as exc:
        assert "validation_fraction" in str(exc)
        return
    index = np.concatenate([X_fit[:, 0], X_val[:, 0]]).astype(int)
    assert sorted(index.tolist()) == list(range(n))  # every row once: in the fit part or in the validation part
    assert len(X_fit) and len(X_val)
    assert np.array_equal(np.concatenate([y_fit, y_val]), y[index])  # labels travel with their rows
    assert (np.diff(X_fit[:, 0]) > 0).all() and (np.diff(X_val[:, 0]) > 0).all()  # original order kept


def test_the_study_is_given_only_the_demo_training_rows(monkeypatch):
    seen = []

    def record(X_train, y_train, seed, candidates, validation_fraction, epochs):
        seen.append((seed, X_train, y_train))
        return {"baseline_accuracy": 0.5, "dense_bytes": 1000, "bytes": [100 + seed, 50, 80],
                "drops": [0.0, 2.0 + seed, 0.5]}

    monkeypatch.setattr(selection, "_seed_figures", record)
    result = select_pipeline(seeds=[0, 3], candidates=CANDIDATES[:3])
    assert [s for s, _, _ in seen] == [0, 3]
    for seed, X, y in seen:
        X_train, X_test, y_train, _, _, _ = task_data("digits", seed)
        assert np.array_equal(X, X_train) and np.array_equal(y, y_train)
        assert not rows(X) & rows(X_test)  # no test image reaches the study
    # Candidate-major figures; candidate 1 loses 2.5 points on average, so the rule keeps candidate 2 (80 bytes).
    assert result["bytes"] == [[100, 103], [50, 50], [80, 80]] and result["drops"] == [[0, 0], [2, 5], [0.5, 0.5]]
    assert result["mean_bytes"] == [101.5, 50, 80] and result["mean_drop"] == [0, 3.5, 0.5]
    assert result["qualifies"] == [0, 2] and result["chosen"] == 2


def test_tiny_study_trains_on_fit_scores_on_validation_and_is_deterministic(monkeypatch):
    fitted, scored = [], []
    # train_demo_model(X, y, seed, ...) takes X first; the pipeline and accuracy take the model, then X.
    for name, log, at in (("train_demo_model", fitted, 0), ("prune_finetune_quantize", fitted, 1),
                          ("accuracy", scored, 1)):
        monkeypatch.setattr(selection, name, spy(getattr(selection, name), log, at))
    kwargs = {"seeds": [1], "candidates": TINY, "baseline_epochs": 2, "max_rows": 120}
    first = select_pipeline(**kwargs)
    fit, validation = fitted[0], scored[0]
    X_train = task_data("digits", 1)[0][:120]
    assert fitted[0] == fitted[1] == fitted[2] == fit and all(s == validation for s in scored)
    assert fit + validation == rows(X_train) and not fit & validation
    assert len(scored) == 1 + len(TINY)
    monkeypatch.undo()
    second = select_pipeline(**kwargs)
    assert first == second
    assert np.array(first["bytes"]).shape == np.array(first["drops"]).shape == (2, 1)
    assert all(isinstance(b, int) and b > 0 for (b,) in first["bytes"]) and first["bytes"][0][0] < first["bytes"][1][0]
    assert first["chosen"] in (None, 0, 1) and first["chosen"] == choose(first["bytes"], first["drops"])


@given(st.integers(1, 6).flatmap(lambda n: st.integers(1, 4).flatmap(lambda k: st.tuples(
    st.lists(st.lists(st.integers(0, 20), min_size=k, max_size=k), min_size=n, max_size=n),
    st.lists(st.lists(st.integers(-12, 12), min_size=k, max_size=k), min_size=n, max_size=n)))),
    st.integers(-8, 8))
def test_rule_against_a_brute_force_scan(figures, max_quarters):
    sizes, quarters = figures
    drops = [[q / 4 for q in row] for row in quarters]  # quarters: every sum below is exact in floats
    max_drop = max_quarters / 4
    k = len(sizes[0])
    best = None
    for c in range(len(sizes)):  # mean <= max_drop  <=>  sum <= k * max_drop; fewer bytes wins, first on ties
        if sum(drops[c]) <= k * max_drop and (best is None or sum(sizes[c]) < sum(sizes[best])):
            best = c
    assert choose(frozen(np.array(sizes)), frozen(np.array(drops)), max_drop) == best


def test_rule_compares_means_exactly():
    drops = [0.46, 1.74, 0.8]  # the float mean rounds to 1.0; the exact mean of these floats is above 1
    assert float(np.mean(drops)) == 1.0 and sum(map(Fraction, drops)) / 3 > 1
    assert choose([[7.0, 7.0, 7.0], [9.0, 9.0, 9.0]], [drops, [1.0, 1.0, 1.0]]) == 1
    assert choose([[7.0, 7.0, 7.0]], [drops]) is None  # nothing qualifies
    assert choose([[7.0]], [[1.0]]) == 0  # a mean of exactly max_drop qualifies


@pytest.mark.parametrize("kwargs, error, name", [
    ({"seeds": []}, ValueError, "seeds"),
    ({"seeds": [0, 0]}, ValueError, "seeds"),
    ({"seeds": [0, -1]}, ValueError, "seeds[1]"),
    ({"seeds": [0.0]}, TypeError, "seeds[0]"),
    ({"seeds": 3}, TypeError, "seeds"),
    ({"candidates": []}, ValueError, "candidates"),
    ({"candidates": PIPELINE}, TypeError, "candidates"),
    ({"candidates": [PIPELINE, 5]}, TypeError, "candidates[1]"),
    ({"candidates": [{**PIPELINE, "lr": 0.1}]}, ValueError, "candidates[0]"),
    ({"candidates": [{**PIPELINE, "bits": 0}]}, ValueError, "candidates[0]: bits"),
    ({"candidates": [{**PIPELINE, "keep_ratio": 1.5}]}, ValueError, "candidates[0]: keep_ratio"),
    ({"candidates": [{**PIPELINE, "sparsities": (0.5, 2)}]}, ValueError, "candidates[0]: sparsities[1]"),
    ({"candidates": [{**PIPELINE, "scope": "all"}]}, ValueError, "candidates[0]: scope"),
    ({"validation_fraction": 0.0}, ValueError, "validation_fraction"),
    ({"validation_fraction": "0.2"}, TypeError, "validation_fraction"),
    ({"max_drop": float("nan")}, ValueError, "max_drop"),
    ({"baseline_epochs": -1}, ValueError, "baseline_epochs"),
    ({"max_rows": 1}, ValueError, "max_rows"),
    ({"progress": 1}, TypeError, "progress"),
])
def test_bad_arguments_are_refused_before_any_training(monkeypatch, kwargs, error, name):
    monkeypatch.setattr(selection, "_seed_figures", lambda *args: pytest.fail("trained despite a bad argument"))
    with pytest.raises(error, match="^" + re.escape(name)):
        select_pipeline(**kwargs)


def test_too_few_rows_for_a_split_name_the_fraction():
    with pytest.raises(ValueError, match="validation_fraction"):
        select_pipeline(seeds=[0], candidates=TINY, max_rows=2, baseline_epochs=0)


@pytest.mark.parametrize("args, error, name", [
    (([[1.0]], [[1.0, 2.0]]), ValueError, "sizes and drops"),
    (([], []), ValueError, "sizes"),
    (([1.0], [1.0]), ValueError, "sizes"),
    (([[1.0]], [[np.inf]]), ValueError, "drops"),
    (([["a"]], [[1.0]]), TypeError, "sizes"),
    (([[1.0]], [[1.0]], None), TypeError, "max_drop"),
])
def test_rule_refuses_bad_figures(args, error, name):
    with pytest.raises(error, match=f"^{name}"):
        choose(*args)

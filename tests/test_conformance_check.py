"""The checker itself: messages, snippets, options, determinism, and surviving hostile candidates.

Oracles here are the definitions of the clauses (a candidate built to break exactly one of them) and the checker's
own contract (same seed, same report; a snippet reproduces its failure)."""

import contextlib
import io
import json
import re
import signal
import threading
import time

import numpy as np
import pytest

import refimpl
from refimpl.conformance import CLAUSES, OPS, assert_conforms, check, clauses_for, judge, reference_candidate


def ge_threshold(w, eps):
    return np.where(np.abs(w) >= eps, w, 0.0)


def test_every_clause_is_registered_once_and_named_by_its_op():
    for op in OPS:
        ids = [c.id for c in clauses_for(op)]
        assert len(ids) == len(set(ids))
        assert all(CLAUSES[i].op in (op, "common") for i in ids)
    assert {"threshold.strict", "quantize.range", "quantize.boundary", "prune_smallest.count", "prune_smallest.ties",
            "ig.completeness", "ig.linear-exact", "common.shape", "common.dtype", "common.finite",
            "common.no-mutation"} <= set(CLAUSES)


def test_failure_message_names_value_call_and_clause():
    report = check("threshold", ge_threshold, max_examples=50)
    assert not report.passed
    message = report.failures[0].message
    assert re.match(r"out\[\d+\]=\S+, but should be 0\.0 .*\[threshold\(w, eps=\S+\): threshold\.strict \|w\| > eps",
                    message), message
    assert str(report.failures[0]).startswith(message)


def test_snippet_reproduces_the_failure():
    failure = check("threshold", ge_threshold, max_examples=50).failures[0]
    assert "test_conformance_check import ge_threshold as candidate" in failure.snippet
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(failure.snippet, {})  # noqa: S102 - the snippet is the product under test
    assert failure.message in out.getvalue()


def test_same_seed_same_report_other_seed_still_caught():
    def off_by_one_count(w, sparsity):
        k = int(np.floor(sparsity * w.size + 0.5))  # round half up instead of half to even
        out = np.array(w, dtype=np.float64).ravel()
        out[np.argsort(np.abs(out), kind="stable")[:k]] = 0.0
        return out.reshape(w.shape)

    first = check("prune_smallest", off_by_one_count, max_examples=100, seed=3)
    assert str(first) == str(check("prune_smallest", off_by_one_count, max_examples=100, seed=3))
    assert first.failures[0].clause == "prune_smallest.count"
    assert not check("prune_smallest", off_by_one_count, max_examples=100, seed=4).passed


def test_assert_conforms_raises_with_report_and_returns_report_on_success():
    with pytest.raises(AssertionError) as info:
        assert_conforms("threshold", ge_threshold, max_examples=30)
    assert info.value.report.failures[0].clause == "threshold.strict"
    assert assert_conforms("threshold", refimpl.threshold, max_examples=30).passed


@pytest.mark.parametrize("kwargs, error", [
    ({"op": "nope"}, ValueError), ({"max_examples": 0}, ValueError), ({"ties": "random"}, ValueError),
    ({"precision": "float16"}, ValueError), ({"rtol": -1.0}, ValueError), ({"seed": -1}, ValueError),
    ({"candidate": 3}, TypeError), ({"time_limit": 0.0}, ValueError),
])
def test_bad_options_are_refused(kwargs, error):
    args = {"op": "threshold", "candidate": refimpl.threshold} | kwargs
    with pytest.raises(error):
        check(args.pop("op"), args.pop("candidate"), **args)


def _raises(w, eps):
    raise RuntimeError("boom")


def _nan(w, eps):
    return np.full(np.shape(w), np.nan)


def _ints(w, eps):
    return np.zeros(np.shape(w), dtype=np.int64)


def _objects(w, eps):
    return np.array([object()] * np.size(w) or [object()], dtype=object)


def _transposed(w, eps):
    return refimpl.threshold(w, eps).reshape(-1, 1)


def _unlocks_and_writes(w, eps):
    base = w.base if w.base is not None else w
    with contextlib.suppress(ValueError):
        base.flags.writeable = True
    if base.flags.writeable and base.size:
        base[...] = 0.0
    return refimpl.threshold(w, eps)


@pytest.mark.parametrize("candidate, clause", [
    (_raises, "common.returns"), (_nan, "common.finite"), (_ints, "common.dtype"), (_objects, "common.type"),
    (_transposed, "common.shape"), (lambda w, eps: None, "common.type"), (_unlocks_and_writes, "common.no-mutation"),
])
def test_hostile_candidates_are_failures_of_the_right_clause(candidate, clause):
    report = check("threshold", candidate, max_examples=30)
    assert [f.clause for f in report.failures][:1] == [clause], str(report)


def _exits(w, eps):
    raise SystemExit(3)


@pytest.mark.parametrize("in_thread", [False, True])
def test_a_candidate_calling_sys_exit_fails_returns_and_the_checker_goes_on(in_thread):
    result = {}
    run = lambda: result.update(r=check("threshold", _exits, max_examples=5, time_limit=5.0))  # noqa: E731
    if in_thread:
        thread = threading.Thread(target=run)
        thread.start()
        thread.join(timeout=30)
    else:
        run()
    assert [f.clause for f in result["r"].failures] == ["common.returns"], str(result["r"])
    assert "SystemExit: 3" in result["r"].failures[0].message


def _scrambled_ties(w, sparsity):
    """prune_smallest with ties ordered by a fixed scramble of the index (what an unstable sort does)."""
    flat = np.abs(np.ravel(w))
    order = np.lexsort(((np.arange(flat.size) * 5) % 7, flat))
    out = np.array(w, dtype=np.float64).ravel()
    out[order[:round(sparsity * flat.size)]] = 0.0
    return out.reshape(np.shape(w))


def _quicksort_ties(w, sparsity):
    flat = np.ravel(w)
    out = np.array(flat, dtype=np.float64)
    out[np.argsort(np.abs(flat), kind="quicksort")[:round(sparsity * flat.size)]] = 0.0
    return out.reshape(np.shape(w))


@pytest.mark.parametrize("candidate", [_scrambled_ties, _quicksort_ties])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_unstable_tie_order_is_caught_at_every_seed(candidate, seed):
    # The tie rule shows only where the count cuts through a tie of nonzero |w| (pruning a 0 changes nothing):
    # the strategy aims there, on vectors long enough for an unstable sort to reorder ties.
    tied = np.array([1.0, -2.0, 1.0, 2.0, -1.0, 1.0, 2.0, 1.0] * 4)
    if candidate is _quicksort_ties and all(np.array_equal(np.argsort(tied[:n], kind="quicksort"),
                                                           np.argsort(tied[:n], kind="stable")) for n in (8, 16, 32)):
        pytest.skip("this NumPy's quicksort keeps ties in order on these sizes")
    report = check("prune_smallest", candidate, seed=seed)
    assert [f.clause for f in report.failures] == ["prune_smallest.ties"], str(report)


class _SlowArray:
    """An array-like result whose conversion outlasts the time limit (a lazy array that never computes). It sleeps
    rather than spins, so the worker thread abandoned by the checker does not hold the GIL for later tests."""

    def __array__(self, dtype=None, copy=None):
        time.sleep(5.0)
        return np.zeros(1)


@pytest.mark.parametrize("in_thread", [False, True])
def test_a_result_whose_conversion_hangs_is_a_time_limit_failure(in_thread):
    result = {}
    run = lambda: result.update(r=check("threshold", lambda w, eps: _SlowArray(), time_limit=0.2, warmup=0))  # noqa: E731
    if in_thread:
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(timeout=30)
    else:
        run()
    assert [f.clause for f in result["r"].failures] == ["common.time-limit"]


class _Unreadable:
    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("cannot convert")


@pytest.mark.parametrize("op, candidate", [
    ("l1_importance", lambda w: _Unreadable()),
    ("mlp_gradients", lambda *args: (_Unreadable(), *reference_candidate("mlp_gradients")(*args)[1:])),
])
def test_an_unreadable_scalar_result_is_a_type_failure(op, candidate):
    report = check(op, candidate, max_examples=5)
    assert [f.clause for f in report.failures] == ["common.type"], str(report)
    assert "RuntimeError: cannot convert" in report.failures[0].message


def test_array_like_results_are_accepted():
    assert check("threshold", lambda w, eps: refimpl.threshold(w, eps).tolist(), max_examples=30).passed


def test_time_limit_from_another_thread_uses_the_worker():
    def hangs(w, eps):  # long enough for the limit, but it ends: an abandoned worker spinning forever would hold
        deadline = time.monotonic() + 3.0  # the GIL for the rest of the test session
        while time.monotonic() < deadline:
            pass

    result = {}
    thread = threading.Thread(target=lambda: result.update(r=check("threshold", hangs, time_limit=0.1, warmup=0)))
    thread.start()
    thread.join(timeout=30)
    assert [f.clause for f in result["r"].failures] == ["common.time-limit"]


def test_floor_boundary_off_by_one_is_allowed_and_reported():
    exact = check("floor_quantize", refimpl.floor_quantize_exact, max_examples=60)
    assert exact.passed
    assert any("boundary, allowed" in note for note in exact.allowed)


def test_rtol_relaxes_rounded_clauses_only():
    def naive_sum(w):
        total = 0.0
        for x in np.abs(w).ravel():
            total += float(x)
        return total

    assert not check("l1_importance", naive_sum, max_examples=60).passed
    assert check("l1_importance", naive_sum, max_examples=60, rtol=1e-12).passed
    assert not check("threshold", ge_threshold, max_examples=30, rtol=1.0).passed  # exact clauses stay exact


def test_judge_one_input():
    assert judge("threshold", refimpl.threshold, w=np.array([0.5]), eps=0.5) == []
    [failure] = judge("threshold", ge_threshold, w=np.array([0.5]), eps=0.5)
    assert failure.message.startswith("out[0]=0.5, but should be 0.0")
    with pytest.raises(ValueError, match="takes inputs"):
        judge("threshold", refimpl.threshold, w=np.array([0.5]))


def test_report_json_round_trips_through_json():
    data = json.loads(check("threshold", ge_threshold, max_examples=30).dumps())
    assert data["passed"] is False and data["failures"][0]["clause"] == "threshold.strict"
    assert data["failures"][0]["inputs"]["eps"] == data["failures"][0]["inputs"]["eps"]


def test_reference_candidates_have_candidate_signatures():
    w = np.array([3.0, -1.0, 2.0])
    assert np.array_equal(reference_candidate("threshold")(w, 1.0), refimpl.threshold(w, 1.0))
    assert np.array_equal(reference_candidate("quantize")(w, 2, 0.5), refimpl.quantize(w, 2, 0.5).codes)


def test_timer_cannot_be_swallowed_and_the_alarm_handler_is_restored():
    def stubborn(w, eps):
        for _ in range(10 ** 9):
            try:
                while True:
                    pass
            except Exception:  # noqa: BLE001 - the timer's exception is not an Exception
                pass
        return w

    before = signal.getsignal(signal.SIGALRM)
    report = check("threshold", stubborn, time_limit=0.1, max_examples=5, warmup=0)
    assert [f.clause for f in report.failures] == ["common.time-limit"]
    assert signal.getsignal(signal.SIGALRM) == before

"""Declared numerics (precision, subnormals), declared domains (assume, Unsupported), the counts of a report, and
the checker bugs of issue 12 point 7. Oracles: the declarations' definitions (a candidate that computes in float32,
one that flushes subnormals, one that declines) and exact rational arithmetic for the floor window."""

import math
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from refimpl import MLP, quantize
from refimpl.conformance import Unsupported, check, judge
from refimpl.conformance.domain import admits, parse

TINY = 5e-324


def threshold32(w, eps):
    w32 = np.asarray(w, dtype=np.float32)  # a float32 framework: parameters held in float32
    return np.where(np.abs(w32) > np.float32(eps), w32, np.float32(0))


def threshold_daz(w, eps):
    w = np.where(np.abs(w) < 2.0 ** -1022, 0.0, w)  # denormals-are-zero on the way in
    return np.where(np.abs(w) > eps, w, 0.0)


def test_float32_candidate_conforms_only_under_the_float32_declaration():
    assert check("threshold", threshold32, precision="float32").passed
    report = check("threshold", threshold32)
    assert not report.passed and report.failures[0].clause in ("common.dtype", "threshold.keep")


def threshold32_strict(w, eps):
    """threshold32 that refuses (raises) an input that is not float32-representable."""
    if w.dtype != np.float64 or not np.array_equal(w.astype(np.float32).astype(np.float64), w):
        raise ValueError("w is not float32-representable")
    if float(np.float32(eps)) != eps:
        raise ValueError("eps is not float32-representable")
    return np.where(np.abs(w) > eps, w, 0.0)


def test_float32_inputs_are_float32_representable():
    assert check("threshold", threshold32_strict, precision="float32", max_examples=100).passed
    assert check("threshold", threshold32_strict).failures[0].clause == "common.returns"


def test_a_flushing_candidate_conforms_only_under_the_flush_declaration():
    report = check("threshold", threshold_daz)
    assert not report.passed and report.failures[0].clause == "threshold.keep"
    assert check("threshold", threshold_daz, subnormals="flush").passed
    assert "subnormals=flush" in str(check("threshold", threshold_daz, subnormals="flush"))


def test_flush_does_not_excuse_normal_mistakes():
    def ge_daz(w, eps):
        return np.where(np.abs(threshold_daz(w, 0.0)) >= eps, w, 0.0)

    assert check("threshold", ge_daz, subnormals="flush").failures[0].clause == "threshold.strict"


def quantize_2_to_16(w, bits, beta):
    if bits < 2:
        raise Unsupported("fake-quant needs 2..16 bits")
    return quantize(w, bits, beta).codes


def test_declined_inputs_are_counted_not_failed():
    report = check("quantize", quantize_2_to_16, max_examples=100)
    assert report.passed and report.declined > 0 and report.examples_run > 0
    assert f"{report.examples_run} examples exercised, {report.declined} declined" in str(report)


def test_assume_restricts_the_search():
    report = check("quantize", quantize_2_to_16, max_examples=100, assume={"bits": range(2, 17)})
    assert report.passed and report.declined == 0 and report.examples_run > 50  # bits = 1 is never drawn
    assert "assume bits=2..16" in str(report)
    assert check("quantize", quantize_2_to_16, max_examples=100, assume={"bits": {1, 2}}).declined > 0


def test_a_candidate_declining_everything_is_not_judged():
    def never(w, eps):
        raise Unsupported("nothing")

    report = check("threshold", never, max_examples=30)
    assert not report.passed and report.examples_run == 0 and report.declined > 0
    assert "NOT judged" in str(report) and "conforms" not in str(report)


def test_counts_exclude_shrinking_calls():
    report = check("threshold", lambda w, eps: np.where(np.abs(w) >= eps, w, 0.0), max_examples=200)
    assert not report.passed and report.examples_run < 200
    assert report.to_json()["shrink_calls"] == report.shrink_calls


@pytest.mark.parametrize("text, value, inside", [
    ("bits=2..16", 2, True), ("bits=2..16", 1, False), ("bits=8,16", 16, True), ("bits=8,16", 9, False),
    ("sparsity=0..0.99", 0.99, True), ("sparsity=0..0.99", 0.995, False),
])
def test_assume_parsing(text, value, inside):
    assume = parse([text])
    name = text.split("=")[0]
    assert admits(assume, {name: value}, (name,)) is inside


@pytest.mark.parametrize("text", ["bits", "bits=", "bits=a..b", "bits=5..2", "=3"])
def test_bad_assume_text_is_refused(text):
    with pytest.raises(ValueError):
        parse([text])


def test_assume_names_must_exist():
    with pytest.raises(ValueError, match="neither an argument"):
        check("threshold", threshold32, assume={"bits": range(2, 17)})
    with pytest.raises(TypeError):
        check("quantize", quantize_2_to_16, assume={"bits": 3})


def test_cli_declarations(tmp_path):
    (tmp_path / "cand.py").write_text("from test_conformance_declared import quantize_2_to_16 as q\n")
    here = Path(__file__).resolve().parent
    env_path = f"{tmp_path}:{here}:{here.parent}"
    result = subprocess.run([sys.executable, "-m", "refimpl", "check", "quantize", "cand:q", "--assume", "bits=2..16",
                             "--subnormals", "flush", "--max-examples", "40"], capture_output=True, text=True,
                            cwd=tmp_path, env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"}, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 declined" in result.stdout and "assume bits=2..16" in result.stdout


# ---- checker bugs (issue 12, point 7) -----------------------------------------------------------------------------

def test_documented_inf_of_l1_is_accepted():
    w = np.array([1.7e308, 1.7e308])
    assert judge("l1_importance", lambda w: math.inf, w=w) == []
    assert [f.clause for f in judge("l1_importance", lambda w: 1.7e308, w=w)] == ["l1_importance.sum"]
    assert [f.clause for f in judge("l1_importance", lambda w: math.inf, w=np.array([1.0]))] == ["common.finite"]


def test_textbook_dequantizer_is_accepted_on_subnormal_ranges():
    def textbook(codes, lo, hi, bits):
        return lo + codes.astype(np.float64) * ((hi - lo) / (2 ** bits - 1))

    codes = np.arange(256, dtype=np.uint8)
    for hi in (1e-310, 2.2250738585e-313, 3 * TINY):
        assert judge("dequantize", textbook, codes=codes, lo=0.0, hi=hi, bits=8) == []
    wrong = judge("dequantize", lambda c, lo, hi, b: textbook(c, lo, hi, b) * 1.01, codes=codes, lo=0.0, hi=1e-310,
                  bits=8)
    assert wrong and wrong[0].clause in ("dequantize.endpoints", "dequantize.value")


def test_exact_floor_beyond_2_52_is_accepted_and_far_codes_are_not():
    alpha, beta = 3e15, 1.5  # alpha * w_tilde is about 1e16 >= 2^52: float64 steps by 2 there, twice rounded
    w = np.array([float.fromhex("0x1.a425905df017bp+1"), 3.0, 0.5, 3.25])
    exact = np.array([math.floor(Fraction(alpha) * Fraction(x) + Fraction(beta)) for x in w], dtype=np.int64)
    floored = np.floor(alpha * w + beta).astype(np.int64)
    assert int(np.abs(exact - floored).max()) == 2  # the two floors differ by 2 here: the window must cover it
    assert judge("floor_quantize", lambda *a: exact, w_tilde=w, alpha=alpha, beta=beta) == []
    far = judge("floor_quantize", lambda *a: exact + 5, w_tilde=w, alpha=alpha, beta=beta)
    assert [f.clause for f in far] == ["floor_quantize.floor"]


def test_ties_any_tells_identical_columns_apart_by_their_bias():
    W0 = np.array([[1.0, 1.0, 0.5], [2.0, 2.0, 0.25]])  # neurons 0 and 1: identical incoming weights, P tied
    weights, biases = [W0, np.array([[1.0], [3.0], [1.0]])], [np.array([0.5, -0.5, 0.0]), np.array([0.25])]

    def keeps_the_second_twin(weights, biases, keep_ratio):
        return [weights[0][:, [1]], weights[1][[1], :]], [biases[0][[1]], biases[1]]

    inputs = {"weights": weights, "biases": biases, "keep_ratio": 1 / 3}
    assert judge("prune_neurons", keeps_the_second_twin, ties="any", **inputs) == []
    assert [f.clause for f in judge("prune_neurons", keeps_the_second_twin, **inputs)] == ["prune_neurons.ties"]


def forward_needs_units(weights, biases, X):
    """A framework that cannot build a layer of 0 units or run on 0 rows (Keras needs units >= 1)."""
    if any(W.shape[1] == 0 for W in weights[:-1]) or X.shape[0] == 0:
        raise Unsupported("units >= 1 and at least one row")
    return MLP(weights, biases).forward(X)


def test_assume_on_derived_quantities():
    assert check("mlp_forward", forward_needs_units, max_examples=80).declined > 0
    report = check("mlp_forward", forward_needs_units, max_examples=80,
                   assume={"width": range(1, 1000), "rows": range(1, 1000)})
    assert report.passed and report.declined == 0 and report.examples_run > 40


def test_float32_windows_are_printed_in_float32_ulps():
    def off(weights, biases, X):
            return (MLP(weights, biases).forward(X) * (1 + 1e-3)).astype(np.float32)

    message = check("mlp_forward", off, precision="float32").failures[0].message
    assert "float32 ulps; window" in message and "float64 ulps" not in message

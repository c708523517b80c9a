"""Accuracy mode: ``measure`` reports the error distribution of approximate candidates. Oracles: the exact
candidate has zero error; a Riemann sum's error shrinks as its step count grows (first-order quadrature of a
piecewise-constant integrand); a candidate scaled by (1 + d) has relative error d exactly."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import refimpl
from refimpl.conformance import Unsupported, measure


def riemann_8(weights, biases, X, baselines, target):
    return refimpl.integrated_gradients(refimpl.MLP(weights, biases), X, baselines, target, method="riemann_middle",
                                        n_steps=8)


def riemann_128(weights, biases, X, baselines, target):
    return refimpl.integrated_gradients(refimpl.MLP(weights, biases), X, baselines, target, method="riemann_middle",
                                        n_steps=128)


def exact_ig(weights, biases, X, baselines, target):
    return refimpl.integrated_gradients(refimpl.MLP(weights, biases), X, baselines, target, method="exact")


def forward_scaled(weights, biases, X):
    return refimpl.MLP(weights, biases).forward(X) * (1 + 1e-3)


def test_exact_candidate_has_no_error():
    m = measure("integrated_gradients", exact_ig, max_examples=40)
    assert m.examples > 20 and max(m.value_errors) == 0.0 and max(m.completeness_errors) < 1e-9


def test_more_steps_measure_smaller_errors():
    coarse = measure("integrated_gradients", riemann_8, max_examples=60)
    fine = measure("integrated_gradients", riemann_128, max_examples=60)
    assert coarse.examples == fine.examples > 30  # the same inputs: the same search
    assert max(coarse.value_errors) > 1e-3 and np.median(fine.value_errors) <= np.median(coarse.value_errors)
    assert max(fine.value_errors) < max(coarse.value_errors)
    text = str(coarse)
    assert "relative error of values: max" in text and "median" in text and "completeness" in text
    assert coarse.worst and set(coarse.worst) == {"weights", "biases", "X", "baselines", "target"}


def test_a_scaled_result_has_that_relative_error():
    m = measure("mlp_forward", forward_scaled, max_examples=40)
    nonzero = [e for e in m.value_errors if e > 0]
    assert nonzero and np.allclose(nonzero, 1e-3, rtol=1e-6)


def test_declined_and_failed_inputs_are_counted():
    def picky(weights, biases, X):
        if X.shape[0] > 3:
            raise Unsupported("small batches only")
        if X.shape[0] == 0:
            raise RuntimeError("empty")
        return refimpl.MLP(weights, biases).forward(X)

    m = measure("mlp_forward", picky, max_examples=60)
    assert m.declined > 0 and m.failed > 0 and m.examples > 0 and max(m.value_errors) == 0.0


def test_measure_refuses_ops_without_real_values():
    with pytest.raises(ValueError, match="measure"):
        measure("quantize", lambda w, bits, beta: w)


def test_cli_measure_prints_the_distribution(tmp_path):
    here = Path(__file__).resolve().parent
    result = subprocess.run([sys.executable, "-m", "refimpl", "check", "integrated_gradients",
                             "tests.test_conformance_measure:riemann_8", "--measure", "--max-examples", "20",
                             "--json"], capture_output=True, text=True, cwd=here.parent, timeout=300)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["examples"] > 5 and data["value_error"]["max"] > 0 and "median" in data["completeness_error"]

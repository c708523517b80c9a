"""Real peers checked by refimpl, with the outcomes documented in docs/peers.md (skipped without torch/captum)."""

import pytest

torch = pytest.importorskip("torch")

from refimpl.conformance import check  # noqa: E402
from refimpl.conformance.peers import torch_l1_unstructured, torch_quantize_per_tensor  # noqa: E402


def test_torch_l1_unstructured_conforms_under_ties_any_only():
    assert check("prune_smallest", torch_l1_unstructured, max_examples=100, ties="any").passed
    report = check("prune_smallest", torch_l1_unstructured, max_examples=100)
    assert [f.clause for f in report.failures] == ["prune_smallest.ties"]


def test_torch_quantizer_rounds_ties_to_even():
    report = check("quantize", torch_quantize_per_tensor, max_examples=100)
    assert not report.passed
    assert report.failures[0].clause in {"quantize.codes", "quantize.endpoints", "quantize.boundary"}


def test_captum_riemann_trapezoid_fails_linear_exact():
    pytest.importorskip("captum")
    from refimpl.conformance.peers import captum_integrated_gradients  # noqa: PLC0415 - needs torch, imported after the skip

    report = check("integrated_gradients", captum_integrated_gradients("riemann_trapezoid"), max_examples=50)
    assert "ig.linear-exact" in {f.clause for f in report.failures}
    failure = next(f for f in report.failures if f.clause == "ig.linear-exact")
    got, expected = failure.got, failure.expected
    ratio = got[expected != 0] / expected[expected != 0]
    assert abs(ratio - (1 - 1 / 50)).max() < 1e-6  # Captum's trapezoid weights sum to 1 - 1/n


def test_captum_gausslegendre_float32_weights_show_on_a_linear_model():
    pytest.importorskip("captum")
    from refimpl.conformance.peers import captum_integrated_gradients  # noqa: PLC0415 - needs torch, imported after the skip

    report = check("integrated_gradients", captum_integrated_gradients("gausslegendre"), max_examples=50)
    assert report.failures[0].clause == "ig.linear-exact"
    failure = report.failures[0]
    relative = abs(failure.got - failure.expected).max() / abs(failure.expected).max()
    assert 1e-12 < relative < 1e-6  # float32 step weights on a float64 model: rounding, not a formula error

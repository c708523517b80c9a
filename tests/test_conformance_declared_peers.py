"""The declarations against real frameworks that need them (skipped when the framework is not installed; run with
the peers environment): PyTorch on float32 parameters (precision="float32") and JAX on CPU, which computes in
float32 and flushes float32 subnormals to zero (precision="float32", subnormals="flush")."""

import numpy as np
import pytest

from refimpl.conformance import check


def torch_l1_unstructured(w, sparsity):
    """torch.nn.utils.prune.l1_unstructured on a float32 parameter (amount = the fraction pruned)."""
    import torch  # noqa: PLC0415 - optional: the test is skipped without it
    from torch.nn.utils import prune  # noqa: PLC0415

    module = torch.nn.Module()
    module.weight = torch.nn.Parameter(torch.tensor(np.asarray(w), dtype=torch.float32))
    if w.size:
        prune.l1_unstructured(module, "weight", amount=float(sparsity))
    return module.weight.detach().numpy()


def jax_threshold(w, eps):
    import jax.numpy as jnp  # noqa: PLC0415 - optional: the test is skipped without it

    w32 = jnp.asarray(np.asarray(w, dtype=np.float32))
    return np.asarray(jnp.where(jnp.abs(w32) > jnp.float32(eps), w32, 0.0))


def test_pytorch_l1_unstructured_on_float32_parameters():
    pytest.importorskip("torch")
    # torch.topk gives no order among tied |w| (its documentation): ties="any"
    report = check("prune_smallest", torch_l1_unstructured, precision="float32", ties="any", max_examples=100)
    assert report.passed, str(report)
    plain = check("prune_smallest", torch_l1_unstructured, ties="any", max_examples=100)
    assert not plain.passed and plain.failures[0].clause in ("common.dtype", "prune_smallest.keep")


def test_jax_on_cpu_flushes_subnormals_and_is_judged_as_such():
    jnp = pytest.importorskip("jax.numpy")
    assert float(jnp.float32(1e-40) * jnp.float32(1.0)) == 0.0  # this JAX does flush
    declared = check("threshold", jax_threshold, precision="float32", subnormals="flush", max_examples=100)
    assert declared.passed, str(declared)
    undeclared = check("threshold", jax_threshold, precision="float32", max_examples=100)
    assert not undeclared.passed and undeclared.failures[0].clause == "threshold.keep"

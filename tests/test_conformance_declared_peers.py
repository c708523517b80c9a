"""The declarations against real frameworks that need them (skipped when the framework is not installed; run with
the peers environment): PyTorch on float32 parameters (precision="float32") and JAX on CPU, which computes in
float32 and flushes float32 subnormals to zero (precision="float32", subnormals="flush")."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

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
    import jax.numpy as jnp  # noqa: PLC0415 - optional: imported in the subprocess of the test below

    w32 = jnp.asarray(np.asarray(w, dtype=np.float32))
    return np.asarray(jnp.where(jnp.abs(w32) > jnp.float32(eps), w32, 0.0))


def test_pytorch_l1_unstructured_on_float32_parameters():
    pytest.importorskip("torch")
    # torch.topk gives no order among tied |w| (its documentation): ties="any"
    report = check("prune_smallest", torch_l1_unstructured, precision="float32", ties="any", max_examples=100)
    assert report.passed, str(report)
    plain = check("prune_smallest", torch_l1_unstructured, ties="any", max_examples=100)
    assert not plain.passed and plain.failures[0].clause in ("common.dtype", "prune_smallest.keep")


JAX_CHECK = """
import jax.numpy as jnp
from refimpl.conformance import check
from tests.test_conformance_declared_peers import jax_threshold
assert float(jnp.float32(1e-40) * jnp.float32(1.0)) == 0.0  # this JAX does flush
declared = check("threshold", jax_threshold, precision="float32", subnormals="flush", max_examples=100)
assert declared.passed, str(declared)
undeclared = check("threshold", jax_threshold, precision="float32", max_examples=100)
assert not undeclared.passed and undeclared.failures[0].clause == "threshold.keep", str(undeclared)
"""


def test_jax_on_cpu_flushes_subnormals_and_is_judged_as_such():
    # In a process of its own: once JAX has started in a process, that process cannot fork safely, and the later
    # tests of this session check lambdas (which need fork).
    if importlib.util.find_spec("jax") is None:
        pytest.skip("jax is not installed (make peers installs it)")
    root = Path(__file__).resolve().parents[1]
    path = os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])
    run = subprocess.run([sys.executable, "-c", JAX_CHECK], cwd=root, capture_output=True, text=True, timeout=600,
                         env=dict(os.environ, PYTHONPATH=path))
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]

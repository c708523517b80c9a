"""Candidates built on real frameworks run in the worker too (skipped when the framework is not installed; the
peers environment of docs/peers.md has them). torch and TensorFlow are forked after they were imported and used
in the checker's process; JAX cannot be forked safely, so an importable JAX candidate is started fresh and a lambda
is refused with a TypeError saying what to pass instead."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from refimpl.conformance import check

ROOT = Path(__file__).resolve().parents[2]


def torch_threshold(w, eps):
    import torch  # noqa: PLC0415 - optional dependency, imported only when used

    t = torch.tensor(np.array(w))
    return torch.where(t.abs() > eps, t, torch.zeros_like(t)).numpy()


def jax_threshold(w, eps):
    import jax  # noqa: PLC0415 - optional dependency, imported only when used
    import jax.numpy as jnp  # noqa: PLC0415 - optional dependency, imported only when used

    jax.config.update("jax_enable_x64", True)
    return np.asarray(jnp.where(jnp.abs(jnp.asarray(w)) > eps, jnp.asarray(w), 0.0))


def test_torch_after_use_in_the_checker_process():
    torch = pytest.importorskip("torch")
    x = torch.randn(100, 100)
    (x @ x).sum()  # the checker's process has a warm intra-op thread pool when the worker is forked
    report = check("threshold", torch_threshold, max_examples=60)
    assert report.passed, str(report)


JAX_SCRIPT = """
import jax.numpy as jnp
import pytest
from refimpl.conformance import check
from tests.hardening.test_frameworks import jax_threshold
jnp.ones(2).block_until_ready()  # JAX's threads run in this process: forking it would hang the worker
for candidate in (jax_threshold, "tests.hardening.test_frameworks:jax_threshold"):
    report = check("threshold", candidate, max_examples=30)
    # JAX on CPU flushes subnormals to zero (docs/peers.md): found, instead of a hang after a fork
    assert [f.clause for f in report.failures] == ["threshold.keep"], str(report)
with pytest.raises(TypeError, match="module:attr"):
    check("threshold", lambda w, eps: jax_threshold(w, eps), max_examples=5)
print("ok")
"""


def test_jax_is_started_fresh_and_a_lambda_is_refused():
    """In a process of its own, so that JAX is never loaded in the test session (later checks fork freely)."""
    if importlib.util.find_spec("jax") is None:
        pytest.skip("jax is not installed")
    done = subprocess.run([sys.executable, "-c", JAX_SCRIPT], capture_output=True, text=True, timeout=300,
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.stdout.strip() == "ok", done.stdout + done.stderr

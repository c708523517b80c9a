"""The model builders of refimpl.conformance.peers compute refimpl's network (skipped without their framework).
JAX runs in a subprocess: once its CPU client has started, this process could no longer fork checker workers."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import refimpl
from refimpl.conformance import peers

ROOT = Path(__file__).resolve().parent.parent


def _network(dtype=np.float64):
    rng = np.random.default_rng(0)
    sizes = (3, 5, 0, 4, 2) if dtype is None else (3, 5, 4, 2)
    W = [rng.normal(size=(m, n)) for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
    b = [rng.normal(size=n) for n in sizes[1:]]
    return W, b, rng.normal(size=(6, 3))


def test_torch_mlp_is_the_same_function_in_float64_and_float32():
    torch = pytest.importorskip("torch")
    W, b, X = _network()
    want = refimpl.MLP(W, b).forward(X)
    got = peers.torch_mlp(W, b)(torch.tensor(X)).detach().numpy()
    assert got.dtype == np.float64 and np.allclose(got, want, rtol=1e-13, atol=1e-13)
    got32 = peers.torch_mlp([w.astype(np.float32) for w in W], [c.astype(np.float32) for c in b])(
        torch.tensor(X, dtype=torch.float32)).detach().numpy()
    assert got32.dtype == np.float32 and np.allclose(got32, want, rtol=1e-5, atol=1e-5)


def test_keras_mlp_is_the_same_function_and_declines_a_zero_width_layer():
    pytest.importorskip("tensorflow")
    W, b, X = _network()
    got = np.asarray(peers.keras_mlp(W, b)(X))
    assert np.allclose(got, refimpl.MLP(W, b).forward(X), rtol=1e-12, atol=1e-12)
    W0, b0, _ = _network(None)
    with pytest.raises(refimpl.conformance.Unsupported, match="units >= 1"):
        peers.keras_mlp(W0, b0)


def test_jax_mlp_is_the_same_function():
    if importlib.util.find_spec("jax") is None:
        pytest.skip("jax is not installed (make peers installs it)")
    code = ("import numpy as np, refimpl, jax; from refimpl.conformance import peers; "
            "from tests.test_peers_builders import _network; W, b, X = _network(); "
            "got = np.asarray(peers.jax_mlp(W, b)(X)); want = refimpl.MLP(W, b).forward(X); "
            "assert np.allclose(got, want, rtol=1e-5, atol=1e-5), (got, want); "
            "assert np.allclose(np.asarray(peers.jax_mlp(W, b)(X[0])), want[0], rtol=1e-5, atol=1e-5)")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr[-2000:]

"""Quantization-aware fine-tuning: one straight-through step against the rule evaluated with finite differences of
the objective at the quantized weights, distillation toward oneself as a no-op, sparsity kept, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

from refimpl import MLP, prune_connections, quantize_model
from refimpl.compression.finetune import quantization_aware_finetune


def objective(mlp, X, y, teacher, T, lam) -> float:
    """(1 − λ)·CE(z, y) + λ·T²·mean over rows of CE(softmax(z/T) against the teacher's softmax(z_t/T)), written out."""
    def log_softmax(z):
        z = z - z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    z = mlp.forward(X)
    hard = -log_softmax(z)[np.arange(len(y)), y].mean()
    if teacher is None:
        return hard
    t = np.exp(log_softmax(teacher.forward(X) / T))
    return (1 - lam) * hard + lam * T ** 2 * -(t * log_softmax(z / T)).sum(axis=1).mean()


def fd_gradient(mlp, X, y, teacher=None, T=2.0, lam=0.0, h=1e-6):
    """Central differences of ``objective`` in every weight and bias of ``mlp``."""
    params = [p.copy() for p in mlp.weights + mlp.biases]
    L = len(mlp.weights)
    grads = []
    for k, p in enumerate(params):
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            values = []
            for step in (h, -h):
                q = [x.copy() for x in params]
                q[k][i] += step
                values.append(objective(MLP(q[:L], q[L:]), X, y, teacher, T, lam))
            g[i] = (values[0] - values[1]) / (2 * h)
        grads.append(g)
    return grads


def problem(seed=0):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(7, 4)), rng.integers(0, 3, 7)
    mlp = prune_connections(MLP.init([4, 5, 3], seed), sparsity=0.3)[0]
    return mlp, X, y


@pytest.mark.parametrize("distilled", [False, True])
def test_one_step_is_the_straight_through_rule(distilled):
    mlp, X, y = problem()
    bits, lr = 2, 0.5
    teacher = MLP.init([4, 6, 3], 9) if distilled else None
    kwargs = {"teacher": teacher, "temperature": 2.0, "distill_weight": 0.5} if distilled else {}
    got = quantization_aware_finetune(mlp, X, y, bits=bits, epochs=1, lr=lr, batch_size=7, **kwargs)
    Q = quantize_model(mlp, bits).dequantize()  # the gradient is taken at the quantized weights ...
    g = fd_gradient(Q, X, y, teacher, 2.0, 0.5 if distilled else 0.0)
    L = len(mlp.weights)
    W = [w - lr * np.where(w != 0, gw, 0.0) for w, gw in zip(mlp.weights, g[:L], strict=True)]  # ... applied to w
    b = [c - lr * gb for c, gb in zip(mlp.biases, g[L:], strict=True)]
    want = quantize_model(MLP(W, b), bits)
    for qg, qw in zip(got.weights, want.weights, strict=True):
        assert np.array_equal(qg.codes, qw.codes)
        assert abs(qg.lo - qw.lo) < 1e-6 and abs(qg.hi - qw.hi) < 1e-6
    assert all(np.allclose(a, c, atol=1e-6) for a, c in zip(got.biases, want.biases, strict=True))


def test_distilling_toward_its_own_quantized_self_is_a_no_op():
    mlp, X, y = problem(1)
    teacher = quantize_model(mlp, 3).dequantize()
    got = quantization_aware_finetune(mlp, X, y, bits=3, epochs=1, lr=0.5, batch_size=7, teacher=teacher,
                                      distill_weight=1.0)
    want = quantize_model(mlp, 3)
    assert all(np.array_equal(a.codes, c.codes) and (a.lo, a.hi) == (c.lo, c.hi)
               for a, c in zip(got.weights, want.weights, strict=True))


def test_no_epochs_is_plain_quantization_and_sparsity_is_kept():
    mlp, X, y = problem(2)
    plain = quantization_aware_finetune(mlp, X, y, bits=4, epochs=0, lr=0.1, batch_size=3)
    want = quantize_model(mlp, 4)
    assert all(np.array_equal(a.codes, c.codes) for a, c in zip(plain.weights, want.weights, strict=True))
    tuned = quantization_aware_finetune(mlp, X, y, bits=4, epochs=3, lr=0.1, batch_size=3, momentum=0.9, seed=5)
    again = quantization_aware_finetune(mlp, X, y, bits=4, epochs=3, lr=0.1, batch_size=3, momentum=0.9, seed=5)
    assert all(np.array_equal(m, W != 0) for m, W in zip(tuned.masks, mlp.weights, strict=True))
    assert all(np.array_equal(a.codes, c.codes) for a, c in zip(tuned.weights, again.weights, strict=True))


def test_binary_models_are_fine_tuned_with_the_binary_loss():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 2, 8)
    mlp = MLP.init([3, 4, 1], 0)
    out = quantization_aware_finetune(mlp, X, y, bits=3, epochs=2, lr=0.1, batch_size=4)
    assert out.sizes == (3, 4, 1)
    with pytest.raises(ValueError, match="^teacher"):
        quantization_aware_finetune(mlp, X, y, bits=3, epochs=1, lr=0.1, batch_size=4, teacher=mlp)


@pytest.mark.parametrize("kwargs, error, name", [
    ({"bits": 0}, ValueError, "bits"), ({"epochs": -1}, ValueError, "epochs"), ({"lr": 0.0}, ValueError, "lr"),
    ({"batch_size": 0}, ValueError, "batch_size"), ({"momentum": 1.0}, ValueError, "momentum"),
    ({"seed": -1}, ValueError, "seed"), ({"teacher": MLP.init([4, 2], 0)}, ValueError, "teacher"),
    ({"teacher": "dense"}, TypeError, "teacher"),
    ({"teacher": MLP.init([4, 3], 0), "temperature": 0.0}, ValueError, "temperature"),
    ({"teacher": MLP.init([4, 3], 0), "distill_weight": 1.5}, ValueError, "distill_weight"),
])
def test_bad_arguments(kwargs, error, name):
    mlp, X, y = problem()
    arguments = {"bits": 3, "epochs": 1, "lr": 0.1, "batch_size": 2, **kwargs}
    with pytest.raises(error, match=f"^{name}"):
        quantization_aware_finetune(mlp, X, y, **arguments)


def test_divergence_is_a_clear_error():
    mlp, X, y = problem()
    with pytest.raises(ValueError, match="diverged"):
        quantization_aware_finetune(mlp, X * 1e150, y, bits=3, epochs=50, lr=1e150, batch_size=7, momentum=0.9)

"""Quantization-aware fine-tuning: the quantized weights in the loop (straight-through estimator), optionally
distilled from the dense model. Both go beyond the source document, which quantizes once after training.

Each step, on a minibatch (X_b, y_b) of n rows:

    Q      = quantize_model(MLP(W, b), bits).dequantize()        the weights the stored model will have
    g_z    = (1 − λ)·∂CE(z_Q, y_b)/∂z + λ·T·(softmax(z_Q/T) − softmax(z_teacher/T)) / n     (λ = 0: no teacher)
    g      = backward(Q, X_b, g_z)                               gradients at the quantized weights ...
    v ← μ·v + g ;  W ← W − lr·v (masked) ;  b ← b − lr·v_b        ... applied to the float weights (straight through)

with z_Q the quantized model's logits and z_teacher the teacher's (Hinton, Vinyals and Dean, 2015: the soft term's
gradient is scaled by T² so that its size does not depend on T; T·(softmax − softmax)/n is that). Entries of W that
are 0 at the start stay exactly 0 (their gradient and velocity are masked), so the sparsity is kept. The batches are
those of :func:`refimpl.train`'s convention: each epoch one ``default_rng(seed)`` permutation, cut into batches of
``batch_size`` rows, the last one possibly smaller. The result is ``quantize_model`` of the final float weights.
"""

from __future__ import annotations

import numpy as np

from ..spec.checks import check_int, check_real
from ..spec.losses import binary_cross_entropy_with_logits, default_loss, softmax_cross_entropy
from ..spec.mlp import MLP, backward, check_model
from ..spec.quantization import check_bits_beta
from ..spec.quantized_model import QuantizedModel, quantize_model
from ..training import check_data


def quantization_aware_finetune(mlp, X, y, *, bits, epochs, lr, batch_size, momentum=0.0, seed=0, teacher=None,
                                temperature=2.0, distill_weight=0.5) -> QuantizedModel:
    """Fine-tune ``mlp`` with its ``bits``-bit quantized weights in the forward and backward pass (module docstring).

    Parameters
    ----------
    mlp : MLP; its loss is :func:`refimpl.training.default_loss`'s (softmax cross-entropy for several outputs, the
        binary loss for one)
    X : array of shape (n, sizes[0]); y : int labels of shape (n,) (0/1 for one output)
    bits : int in 1..16 (β = ½, as :func:`quantize_model`'s default)
    epochs : int >= 0 (0: just ``quantize_model(mlp, bits)``); lr : float > 0; batch_size : int >= 1
    momentum : float in [0, 1); seed : int >= 0
    teacher : MLP with the same input and output widths, or None (no distillation; softmax models only)
    temperature : float > 0 (T); distill_weight : float in [0, 1] (λ; ignored without a teacher)

    Returns
    -------
    QuantizedModel. Deterministic: the same arguments give the same codes.

    Raises
    ------
    TypeError, ValueError
        Naming the argument, all before the first step.
    """
    check_model(mlp)
    loss = default_loss(mlp)
    X, y = check_data(mlp, X, y, loss)
    loss_gradient = softmax_cross_entropy if loss == "softmax_cross_entropy" else binary_cross_entropy_with_logits
    bits, _ = check_bits_beta(bits, 0.5)
    epochs, batch_size = check_int(epochs, "epochs", lo=0), check_int(batch_size, "batch_size", lo=1)
    lr = check_real(lr, "lr", lo=0.0, lo_open=True)
    momentum = check_real(momentum, "momentum", lo=0.0, hi=1.0, hi_open=True)
    rng = np.random.default_rng(check_int(seed, "seed", lo=0))
    T = check_real(temperature, "temperature", lo=0.0, lo_open=True)
    lam = check_real(distill_weight, "distill_weight", lo=0.0, hi=1.0) if teacher is not None else 0.0
    with np.errstate(under="ignore"):
        soft = None if teacher is None else _softmax(_teacher(teacher, mlp, X).forward(X) / T)
    W, b = [w.copy() for w in mlp.weights], [c.copy() for c in mlp.biases]
    keep = [w != 0 for w in W]
    velocity = [np.zeros_like(p) for p in W + b]
    with np.errstate(under="ignore"), np.errstate(over="raise", invalid="raise"):
        # underflow to a subnormal or 0 is correctly rounded, not an error; overflow is divergence
        try:
            for _ in range(epochs):
                order = rng.permutation(X.shape[0])
                for start in range(0, X.shape[0], batch_size):
                    rows = order[start:start + batch_size]
                    grads = _gradients(W, b, bits, X[rows], y[rows], loss_gradient, soft, T, lam, rows)
                    for p, v, g, m in zip(W + b, velocity, grads, keep + [None] * len(b), strict=True):
                        v *= momentum
                        v += g if m is None else np.where(m, g, 0.0)
                        p -= lr * v
            return quantize_model(MLP(W, b), bits)
        except (FloatingPointError, ValueError) as exc:
            raise ValueError(f"quantization-aware fine-tuning diverged (lr={lr} too large for X and mlp): {exc}") \
                from None


def _gradients(W, b, bits, X, y, loss_gradient, soft, T, lam, rows) -> list[np.ndarray]:
    """The straight-through gradients of one batch: those of the objective at the quantized weights."""
    Q = quantize_model(MLP(W, b), bits).dequantize()
    z = Q.forward(X)
    g_z = (1.0 - lam) * loss_gradient(z, y)[1]
    if lam:
        g_z += lam * T * (_softmax(z / T) - soft[rows]) / rows.size
    grads = backward(Q, X, g_z)
    return list(grads.weights) + list(grads.biases)


@np.errstate(under="ignore")
def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))  # the max shift: exp never overflows
    return e / e.sum(axis=1, keepdims=True)


def _teacher(teacher, mlp: MLP, X: np.ndarray) -> MLP:
    check_model(teacher, "teacher")
    if mlp.sizes[-1] == 1:
        raise ValueError("teacher: distillation needs a softmax model (several outputs); mlp has one output")
    if (teacher.sizes[0], teacher.sizes[-1]) != (mlp.sizes[0], mlp.sizes[-1]):
        raise ValueError(f"teacher must map {mlp.sizes[0]} inputs to {mlp.sizes[-1]} outputs like mlp, got sizes "
                         f"{teacher.sizes}")
    return teacher

"""Loss functions on logits, each returning ``(mean loss over the batch, ∂loss/∂logits)``.

Both are written so that nothing overflows for any finite logits (tested at ±1e4, ±1e300 and ±1e308, with every
floating-point warning an error): softmax uses the max-shift ``z - max(z)``, the sigmoid loss uses
``max(z, 0) - z·y + log1p(exp(-|z|))``, and the batch mean never overflows when the mean itself is a float64. The one
value beyond float64 is a loss whose exact value exceeds ±1.8e308 (``z = [1e308, −1e308]`` with label 1 has loss
2e308): it is returned as ``inf``, the correctly rounded value, with its exact, finite gradient; never NaN.

Accuracy (tests/test_losses.py checks it against 60-digit decimal closed forms):

- softmax loss: within ``8ε·(1 + max|z|)`` absolute — the shift ``z - max(z)`` itself rounds by up to ``ε·|z|``,
  and ``log(Σ exp)`` of a sum near 1 is accurate in absolute, not relative, terms;
- binary loss: within ``16ε`` relative, even for tiny losses (``max(z, 0) - z·y`` is exact for y ∈ {0, 1}, and
  ``log1p`` keeps the small term);
- gradients: within ``8ε·(1 + max|z|)·k`` (softmax, k classes) and ``8ε`` (binary) absolute: a probability near 1
  minus the label loses its relative accuracy, as in every float implementation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .checks import FloatArray, IntArray, as_float_array, as_int_array

if TYPE_CHECKING:  # for annotations only: the losses do not depend on the model at run time
    from .mlp import MLP

LOSSES = ("softmax_cross_entropy", "binary_cross_entropy_with_logits")


def _check_batch(logits: npt.ArrayLike, y: npt.ArrayLike, width: int | None) -> tuple[FloatArray, IntArray]:
    logits = as_float_array(logits, "logits", ndim=2, allow_empty=False)
    if width is not None and logits.shape[1] != width:
        raise ValueError(f"logits must have shape (n, {width}), got {logits.shape}")
    y = as_int_array(y, "y", ndim=1)
    if y.shape[0] != logits.shape[0]:
        raise ValueError(f"y must have one label per row of logits ({logits.shape[0]}), got {y.shape[0]}")
    return logits, y


def softmax_cross_entropy(logits: npt.ArrayLike, y: npt.ArrayLike) -> tuple[float, FloatArray]:
    """Mean softmax cross-entropy and its gradient.

    ``L = (1/n) Σ_i [log Σ_k exp(z_ik) − z_{i,y_i}]`` and ``∂L/∂z = (softmax(z) − onehot(y)) / n``.

    Parameters
    ----------
    logits : array_like of shape (n, k), n >= 1, finite
    y : array_like of int, shape (n,), each in [0, k)

    Returns
    -------
    (float, ndarray of shape (n, k))
        The loss is ``inf`` only when its exact value exceeds the float64 range (logits more than 1.8e308 apart);
        the gradient is always finite.

    Raises ``ValueError`` for an empty batch, non-finite logits, mismatched lengths or a label outside [0, k).
    """
    logits, y = _check_batch(logits, y, None)
    if y.min() < 0 or y.max() >= logits.shape[1]:
        raise ValueError(f"y must hold labels in [0, {logits.shape[1]}), got values in [{y.min()}, {y.max()}]")
    return softmax_cross_entropy_unchecked(logits, y)


# Underflow (a result below the smallest normal float, rounded to a subnormal or to 0) is the correctly rounded
# answer wherever it happens in these two losses — e^{-800}, a probability of 1e-310 divided by n — so the unchecked
# computations run under errstate(under="ignore"): callers with np.seterr(all="raise") get no spurious error.
# Overflow can only happen where the exact value is beyond float64: a shift z - max(z) below -1.8e308 (its exp is
# 0, as exactly rounded) and a per-example loss above 1.8e308 (inf, as exactly rounded); _mean keeps a representable
# mean of such terms from overflowing in the sum.


def _mean(terms: FloatArray) -> float:
    """``np.mean(terms)`` of nonnegative terms; where the sum overflows but the mean does not, the mean of the halves
    doubled (halving and doubling are exact in the normal range, so the rounding is that of the plain mean)."""
    with np.errstate(over="ignore"):
        mean = np.mean(terms)
        if np.isinf(mean) and np.isfinite(terms).all():
            mean = np.mean(terms / 2.0) * 2.0
    return float(mean)


@np.errstate(under="ignore", over="ignore")
def softmax_cross_entropy_unchecked(logits: FloatArray, y: IntArray) -> tuple[float, FloatArray]:
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)  # the max shift: exp never overflows
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = _mean(np.log(total[:, 0]) - shifted[rows, y])
    grad = exp / total
    grad[rows, y] -= 1.0
    grad /= n
    return loss, grad


def binary_cross_entropy_with_logits(logits: npt.ArrayLike, y: npt.ArrayLike) -> tuple[float, FloatArray]:
    """Mean binary cross-entropy of ``sigmoid(z)`` against ``y ∈ {0, 1}``, and its gradient.

    ``L = (1/n) Σ_i [max(z_i, 0) − z_i·y_i + log(1 + exp(−|z_i|))]`` (equal to ``−y log σ(z) − (1−y) log(1−σ(z))``)
    and ``∂L/∂z = (σ(z) − y) / n``.

    Parameters
    ----------
    logits : array_like of shape (n, 1), n >= 1, finite
    y : array_like of int, shape (n,), each 0 or 1

    Returns
    -------
    (float, ndarray of shape (n, 1))
        The loss is finite for every finite logit (each term is at most ``|z_i|``); the gradient always is.

    Raises ``ValueError`` for an empty batch, non-finite logits, a shape other than (n, 1), mismatched lengths or a
    label other than 0 and 1.
    """
    logits, y = _check_batch(logits, y, 1)
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y must hold only 0 and 1 for binary_cross_entropy_with_logits")
    return binary_cross_entropy_unchecked(logits, y)


@np.errstate(under="ignore")
def binary_cross_entropy_unchecked(logits: FloatArray, y: IntArray) -> tuple[float, FloatArray]:
    z = logits[:, 0]
    loss = _mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))))
    grad = ((sigmoid(z) - y) / z.shape[0])[:, None]
    return loss, grad


def sigmoid(z: FloatArray) -> FloatArray:
    """``σ(z) = 1 / (1 + exp(−z))`` element-wise, through ``e = exp(−|z|) ∈ [0, 1]`` so that exp never overflows:
    ``1 / (1 + e)`` for ``z >= 0`` and ``e / (1 + e)`` below (no cancellation on either side)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


Loss = Callable[[FloatArray, IntArray], tuple[float, FloatArray]]
"""A loss on (logits, labels): ``(mean loss, ∂loss/∂logits)``."""

UNCHECKED: dict[str, Loss] = {
    "softmax_cross_entropy": softmax_cross_entropy_unchecked,
    "binary_cross_entropy_with_logits": binary_cross_entropy_unchecked,
}
CHECKED: dict[str, Callable[[npt.ArrayLike, npt.ArrayLike], tuple[float, FloatArray]]] = {
    "softmax_cross_entropy": softmax_cross_entropy,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
}


def default_loss(mlp: MLP) -> str:
    """The loss for ``mlp``'s output: the binary loss for one output, softmax cross-entropy otherwise."""
    return "binary_cross_entropy_with_logits" if mlp.sizes[-1] == 1 else "softmax_cross_entropy"

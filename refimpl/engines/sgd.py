"""The SGD engine behind :func:`refimpl.train`: the arithmetic of ``forward_trace``, the loss gradient,
``backward_trace`` and the update rule, laid out so that a step is little more than its matrix products.

On a small network (64-128-10, batch 64) each NumPy call costs a few microseconds, as much as a quarter of the step's
largest product, so the layout removes calls. Each choice changes only the order of rounding, never the meaning:

1. **Bias rows.** Layer ``l`` keeps one matrix ``P_l = [[W_l], [b_l]]`` of shape ``(n_l + 1, n_{l+1})`` and its input
   ``a_l = [h_l, 1]`` carries a trailing column of ones, so ``a_l @ P_l = h_l @ W_l + b_l`` is one product and
   ``a_l.T @ dz = [[dW_l], [db_l]]`` gives both gradients in one product. ReLU leaves the ones column at 1.
2. **One flat vector.** Every ``P_l`` (and its gradient, velocity and mask) is a view into one flat array, so the
   update is one call for the whole model.
3. **lr folded in.** The loss gradient is scaled by ``lr / rows`` before backpropagation, so the products yield
   ``lr·g``; with momentum the velocity is kept scaled by lr too (``u = lr·v``: ``u ← μ·u + lr·g``, ``θ ← θ − u``),
   which is PyTorch's rule ``v ← μ·v + g``, ``θ ← θ − lr·v`` for a constant lr.
4. **Logits transposed.** The logits are held as ``(classes, rows)``, so the softmax's per-example max and sum run
   down columns (one vectorised pass per class) instead of along 64 short rows.

Agreement with the plain formulas (:func:`refimpl.backward` and the public losses, evaluated literally) is tested to
a relative 1e-12 after several steps in tests/test_training.py.
"""

from __future__ import annotations

import numpy as np

from ..spec.losses import sigmoid


class Parameters:
    """All weights and biases of a model as one flat float64 vector, with one ``(n_l + 1, n_{l+1})`` view per layer
    (rows ``0..n_l-1`` are ``W_l``, the last row is ``b_l``)."""

    def __init__(self, sizes):
        self.shapes = [(fan_in + 1, fan_out) for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True)]
        self.flat = np.zeros(sum(rows * cols for rows, cols in self.shapes))
        self.layers = self.views(self.flat)

    def views(self, flat: np.ndarray) -> list[np.ndarray]:
        """``flat`` (this vector's length) cut into the per-layer matrices, as views."""
        ends = np.cumsum([0] + [rows * cols for rows, cols in self.shapes])
        return [flat[a:b].reshape(shape) for a, b, shape in zip(ends[:-1], ends[1:], self.shapes, strict=True)]

    @classmethod
    def of(cls, weights, biases) -> Parameters:
        """A fresh flat copy of ``weights`` (each ``(n_l, n_{l+1})``) and ``biases`` (each ``(n_{l+1},)``)."""
        params = cls([weights[0].shape[0]] + [W.shape[1] for W in weights])
        for P, W, b in zip(params.layers, weights, biases, strict=True):
            P[:-1], P[-1] = W, b
        return params

    def weights_and_biases(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Views of ``(weights, biases)`` in the MLP's layout."""
        return [P[:-1] for P in self.layers], [P[-1] for P in self.layers]


def with_ones_column(X: np.ndarray) -> np.ndarray:
    """``[X, 1]``: ``X`` of shape ``(n, d)`` with a trailing column of ones, shape ``(n, d + 1)``."""
    out = np.ones((X.shape[0], X.shape[1] + 1))
    out[:, :-1] = X
    return out


def targets_transposed(y: np.ndarray, loss: str, classes: int) -> np.ndarray:
    """The labels as float columns: one-hot of shape ``(classes, n)`` for softmax, ``y`` as ``(1, n)`` for binary."""
    if loss == "binary_cross_entropy_with_logits":
        return y[None, :].astype(np.float64)
    return (np.arange(classes)[:, None] == y[None, :]).astype(np.float64)


def softmax_gradient(zT: np.ndarray, onehotT: np.ndarray, scale: float, column: np.ndarray) -> None:
    """``zT ← scale·(softmax(z) − onehot(y))``, in place; examples are the columns of ``zT`` (classes, rows), and
    ``column`` (rows,) is scratch space for the per-example max and sum."""
    zT -= np.maximum.reduce(zT, axis=0, out=column)  # the max shift: exp never overflows
    np.exp(zT, out=zT)
    zT /= np.add.reduce(zT, axis=0, out=column)
    zT -= onehotT
    zT *= scale


def binary_gradient(zT: np.ndarray, yT: np.ndarray, scale: float, column: np.ndarray) -> None:
    """``zT ← scale·(σ(z) − y)``, in place; ``zT`` of shape (1, rows) (``column`` is unused)."""
    np.subtract(sigmoid(zT), yT, out=zT)
    zT *= scale


LOSS_GRADIENTS = {"softmax_cross_entropy": softmax_gradient, "binary_cross_entropy_with_logits": binary_gradient}


class Workspace:
    """The arrays one step writes, for batches of ``rows`` rows: allocated once, overwritten at every step.

    ``inputs[l]`` is ``a_l = [h_l, 1]`` for hidden layers ``l >= 1`` (``a_0`` is a slice of the data), ``active[l]``
    its mask ``a_l > 0``, ``logitsT`` the logits transposed, ``column`` per-example scratch, and ``dhidden[l]`` the
    gradient with respect to ``a_l``, whose last column (the gradient with respect to the constant 1) is computed
    with the rest and never used.
    """

    def __init__(self, sizes, rows: int):
        self.inputs = [None] + [np.ones((rows, width + 1)) for width in sizes[1:-1]]
        self.active = [None] + [np.empty((rows, width + 1), dtype=bool) for width in sizes[1:-1]]
        self.logitsT = np.empty((sizes[-1], rows))
        self.column = np.empty(rows)
        self.dhidden = [None] + [np.empty((rows, width + 1)) for width in sizes[1:-1]]


def sgd_step(P, G, work: Workspace, a0: np.ndarray, targetsT: np.ndarray, loss_gradient, lr: float) -> None:
    """Forward, loss gradient and backward for the batch ``a0 = [X_batch, 1]``: writes ``lr·∂loss/∂P_l`` into the
    views ``G`` (the mean loss over the batch's rows). The update itself is the caller's (one flat call)."""
    a = work.inputs
    a[0] = a0
    last = len(P) - 1
    for layer in range(last):
        h = a[layer + 1]
        np.matmul(a[layer], P[layer], out=h[:, :-1])
        np.maximum(h, 0.0, out=h)  # ReLU; the ones column stays 1
    zT = work.logitsT
    np.matmul(P[last].T, a[last].T, out=zT)
    loss_gradient(zT, targetsT, lr / a0.shape[0], work.column)
    dz = zT.T
    for layer in range(last, -1, -1):
        np.matmul(a[layer].T, dz, out=G[layer])
        if layer > 0:
            d = np.matmul(dz, P[layer].T, out=work.dhidden[layer])
            np.multiply(d, np.greater(a[layer], 0.0, out=work.active[layer]), out=d)  # ReLU'(z) = [h > 0]
            dz = d[:, :-1]

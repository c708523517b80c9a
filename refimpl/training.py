"""Minibatch SGD (optionally with momentum), prediction and accuracy.

Training is deterministic: the only randomness is the per-epoch shuffle drawn from ``default_rng(seed)``, so the
same arguments give a bit-identical model (on the same BLAS and thread count).
"""

from __future__ import annotations

import sys

import numpy as np

from .engines.sgd import LOSS_GRADIENTS, Parameters, Workspace, sgd_step, targets_transposed, with_ones_column
from .spec.checks import as_float_array, as_int_array, check_choice, check_int, check_real, refuses_overflow
from .spec.losses import LOSSES, UNCHECKED, default_loss
from .spec.mlp import MLP, check_inputs, check_model, forward_trace


def train(mlp, X, y, *, loss, lr, epochs, batch_size=None, momentum=0.0, seed=0, masks=None,
          progress=False) -> MLP:
    """Train a copy of ``mlp`` by minibatch stochastic gradient descent and return the new model.

    Each epoch visits every example once, in an order drawn from ``default_rng(seed)`` (a full batch keeps the
    data order); the last minibatch may be smaller. With ``g`` the batch-mean gradient, the update is
    ``v ← momentum·v + g``; ``W ← W − lr·v`` (PyTorch's convention; ``momentum=0`` is plain SGD).

    Exactness: the step is computed with the bias folded into the weight matrix and lr folded into the gradient
    (see :mod:`refimpl.engines.sgd`), so it equals the rule above evaluated literally up to rounding order: a relative
    1e-12 after several steps in the tests. The same arguments give a bit-identical model.

    Parameters
    ----------
    mlp : MLP
    X : array_like of shape (n, sizes[0]), n >= 1
    y : array_like of int, shape (n,): class labels, or 0/1 for the binary loss
    loss : {"softmax_cross_entropy", "binary_cross_entropy_with_logits"}
    lr : float > 0
    epochs : int >= 0
    batch_size : int >= 1 or None (None: the full batch)
    momentum : float in [0, 1)
    seed : int >= 0
    masks : sequence of array_like or None
        One 0/1 array per weight matrix, of the same shape. Entries where the mask is 0 are set to 0 before the
        first step and stay exactly 0 (their gradient and velocity are masked), so pruned connections stay pruned
        during fine-tuning. Biases are never masked.
    progress : bool
        Print ``epoch i/N loss L`` on stderr about 20 times per run, where L is the mean loss of the model after
        epoch i over all of ``X``.

    Returns
    -------
    MLP
        A new model; ``mlp`` is not modified.

    Raises ``TypeError``/``ValueError`` naming the argument for bad input, and ``ValueError`` when training diverges
    (a weight overflows float64: lr too large for the data).
    """
    loss = check_choice(loss, "loss", LOSSES)
    X, y = check_data(mlp, X, y, loss)
    lr = check_real(lr, "lr", lo=0.0, lo_open=True)
    epochs = check_int(epochs, "epochs", lo=0)
    batch_size = X.shape[0] if batch_size is None else check_int(batch_size, "batch_size", lo=1)
    momentum = check_real(momentum, "momentum", lo=0.0, hi=1.0, hi_open=True)
    seed = check_int(seed, "seed", lo=0)
    masks = check_masks(masks, mlp)
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be a bool, got {type(progress).__name__}")

    params = Parameters.of(mlp.weights, mlp.biases)
    keep = None if masks is None else Parameters.of(masks, [np.ones(b.shape) for b in mlp.biases]).flat
    if keep is not None:
        np.copyto(params.flat, 0.0, where=keep == 0.0)  # masked weights start at +0.0
    velocity = np.zeros_like(params.flat) if momentum else None
    grad = np.empty_like(params.flat)
    G = params.views(grad)
    data, targets = with_ones_column(X), targets_transposed(y, loss, mlp.sizes[-1])
    loss_gradient = LOSS_GRADIENTS[loss]
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    every = max(1, epochs // 20)
    full_rows = min(batch_size, n)
    # Arrays reused by every step, one set per batch size (the last minibatch may be smaller).
    workspaces = {rows: Workspace(mlp.sizes, rows) for rows in {full_rows, n % full_rows or full_rows}}

    shuffled = batch_size < n
    # Each epoch's shuffled copy is gathered into the same two buffers (a fresh copy per epoch costs page faults),
    # so every batch is a fixed, contiguous view of them, made once.
    epoch_data, epoch_targets = (np.empty_like(data), np.empty_like(targets)) if shuffled else (data, targets)
    batches = [(epoch_data[start:start + batch_size], epoch_targets[:, start:start + batch_size],
                workspaces[min(batch_size, n - start)]) for start in range(0, n, batch_size)]
    plain = keep is None and velocity is None

    @refuses_overflow("training diverged (lr too large for X and the weights of mlp): the weights")
    def run_epochs():
        for epoch in range(epochs):
            if shuffled:
                order = rng.permutation(n)
                np.take(data, order, axis=0, out=epoch_data, mode="clip")  # "clip": indices are in range, no copy
                np.take(targets, order, axis=1, out=epoch_targets, mode="clip")
            for a0, targets_batch, work in batches:
                sgd_step(params.layers, G, work, a0, targets_batch, loss_gradient, lr)
                if plain:
                    params.flat -= grad
                else:
                    _update(params.flat, grad, keep, velocity, momentum)
            if progress and ((epoch + 1) % every == 0 or epoch + 1 == epochs):
                print(f"epoch {epoch + 1}/{epochs} loss {_training_loss(params, X, y, loss):.6f}", file=sys.stderr,
                      flush=True)
        return params.flat

    run_epochs()
    return MLP(*params.weights_and_biases())


def _update(theta, lr_grad, keep, velocity, momentum) -> None:
    """``θ ← θ − lr·g`` (plain SGD) or ``u ← μ·u + lr·g``, ``θ ← θ − u`` (momentum, ``u = lr·v``), in place on the
    training copy; masked entries get a zero step."""
    if keep is not None:
        lr_grad *= keep
    if velocity is not None:
        velocity *= momentum
        velocity += lr_grad
        lr_grad = velocity
    theta -= lr_grad


def _training_loss(params, X, y, loss: str) -> float:
    """The mean loss of the current parameters over the whole training set (for progress lines)."""
    weights, biases = params.weights_and_biases()
    return UNCHECKED[loss](forward_trace(weights, biases, X)[-1], y)[0]


def check_data(mlp, X, y, loss: str | None = None, x_name: str = "X", y_name: str = "y"):
    """Return ``(X, y)`` checked for training or scoring ``mlp`` with ``loss`` (None: :func:`default_loss`): ``X``
    finite of shape ``(n, sizes[0])`` with ``n >= 1``, ``y`` one int label per row that the loss can score (names as
    the caller's)."""
    X = check_inputs(mlp, X, x_name, rows_needed_for="(an example to learn from or score)")
    y = as_int_array(y, y_name, ndim=1)
    check_labels(y, X.shape[0], mlp.sizes[-1], loss or default_loss(mlp), y_name, x_name)
    return X, y


def check_labels(y: np.ndarray, n: int, width: int, loss: str, name: str = "y", x_name: str = "X") -> None:
    """Raise ``ValueError`` unless the int array ``y`` holds one label per row of ``x_name`` (``n``) that ``loss``
    can score on a model with ``width`` outputs (``name``/``x_name``: the caller's argument names)."""
    if y.shape[0] != n:
        raise ValueError(f"{name} must have one label per row of {x_name} ({n}), got {y.shape[0]}")
    if loss == "binary_cross_entropy_with_logits":
        if width != 1:
            raise ValueError(f"loss {loss!r} needs a model with one output, this one has {width}")
        if not np.isin(y, (0, 1)).all():
            raise ValueError(f"{name} must hold only 0 and 1 for loss {loss!r}")
    elif y.size and (y.min() < 0 or y.max() >= width):
        raise ValueError(f"{name} must hold labels in [0, {width}), got values in [{y.min()}, {y.max()}]")


def check_masks(masks, mlp: MLP, name: str = "masks"):
    """Return ``masks`` as a list of bool arrays matching ``mlp.weights``, or None.

    Each mask may be a bool array (e.g. ``np.abs(w) > eps``) or a real array holding only 0 and 1.
    """
    if masks is None:
        return None
    if isinstance(masks, (str, bytes, np.ndarray)) or not hasattr(masks, "__len__"):
        raise TypeError(f"{name} must be a list of arrays (one per weight matrix) or None")
    if len(masks) != len(mlp.weights):
        raise ValueError(f"{name} must hold {len(mlp.weights)} arrays, one per weight matrix, got {len(masks)}")
    out = []
    for i, (m, w) in enumerate(zip(masks, mlp.weights, strict=True)):
        if isinstance(m, np.ndarray) and m.dtype == bool:
            m = m.astype(np.float64)  # bool is the natural mask type; other bool-likes go through the check below
        m = as_float_array(m, f"{name}[{i}]")
        if m.shape != w.shape:
            raise ValueError(f"{name}[{i}] must have shape {w.shape}, got {m.shape}")
        if not np.isin(m, (0.0, 1.0)).all():
            raise ValueError(f"{name}[{i}] must hold only 0 and 1")
        out.append(m.astype(bool))
    return out


def predict(mlp, X) -> np.ndarray:
    """Predicted labels, int64 of shape (n,).

    Several outputs: ``argmax`` of the logits (ties: the lowest class index). One output (binary): ``1`` where the
    logit is ``> 0``, else ``0`` (a logit of exactly 0, probability ½, predicts 0).
    """
    logits = check_model(mlp).forward(X)
    if logits.shape[1] == 1:
        return (logits[:, 0] > 0).astype(np.int64)
    return logits.argmax(axis=1).astype(np.int64)


def accuracy(mlp, X, y) -> float:
    """Fraction of rows of ``X`` whose predicted label equals ``y``: a float in [0, 1], exact as a ratio of counts.

    ``X`` must be non-empty and ``y`` must hold labels the model can predict (0 or 1 for one output, ``[0, k)`` for
    ``k`` outputs): a label it could never predict is a ``ValueError``, not a silent miss.
    """
    pred = predict(mlp, X)
    y = as_int_array(y, "y", ndim=1)
    if pred.size == 0:
        raise ValueError("X must hold at least one example to measure accuracy")
    check_labels(y, pred.shape[0], mlp.sizes[-1], default_loss(mlp))
    return float(np.mean(pred == y))

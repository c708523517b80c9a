"""Local attributions from one analytic input gradient: ``input_gradient``, ``saliency``, ``gradient_x_input``.

Shared conventions of the interpretability package (stated once here, referred to by every docstring):

- ``F`` is the logit of output ``target`` of the network (no softmax); ``x`` is one row of ``X``.
- ``ReLU'(0) = 0``: a hidden unit whose pre-activation is exactly 0 passes no gradient (as in PyTorch).
- ``target`` is an int in ``[0, n_outputs)`` used for every row, or an int array of shape ``(n,)``; it may be None only
  for a single-output model (then it is output 0).
- Gradients are the chain rule written out (``refimpl.spec.mlp``) in float64, one pass per batch: each entry is a sum of
  products of weights, so its rounding error is at most ``m · u · Σ|products|`` with ``u = 2^-53`` and ``m`` the number
  of layers plus the widths summed (standard dot-product error bound); it is exact when every product and partial sum
  is representable (e.g. small dyadic weights).
- Finite inputs whose attribution overflows float64 (weights of 1e200 through three layers) are refused with a
  ``ValueError`` naming mlp and X, never returned as inf or NaN, whatever ``np.seterr`` says.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import numpy.typing as npt

from .checks import FloatArray, IntArray, as_int_array, check_bool, check_int, refuses_overflow
from .mlp import MLP, check_inputs, forward_trace

TOO_LARGE = "the weights of mlp or X are too large: the attribution"


def check_target(target: npt.ArrayLike | None, n: int, n_outputs: int) -> IntArray:
    """Return the output index of every row as an int64 array of shape ``(n,)`` (see the module's conventions)."""
    if target is None:
        if n_outputs != 1:
            raise ValueError(f"target is required for a model with {n_outputs} outputs: pass an int in "
                             f"[0, {n_outputs}) or an int array of shape ({n},)")
        return np.zeros(n, dtype=np.int64)
    if np.ndim(target) == 0:
        if isinstance(target, np.ndarray):
            target = target.item()
        return np.full(n, check_int(target, "target", lo=0, hi=n_outputs - 1), dtype=np.int64)
    targets = as_int_array(target, "target", ndim=1)
    if targets.shape != (n,):
        raise ValueError(f"target must be an int or an int array of shape ({n},), got shape {targets.shape}")
    if n and (targets.min() < 0 or targets.max() >= n_outputs):
        raise ValueError(f"target entries must be in [0, {n_outputs - 1}], got values in "
                         f"[{targets.min()}, {targets.max()}]")
    return targets


def target_or_predicted(mlp: MLP, X: FloatArray, target: npt.ArrayLike | None, name: str = "mlp") -> IntArray:
    """``check_target`` of ``target``, or when it is None each row's predicted class ``argmax_k F_k(x)`` (lowest index
    on ties; output 0 for a single-output model). ``name``: the caller's name for ``mlp``."""
    if target is not None:
        return check_target(target, X.shape[0], mlp.sizes[-1])
    forward = refuses_overflow(f"the weights of {name} or X are too large: the logits")(forward_trace)
    return cast(IntArray, forward(mlp.weights, mlp.biases, X)[-1].argmax(axis=1))  # NumPy types argmax(axis=) Any


def pull_back(weights: Sequence[FloatArray], masks: Sequence[npt.NDArray[np.bool_ | np.float64]], dh: FloatArray,
              stop: int = 0) -> FloatArray:
    """Chain rule from the last hidden layer down to layer ``stop``: ``∂F/∂h_{l-1} = (∂F/∂h_l ⊙ mask_l) @ W_{l-1}.T``.

    ``dh`` is ``∂F/∂h_H`` (one row per point, a fresh array: it is overwritten), ``masks[l-1]`` is ``ReLU'(z_l)``
    for hidden layer ``l`` (or any weight per unit). Unchecked internal.
    """
    for layer in range(len(masks), stop, -1):
        dh *= masks[layer - 1]
        dh = dh @ weights[layer - 1].T
    return dh


def gradients_unchecked(weights: Sequence[FloatArray], biases: Sequence[FloatArray], X: FloatArray,
                        targets: IntArray) -> FloatArray:
    """``∂F_target/∂x`` for every row of ``X``: one forward and one backward pass over the whole batch."""
    hs = forward_trace(weights[:-1], biases[:-1], X)  # [X, h_1, ..., h_{H-1}, z_H]: the logits are not needed
    masks = [h > 0 for h in hs[1:]]  # ReLU'(z) = [z > 0], so ReLU'(0) = 0; and h > 0 exactly when z > 0
    return pull_back(weights, masks, weights[-1].T[targets])  # row r: ∂F/∂h_H = W_H[:, target_r]


@refuses_overflow(TOO_LARGE)
def input_gradient(mlp: MLP, X: npt.ArrayLike, target: npt.ArrayLike | None = None) -> FloatArray:
    """The input gradient ``∇_x F(x) = ∂F_target/∂x`` of every row (§2.2.1 of the source document).

    For ``F(x) = W_{L-1}ᵀ ReLU(… ReLU(x W_0 + b_0) …) + b_{L-1}`` the chain rule gives
    ``∇_x F = W_0 D_1 W_1 D_2 ⋯ D_{L-1} W_{L-1}[:, target]`` with ``D_l = diag([z_l > 0])``.

    Parameters
    ----------
    mlp : MLP
    X : array_like of shape (n, d), finite
    target : None, int or int array of shape (n,)

    Returns
    -------
    ndarray of shape (n, d), float64, a new array.

    Notes
    -----
    - ``ReLU'(0) = 0``: at a kink the result is the one-sided gradient of the inactive side.
    - A model without hidden layers returns ``W_0[:, target]`` for every row, exactly.
    - A hidden layer of width 0 makes the gradient exactly 0.
    - ``n = 0`` returns an empty ``(0, d)`` array.
    - Exact up to the rounding bound of the module's conventions; tested against central finite differences.

    Raises
    ------
    TypeError
        ``mlp`` is not an MLP; ``X`` or ``target`` is not numeric.
    ValueError
        ``X`` not 2-D with ``d = sizes[0]`` columns or not finite; ``target`` out of range, of the wrong shape, or
        None for a multi-output model; a gradient that overflows float64.
    """
    X = check_inputs(mlp, X)
    targets = check_target(target, X.shape[0], mlp.sizes[-1])
    return gradients_unchecked(mlp.weights, mlp.biases, X, targets)


def saliency(mlp: MLP, X: npt.ArrayLike, target: npt.ArrayLike | None = None,
             abs: bool = True) -> FloatArray:  # noqa: A002 - Captum's argument name
    """Saliency: ``|∇_x F(x)|`` (``abs=True``, Captum's default) or the signed ``∇_x F(x)`` (``abs=False``).

    Parameters, return value, edge cases and errors are those of :func:`input_gradient`; ``abs`` must be a bool
    (``TypeError`` otherwise). Exact whenever :func:`input_gradient` is (taking the absolute value adds no rounding).
    """
    check_bool(abs, "abs")
    grad = input_gradient(mlp, X, target)
    return np.abs(grad) if abs else grad


@refuses_overflow(TOO_LARGE)
def gradient_x_input(mlp: MLP, X: npt.ArrayLike, target: npt.ArrayLike | None = None) -> FloatArray:
    """Gradient × input: ``x ⊙ ∇_x F(x)`` per row (Captum's ``InputXGradient``).

    With zero biases the network is positively homogeneous (``F(c x) = c F(x)`` for ``c > 0``), so by Euler's theorem
    ``Σ_i x_i ∂F/∂x_i = F(x)``: this attribution is then complete and equals integrated gradients from a zero
    baseline. One extra rounding per entry over :func:`input_gradient`; parameters, edge cases and errors are its.
    """
    X = check_inputs(mlp, X)
    return X * input_gradient(mlp, X, target)

"""One step of stochastic gradient descent, written as the rule itself: what one optimizer step must equal.

:func:`refimpl.train` runs the same rule through a faster engine (:mod:`refimpl.engines.sgd`); this function is
the readable form a framework's optimizer step is checked against (``refimpl check sgd_update``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt

from .checks import BoolArray, FloatArray, RealLike, as_float_array, check_real, refuses_overflow
from .mlp import MLP, Gradients

_T = TypeVar("_T")
LayerPair: TypeAlias = Sequence[Sequence[npt.ArrayLike]] | Gradients
"""``(arrays per weight matrix, arrays per bias vector)``, or a :class:`refimpl.Gradients` (its inputs unused)."""
Layers: TypeAlias = list[FloatArray]


def _sequence(values: Sequence[_T], name: str) -> Sequence[_T]:
    if isinstance(values, (str, bytes, np.ndarray)) or not hasattr(values, "__len__"):
        raise TypeError(f"{name} must be a sequence with one array per layer, got {type(values).__name__}")
    return values


def _layers(values: Sequence[npt.ArrayLike], like: Sequence[FloatArray], name: str) -> Layers:
    """``values`` as one float64 array per entry of ``like``, each of the same shape."""
    _sequence(values, name)
    if len(values) != len(like):
        raise ValueError(f"{name} must hold {len(like)} arrays, one per layer, got {len(values)}")
    out = [as_float_array(v, f"{name}[{i}]") for i, v in enumerate(values)]
    for i, (v, w) in enumerate(zip(out, like, strict=True)):
        if v.shape != w.shape:
            raise ValueError(f"{name}[{i}] must have shape {w.shape}, got {v.shape}")
    return out


def _pair(value: LayerPair, weights: Sequence[FloatArray], biases: Sequence[FloatArray], name: str
          ) -> tuple[Layers, Layers]:
    """A ``(per-weight-matrix, per-bias)`` pair of layer lists (a :class:`refimpl.Gradients` counts as one)."""
    if isinstance(value, (str, bytes, np.ndarray)) or not hasattr(value, "__len__") or len(value) < 2:
        raise TypeError(f"{name} must be a pair (arrays per weight matrix, arrays per bias vector)")
    return _layers(value[0], weights, f"{name}[0]"), _layers(value[1], biases, f"{name}[1]")


def _masks(masks: Sequence[npt.ArrayLike] | None, weights: Sequence[FloatArray]) -> list[BoolArray]:
    if masks is None:
        return [np.ones(W.shape, dtype=bool) for W in weights]
    if len(_sequence(masks, "masks")) != len(weights):
        raise ValueError(f"masks must hold {len(weights)} arrays, one per weight matrix, got {len(masks)}")
    out = []
    for i, (m, W) in enumerate(zip(masks, weights, strict=True)):
        m = np.asarray(m)
        if m.dtype != bool:
            raise TypeError(f"masks[{i}] must be a bool array (True = trained, False = pruned), got dtype {m.dtype}")
        if m.shape != W.shape:
            raise ValueError(f"masks[{i}] must have shape {W.shape}, got {m.shape}")
        out.append(m)
    return out


def sgd_update(weights: Sequence[npt.ArrayLike], biases: Sequence[npt.ArrayLike], grads: LayerPair,
               velocity: LayerPair | None = None, lr: RealLike = 0.01, momentum: RealLike = 0.0,
               masks: Sequence[npt.ArrayLike] | None = None) -> tuple[Layers, Layers, tuple[Layers, Layers]]:
    """One SGD step with momentum and pruning masks (PyTorch's convention, as :func:`refimpl.train`).

    For every parameter θ (each weight matrix and bias vector) with gradient g and velocity v:

        g ← g ⊙ m          (weights only: m = masks[l], 1 = trained, 0 = pruned; biases are never masked)
        v ← μ·v + g        (μ = momentum; with μ = 0 this is v = g, plain SGD)
        θ ← θ − lr·v
        θ ← 0, v ← 0 where m = 0   (a pruned connection is exactly +0.0 after the step, whatever it held)

    Parameters
    ----------
    weights : sequence of array_like, weights[l] of shape (n_l, n_{l+1})
    biases : sequence of array_like, biases[l] of shape (n_{l+1},)
    grads : pair (dweights, dbiases) of the same shapes, or a :class:`refimpl.Gradients` (from ``refimpl.backward``)
    velocity : None (all zeros: the first step) or a pair (vweights, vbiases) of the same shapes
    lr : float > 0
    momentum : float in [0, 1)
    masks : None (nothing pruned) or one bool array per weight matrix, of its shape

    Returns
    -------
    (weights, biases, velocity)
        New lists of float64 arrays (the arguments are not modified); ``velocity`` is the pair (vweights, vbiases)
        to pass to the next step.

    Notes
    -----
    - Each entry is ``θ − lr·(μ·v + g)`` evaluated left to right in float64: three roundings, so it is within
      ``3·2^-53·(|θ| + lr·(μ·|v| + |g|))`` of the exact value (PyTorch's ``SGD`` computes the same expression;
      ``refimpl.train`` keeps ``u = lr·v`` instead, equal in exact arithmetic for a constant lr).
    - The first step (velocity None) gives ``v = g``, as PyTorch initialises its momentum buffer.
    - A masked entry comes out as +0.0 with velocity +0.0 even if it held a nonzero weight.

    Raises
    ------
    TypeError
        A layer list, pair or mask of the wrong kind (a mask must be bool).
    ValueError
        Mismatched counts or shapes, non-finite values, lr <= 0, momentum outside [0, 1), or a step that overflows
        float64.
    """
    model = MLP(weights, biases)  # checks each array and the shape chain, naming weights[l] or biases[l]
    weights, biases = model.weights, model.biases
    dweights, dbiases = _pair(grads, weights, biases, "grads")
    if velocity is None:
        vweights, vbiases = [np.zeros(W.shape) for W in weights], [np.zeros(b.shape) for b in biases]
    else:
        vweights, vbiases = _pair(velocity, weights, biases, "velocity")
    lr = check_real(lr, "lr", lo=0.0, lo_open=True)
    momentum = check_real(momentum, "momentum", lo=0.0, hi=1.0, hi_open=True)
    return _step(weights, biases, dweights, dbiases, vweights, vbiases, lr, momentum, _masks(masks, weights))


@refuses_overflow("the step overflows float64 (lr, grads or velocity too large): the parameters")
def _step(weights: Sequence[FloatArray], biases: Sequence[FloatArray], dweights: Layers, dbiases: Layers,
          vweights: Layers, vbiases: Layers, lr: float, momentum: float, masks: list[BoolArray]
          ) -> tuple[Layers, Layers, tuple[Layers, Layers]]:
    new_w, new_vw = [], []
    for W, g, v, m in zip(weights, dweights, vweights, masks, strict=True):
        v = np.where(m, momentum * v + np.where(m, g, 0.0), 0.0)
        new_w.append(np.where(m, W - lr * v, 0.0))
        new_vw.append(v)
    new_vb = [momentum * v + g for g, v in zip(dbiases, vbiases, strict=True)]
    new_b = [b - lr * v for b, v in zip(biases, new_vb, strict=True)]
    return new_w, new_b, (new_vw, new_vb)

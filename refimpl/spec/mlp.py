"""The multilayer perceptron: immutable parameters, forward pass, hand-written backward pass.

Conventions, fixed once for the whole project:

- ``weights[l]`` has shape ``(n_l, n_{l+1})`` and layer ``l`` computes ``z_{l+1} = h_l @ W_l + b_l`` (the source
  document's orientation; PyTorch's ``nn.Linear.weight`` is the transpose).
- Hidden layers apply ``ReLU(z) = max(z, 0)``; the output layer is linear and returns logits.
- ``ReLU'(z) = 1 if z > 0 else 0``; in particular ``ReLU'(0) = 0``, as in PyTorch.
- A hidden layer may have width 0 (every neuron pruned); input and output widths are at least 1.

Exactness: ``forward`` and ``backward`` are plain float64 matrix products; they are deterministic for a given
BLAS and thread count, and their agreement with finite differences is tested to the tolerance stated in the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, NoReturn

import numpy as np
import numpy.typing as npt

from .checks import FloatArray, IntLike, as_float_array, check_int, read_only, refuses_overflow


class Gradients(NamedTuple):
    """Gradients of a scalar objective: one array per weight matrix, per bias vector, and for the inputs."""

    weights: tuple[FloatArray, ...]
    biases: tuple[FloatArray, ...]
    inputs: FloatArray


class MLP:
    """An immutable ReLU multilayer perceptron.

    Parameters
    ----------
    weights : sequence of array_like, weights[l] of shape (n_l, n_{l+1})
    biases : sequence of array_like, biases[l] of shape (n_{l+1},)

    Both are copied to read-only float64 arrays. Raises ``TypeError`` for non-numeric parameters and ``ValueError``
    for an empty layer list, a broken shape chain (``weights[l].shape[1] != weights[l+1].shape[0]``, or a bias that
    does not match its layer), zero input or output width, or a non-finite entry.
    """

    __slots__ = ("_weights", "_biases")
    _weights: tuple[FloatArray, ...]
    _biases: tuple[FloatArray, ...]

    def __init__(self, weights: Sequence[npt.ArrayLike], biases: Sequence[npt.ArrayLike]) -> None:
        weights, biases = _check_parameters(weights, biases)
        object.__setattr__(self, "_weights", tuple(read_only(w) for w in weights))
        object.__setattr__(self, "_biases", tuple(read_only(b) for b in biases))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("MLP is immutable; build a new one with MLP(weights, biases)")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("MLP is immutable; build a new one with MLP(weights, biases)")

    def __reduce__(self) -> tuple[type[MLP], tuple[tuple[FloatArray, ...], tuple[FloatArray, ...]]]:
        # copy, deepcopy and pickle rebuild through the checked constructor (the default slot-state protocol
        # would go through __setattr__, which refuses).
        return (MLP, (self._weights, self._biases))

    @classmethod
    def init(cls, sizes: Sequence[IntLike], seed: IntLike) -> MLP:
        """He-normal initialisation: ``W_l ~ N(0, 2 / n_l)``, ``b_l = 0``, drawn from ``default_rng(seed)``.

        Parameters
        ----------
        sizes : sequence of int, (n_0, ..., n_L) with L >= 1, n_0 >= 1, n_L >= 1, hidden widths >= 0
        seed : int >= 0
        """
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
            raise TypeError(f"sizes must be a sequence of ints, got {type(sizes).__name__}")
        sizes = [check_int(s, f"sizes[{i}]", lo=0) for i, s in enumerate(sizes)]
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least an input and an output width, got {sizes}")
        seed = check_int(seed, "seed", lo=0)
        rng = np.random.default_rng(seed)
        pairs = zip(sizes[:-1], sizes[1:], strict=True)  # (fan_in, fan_out); a fan_in of 0 draws nothing
        weights = [rng.normal(0.0, np.sqrt(2.0 / max(m, 1)), size=(m, n)) for m, n in pairs]
        biases = [np.zeros(n) for n in sizes[1:]]
        return cls(weights, biases)

    @property
    def weights(self) -> tuple[FloatArray, ...]:
        """Read-only weight matrices, ``weights[l]`` of shape ``(n_l, n_{l+1})``."""
        return self._weights

    @property
    def biases(self) -> tuple[FloatArray, ...]:
        """Read-only bias vectors, ``biases[l]`` of shape ``(n_{l+1},)``."""
        return self._biases

    @property
    def sizes(self) -> tuple[int, ...]:
        """Layer widths ``(n_0, n_1, ..., n_L)``."""
        return (self._weights[0].shape[0],) + tuple(w.shape[1] for w in self._weights)

    @property
    def n_parameters(self) -> int:
        """Number of weights and biases."""
        return sum(w.size + b.size for w, b in zip(self._weights, self._biases, strict=True))

    @refuses_overflow("the weights of mlp or X are too large: the logits")
    def forward(self, X: npt.ArrayLike) -> FloatArray:
        """Logits of shape ``(n, sizes[-1])`` for inputs ``X`` of shape ``(n, sizes[0])`` (finite, 2-D).

        Raises ``ValueError`` when the logits overflow float64 (never returns inf or NaN for finite inputs)."""
        X = check_inputs(self, X)
        return forward_trace(self._weights, self._biases, X)[-1]

    def __repr__(self) -> str:
        return f"MLP(sizes={self.sizes})"


def _check_parameters(weights: Sequence[npt.ArrayLike], biases: Sequence[npt.ArrayLike]
                      ) -> tuple[list[FloatArray], list[FloatArray]]:
    for name, seq in (("weights", weights), ("biases", biases)):
        if isinstance(seq, (str, bytes, np.ndarray)) or not hasattr(seq, "__len__"):
            raise TypeError(f"{name} must be a list or tuple of arrays, got {type(seq).__name__}")
    if len(weights) == 0:
        raise ValueError("weights must hold at least one matrix")
    if len(weights) != len(biases):
        raise ValueError(f"weights and biases must have the same length, got {len(weights)} and {len(biases)}")
    ws = [as_float_array(w, f"weights[{i}]", ndim=2) for i, w in enumerate(weights)]
    bs = [as_float_array(b, f"biases[{i}]", ndim=1) for i, b in enumerate(biases)]
    if ws[0].shape[0] == 0 or ws[-1].shape[1] == 0:
        raise ValueError(f"input and output widths must be >= 1, got {ws[0].shape[0]} and {ws[-1].shape[1]}")
    for i, (w, b) in enumerate(zip(ws, bs, strict=True)):
        if b.shape[0] != w.shape[1]:
            raise ValueError(f"biases[{i}] must have shape ({w.shape[1]},) to match weights[{i}] of shape "
                             f"{w.shape}, got {b.shape}")
        if i + 1 < len(ws) and ws[i + 1].shape[0] != w.shape[1]:
            raise ValueError(f"broken shape chain: weights[{i}] has shape {w.shape} but weights[{i + 1}] has "
                             f"shape {ws[i + 1].shape}; need weights[{i + 1}].shape[0] == {w.shape[1]}")
    return ws, bs


def check_model(mlp: object, name: str = "mlp") -> MLP:
    """Raise ``TypeError`` unless ``mlp`` is an :class:`MLP` (``name``: the caller's argument name)."""
    if not isinstance(mlp, MLP):
        raise TypeError(f"{name} must be a refimpl.MLP, got {type(mlp).__name__}")
    return mlp


def check_inputs(mlp: MLP, X: object, name: str = "X", *, rows_needed_for: str | None = None) -> FloatArray:
    """Check the model and return ``X`` as a finite float64 array of shape ``(n, sizes[0])``; with
    ``rows_needed_for`` (what the rows are for, said in the error), ``n = 0`` is a ``ValueError``."""
    check_model(mlp)
    X = as_float_array(X, name, ndim=2)
    if X.shape[1] != mlp.sizes[0]:
        raise ValueError(f"{name} must have shape (n, {mlp.sizes[0]}) for this model, got {X.shape}")
    if rows_needed_for is not None and X.shape[0] == 0:
        raise ValueError(f"{name} must have at least one row {rows_needed_for}")
    return X


def forward_trace(weights: Sequence[FloatArray], biases: Sequence[FloatArray], X: FloatArray) -> list[FloatArray]:
    """Unchecked forward pass returning ``[h_0 = X, h_1, ..., h_{L-1}, z_L]``.

    ``h_l = ReLU(z_l)`` for hidden layers; the last entry is the logits. ReLU'(z_l) is recovered as ``h_l > 0``,
    which equals ``z_l > 0`` because ``max(z, 0) > 0`` exactly when ``z > 0``.
    """
    hs = [X]
    last = len(weights) - 1
    for layer, (W, b) in enumerate(zip(weights, biases, strict=True)):
        z = hs[-1] @ W
        z += b
        hs.append(z if layer == last else np.maximum(z, 0.0, out=z))
    return hs


def backward_trace(weights: Sequence[FloatArray], hs: Sequence[FloatArray], dlogits: FloatArray) -> Gradients:
    """Unchecked backward pass: the chain rule written out layer by layer.

    With ``dz_L = dlogits``: ``dW_l = h_l.T @ dz_{l+1}``, ``db_l = sum_rows(dz_{l+1})``,
    ``dh_l = dz_{l+1} @ W_l.T``, ``dz_l = dh_l * [z_l > 0]`` and finally ``dX = dz_1 @ W_0.T``.
    """
    dW: list[FloatArray] = []  # built from the last layer down (insert at 0), so that dW[l] is ∂J/∂W_l
    db: list[FloatArray] = []
    dz = dlogits
    for layer in range(len(weights) - 1, -1, -1):
        dW.insert(0, hs[layer].T @ dz)
        db.insert(0, dz.sum(axis=0))
        if layer > 0:
            dz = (dz @ weights[layer].T) * (hs[layer] > 0)
    return Gradients(tuple(dW), tuple(db), dz @ weights[0].T)


@refuses_overflow("the weights of mlp, X or dlogits are too large: the gradients")
def backward(mlp: MLP, X: npt.ArrayLike, dlogits: npt.ArrayLike) -> Gradients:
    """Backpropagate an upstream gradient to every parameter and to the inputs, in one pass over the batch.

    Parameters
    ----------
    mlp : MLP
    X : array_like of shape (n, sizes[0])
    dlogits : array_like of shape (n, sizes[-1])
        ``∂J/∂z_L`` for some scalar objective J (e.g. the second output of a loss function).

    Returns
    -------
    Gradients
        ``weights[l]`` of shape ``(n_l, n_{l+1})`` is ``∂J/∂W_l``, ``biases[l]`` is ``∂J/∂b_l``, ``inputs`` of
        shape ``(n, sizes[0])`` is ``∂J/∂X``. ReLU'(0) = 0: a hidden unit whose pre-activation is exactly 0 passes
        no gradient.

    Raises ``ValueError`` when a gradient overflows float64 (never returns inf or NaN for finite inputs).
    """
    X = check_inputs(mlp, X)
    dlogits = as_float_array(dlogits, "dlogits", ndim=2)
    if dlogits.shape != (X.shape[0], mlp.sizes[-1]):
        raise ValueError(f"dlogits must have shape {(X.shape[0], mlp.sizes[-1])}, got {dlogits.shape}")
    return backward_trace(mlp.weights, forward_trace(mlp.weights, mlp.biases, X), dlogits)

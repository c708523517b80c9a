"""§3.3 Model pruning: remove unimportant neurons (physically, with their bias) and connections (by §3.1).

Indexing: hidden layer ``l`` (0-based) is the output of ``weights[l]`` and ``biases[l]``; it has ``sizes[l + 1]``
neurons, its incoming weights are the columns of ``weights[l]`` and its outgoing weights the rows of
``weights[l + 1]``. Output neurons are never pruned.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from .checks import (
    BoolArray,
    FloatArray,
    IntArray,
    IntLike,
    RealLike,
    as_int_array,
    check_choice,
    check_int,
    check_real,
    refuses_overflow,
)
from .losses import CHECKED, LOSSES, default_loss
from .mlp import MLP, backward_trace, check_inputs, check_model, forward_trace
from .thresholding import l1_importance, round_count, smallest_mask

IMPORTANCES = ("l1", "l2", "activation", "taylor")
SCOPES = ("layer", "global")


def neuron_importance(mlp: MLP, layer: IntLike, kind: str = "l1", X: npt.ArrayLike | None = None,
                      y: npt.ArrayLike | None = None, loss: str | None = None) -> FloatArray:
    """§3.3 importance ``P_j`` of each neuron ``j`` of hidden layer ``layer``.

    With ``W = weights[layer]`` (shape (n_in, n)) and ``a_j`` the neuron's activation ``relu(h @ W + b)_j``:

    - ``"l1"``: ``P_j = Σ_i |W[i, j]|`` over its incoming weights (the document's ``P = Σ|a_i|``), correctly
      rounded (:func:`refimpl.l1_importance`: ``inf`` only when the exact sum exceeds the float64 range).
    - ``"l2"``: ``P_j = sqrt(Σ_i W[i, j]²)``, by ``math.hypot`` of the sorted magnitudes (within 1 ulp, independent
      of the order of the inputs, no overflow of the squares).
    - ``"activation"``: ``P_j = mean over the rows of X of |a_j|`` (= the mean of ``a_j``, which is >= 0).
    - ``"taylor"``: ``P_j = |mean over the rows of X of a_j · ∂ℓ/∂a_j|`` with ℓ the per-example loss (Molchanov et
      al. 2017, the document's "compute the output gradient" step), i.e. ``|Σ_rows a_j · ∂L/∂a_j|`` for the mean
      loss L, by the hand-written backward pass.

    Parameters
    ----------
    mlp : MLP with at least one hidden layer
    layer : int in [0, len(mlp.weights) − 2]
    kind : {"l1", "l2", "activation", "taylor"}
    X : array_like of shape (n, sizes[0]), n >= 1; required by "activation" and "taylor", refused otherwise
    y : labels of shape (n,); required by "taylor", refused otherwise
    loss : {"softmax_cross_entropy", "binary_cross_entropy_with_logits"} or None (taylor only; None picks the
        binary loss for one output and softmax cross-entropy otherwise)

    Returns
    -------
    ndarray of float64, shape (sizes[layer + 1],), every entry >= 0
        Computed on the model as given. "l1" is exact (correctly rounded); "l2" is within 1 ulp; "activation" and
        "taylor" are float64 evaluations of the forward/backward pass, deterministic for given inputs.

    Notes
    -----
    - A hidden layer of width 0 gives an empty array; a neuron whose incoming weights are all zero gets
      ``P_j = 0`` under "l1" and "l2" (it is the constant ``relu(b_j)``).
    - Under "activation" and "taylor" a neuron that never fires on X gets 0 (ReLU'(0) = 0).

    Raises
    ------
    TypeError
        ``mlp`` is not an MLP, or an argument of the wrong kind.
    ValueError
        No hidden layer, ``layer`` out of range, unknown ``kind``, X/y/loss missing where needed or given where not
        used, X or y malformed, or activations or importances that overflow float64 ("activation", "taylor").
    """
    check_model(mlp)
    check_hidden_layer(mlp, layer)
    return layer_importances(mlp, kind, X, y, loss)[layer]


def check_fractions(values: Sequence[RealLike], name: str) -> list[float]:
    """Return a sequence of numbers in [0, 1] (levels, sparsity schedules) as a list of floats."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(f"{name} must be a sequence of numbers in [0, 1], got {type(values).__name__}")
    return [check_real(v, f"{name}[{i}]", lo=0.0, hi=1.0) for i, v in enumerate(values)]


def check_hidden_layer(mlp: MLP, layer: IntLike) -> int:
    n_hidden = len(mlp.weights) - 1
    if n_hidden == 0:
        raise ValueError(f"mlp {mlp.sizes} has no hidden layer: output neurons are never pruned")
    return check_int(layer, "layer", lo=0, hi=n_hidden - 1)


def layer_importances(mlp: MLP, kind: str, X: npt.ArrayLike | None, y: npt.ArrayLike | None, loss: str | None,
                      kind_name: str = "kind") -> list[FloatArray]:
    """``P`` for every hidden layer, all computed on the model as given (``kind_name``: the caller's name for kind)."""
    kind = check_choice(kind, kind_name, IMPORTANCES)
    _check_needed(kind, X=X, y=y, loss=loss)
    hidden = mlp.weights[:-1]
    if kind == "l1":  # l1_importance: correctly rounded, inf (not fsum's OverflowError) beyond the float64 range
        return [np.array([l1_importance(col) for col in W.T]) for W in hidden]
    if kind == "l2":
        return [np.array([math.hypot(*sorted(col)) for col in np.abs(W).T.tolist()]) for W in hidden]
    X = check_inputs(mlp, X, rows_needed_for="to measure the importances on")
    forward = refuses_overflow(_TOO_LARGE)(forward_trace)
    if kind == "activation":
        return _mean_activations(forward(mlp.weights, mlp.biases, X))
    loss = default_loss(mlp) if loss is None else check_choice(loss, "loss", LOSSES)
    y = as_int_array(y, "y", ndim=1)
    return _taylor_importances(mlp, forward(mlp.weights, mlp.biases, X), y, loss)


_TOO_LARGE = "the weights of mlp or X are too large: the activations or importances"


@refuses_overflow(_TOO_LARGE)
def _mean_activations(hs: list[FloatArray]) -> list[FloatArray]:
    """``"activation"``: mean ``h_{l+1}`` over the rows."""
    return [h.mean(axis=0) for h in hs[1:-1]]


@refuses_overflow(_TOO_LARGE)
def _taylor_importances(mlp: MLP, hs: list[FloatArray], y: IntArray, loss: str) -> list[FloatArray]:
    """``"taylor"``: ``|Σ_rows h_{l+1} ⊙ ∂L/∂h_{l+1}|``."""
    _, dlogits = CHECKED[loss](hs[-1], y)
    # ∂L/∂h_{l+1}: the input gradient of the sub-network that starts at hidden layer l
    return [np.abs((hs[l + 1] * backward_trace(mlp.weights[l + 1:], hs[l + 1:], dlogits).inputs).sum(axis=0))
            for l in range(len(mlp.weights) - 1)]

def _check_needed(kind: str, **given: object) -> None:
    needs = {"l1": (), "l2": (), "activation": ("X",), "taylor": ("X", "y")}[kind]
    optional = ("loss",) if kind == "taylor" else ()
    for name, value in given.items():
        if name in needs and value is None:
            raise ValueError(f"importance {kind!r} needs {name}")
        if name not in needs + optional and value is not None:
            raise ValueError(f"importance {kind!r} does not use {name}; pass {name}=None")


def _exactly_one(**given: object) -> tuple[str, object]:
    """Return ``(name, value)`` of the single argument that is not None."""
    chosen = [(k, v) for k, v in given.items() if v is not None]
    if len(chosen) != 1:
        names = " or ".join(given)
        raise ValueError(f"give exactly one of {names}, got {len(chosen)}")
    return chosen[0]


def prune_neurons(mlp: MLP, *, keep_ratio: RealLike | None = None, eps: RealLike | None = None,
                  importance: str = "l1", X: npt.ArrayLike | None = None, y: npt.ArrayLike | None = None,
                  loss: str | None = None) -> tuple[MLP, tuple[IntArray, ...]]:
    """§3.3 neuron pruning: keep the important neurons of every hidden layer and physically remove the rest.

    Importances ``P_j`` come from :func:`neuron_importance` (``importance``, X, y, loss as there), all computed on
    the model as given: pruning one layer does not re-rank the next. Exactly one rule:

    - ``keep_ratio``: keep the ``round_half_even(keep_ratio · n)`` neurons of highest P in each hidden layer of
      width n (Python's ``round`` of the float64 product); ties in P: the lower index is kept.
    - ``eps``: keep the neurons with ``P_j > ε`` (strict, as §3.1).

    Removing neuron j of hidden layer l deletes column j of ``W_l``, entry j of ``b_l`` and row j of ``W_{l+1}``.

    Parameters
    ----------
    mlp : MLP with at least one hidden layer
    keep_ratio : float in [0, 1] or None
    eps : float >= 0 or None
    importance, X, y, loss : see :func:`neuron_importance`

    Returns
    -------
    (MLP, tuple of ndarray of int64)
        The smaller model and, per hidden layer, the kept neurons' original indices in increasing order.

    Notes
    -----
    - Dead neurons are folded: a removed neuron whose incoming weights (in the model being built, after the earlier
      layers' removals) are all zero outputs the constant ``relu(b_j)``, so ``relu(b_j)·W_{l+1}[j, :]`` is added to
      ``b_{l+1}``; removing such neurons changes the function by rounding only. Other removed neurons are dropped.
    - The bias goes with the neuron. PyTorch's ``ln_structured`` zeros weight rows but keeps the bias, so its
      "pruned" neuron still outputs ``relu(b_j)``; here that constant is either folded (dead neuron) or removed.
    - ``keep_ratio`` may keep 0 neurons: a hidden layer of width 0 is a valid MLP (its output is constant).
    - Exactness: the kept indices are exact (comparisons of the importances). Folding computes
      ``b_{l+1} + relu(b_dead) @ W_{l+1}[dead, :]`` once, where the original model adds the same terms inside
      ``h @ W_{l+1}``: only the order of the float64 sums differs (tested exact on dyadic parameters, and within
      a few units of 2^-53 times the sum of the magnitudes of the terms otherwise).
    - Unlike the source document's example, which draws a random mask, selection is by importance.

    Raises
    ------
    TypeError, ValueError
        Both or neither of keep_ratio/eps; keep_ratio outside [0, 1]; eps negative; not finite; the errors of
        :func:`neuron_importance`; a folded bias that overflows float64 (finite but huge parameters).
    """
    check_model(mlp)
    check_hidden_layer(mlp, 0)
    rule, value = _exactly_one(keep_ratio=keep_ratio, eps=eps)
    value = check_real(value, rule, lo=0.0, hi=1.0 if rule == "keep_ratio" else None)
    kept = tuple(select_kept(P, rule, value) for P in layer_importances(mlp, importance, X, y, loss, "importance"))
    return remove_neurons(mlp, kept), kept


def select_kept(P: FloatArray, rule: str, value: float) -> IntArray:
    if rule == "eps":
        return np.flatnonzero(P > value)
    highest_first = np.argsort(-P, kind="stable")  # stable: among equal P the lower index comes first
    return np.sort(highest_first[:round_count(value, P.size)])


def remove_neurons(mlp: MLP, kept: Sequence[IntArray]) -> MLP:
    """Keep only the neurons ``kept[l]`` (increasing indices) of each hidden layer ``l``; fold dead removed
    neurons into the next bias (see :func:`prune_neurons`). Unchecked: ``kept`` must be valid."""
    W, b = list(mlp.weights), list(mlp.biases)
    for l, keep in enumerate(kept):
        removed = np.setdiff1d(np.arange(W[l].shape[1]), keep)
        dead = removed[~W[l][:, removed].any(axis=0)]
        b[l + 1] = _fold(b[l + 1], b[l][dead], W[l + 1][dead, :])
        W[l], b[l], W[l + 1] = W[l][:, keep], b[l][keep], W[l + 1][keep, :]
    return MLP(W, b)


@refuses_overflow("the parameters of mlp are too large: folding removed constant neurons into the next bias")
def _fold(b_next: FloatArray, b_dead: FloatArray, rows: FloatArray) -> FloatArray:
    """``b_{l+1} + relu(b_dead) @ W_{l+1}[dead, :]`` (finite parameters can still overflow)."""
    return b_next + np.maximum(b_dead, 0.0) @ rows


def prune_connections(mlp: MLP, *, sparsity: RealLike | None = None, eps: RealLike | None = None,
                      scope: str = "layer") -> tuple[MLP, tuple[BoolArray, ...]]:
    """§3.3 connection pruning: §3.1 applied to every weight matrix (biases untouched).

    - ``eps``: ``ŵ = threshold(W_l, ε)`` for every layer (``|w| > ε`` kept; ``scope`` makes no difference).
    - ``sparsity`` with ``scope="layer"``: ``prune_smallest(W_l, sparsity)`` for each matrix on its own.
    - ``sparsity`` with ``scope="global"``: the ``round_half_even(sparsity · N)`` smallest ``|w|`` among all N weights
      at once; ties: earlier layer first, then lower flat (row-major) index.

    Parameters
    ----------
    mlp : MLP
    sparsity : float in [0, 1] or None
    eps : float >= 0 or None
    scope : {"layer", "global"}

    Returns
    -------
    (MLP, tuple of ndarray of bool)
        The pruned model and one keep-mask per weight matrix (True = kept by the rule; a kept weight may itself be
        0). The masks are what :func:`refimpl.train` takes to fine-tune without regrowing pruned connections.
        Exact.

    Raises
    ------
    TypeError, ValueError
        Both or neither of sparsity/eps; sparsity outside [0, 1]; eps negative; non-finite; unknown scope.
    """
    check_model(mlp)
    rule, value = _exactly_one(sparsity=sparsity, eps=eps)
    value = check_real(value, rule, lo=0.0, hi=1.0 if rule == "sparsity" else None)
    scope = check_choice(scope, "scope", SCOPES)
    magnitudes = [np.abs(W) for W in mlp.weights]
    if rule == "eps":
        masks = [m > value for m in magnitudes]
    elif scope == "layer":
        masks = [smallest_mask(m, value) for m in magnitudes]
    else:
        flat = np.concatenate([m.ravel() for m in magnitudes])
        keep = smallest_mask(flat, value)
        ends = np.cumsum([m.size for m in magnitudes])[:-1]
        masks = [k.reshape(m.shape) for k, m in zip(np.split(keep, ends), magnitudes, strict=True)]
    weights = [np.where(m, W, 0.0) for m, W in zip(masks, mlp.weights, strict=True)]
    for m in masks:
        m.flags.writeable = False
    return MLP(weights, mlp.biases), tuple(masks)

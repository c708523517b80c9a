"""Summaries of a model for people: its layers as data (``refimpl info``) and an importance map as text."""

from __future__ import annotations

import numpy as np

from ..spec.checks import as_float_array, check_int, refuses_overflow
from ..spec.mlp import check_inputs, check_model, forward_trace
from ..spec.thresholding import l1_importance


def format_importance_grid(importance, width=8, decimals=3) -> str:
    """Lay a ``(d,)`` importance vector out as a text grid of ``width`` columns (8 × 8 for the 64 digit pixels).

    Row ``r``, column ``c`` shows ``importance[r · width + c]`` with ``decimals`` decimals, right-aligned; rows are
    separated by newlines, with no trailing newline. Raises ``ValueError`` when ``d`` is not a positive multiple of
    ``width`` or ``decimals`` is outside ``[0, 12]``, ``TypeError`` for non-numeric input.
    """
    values = as_float_array(importance, "importance", ndim=1, allow_empty=False)
    width = check_int(width, "width", lo=1)
    decimals = check_int(decimals, "decimals", lo=0, hi=12)
    if values.size % width:
        raise ValueError(f"importance must have a multiple of width={width} entries, got {values.size}")
    cells = [f"{v:.{decimals}f}" for v in values]
    pad = max(len(c) for c in cells)
    return "\n".join(" ".join(c.rjust(pad) for c in cells[r:r + width]) for r in range(0, len(cells), width))


def layer_summary(mlp, X=None) -> list[dict]:
    """One JSON-able dict per layer ``l`` (``h_l @ W_l + b_l``): the model's structure as data (§2.2.2).

    Keys: ``layer`` (l), ``shape`` ([n_l, n_{l+1}]), ``parameters`` (``n_l n_{l+1} + n_{l+1}``), ``nonzeros``
    (weights and biases ``!= 0``), ``l1`` (``R = Σ_i |w_i|`` over the weights of ``W_l``, the source document's
    importance), ``l2`` (``sqrt(Σ_i w_i²)``), ``activation`` ("relu" or "linear"), and with ``X`` given, ``dead``: the
    number of units of a hidden layer whose pre-activation is ``<= 0`` on every row of ``X`` (never active, since
    ``ReLU'(0) = 0`` and ``ReLU(0) = 0``), None for the linear output layer.

    Notes
    -----
    - Counts are exact; ``l1`` is :func:`refimpl.l1_importance` of ``W_l`` (correctly rounded, ``inf`` only when
      the exact sum exceeds the float64 range); ``l2`` is a float64 sum (relative error at most
      ``n_l n_{l+1} · 2^-53``) computed as ``m · sqrt(Σ (w_i / m)²)`` with ``m = max |w_i|``, so no square
      overflows.
    - A hidden layer of width 0 has 0 parameters in its outgoing layer and 0 dead units.

    Raises
    ------
    TypeError
        ``mlp`` not an MLP, ``X`` not numeric.
    ValueError
        ``X`` of the wrong shape, not finite, or with no rows (no evidence that a unit is dead).
    """
    check_model(mlp)
    hs = None
    if X is not None:
        X = check_inputs(mlp, X, rows_needed_for="to find dead units (or pass X=None)")
        hs = refuses_overflow("the weights of mlp or X are too large: the activations")(forward_trace)(
            mlp.weights, mlp.biases, X)
    summary = []
    for layer, (W, b) in enumerate(zip(mlp.weights, mlp.biases, strict=True)):
        hidden = layer < len(mlp.weights) - 1
        row = {"layer": layer, "shape": [int(W.shape[0]), int(W.shape[1])], "parameters": int(W.size + b.size),
               "nonzeros": int(np.count_nonzero(W) + np.count_nonzero(b)), "l1": l1_importance(W),
               "l2": _l2(W), "activation": "relu" if hidden else "linear"}
        if hs is not None:
            row["dead"] = int(np.count_nonzero(~(hs[layer + 1] > 0).any(axis=0))) if hidden else None
        summary.append(row)
    return summary


def _l2(W: np.ndarray) -> float:
    scale = float(np.abs(W).max()) if W.size else 0.0
    return scale * float(np.sqrt(np.square(W / scale).sum())) if scale > 0 else 0.0

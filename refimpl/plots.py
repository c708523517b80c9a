"""PNG heatmaps of attributions (optional: needs matplotlib, the ``plot`` extra).

Only matplotlib's object API is used (``Figure`` with an Agg canvas), never ``pyplot``, so no global state changes.
"""

from __future__ import annotations

import os

import numpy as np

from .interpret.integrated import exact_attributions
from .spec.checks import check_int
from .spec.gradients import target_or_predicted
from .spec.mlp import check_inputs, check_model

PLOT_HINT = "install refimpl[plot] (pip install 'refimpl[plot]') to get pictures"


class PlotsUnavailable(ImportError):
    """matplotlib is not installed; the message says how to get it."""


def _figure_class():
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 - optional dependency, imported only when used
        from matplotlib.figure import Figure  # noqa: PLC0415 - optional dependency, imported only when used
    except ImportError as exc:
        raise PlotsUnavailable(f"matplotlib is not installed: {PLOT_HINT}") from exc
    return Figure, FigureCanvasAgg


def write_attribution_plots(directory, models, X, target=None, n_examples=4, image_shape=(8, 8)) -> list[str]:
    """Write PNG heatmaps of exact integrated gradients (zero baseline) of several models; return the paths.

    ``attributions.png``: one row per example (the first ``n_examples`` rows of ``X``), the input image, then one
    column per model with ``IG`` reshaped to ``image_shape`` on a diverging colour scale symmetric about 0 (shared
    within a row, so the models are comparable). ``global_importance.png``: each model's mean ``|IG|`` over all rows
    of ``X``. ``target``: an int, an int array of shape (n,), or None for the first model's predicted class.

    Parameters
    ----------
    directory : str or path, created if missing
    models : dict of name -> MLP, at least one, all with input width ``d = prod(image_shape)``
    X : array_like of shape (n, d), n >= 1
    target : None, int or int array of shape (n,)
    n_examples : int >= 1 (capped at n)
    image_shape : (rows, columns)

    Raises
    ------
    PlotsUnavailable (an ImportError)
        matplotlib is missing; the message says "install refimpl[plot] ..." (``PLOT_HINT``). Checked before anything
        is computed or written.
    TypeError, ValueError
        As for :func:`refimpl.integrated_gradients` (including attributions that overflow float64); also
        ``models`` not a dict (TypeError) or empty, a width that is not ``prod(image_shape)``, or ``n = 0``.
    """
    Figure, Canvas = _figure_class()
    if not isinstance(models, dict):
        raise TypeError(f"models must be a dict of name -> MLP, got {type(models).__name__}")
    if not models:
        raise ValueError("models must be a non-empty dict of name -> MLP")
    names = [str(name) for name in models]
    mlps = [check_model(m) for m in models.values()]
    if not isinstance(image_shape, (tuple, list)) or len(image_shape) != 2:
        raise ValueError(f"image_shape must be a pair (rows, columns), got {image_shape!r}")
    rows, cols = (check_int(v, f"image_shape[{i}]", lo=1) for i, v in enumerate(image_shape))
    X = check_inputs(mlps[0], X)
    if X.shape[0] == 0 or X.shape[1] != rows * cols:
        raise ValueError(f"X must have at least one row and {rows * cols} columns (image_shape), got {X.shape}")
    n_examples = min(check_int(n_examples, "n_examples", lo=1), X.shape[0])
    targets = target_or_predicted(mlps[0], X, target)
    B = np.zeros_like(X)
    for name, m in zip(names, mlps, strict=True):
        check_inputs(m, X, f"X (for model {name!r})")
    ig = [exact_attributions(m, X, B, targets, f"models[{name!r}]") for name, m in zip(names, mlps, strict=True)]
    os.makedirs(directory, exist_ok=True)

    fig = Figure(figsize=(1.6 * (len(mlps) + 1), 1.7 * n_examples))
    grid = fig.subplots(n_examples, len(mlps) + 1, squeeze=False)
    for r in range(n_examples):
        grid[r, 0].imshow(X[r].reshape(rows, cols), cmap="gray_r")
        grid[r, 0].set_title(f"input, target {targets[r]}", fontsize=7)
        limit = max(max(np.abs(a[r]).max() for a in ig), np.finfo(float).tiny)
        for c, (name, a) in enumerate(zip(names, ig, strict=True), start=1):
            grid[r, c].imshow(a[r].reshape(rows, cols), cmap="RdBu_r", vmin=-limit, vmax=limit)
            grid[r, c].set_title(name, fontsize=7)
    paths = [_save(fig, Canvas, directory, "attributions.png")]

    fig = Figure(figsize=(1.8 * len(mlps), 2.0))
    axes = fig.subplots(1, len(mlps), squeeze=False)[0]
    for ax, name, a in zip(axes, names, ig, strict=True):
        ax.imshow(np.abs(a).mean(axis=0).reshape(rows, cols), cmap="viridis")
        ax.set_title(f"{name}: mean |IG|", fontsize=7)
    paths.append(_save(fig, Canvas, directory, "global_importance.png"))
    return paths


def _save(fig, Canvas, directory, filename) -> str:
    for ax in fig.axes:
        ax.set_xticks([])
        ax.set_yticks([])
    path = os.path.join(directory, filename)
    Canvas(fig).print_png(path)
    return path

"""``adapt``: put a candidate written for another weight layout or for float32 into refimpl's candidate signature.

The checker calls a candidate with refimpl's conventions: ``weights[l]`` of shape ``(n_l, n_{l+1})`` (a layer computes
``h @ W + b``) and float64 arrays. ``adapt(fn, layout="out_in", dtype="float32")`` returns a candidate that

- transposes every matrix of every **layer list** (a list or tuple whose items are all 2-D arrays: ``weights``, the
  ``masks`` and the gradients and velocities of ``sgd_update``) on the way in, and every matrix of every layer list
  of the result on the way out, so ``fn`` sees and returns PyTorch's ``nn.Linear.weight`` layout ``(n_{l+1}, n_l)``;
  a bare 2-D array (``X``, logits) is never transposed;
- casts every float array it passes to ``fn`` to float32 (integer and bool arrays and Python scalars are passed as
  they are; a value beyond float32's range arrives as ±inf, as a float32 framework would hold it) and declares the
  candidate float32, so that ``check``/``judge`` judge it with ``precision="float32"``
  without being told.

The declaration is the attribute ``__refimpl_declarations__ = {"precision": "float32", "layout": "out_in"}`` on the
returned function; ``check`` and ``judge`` read ``precision`` from it whenever their own ``precision`` is left at its
default (any candidate may carry the attribute). The wrapper adds nothing else: results are returned as ``fn``
returns them (tensors are read by the checker as arrays).
"""

from __future__ import annotations

import functools

import numpy as np

from ..spec.checks import check_choice

LAYOUTS = ("in_out", "out_in")
DTYPES = ("float64", "float32")
DECLARATIONS = "__refimpl_declarations__"


def _is_matrix(x) -> bool:
    return (isinstance(x, np.ndarray) or hasattr(x, "__array__")) and np.ndim(x) == 2


def _layer_list(value) -> bool:
    return isinstance(value, (list, tuple)) and len(value) > 0 and all(_is_matrix(x) for x in value)


def _transposed(value):
    """Every matrix of every layer list inside ``value`` transposed (lists and tuples rebuilt, nothing modified)."""
    if _layer_list(value):
        return type(value)(np.asarray(x).T for x in value)
    if isinstance(value, (list, tuple)):
        return type(value)(_transposed(v) for v in value)
    return value


def _as_float32(value):
    if isinstance(value, np.ndarray):  # beyond float32's range a value becomes ±inf: the candidate sees what it can
        with np.errstate(over="ignore"):
            return value.astype(np.float32) if value.dtype.kind == "f" else value
    if isinstance(value, (list, tuple)):
        return type(value)(_as_float32(v) for v in value)
    return value


def adapt(fn, layout="in_out", dtype="float64"):
    """Wrap ``fn`` so that the checker can call it with refimpl's conventions (see the module docstring).

    Parameters
    ----------
    fn : callable, written for ``layout`` and ``dtype``
    layout : {"in_out", "out_in"}
        "out_in": ``fn`` takes and returns weight matrices as ``(n_{l+1}, n_l)`` (PyTorch's ``nn.Linear.weight``,
        ``x @ W.T + b``); "in_out" is refimpl's own layout (nothing transposed).
    dtype : {"float64", "float32"}
        "float32": float arrays reach ``fn`` as float32, and the returned candidate declares
        ``precision="float32"`` (its float32 results are accepted, rounding windows widened).

    Returns
    -------
    callable with ``fn``'s arguments, carrying ``__refimpl_declarations__`` and ``__wrapped__ = fn``.

    Raises
    ------
    TypeError
        ``fn`` is not callable.
    ValueError
        Unknown ``layout`` or ``dtype``.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    layout = check_choice(layout, "layout", LAYOUTS)
    dtype = check_choice(dtype, "dtype", DTYPES)
    flip = _transposed if layout == "out_in" else (lambda v: v)
    cast = _as_float32 if dtype == "float32" else (lambda v: v)

    @functools.wraps(fn)
    def candidate(*args):
        return flip(fn(*(cast(flip(a)) for a in args)))

    name = getattr(fn, "__name__", type(fn).__name__)
    candidate.__name__ = f"adapt({name}, layout={layout!r}, dtype={dtype!r})"
    candidate.__qualname__ = f"adapt.<{name}>"  # not importable by name: snippets say so
    setattr(candidate, DECLARATIONS, {**getattr(fn, DECLARATIONS, {}), "layout": layout,
                                      **({"precision": "float32"} if dtype == "float32" else {})})
    return candidate


def declared(candidate, name: str, default):
    """The value ``candidate`` declares for ``name`` (``__refimpl_declarations__``), or ``default``."""
    declarations = getattr(candidate, DECLARATIONS, None)
    return declarations.get(name, default) if isinstance(declarations, dict) else default

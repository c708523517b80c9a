"""What a vectors file may ask of the checker, checked before the reference runs on its inputs.

A vectors file is data from anywhere (`refimpl verify --vectors DIR`), and its manifest is only a checksum that
anyone can recompute. Besides the parsing limits of :mod:`.safe_json` (8 MiB per file, nesting depth, no repeated
keys) and the array limits of ``vectors.decode`` (at most 100,000 entries per array), a case is refused when:

- its **work** exceeds :data:`MAX_WORK` multiply-adds: for ops on a network, ``rows * params`` (a forward or
  backward pass: ``rows`` the rows of X, ``params`` the entries of all weight matrices), times ``hidden + 1`` for
  the ops that walk the straight path from baseline to input (integrated_gradients, linear_pieces,
  global_importance: the path crosses at most one ReLU boundary per hidden unit, so it has at most ``hidden + 1``
  pieces). A 40000x1 X through a 1x10000 layer (a 3.2 GB activation) or a path of 20,001 pieces is refused; the
  shipped vectors need less than 10,000;
- its ``expected`` value does not have the structure of the reference's result on its inputs (``"expected": 5``
  where the op returns an array of shape (4,), a list of two where it returns three): named with its JSON path.
"""

from __future__ import annotations

import numbers

import numpy as np

MAX_WORK = 2_000_000
PATH_OPS = ("integrated_gradients", "linear_pieces", "global_importance")


def _rows(inputs: dict) -> int:
    for name in ("X", "x", "logits"):
        value = inputs.get(name)
        if isinstance(value, np.ndarray) and value.ndim == 2:
            return value.shape[0]
    return 1


def work(op: str, inputs: dict) -> int:
    """The multiply-adds refimpl's reference spends on ``inputs`` (an upper estimate from the shapes alone)."""
    weights = inputs.get("weights")
    if not isinstance(weights, list):
        return 0
    matrices = [W for W in weights if isinstance(W, np.ndarray)]
    params = sum(W.size for W in matrices)
    hidden = sum(W.shape[-1] for W in matrices[:-1] if W.ndim == 2)
    return _rows(inputs) * params * (hidden + 1 if op in PATH_OPS else 1)


def check_work(op: str, inputs: dict, where: str) -> None:
    """``ValueError`` naming ``where`` when the case's work exceeds :data:`MAX_WORK`."""
    needed = work(op, inputs)
    if needed > MAX_WORK:
        raise ValueError(f"{where}: {op} on these shapes costs about {needed:.3g} multiply-adds, more than the "
                         f"{MAX_WORK:.3g} a vector may ask for")


def _kind(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} ({value.dtype})"
    if isinstance(value, (bool, np.bool_)):
        return "a bool"
    if isinstance(value, numbers.Integral):
        return "an integer"
    if isinstance(value, numbers.Real):
        return "a float"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)}"
    return type(value).__name__


def check_like(value, reference, where: str) -> None:
    """``ValueError`` naming the JSON path where ``value`` (from a file) differs in structure from ``reference``
    (refimpl's result on the same inputs): kind, length, shape, or dtype kind (float, integer, bool)."""
    if isinstance(reference, (list, tuple)):
        if not isinstance(value, list) or len(value) != len(reference):
            raise ValueError(f"{where}: expected {_kind(reference)}, got {_kind(value)}")
        for i, (v, r) in enumerate(zip(value, reference, strict=True)):
            check_like(v, r, f"{where}[{i}]")
        return
    if isinstance(reference, np.ndarray):
        same = isinstance(value, np.ndarray) and value.shape == reference.shape and (
            value.dtype.kind == reference.dtype.kind or {value.dtype.kind, reference.dtype.kind} <= set("iu"))
    else:
        same = _kind(value) == _kind(reference) or (_kind(reference) == "a float" and _kind(value) == "an integer")
    if not same:
        raise ValueError(f"{where}: expected {_kind(reference)}, got {_kind(value)}")

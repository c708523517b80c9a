"""Judges of the losses alone: ``softmax_cross_entropy`` and ``binary_cross_entropy_with_logits``, each returning
``(mean loss, d loss / d logits)``.

The bounds follow refimpl.losses' stated accuracy (its module docstring), through compare.py's ``Tolerance.bound``:
softmax errs in absolute terms by ``K·u·(1 + max|z|)`` (the shift ``z - max z`` rounds by ``u·|z|``), the binary loss
in relative terms (every term is a sum of nonnegative parts), and a mean over ``n`` rows adds ``n`` roundings.
"""

from __future__ import annotations

import numpy as np

from .compare import Tolerance
from .judging import as_result, as_scalar, as_sequence, first, fmt, mismatch

SMALL_LOSS = 2.0 ** -20
"""Below this mean loss, a binary-loss mismatch is reported as ``bce.small-loss``: there ``log(1 + x)`` of a tiny
``x = exp(-|z|)`` has already lost the digits that ``log1p`` keeps."""


def _loss_and_gradient(got, expected, tol: Tolerance):
    loss, grad = as_sequence(got, "out", 2)
    return as_scalar(loss, "loss", tol.precision), as_result(grad, "dlogits", expected[1].shape, "f", tol.precision)


def judge_softmax_cross_entropy(inp, expected, got, tol: Tolerance, v) -> None:
    loss, grad = _loss_and_gradient(got, expected, tol)
    z = inp["logits"]
    n, k = z.shape
    scale = 1.0 + np.abs(z).max(axis=1, keepdims=True)  # per row: the shift's rounding
    if not tol.close(loss, expected[0], float(scale.max()) + abs(expected[0]), 8 + n):
        v.fail("softmax_cross_entropy.loss", f"loss={fmt(loss)}, but should be {fmt(expected[0])}")
    i = first(~tol.close(grad, expected[1], scale / n, 8 * k))
    if i is not None:
        v.fail("softmax_cross_entropy.gradient", f"{mismatch(grad, expected[1], i, 'dlogits')} (label "
               f"{inp['y'][i[0]]} of row {i[0]})")


def judge_bce(inp, expected, got, tol: Tolerance, v) -> None:
    loss, grad = _loss_and_gradient(got, expected, tol)
    n = inp["logits"].shape[0]
    want = expected[0]
    if not tol.close(loss, want, want, 16 + n):
        clause = "bce.small-loss" if want < SMALL_LOSS else "bce.loss"
        v.fail(clause, f"loss={fmt(loss)}, but should be {fmt(want)} (off by {fmt(abs(loss - want) / want)} "
               "relative)" if want else f"loss={fmt(loss)}, but should be {fmt(want)}")
    i = first(~tol.close(grad, expected[1], np.full(grad.shape, 1.0 / n), 8))
    if i is not None:
        v.fail("bce.gradient", f"{mismatch(grad, expected[1], i, 'dlogits')} (z = {fmt(inp['logits'][i])}, "
               f"y = {inp['y'][i[0]]})")

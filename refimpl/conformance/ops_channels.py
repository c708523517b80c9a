"""Judges of the per-channel quantization ops: each slice ``w.take([j], axis)`` is judged by its per-tensor op's
judge (``quantize``, ``dequantize``, ``fake_quantize``) on that slice alone, and the clause it breaks is reported as
the per-channel op's (``quantize.codes`` -> ``quantize_per_channel.codes``), with the slice named in the message."""

from __future__ import annotations

import numpy as np

from .clauses_more import PER_CHANNEL
from .compare import Tolerance
from .judging import Verdict, as_result, first, mismatch
from .ops_compression import judge_dequantize, judge_quantize
from .ops_quant import judge_fake_quantize

_JUDGES = {"quantize": judge_quantize, "dequantize": judge_dequantize, "fake_quantize": judge_fake_quantize}
_ARRAYS = {"quantize": ("w",), "dequantize": ("codes",), "fake_quantize": ("w",)}


def _slice(value, j: int, axis: int):
    return np.take(value, [j], axis=axis)  # a list index keeps the axis: slices keep the tensor's rank


def _judge_slices(op: str, inp, expected, got, tol: Tolerance, v) -> None:
    base = PER_CHANNEL[op]
    kind = "i" if base == "quantize" else "f"
    out = as_result(got, "out", expected.shape, kind, tol.precision)
    axis = inp["axis"] % expected.ndim
    for j in range(expected.shape[axis]):
        sub = {k: val for k, val in inp.items() if k != "axis"}
        for name in _ARRAYS[base]:
            sub[name] = _slice(inp[name], j, axis)
        if base == "dequantize":
            sub["lo"], sub["hi"] = float(inp["lo"][j]), float(inp["hi"][j])
        verdict = Verdict()
        _JUDGES[base](sub, _slice(expected, j, axis), _slice(out, j, axis), tol, verdict)
        v.allowed.extend(verdict.allowed)
        for clause, message in verdict.failed.items():
            own = f"{op}.{clause.split('.', 1)[1]}" if clause.startswith(base + ".") else clause
            v.fail(own, f"slice {j} along axis {axis}: {message}")
    if not v.failed and base != "dequantize":  # every slice fine on its own, yet not the reference: wrong slices
        i = first(out != expected) if kind == "i" else None
        if i is not None:
            v.fail(f"{op}.slices", f"{mismatch(out, expected, i)} (the ranges are per slice along axis {axis})")


def judge_quantize_per_channel(inp, expected, got, tol: Tolerance, v) -> None:
    _judge_slices("quantize_per_channel", inp, expected, got, tol, v)


def judge_dequantize_per_channel(inp, expected, got, tol: Tolerance, v) -> None:
    _judge_slices("dequantize_per_channel", inp, expected, got, tol, v)


def judge_fake_quantize_per_channel(inp, expected, got, tol: Tolerance, v) -> None:
    _judge_slices("fake_quantize_per_channel", inp, expected, got, tol, v)

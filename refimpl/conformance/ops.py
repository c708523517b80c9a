"""The checkable ops: for each, the candidate's signature, how refimpl computes the expected result, the judge,
and how a call is written in a failure message. Expected values always come from refimpl itself.

The reference functions are imported here, once, from their defining modules (never looked up by name on the
``refimpl`` package at call time): code that rebinds ``refimpl.threshold`` cannot change what the checker compares
against.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ..interpret.global_importance import global_importance
from ..interpret.integrated import integrated_gradients, linear_pieces
from ..spec.checks import check_choice
from ..spec.gradients import gradient_x_input, input_gradient, saliency
from ..spec.losses import CHECKED, binary_cross_entropy_with_logits, softmax_cross_entropy
from ..spec.mlp import MLP, backward
from ..spec.pruning import neuron_importance, prune_connections, prune_neurons
from ..spec.quantization import Quantized, dequantize, fake_quantize, floor_quantize, minmax_normalize, quantize
from ..spec.quantized_model import quantize_model
from ..spec.thresholding import l1_importance, prune_smallest, threshold
from ..spec.update_rule import sgd_update
from . import ops_compression as oc
from . import ops_more
from . import ops_network as on
from . import ops_prune as op_
from .judging import fmt


class Op(NamedTuple):
    name: str
    args: tuple[str, ...]  # the candidate's positional arguments, in order
    reference: Callable[[dict], Any]  # inputs -> expected (what a conforming candidate returns)
    judge: Callable  # (inputs, expected, got, Tolerance, Verdict) -> None
    shown: tuple[str, ...]  # scalar arguments written out in messages: threshold(w, eps=0.5)


def _mlp(inp):
    return MLP(inp["weights"], inp["biases"])


def _quantize(inp):
    return quantize(inp["w"], inp["bits"], inp["beta"]).codes


def _dequantize(inp):
    q = Quantized(inp["codes"], inp["lo"], inp["hi"], inp["bits"], 0.5)
    return dequantize(q)


def _gradients(inp):
    mlp = _mlp(inp)
    loss, dlogits = CHECKED[inp["loss"]](mlp.forward(inp["X"]), inp["y"])
    g = backward(mlp, inp["X"], dlogits)
    return loss, list(g.weights), list(g.biases)


def _prune_neurons(inp):
    pruned, kept = prune_neurons(_mlp(inp), keep_ratio=inp["keep_ratio"], importance="l1")
    return list(pruned.weights), list(pruned.biases), kept


OPS: dict[str, Op] = {op.name: op for op in [
    Op("threshold", ("w", "eps"), lambda i: threshold(i["w"], i["eps"]), oc.judge_threshold, ("eps",)),
    Op("l1_importance", ("w",), lambda i: l1_importance(i["w"]), oc.judge_l1_importance, ()),
    Op("minmax_normalize", ("w",), lambda i: minmax_normalize(i["w"]), oc.judge_minmax_normalize, ()),
    Op("floor_quantize", ("w_tilde", "alpha", "beta"),
       lambda i: floor_quantize(i["w_tilde"], i["alpha"], i["beta"]), oc.judge_floor_quantize,
       ("alpha", "beta")),
    Op("quantize", ("w", "bits", "beta"), _quantize, oc.judge_quantize, ("bits", "beta")),
    Op("dequantize", ("codes", "lo", "hi", "bits"), _dequantize, oc.judge_dequantize, ("lo", "hi", "bits")),
    Op("prune_smallest", ("w", "sparsity"), lambda i: prune_smallest(i["w"], i["sparsity"]),
       oc.judge_prune_smallest, ("sparsity",)),
    Op("prune_neurons", ("weights", "biases", "keep_ratio"), _prune_neurons, op_.judge_prune_neurons,
       ("keep_ratio",)),
    Op("mlp_forward", ("weights", "biases", "X"), lambda i: _mlp(i).forward(i["X"]), on.judge_mlp_forward, ()),
    Op("mlp_gradients", ("weights", "biases", "X", "y", "loss"), _gradients, on.judge_mlp_gradients, ("loss",)),
    Op("input_gradient", ("weights", "biases", "X", "target"),
       lambda i: input_gradient(_mlp(i), i["X"], i["target"]), on.judge_input_gradient, ()),
    Op("integrated_gradients", ("weights", "biases", "X", "baselines", "target"),
       lambda i: integrated_gradients(_mlp(i), i["X"], i["baselines"], i["target"], method="exact"),
       on.judge_integrated_gradients, ()),
]}
_REFERENCE = {f.__name__: f for f in (MLP, Quantized, dequantize, quantize, fake_quantize, prune_connections,
                                      quantize_model, sgd_update, neuron_importance, softmax_cross_entropy,
                                      binary_cross_entropy_with_logits,
                                      linear_pieces, saliency, gradient_x_input, global_importance)}
OPS.update({op.name: op for op in ops_more.ops(Op, _REFERENCE.__getitem__)})


def candidate_view(op: Op, expected):
    """The part of the expected value a candidate returns (prune_neurons' reference also reports the kept sets)."""
    return expected[:2] if op.name == "prune_neurons" else expected


def call_text(op: Op, inputs: dict) -> str:
    """``threshold(w, eps=0.5)``: array arguments by name, the shown scalars with their values."""
    parts = [f"{a}={fmt(inputs[a])}" if a in op.shown else a for a in op.args]
    return f"{op.name}({', '.join(parts)})"


def as_args(op: Op, inputs: dict) -> tuple:
    return tuple(inputs[a] for a in op.args)


LAYER_LISTS = ("weights", "biases", "grads", "velocity", "masks")  # arguments that are lists of arrays


def check_inputs_complete(op: Op, inputs: dict) -> dict:
    """Inputs must name exactly the op's arguments; arrays become NumPy arrays (used by ``judge`` and ``verify``)."""
    missing, extra = set(op.args) - set(inputs), set(inputs) - set(op.args)
    if missing or extra:
        raise ValueError(f"{op.name} takes inputs {list(op.args)}; missing {sorted(missing)}, unexpected "
                         f"{sorted(extra)}")
    return {a: (np.asarray(inputs[a]) if isinstance(inputs[a], (list, np.ndarray)) and a not in LAYER_LISTS
                else inputs[a]) for a in op.args}


def reference_candidate(op: str):
    """refimpl's own ``op`` wrapped in the candidate signature (it conforms by construction; useful as a template
    and for testing the checker)."""
    spec = OPS[check_choice(op, "op", tuple(OPS))]

    def candidate(*args):
        return candidate_view(spec, spec.reference(dict(zip(spec.args, args, strict=True))))

    candidate.__name__ = candidate.__qualname__ = f"reference_{op}"
    return candidate

"""The ops added for issue 13, in ops.py's format: the candidate's signature, refimpl's result, the judge and the
scalars written out in messages. ops.py merges :func:`ops` into its table; expected values come from refimpl."""

from __future__ import annotations

import numpy as np

from . import ops_attribution as oa
from . import ops_channels as oc
from . import ops_losses as ol
from . import ops_pieces as op_
from . import ops_quant as oq
from . import ops_training as ot


def _model(ref, weights, biases=None):
    """refimpl's MLP of ``weights`` (and ``biases``, zeros when the op takes none)."""
    if biases is None:
        biases = [np.zeros(W.shape[1]) for W in weights]
    return ref("MLP")(weights, biases)


def _dequantize_per_channel(ref, inp):
    return ref("dequantize")(ref("Quantized")(inp["codes"], inp["lo"], inp["hi"], inp["bits"], 0.5, inp["axis"]))


def _prune_connections(ref, inp):
    pruned, _ = ref("prune_connections")(_model(ref, inp["weights"]), sparsity=inp["sparsity"], scope=inp["scope"])
    return list(pruned.weights)


def _quantize_model(ref, inp):
    return list(ref("quantize_model")(_model(ref, inp["weights"]), inp["bits"], inp["beta"]).dequantize().weights)


def _sgd_update(ref, inp):
    W, b, (vW, vb) = ref("sgd_update")(inp["weights"], inp["biases"], inp["grads"], inp["velocity"], inp["lr"],
                                       inp["momentum"], inp["masks"])
    return W, b, [vW, vb]


def _neuron_importance(ref, inp):
    kind = inp["kind"]
    X = inp["X"] if kind in ("activation", "taylor") else None
    y = inp["y"] if kind == "taylor" else None
    return ref("neuron_importance")(_model(ref, inp["weights"], inp["biases"]), inp["layer"], kind, X, y)


def ops(Op, ref) -> list:
    """The new ops as ``Op`` records; ``ref(name)`` is refimpl's public function ``name``."""
    net = ("weights", "biases")

    def mlp(inp):
        return _model(ref, inp["weights"], inp["biases"])

    return [
        Op("saliency", (*net, "X", "target", "abs"),
           lambda i: ref("saliency")(mlp(i), i["X"], i["target"], i["abs"]), oa.judge_saliency, ("abs",)),
        Op("gradient_x_input", (*net, "X", "target"),
           lambda i: ref("gradient_x_input")(mlp(i), i["X"], i["target"]), oa.judge_gradient_x_input, ()),
        Op("fake_quantize", ("w", "bits", "beta"), lambda i: ref("fake_quantize")(i["w"], i["bits"], i["beta"]),
           oq.judge_fake_quantize, ("bits", "beta")),
        Op("quantize_per_channel", ("w", "bits", "beta", "axis"),
           lambda i: ref("quantize")(i["w"], i["bits"], i["beta"], i["axis"]).codes, oc.judge_quantize_per_channel,
           ("bits", "beta", "axis")),
        Op("dequantize_per_channel", ("codes", "lo", "hi", "bits", "axis"), lambda i: _dequantize_per_channel(ref, i),
           oc.judge_dequantize_per_channel, ("bits", "axis")),
        Op("fake_quantize_per_channel", ("w", "bits", "beta", "axis"),
           lambda i: ref("fake_quantize")(i["w"], i["bits"], i["beta"], i["axis"]),
           oc.judge_fake_quantize_per_channel, ("bits", "beta", "axis")),
        Op("prune_connections", ("weights", "sparsity", "scope"), lambda i: _prune_connections(ref, i),
           oq.judge_prune_connections, ("sparsity", "scope")),
        Op("quantize_model", ("weights", "bits", "beta"), lambda i: _quantize_model(ref, i),
           oq.judge_quantize_model, ("bits", "beta")),
        Op("softmax_cross_entropy", ("logits", "y"), lambda i: ref("softmax_cross_entropy")(i["logits"], i["y"]),
           ol.judge_softmax_cross_entropy, ()),
        Op("binary_cross_entropy_with_logits", ("logits", "y"),
           lambda i: ref("binary_cross_entropy_with_logits")(i["logits"], i["y"]), ol.judge_bce, ()),
        Op("sgd_update", (*net, "grads", "velocity", "lr", "momentum", "masks"), lambda i: _sgd_update(ref, i),
           ot.judge_sgd_update, ("lr", "momentum")),
        Op("neuron_importance", (*net, "layer", "kind", "X", "y"), lambda i: _neuron_importance(ref, i),
           ot.judge_neuron_importance, ("layer", "kind")),
        Op("linear_pieces", (*net, "x", "baseline"), lambda i: ref("linear_pieces")(mlp(i), i["x"], i["baseline"]),
           op_.judge_linear_pieces, ()),
        Op("global_importance", (*net, "X", "target", "method"),
           lambda i: ref("global_importance")(mlp(i), i["X"], i["target"], i["method"]),
           oa.judge_global_importance, ("method",)),
    ]

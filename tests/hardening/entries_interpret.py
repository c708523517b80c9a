"""Bad-input entries for refimpl.interpret: input gradients, integrated gradients, pieces, global summaries."""

from __future__ import annotations

import numpy as np

import refimpl
from refimpl import interpret

from . import corrupt
from .common import BINARY, DEEP, Entry, M, inputs

_METHOD = corrupt.choice()
_MLP = corrupt.model() + corrupt.overflowing_model()
_ATTRIBUTION = {"mlp": _MLP, "X": corrupt.matrix(empty=False), "target": corrupt.targets(3)}
_OTHER_WIDTHS = [("other input width", lambda v, d: refimpl.MLP.init([5, 3], 0)),
                 ("other output width", lambda v, d: BINARY)]


def _grad(**extra):
    return lambda: {"mlp": DEEP, "X": inputs(), "target": 1, **extra}


INTERPRET = [
    Entry("input_gradient", refimpl.input_gradient, _grad(), _ATTRIBUTION),
    Entry("saliency", refimpl.saliency, _grad(abs=True), {**_ATTRIBUTION, "abs": corrupt.flag()}),
    Entry("gradient_x_input", refimpl.gradient_x_input, _grad(), _ATTRIBUTION),
    Entry("integrated_gradients", refimpl.integrated_gradients,
          _grad(baselines=np.zeros(4), method="exact", n_steps=8, return_convergence_delta=True),
          {**_ATTRIBUTION, "baselines": corrupt.baseline(), "method": _METHOD, "n_steps": corrupt.integer(1),
           "return_convergence_delta": corrupt.flag()}),
    Entry("integrated_gradients(trapezoid)", refimpl.integrated_gradients,
          _grad(baselines=inputs(seed=5), method="riemann_trapezoid", n_steps=4),
          {"n_steps": corrupt.integer(2), "baselines": corrupt.baseline()}),
    Entry("linear_pieces", refimpl.linear_pieces,
          lambda: {"mlp": DEEP, "x": inputs()[0], "baseline": inputs()[1]},
          {"mlp": _MLP, "x": corrupt.vector(), "baseline": corrupt.baseline()}),
    Entry("global_importance", refimpl.global_importance,
          lambda: {"mlp": DEEP, "X": inputs(), "target": None, "method": "integrated_gradients"},
          {"mlp": _MLP, "X": corrupt.matrix(), "target": corrupt.targets(3, none_ok=True),
           "method": _METHOD}),
    Entry("layer_summary", refimpl.layer_summary, lambda: {"mlp": DEEP, "X": inputs()},
          {"mlp": _MLP, "X": corrupt.without(corrupt.matrix(), "None")}),
    Entry("attribution_agreement", refimpl.attribution_agreement,
          lambda: {"a": inputs(), "b": inputs(seed=4), "top_k": 2},
          {"a": corrupt.matrix(), "b": corrupt.matrix(), "top_k": corrupt.integer(1, 4)}),
    Entry("ig_agreement", interpret.ig_agreement,
          lambda: {"original": DEEP, "compressed": M, "X": inputs(), "target": None},
          {"original": _MLP + _OTHER_WIDTHS, "compressed": _MLP + _OTHER_WIDTHS,
           "X": corrupt.matrix(), "target": corrupt.targets(3, none_ok=True)}),
    Entry("format_importance_grid", interpret.format_importance_grid,
          lambda: {"importance": np.abs(inputs(1, 8)[0]), "width": 4, "decimals": 3},
          {"importance": corrupt.vector(length=False), "width": corrupt.integer(1) + [("not a divisor",
                                                                                      lambda v, d: 3)],
           "decimals": corrupt.integer(0, 12)}),
]

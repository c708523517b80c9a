"""Bad-input entries for refimpl.conformance: the checker's options, judge's inputs, the op registry."""

from __future__ import annotations

import numpy as np

import refimpl
from refimpl import conformance

from . import corrupt
from .common import Entry, M, inputs

_OPTIONS = {"op": corrupt.choice(), "candidate": corrupt.callable_(), "max_examples": corrupt.integer(1),
            "seed": corrupt.integer(0), "rtol": corrupt.eps()[1:], "atol": corrupt.eps()[1:],  # None: no tolerance
            "ties": corrupt.choice(), "precision": corrupt.choice(),
            "time_limit": corrupt.real(0.0, None) + [("zero", lambda v, d: 0.0)]}


def _options(**extra):
    return lambda: {"op": "threshold", "candidate": refimpl.threshold, "max_examples": 3, "seed": 0, "rtol": None,
                    "atol": None, "ties": "lowest-index", "precision": "float64", "time_limit": 2.0, **extra}


def _judge_good():
    return {"op": "threshold", "candidate": refimpl.threshold, "time_limit": 2.0, "w": inputs(3, 4), "eps": 0.25}


def _judge_network_good():
    return {"op": "input_gradient", "candidate": conformance.reference_candidate("input_gradient"),
            "weights": list(M.weights), "biases": list(M.biases), "X": inputs(), "target": np.arange(6) % 3}


CONFORMANCE = [
    Entry("conformance.adapt", lambda fn, layout, dtype: conformance.adapt(fn, layout, dtype),
          lambda: {"fn": refimpl.threshold, "layout": "out_in", "dtype": "float32"},
          {"fn": corrupt.callable_(), "layout": corrupt.choice(), "dtype": corrupt.choice()}),
    Entry("conformance.check", lambda op, candidate, **options: conformance.check(op, candidate, **options),
          _options(), _OPTIONS),
    Entry("conformance.assert_conforms",
          lambda op, candidate, **options: conformance.assert_conforms(op, candidate, **options),
          _options(), _OPTIONS),
    Entry("conformance.judge", lambda op, candidate, **inputs: conformance.judge(op, candidate, **inputs),
          _judge_good, {"op": corrupt.choice(), "candidate": corrupt.callable_(), "w": corrupt.array_any(),
                        "eps": corrupt.eps(), "time_limit": _OPTIONS["time_limit"]}),
    Entry("conformance.judge(input_gradient)",
          lambda op, candidate, **inputs: conformance.judge(op, candidate, **inputs), _judge_network_good,
          {"weights": corrupt.model()[:2] + corrupt.element(corrupt.matrix(empty=False)),
           "biases": corrupt.model()[:2] + corrupt.element(corrupt.vector()),
           "X": corrupt.matrix(empty=False), "target": corrupt.targets(3)}),
    Entry("conformance.Program", conformance.Program, lambda: {"command": ["true"]},
          {"command": [("None", lambda v, d: None), ("int", lambda v, d: 3), ("empty", lambda v, d: []),
                       ("blank", lambda v, d: "  "), ("list of ints", lambda v, d: [1, 2])]}),
    Entry("conformance.reference_candidate", conformance.reference_candidate, lambda: {"op": "threshold"},
          {"op": corrupt.choice()}),
    Entry("conformance.clauses_for", conformance.clauses_for, lambda: {"op": "threshold"},
          {"op": corrupt.choice()}),
]

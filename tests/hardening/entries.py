"""The table of public functions for the bad-input suite: a valid call and what may be spoiled in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import refimpl
from refimpl import datasets

from . import corrupt


@dataclass(frozen=True, repr=False)
class Entry:
    name: str
    call: Callable
    good: Callable[[], dict]
    bad: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)  # argument -> the word its error message must contain

    def __repr__(self):
        return self.name


def _model(sizes=(4, 5, 3), seed=0):
    return refimpl.MLP.init(list(sizes), seed)


def _X(n=6, d=4, seed=1):
    return np.random.default_rng(seed).uniform(-1, 1, size=(n, d))


_M = _model()
_B = _model((4, 5, 1))

FOUNDATION = [
    Entry("MLP", lambda weights, biases: refimpl.MLP(weights, biases),
          lambda: {"weights": list(_M.weights), "biases": list(_M.biases)},
          {"weights": corrupt.model()[:2], "biases": corrupt.model()[:2]}),
    Entry("MLP.init", lambda sizes, seed: refimpl.MLP.init(sizes, seed), lambda: {"sizes": [4, 5, 3], "seed": 0},
          {"seed": corrupt.integer(0), "sizes": corrupt.model()[:2]}),
    Entry("MLP.forward", lambda mlp, X: mlp.forward(X), lambda: {"mlp": _M, "X": _X()},
          {"X": corrupt.matrix(empty=False)}),
    Entry("backward", refimpl.backward, lambda: {"mlp": _M, "X": _X(), "dlogits": _X(6, 3)},
          {"mlp": corrupt.model(), "X": corrupt.matrix(empty=False),
           "dlogits": corrupt.matrix()}),
    Entry("softmax_cross_entropy", refimpl.softmax_cross_entropy,
          lambda: {"logits": _X(6, 3), "y": np.arange(6) % 3},
          {"logits": corrupt.matrix(wrong_width=False), "y": corrupt.labels(3)}),
    Entry("binary_cross_entropy_with_logits", refimpl.binary_cross_entropy_with_logits,
          lambda: {"logits": _X(6, 1), "y": np.arange(6) % 2},
          {"logits": corrupt.matrix(), "y": corrupt.labels(2)}),
    Entry("train", lambda mlp, X, y, lr, epochs, momentum, batch_size, loss, seed: refimpl.train(
              mlp, X, y, loss=loss, lr=lr, epochs=epochs, momentum=momentum, batch_size=batch_size, seed=seed),
          lambda: {"mlp": _M, "X": _X(), "y": np.arange(6) % 3, "lr": 0.1, "epochs": 1, "momentum": 0.5,
                   "batch_size": 2, "loss": "softmax_cross_entropy", "seed": 0},
          {"mlp": corrupt.model(), "X": corrupt.matrix(), "y": corrupt.labels(3), "lr": corrupt.real(0.0, None),
           "epochs": corrupt.integer(0), "momentum": corrupt.real(0.0, 1.0), "batch_size": corrupt.integer(1)[1:],  # None means the full batch
          
           "loss": corrupt.choice(), "seed": corrupt.integer(0)}),
    Entry("predict", refimpl.predict, lambda: {"mlp": _B, "X": _X()},
          {"mlp": corrupt.model(), "X": corrupt.matrix(empty=False)}),
    Entry("accuracy", refimpl.accuracy, lambda: {"mlp": _M, "X": _X(), "y": np.arange(6) % 3},
          {"mlp": corrupt.model(), "X": corrupt.matrix(), "y": corrupt.labels(3)[:3] + corrupt.labels(3)[6:]}),
    Entry("save", lambda mlp, path: refimpl.save(mlp, path), lambda: {"mlp": _M, "path": _saved_model_path()},
          {"mlp": corrupt.model(), "path": [("None", lambda v, d: None), ("int", lambda v, d: 3)]}),
    Entry("load", refimpl.load, lambda: {"path": _saved_model_path()},
          {"path": [("None", lambda v, d: None), ("int", lambda v, d: 3), ("list", lambda v, d: [v])]}),
    Entry("train_test_split", datasets.train_test_split,
          lambda: {"X": _X(), "y": np.arange(6) % 2, "test_fraction": 0.5, "seed": 0},
          {"y": corrupt.labels(2)[:4] + corrupt.labels(2)[6:], "test_fraction": corrupt.real(0.0, 1.0),
           "seed": corrupt.integer(0)}),
    Entry("binary_labels", datasets.binary_labels, lambda: {"y": np.arange(10)},
          {"y": corrupt.labels(10)[:5] + corrupt.labels(10)[7:]}),
]

_PATH = []


def _saved_model_path():
    if not _PATH:
        import tempfile
        folder = tempfile.mkdtemp(prefix="refimpl-hardening-")
        _PATH.append(f"{folder}/m.npz")
        refimpl.save(_M, _PATH[0])
    return _PATH[0]


ENTRIES = FOUNDATION

"""Bad-input entries for the foundation: the MLP, losses, training, save/load and the datasets."""

from __future__ import annotations

import numpy as np

import refimpl
from refimpl import datasets

from . import corrupt
from .common import BINARY, Entry, M, inputs, saved_model_path

FOUNDATION = [
    Entry("MLP", lambda weights, biases: refimpl.MLP(weights, biases),
          lambda: {"weights": list(M.weights), "biases": list(M.biases)},
          {"weights": corrupt.model()[:2] + corrupt.element(corrupt.matrix(empty=False)),
           "biases": corrupt.model()[:2] + corrupt.element(corrupt.vector())}),
    Entry("MLP.init", lambda sizes, seed: refimpl.MLP.init(sizes, seed), lambda: {"sizes": [4, 5, 3], "seed": 0},
          {"seed": corrupt.integer(0), "sizes": corrupt.model()[:2]}),
    Entry("MLP.forward", lambda mlp, X: mlp.forward(X), lambda: {"mlp": M, "X": inputs()},
          {"X": corrupt.matrix(empty=False), "mlp": corrupt.overflowing_model()}),
    Entry("backward", refimpl.backward, lambda: {"mlp": M, "X": inputs(), "dlogits": inputs(6, 3)},
          {"mlp": corrupt.model() + corrupt.overflowing_model(), "X": corrupt.matrix(empty=False),
           "dlogits": corrupt.matrix()}),
    Entry("softmax_cross_entropy", refimpl.softmax_cross_entropy,
          lambda: {"logits": inputs(6, 3), "y": np.arange(6) % 3},
          {"logits": corrupt.matrix(wrong_width=False), "y": corrupt.labels(3)}),
    Entry("binary_cross_entropy_with_logits", refimpl.binary_cross_entropy_with_logits,
          lambda: {"logits": inputs(6, 1), "y": np.arange(6) % 2},
          {"logits": corrupt.matrix(), "y": corrupt.labels(2)}),
    Entry("train", lambda mlp, X, y, lr, epochs, momentum, batch_size, loss, seed: refimpl.train(
              mlp, X, y, loss=loss, lr=lr, epochs=epochs, momentum=momentum, batch_size=batch_size, seed=seed),
          lambda: {"mlp": M, "X": inputs(), "y": np.arange(6) % 3, "lr": 0.1, "epochs": 1, "momentum": 0.5,
                   "batch_size": 2, "loss": "softmax_cross_entropy", "seed": 0},
          {"mlp": corrupt.model() + corrupt.overflowing_model(), "X": corrupt.matrix(), "y": corrupt.labels(3),
           "lr": corrupt.real(0.0, None) + [("diverging", lambda v, d: 1e300)],
           "epochs": corrupt.integer(0), "momentum": corrupt.real(0.0, 1.0),
           "batch_size": corrupt.integer(1)[1:],  # None means the full batch
           "loss": corrupt.choice(), "seed": corrupt.integer(0)}),
    Entry("sgd_update", refimpl.sgd_update,
          lambda: {"weights": list(M.weights), "biases": list(M.biases),
                   "grads": ([np.ones(w.shape) for w in M.weights], [np.ones(b.shape) for b in M.biases]),
                   "velocity": ([np.ones(w.shape) for w in M.weights], [np.ones(b.shape) for b in M.biases]),
                   "lr": 0.1, "momentum": 0.5, "masks": [w != 0 for w in M.weights]},
          {"weights": corrupt.model()[:2] + corrupt.element(corrupt.matrix(empty=False)),
           "grads": corrupt.model()[:2] + [("one list", lambda v, d: v[:1])],
           "velocity": corrupt.model()[1:2] + [("wrong shapes", lambda v, d: ([w.T for w in v[0]], v[1]))],
           "lr": corrupt.real(0.0, None) + [("zero", lambda v, d: 0.0)],
           "momentum": corrupt.real(0.0, 1.0),
           "masks": corrupt.model()[1:2] + [("float masks", lambda v, d: [m.astype(float) for m in v])]}),
    Entry("predict", refimpl.predict, lambda: {"mlp": BINARY, "X": inputs()},
          {"mlp": corrupt.model(), "X": corrupt.matrix(empty=False)}),
    Entry("accuracy", refimpl.accuracy, lambda: {"mlp": M, "X": inputs(), "y": np.arange(6) % 3},
          {"mlp": corrupt.model(), "X": corrupt.matrix(), "y": corrupt.labels(3)}),
    Entry("save", lambda mlp, path: refimpl.save(mlp, path), lambda: {"mlp": M, "path": saved_model_path()},
          {"mlp": corrupt.model(), "path": [("None", lambda v, d: None), ("int", lambda v, d: 3)]}),
    Entry("load", refimpl.load, lambda: {"path": saved_model_path()},
          {"path": [("None", lambda v, d: None), ("int", lambda v, d: 3), ("list", lambda v, d: [v])]}),
    Entry("train_test_split", datasets.train_test_split,
          lambda: {"X": inputs(), "y": np.arange(6) % 2, "test_fraction": 0.5, "seed": 0},
          {"y": corrupt.labels(2)[:4] + corrupt.labels(2)[6:], "test_fraction": corrupt.real(0.0, 1.0),
           "seed": corrupt.integer(0)}),
    Entry("task_data", datasets.task_data, lambda: {"task": "odd-even", "seed": 0},
          {"task": corrupt.choice(), "seed": corrupt.integer(0)}),
    Entry("binary_labels", datasets.binary_labels, lambda: {"y": np.arange(10)},
          {"y": corrupt.labels(10)[:5] + corrupt.labels(10)[7:]}),
]

"""Keras (and TensorFlow): ``keras_mlp``, refimpl's network as a Keras ``Sequential`` of ``Dense`` layers."""

from __future__ import annotations

import numpy as np
import tensorflow as tf  # noqa: F401 - the backend, imported here so that the first checked call does not pay for it

from ..errors import Unsupported


def keras_mlp(weights, biases, keras=None):
    """A Keras ``Sequential`` computing refimpl's network: ``Dense(n_{l+1}, activation="relu")`` per hidden layer and
    a linear output ``Dense``. Keras's ``Dense`` kernel has refimpl's layout ``(n_l, n_{l+1})``: nothing is transposed.

    Parameters
    ----------
    weights, biases : refimpl's layer lists, float32 or float64 arrays (the model takes the dtype of ``weights[0]``)
    keras : the Keras module to build with (default ``import keras``, Keras 3; pass ``tf_keras`` for the Keras 2
        models that tensorflow-model-optimization needs)

    Raises
    ------
    Unsupported
        A layer of width 0: Keras's ``Dense`` needs ``units >= 1``.
    """
    if keras is None:
        import keras  # noqa: PLC0415
    if any(W.shape[1] == 0 for W in weights):
        raise Unsupported("Keras Dense layers need units >= 1: a hidden layer of width 0 cannot be built")
    dtype = "float32" if np.asarray(weights[0]).dtype == np.float32 else "float64"
    layers = [keras.layers.Dense(W.shape[1], activation="relu" if i + 1 < len(weights) else None, dtype=dtype)
              for i, W in enumerate(weights)]
    model = keras.Sequential([keras.Input(shape=(weights[0].shape[0],), dtype=dtype), *layers])
    for layer, W, b in zip(layers, weights, biases, strict=True):
        layer.set_weights([np.array(W, dtype=dtype), np.array(b, dtype=dtype)])
    return model

"""Bridges from other libraries to the checker: model builders and ready-made candidates (docs/peers.md).

Every name is imported on first use from the module of its framework, so ``import refimpl.conformance.peers`` needs
none of them; using a name needs its framework (``make peers`` installs them all):

- :mod:`.torch_side` (torch, Captum for ``captum_integrated_gradients``): ``torch_mlp``, ``torch_l1_unstructured``,
  ``torch_quantize_per_tensor``, ``captum_integrated_gradients``;
- :mod:`.keras_side` (TensorFlow; Keras 3 or tf-keras): ``keras_mlp``;
- :mod:`.jax_side` (JAX): ``jax_mlp``.

The builders turn refimpl's ``(weights, biases)`` — ``weights[l]`` of shape ``(n_l, n_{l+1})``, ``h @ W + b``, ReLU
between layers — into the framework's own model computing the same function, in the dtype of the arrays given
(float32 arrays, as ``rc.adapt(fn, dtype="float32")`` passes them, give a float32 model; float64 a float64 one).
"""

from importlib import import_module

_HOME = {
    "torch_mlp": "torch_side", "torch_l1_unstructured": "torch_side", "torch_quantize_per_tensor": "torch_side",
    "captum_integrated_gradients": "torch_side", "keras_mlp": "keras_side", "jax_mlp": "jax_side",
}
__all__ = sorted(_HOME)


def __getattr__(name):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_HOME[name]}", __name__), name)


def __dir__():
    return __all__

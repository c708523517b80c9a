"""refimpl: an exact NumPy reference for MLP compression and input-gradient interpretability.

The public names are listed in ``__all__``; each is documented where it is defined.
"""

import importlib

from .compression import (
    FLOOR_ULP_WINDOW,
    Quantized,
    QuantizedModel,
    dequantize,
    fake_quantize,
    floor_quantize,
    floor_quantize_exact,
    l1_importance,
    minmax_normalize,
    near_integer_boundary,
    neuron_importance,
    pack_codes,
    prune_connections,
    prune_neurons,
    prune_smallest,
    quantize,
    quantize_model,
    sensitivity,
    storage_bytes,
    threshold,
    unpack_codes,
)
from .interpret import (
    attribution_agreement,
    global_importance,
    gradient_x_input,
    input_gradient,
    integrated_gradients,
    layer_summary,
    linear_pieces,
    saliency,
)
from .io import load, save
from .spec.losses import binary_cross_entropy_with_logits, softmax_cross_entropy
from .spec.mlp import MLP, Gradients, backward
from .spec.update_rule import sgd_update
from .training import accuracy, predict, train

__version__ = "0.1.0"
SPEC_VERSION = "1.0"

__all__ = [
    "MLP", "Gradients", "backward",
    "softmax_cross_entropy", "binary_cross_entropy_with_logits",
    "train", "predict", "accuracy", "sgd_update",
    "save", "load",
    "threshold", "l1_importance", "prune_smallest", "minmax_normalize", "floor_quantize", "floor_quantize_exact",
    "near_integer_boundary", "FLOOR_ULP_WINDOW", "Quantized", "quantize", "dequantize", "fake_quantize",
    "QuantizedModel",
    "quantize_model", "pack_codes", "unpack_codes", "neuron_importance", "prune_neurons", "prune_connections",
    "sensitivity", "storage_bytes",
    "input_gradient", "saliency", "gradient_x_input", "integrated_gradients", "linear_pieces",
    "global_importance", "layer_summary", "attribution_agreement",
    "conformance",
]


def __getattr__(name):
    # The conformance kit is imported on first use (refimpl.conformance, or `import refimpl.conformance`), so that
    # `import refimpl` loads the spec and the application only, never the checker.
    if name == "conformance":
        return importlib.import_module(".conformance", __name__)
    raise AttributeError(f"module 'refimpl' has no attribute {name!r}")

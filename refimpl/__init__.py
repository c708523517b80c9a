"""refimpl: an exact NumPy reference for MLP compression and input-gradient interpretability.

The public names are listed in ``__all__``; each is documented where it is defined.
"""

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
from .losses import binary_cross_entropy_with_logits, softmax_cross_entropy
from .mlp import MLP, Gradients, backward
from .training import accuracy, predict, train

__version__ = "0.1.0"
SPEC_VERSION = "1.0"

__all__ = [
    "MLP", "Gradients", "backward",
    "softmax_cross_entropy", "binary_cross_entropy_with_logits",
    "train", "predict", "accuracy",
    "save", "load",
    "input_gradient", "saliency", "gradient_x_input", "integrated_gradients", "linear_pieces",
    "global_importance", "layer_summary", "attribution_agreement",
]

"""Interpretability (§2.2 of the source document): local attributions from analytic input gradients, exact and
quadrature integrated gradients, global summaries, and how far two models' attributions agree."""

from .agreement import Agreement, attribution_agreement, ig_agreement
from .global_ import format_importance_grid, global_importance, layer_summary
from .gradients import gradient_x_input, input_gradient, saliency
from .integrated import integrated_gradients
from .pieces import linear_pieces

__all__ = [
    "input_gradient", "saliency", "gradient_x_input", "integrated_gradients", "linear_pieces",
    "global_importance", "layer_summary", "format_importance_grid",
    "attribution_agreement", "Agreement", "ig_agreement",
]

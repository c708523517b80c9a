"""Interpretability (§2.2 of the source document): local attributions from analytic input gradients, exact and
quadrature integrated gradients, global summaries, and how far two models' attributions agree."""

from ..spec.gradients import gradient_x_input, input_gradient, saliency
from .agreement import Agreement, attribution_agreement, ig_agreement
from .global_importance import global_importance
from .integrated import integrated_gradients, linear_pieces
from .summary import format_importance_grid, layer_summary

__all__ = [
    "input_gradient", "saliency", "gradient_x_input", "integrated_gradients", "linear_pieces",
    "global_importance", "layer_summary", "format_importance_grid",
    "attribution_agreement", "Agreement", "ig_agreement",
]

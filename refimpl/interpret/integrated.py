"""Integrated gradients and linear pieces as the package exports them: the contract of
:mod:`refimpl.spec.integrated`, with the exact path computed by the engine :mod:`refimpl.engines.exact_ig` (a sweep
along each path with rank-one updates; tested against the spec's readable form)."""

from __future__ import annotations

import numpy as np

from ..engines.exact_ig import breakpoints, exact_ig
from ..spec import integrated as spec
from ..spec.checks import as_float_array, refuses_overflow
from ..spec.gradients import TOO_LARGE
from ..spec.mlp import check_model

METHODS = spec.METHODS


@refuses_overflow(TOO_LARGE)
def integrated_gradients(mlp, X, baselines=None, target=None, method="exact", n_steps=50,
                         return_convergence_delta=False):
    X, B, targets, method, n_steps, with_delta = spec.check_ig_arguments(
        mlp, X, baselines, target, method, n_steps, return_convergence_delta)
    if method == "exact":
        attributions = exact_ig(mlp.weights, mlp.biases, X, B, targets)
    else:
        attributions = spec.quadrature_ig(mlp.weights, mlp.biases, X, B, targets,
                                          *spec.quadrature_rule(method, n_steps))
    return spec.with_convergence_delta(mlp, X, B, targets, attributions) if with_delta else attributions


def linear_pieces(mlp, x, baseline) -> np.ndarray:
    check_model(mlp)
    x = as_float_array(x, "x", ndim=1)
    if x.shape != (mlp.sizes[0],):
        raise ValueError(f"x must have shape ({mlp.sizes[0]},) for this model, got {x.shape}")
    b = spec.check_baselines(baseline, x[None, :], "baseline")[0]
    # the values at the breakpoints are checked: a pre-activation that overflows is refused, not split
    return refuses_overflow(spec.PRE_ACTIVATIONS_TOO_LARGE)(breakpoints)(mlp.weights, mlp.biases, x, b)[0]


def exact_attributions(mlp, X, B, targets, name: str = "mlp") -> np.ndarray:
    """Exact IG of checked arrays (zero or given baselines ``B``), refusing overflow with a message naming the model
    by ``name`` (the caller's argument name)."""
    compute = refuses_overflow(f"the weights of {name} or X are too large: its integrated gradients")(exact_ig)
    return compute(mlp.weights, mlp.biases, X, B, targets)


integrated_gradients.__doc__ = spec.integrated_gradients.__doc__
linear_pieces.__doc__ = spec.linear_pieces.__doc__

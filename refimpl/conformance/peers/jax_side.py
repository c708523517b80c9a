"""JAX: ``jax_mlp``, refimpl's network as a pure JAX function (for ``jax.grad``, ``jax.vjp``, ``jax.jacrev``)."""

from __future__ import annotations

import jax
import jax.numpy as jnp


def jax_mlp(weights, biases, activation=None):
    """``f(x) = h_{L-1} @ W_{L-1} + b_{L-1}`` with ``h_{l+1} = activation(h_l @ W_l + b_l)``: the logits of one input
    ``x`` of shape ``(d,)`` (or of a batch ``(n, d)``), as a JAX function closed over ``weights`` and ``biases``.

    ``activation`` defaults to ``jax.nn.relu`` (whose derivative at 0 is 0, as refimpl's); ``lambda z:
    jnp.maximum(z, 0)`` differentiates to 1/2 at 0 instead. The arrays become JAX arrays of their own dtype (JAX
    keeps float32 unless ``jax_enable_x64`` is set: float64 arrays are then rounded to float32).
    """
    act = jax.nn.relu if activation is None else activation
    params = [(jnp.asarray(W), jnp.asarray(b)) for W, b in zip(weights, biases, strict=True)]

    def f(x):
        h = jnp.asarray(x)
        for W, b in params[:-1]:
            h = act(h @ W + b)
        W, b = params[-1]
        return h @ W + b

    return f

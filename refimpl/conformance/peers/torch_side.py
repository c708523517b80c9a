"""PyTorch and Captum: the model builder ``torch_mlp`` and adapters that put PyTorch's implementations in the
candidate signatures, so ``check`` can judge them.

Importing this module imports torch (``pip install torch``; Captum is imported when a Captum candidate is built),
so the first checked call does not spend the per-call time limit on imports. docs/peers.md states what checking
them finds and what each finding means. Each adapter copies its inputs into fresh tensors (the checker's arrays are
read-only) and returns NumPy arrays.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn.utils import prune

from ...spec.quantization import minmax_normalize


def torch_l1_unstructured(w, sparsity):
    """``torch.nn.utils.prune.l1_unstructured`` on a parameter holding ``w`` (amount = sparsity, a fraction)."""
    holder = torch.nn.Module()
    holder.weight = torch.nn.Parameter(torch.tensor(np.array(w, dtype=np.float64)))
    prune.l1_unstructured(holder, "weight", amount=float(sparsity))
    return holder.weight.detach().numpy().copy()


def torch_quantize_per_tensor(w, bits, beta):
    """PyTorch's affine quantizer on the spec's levels: ``x = alpha * w_tilde + beta - 1/2`` (so that rounding to
    nearest is the spec's ``floor(alpha * w_tilde + beta)`` away from ties) through
    ``torch.fake_quantize_per_tensor_affine(x, scale=1, zero_point=0, quant_min=0, quant_max=alpha)``.

    What stays PyTorch's own: float32 tensors and ``nearbyint`` (round half to even).
    """
    w_tilde = minmax_normalize(w)  # the spec's levels
    alpha = 2 ** int(bits) - 1
    x = torch.tensor(alpha * w_tilde + (beta - 0.5), dtype=torch.float32)
    return torch.fake_quantize_per_tensor_affine(x, 1.0, 0, 0, alpha).numpy().astype(np.int64)


def torch_mlp(weights, biases, activation=None):
    """An ``nn.Sequential`` of ``nn.Linear`` layers (``activation``, default ``nn.ReLU()``, between them) computing
    refimpl's network: ``nn.Linear.weight`` holds ``W_l.T`` (PyTorch computes ``x @ weight.T + bias``).

    Parameters
    ----------
    weights, biases : refimpl's layer lists (``weights[l]`` of shape ``(n_l, n_{l+1})``), float32 or float64 arrays
    activation : a module factory (e.g. ``torch.nn.ReLU``) or None

    Returns
    -------
    torch.nn.Sequential in the dtype of ``weights[0]`` (float32 stays float32, anything else is float64), holding
    copies of the arrays.
    """
    dtype = torch.float32 if np.asarray(weights[0]).dtype == np.float32 else torch.float64
    layers = []
    for i, (W, b) in enumerate(zip(weights, biases, strict=True)):
        linear = torch.nn.Linear(W.shape[0], W.shape[1], dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(np.array(W).T))
            linear.bias.copy_(torch.tensor(np.array(b)))
        layers.append(linear)
        if i + 1 < len(weights):
            layers.append(activation() if activation is not None else torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def captum_integrated_gradients(method="gausslegendre", n_steps=50):
    """A candidate running Captum's ``IntegratedGradients(model).attribute`` with ``method`` and ``n_steps`` on a
    float64 torch copy of the network."""
    from captum.attr import IntegratedGradients  # noqa: PLC0415

    def candidate(weights, biases, X, baselines, target):
        model = torch_mlp(weights, biases)
        attributions = IntegratedGradients(model).attribute(
            torch.tensor(np.array(X)), baselines=torch.tensor(np.array(baselines)),
            target=[int(t) for t in target], n_steps=n_steps, method=method)
        return attributions.detach().numpy().copy()

    candidate.__name__ = candidate.__qualname__ = f"captum_ig_{method}_{n_steps}"
    return candidate

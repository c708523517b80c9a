"""How results are compared: exact clauses exactly, rounded ones inside windows stated here and nowhere else.

Exact (no tolerance, whatever rtol/atol say): shapes, masks, counts, kept values of threshold/prune_smallest,
quantization codes, the structure of a pruned network.

Rounded quantities are compared with ``|got - expected| <= tol``; without ``rtol``/``atol``, ``tol`` is a first-order
rounding-error bound ``SAFETY * K * u * M`` where

- ``u`` is the unit roundoff of the declared precision (2**-53 for "float64", 2**-24 for "float32");
- ``M`` is the magnitude of the computation: the same formula evaluated on absolute values (for a dot product
  ``|x|.|y|``, for a network ``|X| @ |W_0| + |b_0| ...`` propagated layer by layer, for the backward pass the
  hand-written backward applied to ``|W|``, ``|h|`` and ``|dlogits|``);
- ``K`` is the number of roundings a value can accumulate: Higham's bound for a length-m dot product is
  ``|fl(x.y) - x.y| <= gamma_m |x|.|y|`` with ``gamma_m ~ m u``, and through a network the layer bounds add up, so
  ``K = sum over layers of (fan-in + 2)`` plus a few for the elementwise steps;
- plus ``SAFETY * K`` times the subnormal spacing (2**-1074, or 2**-149 for float32): relative bounds say nothing
  near zero, where results are subnormal; under ``subnormals="flush"`` the smallest normal number (2**-1022 or
  2**-126) instead, since flushing a subnormal intermediate to 0 errs by up to that much;
- ``SAFETY = 4``: a factor 2 because the reference and the candidate each err by up to the bound, and 2 more for
  the second-order terms the first-order bound leaves out.

This is loose enough for any summation order, blocking or fused multiply-add, and tight enough that any real
mistake (a missing factor, a wrong mask, float32 arithmetic declared as float64) lies far outside it. Passing
``rtol``/``atol`` replaces the bound by ``atol + rtol * |expected|`` (for candidates that approximate on purpose,
e.g. sampled integrated gradients).

Floor quantization: a code one away from the reference is allowed only where ``alpha * w_tilde + beta`` lies within
refimpl's stated floor window of an integer (``refimpl.spec.quantization.near_integer_boundary`` with
``FLOOR_ULP_WINDOW`` ulps, times 2**29 under precision="float32"), and never on an integer that float64 computes
exactly (ops_compression.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..spec.mlp import backward_trace
from .numerics import Numerics

SAFETY = 4.0
ELEMENTWISE_ROUNDINGS = 4  # minmax_normalize, dequantize: a subtraction, a division, a multiply, an addition
UNIT_ROUNDOFF = {"float64": 2.0 ** -53, "float32": 2.0 ** -24}
SUBNORMAL_SPACING = {"float64": 2.0 ** -1074, "float32": 2.0 ** -149}  # absolute error floor near zero
SMALLEST_NORMAL = {"float64": 2.0 ** -1022, "float32": 2.0 ** -126}  # the floor under subnormals="flush"


@dataclass(frozen=True)
class Tolerance:
    """The comparison options of one check: declared precision, user rtol/atol, tie policy, subnormal mode."""

    precision: str = "float64"
    rtol: float | None = None
    atol: float | None = None
    ties: str = "lowest-index"
    subnormals: str = "preserve"

    @property
    def numerics(self) -> Numerics:
        return Numerics(self.precision, self.subnormals)

    @property
    def spacing(self) -> float:
        """The absolute part of a rounding window (per rounding)."""
        return (SMALLEST_NORMAL if self.subnormals == "flush" else SUBNORMAL_SPACING)[self.precision]

    def off_by(self, got, expected, bound) -> str:
        """`` (off by 3e-16 = 1.5 float64 ulps; window 8e-17 = 0.36 float64 ulps)`` for a rounded mismatch, in ulps
        of the declared precision."""
        error = abs(float(got) - float(expected))
        return (f" (off by {error:.3g} = {self.ulps(expected, error)}; window {float(bound):.3g} = "
                f"{self.ulps(expected, bound)})")

    def ulps(self, x, error) -> str:
        """``error`` in ulps of ``x`` in the declared precision, for messages: ``3.2 float32 ulps``."""
        dtype = np.dtype(self.precision)
        spacing = float(np.spacing(dtype.type(abs(float(x))))) if np.isfinite(x) else float("inf")
        spacing = max(spacing, float(np.finfo(dtype).smallest_subnormal))
        return f"{float(error) / spacing:.3g} {self.precision} ulps"

    @property
    def u(self) -> float:
        return UNIT_ROUNDOFF[self.precision]

    @property
    def user(self) -> bool:
        return self.rtol is not None or self.atol is not None

    def bound(self, expected, magnitude, roundings: float) -> np.ndarray:
        """The allowed ``|got - expected|`` for values of the given magnitude after ``roundings`` roundings."""
        expected = np.asarray(expected, dtype=np.float64)
        if self.user:
            return (self.atol or 0.0) + (self.rtol or 0.0) * np.abs(expected)
        bound = SAFETY * roundings * (self.u * np.asarray(magnitude, dtype=np.float64) + self.spacing)
        return np.broadcast_to(bound, np.broadcast_shapes(np.shape(bound), expected.shape))

    def close(self, got, expected, magnitude, roundings: float) -> np.ndarray:
        """Elementwise ``|got - expected| <= bound`` (NaN never close)."""
        got = np.asarray(got, dtype=np.float64)
        expected = np.asarray(expected, dtype=np.float64)
        return np.abs(got - expected) <= self.bound(expected, magnitude, roundings)


def forward_magnitudes(weights, biases, X) -> list[np.ndarray]:
    """``A_0 = |X|``, ``A_{l+1} = A_l @ |W_l| + |b_l|``: bounds every |pre-activation| and |h_l|."""
    mags = [np.abs(X)]
    for W, b in zip(weights, biases, strict=True):
        mags.append(mags[-1] @ np.abs(W) + np.abs(b))
    return mags


def network_roundings(weights) -> float:
    """``K`` for a whole network: each layer adds a dot product of length fan-in plus a bias and an activation."""
    return float(sum(W.shape[0] + 2 for W in weights)) + 8.0


def backward_magnitudes(weights, mags, dlogits_mag, *, all_active: bool = False):
    """The hand-written backward pass on magnitudes: bounds of |dW|, |db| and |dX| for an upstream |dlogits|.

    With ``all_active`` every ReLU passes gradient (a bound valid at every point of a path, for integrated gradients).
    """
    hs = [np.ones_like(m) if all_active and 0 < i < len(mags) - 1 else m for i, m in enumerate(mags)]
    return backward_trace([np.abs(W) for W in weights], hs, dlogits_mag)

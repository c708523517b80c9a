"""A candidate's declared numerics: its precision and what it does with subnormal numbers.

- ``precision="float64"`` (default) or ``"float32"``. Under ``"float32"`` the candidate is judged on float32 data:
  every float input the search draws is float32-representable (it is still passed as a float64 array, so the
  signature does not change and a cast to float32 is exact), a fixed input (``judge``, golden vectors) is rounded
  to float32 before the reference sees it, exact clauses compare with the reference's result on those inputs, and
  rounding windows use float32's unit roundoff 2^-24 and subnormal spacing 2^-149 (printed in float32 ulps).
- ``subnormals="preserve"`` (default) or ``"flush"`` (FTZ/DAZ, as JAX and TensorFlow on CPU and most GPUs do).
  Under ``"flush"`` subnormal inputs are read as (signed) zero before the reference sees them, subnormal results of
  the candidate and of the reference are read as zero before they are compared, and the absolute part of every
  rounding window is the smallest normal number instead of the subnormal spacing. The search still draws subnormal
  inputs, so that a candidate that says it flushes is judged on what flushing does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PRECISIONS = ("float64", "float32")
SUBNORMAL_MODES = ("preserve", "flush")
FLOAT32_INPUT_LIMIT = 1e30  # float32 inputs stay below this magnitude, so sums of 4097 of them stay finite


@dataclass(frozen=True)
class Numerics:
    precision: str = "float64"
    subnormals: str = "preserve"

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.precision)

    @property
    def tiny(self) -> float:
        """The smallest positive subnormal of the precision (5e-324 or 1.4e-45)."""
        return float(np.finfo(self.dtype).smallest_subnormal)

    @property
    def smallest_normal(self) -> float:
        return float(np.finfo(self.dtype).smallest_normal)

    @property
    def float32(self) -> bool:
        return self.precision == "float32"

    @property
    def flush(self) -> bool:
        return self.subnormals == "flush"

    def up(self, x: float) -> float:
        """The next representable number above ``x`` in the declared precision."""
        return float(np.nextafter(self.dtype.type(x), self.dtype.type(math.inf)))

    def down(self, x: float) -> float:
        return float(np.nextafter(self.dtype.type(x), self.dtype.type(-math.inf)))

    def narrow(self, x):
        """``x`` (a float, or an array of floats) rounded to the declared precision, kept as float64; integer
        arrays are returned as they are. Under float32, magnitudes are first clipped to FLOAT32_INPUT_LIMIT."""
        if isinstance(x, np.ndarray):
            if x.dtype.kind != "f" or not self.float32:
                return x
            return np.clip(x, -FLOAT32_INPUT_LIMIT, FLOAT32_INPUT_LIMIT).astype(np.float32).astype(np.float64)
        if isinstance(x, float) and self.float32:
            return float(np.float32(min(max(x, -FLOAT32_INPUT_LIMIT), FLOAT32_INPUT_LIMIT)))
        return x

    def flushed(self, x):
        """``x`` with every subnormal (in the declared precision) replaced by a zero of the same sign (under
        ``subnormals="flush"``; otherwise ``x`` unchanged). Floats, float arrays, lists/tuples of them."""
        if not self.flush:
            return x
        if isinstance(x, (list, tuple)):
            return type(x)(self.flushed(v) for v in x)
        if isinstance(x, np.ndarray) and x.dtype.kind == "f":
            return np.where(np.abs(x) < self.smallest_normal, np.copysign(0.0, x), x).astype(x.dtype)
        if isinstance(x, float) and abs(x) < self.smallest_normal:
            return math.copysign(0.0, x)
        return x

    def narrowed_inputs(self, inputs: dict) -> dict:
        """The inputs rounded to the declared precision (what the candidate is called with)."""
        return {k: _map(self.narrow, v) for k, v in inputs.items()}

    def judged_inputs(self, inputs: dict) -> dict:
        """The inputs as the declared candidate reads them: rounded to its precision, subnormals flushed."""
        return {k: self.flushed(_map(self.narrow, v)) for k, v in inputs.items()}


def _map(fn, value):
    if isinstance(value, (list, tuple)):
        return type(value)(_map(fn, v) for v in value)
    return fn(value)

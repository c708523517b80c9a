"""A whole MLP quantized by §3.2, one :class:`Quantized` per weight matrix, sparsity kept exactly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .checks import BoolArray, FloatArray, IntLike, RealLike, as_float32, as_float_array, read_only
from .mlp import MLP, check_model
from .quantization import Quantized, check_bits_beta, dequantize, quantize


@dataclass(frozen=True, eq=False)
class QuantizedModel:
    """An MLP whose weight matrices are stored as §3.2 codes over their nonzero entries.

    Attributes
    ----------
    weights : tuple of Quantized, one per weight matrix
        ``weights[l].codes`` is 1-D: the codes of the entries of ``masks[l]``, in row-major order.
    masks : tuple of read-only bool ndarray, masks[l] of shape (n_l, n_{l+1})
        True where the entry is coded; every other entry is exactly 0.
    biases : tuple of read-only float64 ndarray, biases[l] of shape (n_{l+1},), unquantized

    Constructing one validates the fields (counts of codes against masks, the shape chain via :class:`MLP`).
    """

    weights: tuple[Quantized, ...]
    masks: tuple[BoolArray, ...]
    biases: tuple[FloatArray, ...]

    def __post_init__(self) -> None:
        for name in ("weights", "masks", "biases"):
            value = getattr(self, name)
            if isinstance(value, (str, bytes, np.ndarray)) or not hasattr(value, "__len__"):
                raise TypeError(f"{name} must be a sequence with one entry per layer")
        if not len(self.weights) == len(self.masks) == len(self.biases):
            raise ValueError("weights, masks and biases must have one entry per layer each")
        masks: list[BoolArray] = []
        for i, (q, m) in enumerate(zip(self.weights, self.masks, strict=True)):
            if not isinstance(q, Quantized):
                raise TypeError(f"weights[{i}] must be a refimpl.Quantized, got {type(q).__name__}")
            m = np.asarray(m)
            if m.dtype != bool or m.ndim != 2:
                raise TypeError(f"masks[{i}] must be a 2-D bool array, got dtype {m.dtype} and shape {m.shape}")
            if q.codes.ndim != 1 or q.codes.size != int(m.sum()):
                raise ValueError(f"weights[{i}].codes must be 1-D with one code per True entry of masks[{i}] "
                                 f"({int(m.sum())}), got shape {q.codes.shape}")
            m = m.copy()
            m.flags.writeable = False
            masks.append(m)
        biases = [read_only(as_float_array(b, f"biases[{i}]", ndim=1)) for i, b in enumerate(self.biases)]
        object.__setattr__(self, "weights", tuple(self.weights))
        object.__setattr__(self, "masks", tuple(masks))
        object.__setattr__(self, "biases", tuple(biases))
        self.dequantize()  # checks the shape chain

    def dequantize(self) -> MLP:
        """The MLP with ``W_l = dequantize(weights[l])`` on ``masks[l]`` and exactly 0 elsewhere."""
        matrices = []
        for q, m in zip(self.weights, self.masks, strict=True):
            W = np.zeros(m.shape)
            W[m] = dequantize(q)
            matrices.append(W)
        return MLP(matrices, self.biases)

    @property
    def sizes(self) -> tuple[int, ...]:
        """Layer widths ``(n_0, ..., n_L)``."""
        return (self.masks[0].shape[0],) + tuple(m.shape[1] for m in self.masks)

    @property
    def nonzero_weights(self) -> int:
        """Number of coded weight entries (entries outside the masks are exactly 0)."""
        return sum(int(m.sum()) for m in self.masks)


def quantize_model(mlp: MLP, bits: IntLike, beta: RealLike = 0.5) -> QuantizedModel:
    """Quantize every weight matrix of ``mlp`` by §3.2, per tensor, over its nonzero entries only.

    For each ``W_l``: ``masks[l] = (W_l != 0)`` and ``weights[l] = quantize(W_l[masks[l]], bits, beta)``
    (α = 2^bits − 1, lo/hi = min/max of the nonzero entries).

    Parameters
    ----------
    mlp : MLP
    bits : int in 1..16
    beta : float in [0, 1), default 0.5

    Returns
    -------
    QuantizedModel
        ``.dequantize()`` gives the MLP the codes stand for; the byte form is ``storage.encode(model,
        "quantized" or "sparse-quantized")``.

    Notes
    -----
    - Min-max normalisation does not preserve zero (0 maps to some level that dequantizes to something else), so
      zero entries are left out of the range and stay exactly 0: pruning then quantizing loses no sparsity.
    - A dense matrix without zeros is quantized over all its entries, exactly as :func:`quantize`.
    - A matrix with no nonzero entry (e.g. of a hidden layer of width 0) gets an empty code array, lo = hi = 0.
    - A matrix whose nonzero entries are all equal comes back exactly (constant tensor).
    - Per tensor only: each matrix's codes are one flat run over its nonzero entries with one ``lo``/``hi`` (all the
      byte format's quant block holds); per-channel ranges are :func:`quantize`'s ``axis``.
    - Biases are not quantized; they are rounded to float32, the precision in which the byte form stores them, so
      that writing and reading back the model is exact.

    Exact: the codes are those of :func:`quantize` on each matrix's nonzero entries, and ``.dequantize()`` is
    within :func:`dequantize`'s bound of the original on those entries and exactly 0 elsewhere.

    Raises
    ------
    TypeError
        ``mlp`` is not an MLP; ``bits``/``beta`` of the wrong kind.
    ValueError
        ``bits`` outside 1..16; ``beta`` outside [0, 1) (see :func:`quantize`); a matrix whose nonzero range
        overflows float64; a bias beyond the float32 range.
    """
    check_model(mlp)
    bits, beta = check_bits_beta(bits, beta)
    weights: list[Quantized] = []
    masks: list[BoolArray] = []
    for W in mlp.weights:
        mask = W != 0
        values = W[mask]
        weights.append(quantize(values, bits, beta) if values.size else
                       Quantized(np.zeros(0, dtype=np.int64), 0.0, 0.0, bits, beta))
        masks.append(mask)
    biases = [as_float32(b, f"mlp.biases[{l}]").astype(np.float64) for l, b in enumerate(mlp.biases)]
    return QuantizedModel(tuple(weights), tuple(masks), tuple(biases))

"""Compression, the application layer: the spec's three formulas (:mod:`refimpl.spec`, re-exported here) with
honestly counted sizes (:mod:`.storage`, :mod:`.packing`), the demo's table (:mod:`.pipeline`), the accuracy sweep
(:mod:`.sensitivity`) and the rounding window the checker uses (:mod:`.boundary`)."""

from ..spec.pruning import neuron_importance, prune_connections, prune_neurons
from ..spec.quantization import (
    DEQUANTIZE_ROUNDING,
    FLOOR_ULP_WINDOW,
    Quantized,
    dequantize,
    fake_quantize,
    floor_quantize,
    floor_quantize_exact,
    minmax_normalize,
    quantize,
)
from ..spec.quantized_model import QuantizedModel, quantize_model
from ..spec.thresholding import l1_importance, prune_smallest, threshold
from .boundary import near_integer_boundary
from .packing import pack_codes, unpack_codes
from .pipeline import compression_rows, prune_finetune_quantize
from .sensitivity import sensitivity
from .storage import FORMATS, decode, encode, storage_bytes

__all__ = [
    "threshold", "l1_importance", "prune_smallest",
    "minmax_normalize", "floor_quantize", "floor_quantize_exact", "near_integer_boundary", "FLOOR_ULP_WINDOW",
    "DEQUANTIZE_ROUNDING", "Quantized", "quantize", "dequantize", "fake_quantize",
    "QuantizedModel", "quantize_model",
    "pack_codes", "unpack_codes",
    "neuron_importance", "prune_neurons", "prune_connections", "sensitivity",
    "FORMATS", "encode", "decode", "storage_bytes",
    "compression_rows", "prune_finetune_quantize",
]

"""Compression by the source document's three formulas: §3.1 thresholding, §3.2 floor quantization, §3.3 pruning,
with honestly counted sizes (:mod:`.storage`) and the demo's table (:mod:`.pipeline`)."""

from .packing import pack_codes, unpack_codes
from .pipeline import compression_rows, prune_finetune_quantize
from .pruning import neuron_importance, prune_connections, prune_neurons, sensitivity
from .quantization import (
    DEQUANTIZE_ROUNDING,
    FLOOR_ULP_WINDOW,
    Quantized,
    dequantize,
    floor_quantize,
    floor_quantize_exact,
    minmax_normalize,
    near_integer_boundary,
    quantize,
)
from .quantized_model import QuantizedModel, quantize_model
from .storage import FORMATS, decode, encode, storage_bytes
from .thresholding import l1_importance, prune_smallest, threshold

__all__ = [
    "threshold", "l1_importance", "prune_smallest",
    "minmax_normalize", "floor_quantize", "floor_quantize_exact", "near_integer_boundary", "FLOOR_ULP_WINDOW",
    "DEQUANTIZE_ROUNDING", "Quantized", "quantize", "dequantize", "QuantizedModel", "quantize_model",
    "pack_codes", "unpack_codes",
    "neuron_importance", "prune_neurons", "prune_connections", "sensitivity",
    "FORMATS", "encode", "decode", "storage_bytes",
    "compression_rows", "prune_finetune_quantize",
]

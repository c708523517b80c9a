"""Bad-input entries for refimpl.compression: §3.1 thresholding, §3.2 quantization, §3.3 pruning, storage."""

from __future__ import annotations

import struct

import numpy as np

import refimpl
from refimpl import compression

from . import corrupt
from .common import DEEP, Entry, M, inputs

W = inputs(3, 4, seed=3)
Q = refimpl.quantize(W, 4)
QM = refimpl.quantize_model(M, 4)
QM_PRUNED = refimpl.quantize_model(refimpl.prune_connections(M, sparsity=0.5)[0], 3)
CODES = np.arange(12) % 16
y3 = np.arange(6) % 3


def _w(**extra):
    return lambda: {"w": W, **extra}


def _floor(**extra):
    return lambda: {"w_tilde": np.linspace(0, 1, 7), "alpha": 15.0, "beta": 0.5, **extra}


_FLOOR_BAD = {"w_tilde": corrupt.array_any(), "alpha": corrupt.real(None, None) + [("huge", lambda v, d: 1e300)],
              "beta": corrupt.real(None, None)}
_BETA = corrupt.real(0.0, 1.0) + [("exactly 1", lambda v, d: 1.0), ("rounds to 2^bits", lambda v, d: 1 - 2**-50)]
_LEVELS = [("None", lambda v, d: None), ("str", lambda v, d: "0.5"), ("NaN level", lambda v, d: [0.5, np.nan]),
           ("level above 1", lambda v, d: [1.5]), ("negative level", lambda v, d: [-0.1]),
           ("str level", lambda v, d: ["a"]), ("scalar", lambda v, d: 0.5)]
_MLP = corrupt.model() + corrupt.overflowing_model()
_QMODEL = corrupt.model() + [("MLP for a quantized format", lambda v, d: M)]


def _stored(format_tag: int, sizes, body: bytes = b"") -> bytes:
    """Hand-written bytes of storage's layout: header (magic, format, layers, sizes) then ``body``."""
    return struct.pack("<4sBH", b"RIMC", format_tag, len(sizes) - 1) + np.array(sizes, "<u4").tobytes() + body


def _nan_stored(v, d):
    data = bytearray(compression.encode(M, "float64"))
    data[19:27] = struct.pack("<d", float("nan"))  # the first weight, after the 7 + 3·4 header bytes of (4, 5, 3)
    return bytes(data)


_HOSTILE_BYTES = [
    ("bad magic", lambda v, d: b"XXXX" + v[4:]),
    ("unknown format", lambda v, d: v[:4] + b"\x09" + v[5:]),
    ("huge declared sizes", lambda v, d: _stored(2, [100_000, 100_000], struct.pack("<IBI", 0, 1, 0))),
    ("sizes beyond any array", lambda v, d: _stored(2, [2**32 - 1, 2**32 - 1], struct.pack("<IBI", 0, 1, 0))),
    ("zero input width", lambda v, d: _stored(0, [0, 3], np.zeros(3, "<f4").tobytes())),
    ("NaN stored", _nan_stored),
]


def _quantized_model_parts():
    return {"weights": list(QM_PRUNED.weights), "masks": list(QM_PRUNED.masks), "biases": list(QM_PRUNED.biases)}


COMPRESSION = [
    Entry("threshold", refimpl.threshold, _w(eps=0.3), {"w": corrupt.array_any(), "eps": corrupt.eps()}),
    Entry("l1_importance", refimpl.l1_importance, _w(), {"w": corrupt.array_any()}),
    Entry("prune_smallest", refimpl.prune_smallest, _w(sparsity=0.5),
          {"w": corrupt.array_any(), "sparsity": corrupt.ratio()}),
    Entry("minmax_normalize", refimpl.minmax_normalize, _w(),
          {"w": corrupt.array_any() + [("empty", lambda v, d: np.zeros((0, 3))),
                                       ("span overflows", lambda v, d: np.array([-1e308, 1e308]))]}),
    Entry("floor_quantize", refimpl.floor_quantize, _floor(), _FLOOR_BAD),
    Entry("floor_quantize_exact", refimpl.floor_quantize_exact, _floor(),
          {**_FLOOR_BAD, "alpha": corrupt.real(None, None) + [("huge", lambda v, d: 1e300)]}),
    Entry("near_integer_boundary", refimpl.near_integer_boundary, _floor(ulps=2),
          {"w_tilde": corrupt.array_any(), "alpha": corrupt.real(None, None), "beta": corrupt.real(None, None),
           "ulps": corrupt.eps()}),
    Entry("quantize", refimpl.quantize, _w(bits=4, beta=0.5),
          {"w": corrupt.array_any() + [("empty", lambda v, d: np.zeros(0))], "bits": corrupt.bits(),
           "beta": _BETA}),
    Entry("quantize(axis)", refimpl.quantize, _w(bits=4, beta=0.5, axis=-1),
          {"w": corrupt.array_any() + [("empty slices", lambda v, d: np.zeros((0,) + np.shape(v)[1:]))],
           "bits": corrupt.bits(), "beta": _BETA, "axis": corrupt.integer(-W.ndim, W.ndim - 1)[1:]}),
    Entry("fake_quantize", refimpl.fake_quantize, _w(bits=4, beta=0.5, axis=0),
          {"w": corrupt.array_any(), "bits": corrupt.bits(), "beta": _BETA, "axis": corrupt.integer(-W.ndim,
                                                                                                     W.ndim - 1)[1:]}),
    Entry("Quantized(axis)", refimpl.Quantized,
          lambda: {"codes": CODES, "lo": np.full(CODES.shape[-1], -1.0), "hi": np.full(CODES.shape[-1], 2.0),
                   "bits": 4, "beta": 0.5, "axis": -1},
          {"lo": corrupt.vector(), "hi": corrupt.vector(), "axis": corrupt.integer(-CODES.ndim, CODES.ndim - 1)[1:]}),
    Entry("dequantize", refimpl.dequantize, lambda: {"q": Q},
          {"q": corrupt.model() + [("tuple of fields", lambda v, d: (v.codes, v.lo, v.hi, v.bits, v.beta))]}),
    Entry("Quantized", refimpl.Quantized, lambda: {"codes": CODES, "lo": -1.0, "hi": 2.0, "bits": 4, "beta": 0.5},
          {"codes": corrupt.int_codes(15), "lo": corrupt.real(None, 2.0), "hi": corrupt.real(-1.0, None),
           "bits": corrupt.integer(4, 16), "beta": _BETA}),  # bits < 4: the codes (up to 15) no longer fit
    Entry("QuantizedModel", refimpl.QuantizedModel, _quantized_model_parts,
          {"weights": corrupt.model()[:2] + [("arrays", lambda v, d: [q.codes for q in v]),
                                             ("one missing", lambda v, d: v[:-1])],
           "masks": corrupt.model()[:2] + [("float masks", lambda v, d: [m.astype(float) for m in v]),
                                           ("1-D masks", lambda v, d: [m.ravel() for m in v]),
                                           ("all True", lambda v, d: [np.ones_like(m) for m in v])],
           "biases": corrupt.model()[:2] + corrupt.element(corrupt.vector())}),
    Entry("quantize_model", refimpl.quantize_model, lambda: {"mlp": M, "bits": 4, "beta": 0.5},
          {"mlp": corrupt.model(), "bits": corrupt.bits(), "beta": _BETA}),
    Entry("pack_codes", refimpl.pack_codes, lambda: {"codes": CODES, "bits": 4},
          {"codes": corrupt.int_codes(15), "bits": corrupt.integer(4, 16)}),
    Entry("unpack_codes", refimpl.unpack_codes,
          lambda: {"data": refimpl.pack_codes(CODES[:11], 4), "bits": 4, "count": 11},  # 4 padding bits
          {"data": corrupt.data_bytes() + [("padding bit set", lambda v, d: v[:-1] + bytes([v[-1] | 0x80]))],
           "bits": corrupt.bits(), "count": corrupt.integer(0)}),
    Entry("neuron_importance", refimpl.neuron_importance,
          lambda: {"mlp": DEEP, "layer": 1, "kind": "taylor", "X": inputs(), "y": y3, "loss": None},
          {"mlp": _MLP, "layer": corrupt.integer(0, 1), "kind": corrupt.choice(),
           "X": corrupt.matrix(), "y": corrupt.labels(3), "loss": corrupt.choice()[1:]}),
    Entry("neuron_importance(activation)", refimpl.neuron_importance,
          lambda: {"mlp": M, "layer": 0, "kind": "activation", "X": inputs()},
          {"X": corrupt.matrix(), "mlp": corrupt.overflowing_model()}),
    Entry("prune_neurons", lambda mlp, keep_ratio, importance, X: refimpl.prune_neurons(
              mlp, keep_ratio=keep_ratio, importance=importance, X=X),
          lambda: {"mlp": DEEP, "keep_ratio": 0.5, "importance": "activation", "X": inputs()},
          {"mlp": corrupt.model(), "keep_ratio": corrupt.ratio(), "importance": corrupt.choice(),
           "X": corrupt.matrix()}),
    Entry("prune_neurons(eps)", lambda mlp, eps: refimpl.prune_neurons(mlp, eps=eps),
          lambda: {"mlp": DEEP, "eps": 0.5}, {"eps": corrupt.eps()}),
    Entry("prune_connections", lambda mlp, sparsity, scope: refimpl.prune_connections(
              mlp, sparsity=sparsity, scope=scope),
          lambda: {"mlp": DEEP, "sparsity": 0.5, "scope": "global"},
          {"mlp": corrupt.model(), "sparsity": corrupt.ratio(), "scope": corrupt.choice()}),
    Entry("prune_connections(eps)", lambda mlp, eps: refimpl.prune_connections(mlp, eps=eps),
          lambda: {"mlp": DEEP, "eps": 0.1}, {"eps": corrupt.eps()}),
    Entry("sensitivity", lambda mlp, X, y, method, levels: refimpl.sensitivity(
              mlp, X, y, method=method, levels=levels),
          lambda: {"mlp": DEEP, "X": inputs(), "y": y3, "method": "neurons", "levels": [0.0, 0.5, 1.0]},
          {"mlp": corrupt.model(), "X": corrupt.matrix(), "method": corrupt.choice(), "levels": _LEVELS,
           "y": corrupt.labels(3)}),
    Entry("storage_bytes", refimpl.storage_bytes, lambda: {"model": QM_PRUNED, "format": "sparse-quantized"},
          {"model": _QMODEL, "format": corrupt.choice() + [("dense quantized", lambda v, d: "quantized")]}),
    Entry("encode", compression.encode, lambda: {"model": M, "format": "sparse"},
          {"model": corrupt.model() + [("QuantizedModel", lambda v, d: QM)], "format": corrupt.choice()}),
    Entry("decode", compression.decode, lambda: {"data": compression.encode(QM_PRUNED, "sparse-quantized")},
          {"data": corrupt.data_bytes() + _HOSTILE_BYTES}),
    Entry("compression_rows", lambda mlp, X_train, y_train, X_test, y_test, seed: compression.compression_rows(
              mlp, X_train, y_train, X_test, y_test, seed=seed),
          lambda: {"mlp": DEEP, "X_train": inputs(), "y_train": y3, "X_test": inputs(seed=2), "y_test": y3,
                   "seed": 0},
          {"mlp": _MLP, "X_train": corrupt.matrix(), "y_train": corrupt.labels(3),
           "X_test": corrupt.matrix(), "y_test": corrupt.labels(3), "seed": corrupt.integer(0)}),
    Entry("prune_finetune_quantize", lambda mlp, X, y, seed, keep_ratio, sparsities, scope, bits, epochs_per_step:
          compression.prune_finetune_quantize(mlp, X, y, seed=seed, keep_ratio=keep_ratio, sparsities=sparsities,
                                              scope=scope, bits=bits, epochs_per_step=epochs_per_step),
          lambda: {"mlp": DEEP, "X": inputs(), "y": y3, "seed": 0, "keep_ratio": 0.5, "sparsities": [0.5],
                   "scope": "layer", "bits": 4, "epochs_per_step": 1},
          {"mlp": corrupt.model(), "X": corrupt.matrix(), "y": corrupt.labels(3), "seed": corrupt.integer(0),
           "keep_ratio": corrupt.ratio(), "sparsities": _LEVELS, "scope": corrupt.choice(), "bits": corrupt.bits(),
           "epochs_per_step": corrupt.integer(0)}),
]

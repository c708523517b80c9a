"""Honest sizes: every size is ``len()`` of a byte string that :func:`decode` reads back (specified in docs/format.md).

Byte layout (all integers and floats little-endian; "packed" means :func:`pack_codes`' bit stream):

    header   b"RIMC" | format: uint8 (index in FORMATS) | L: uint16 | sizes n_0..n_L: uint32 each
    layer l  (for l = 0..L−1, W_l of shape (n_l, n_{l+1}) read in row-major order, b_l of length n_{l+1})
      "float32"           W_l as float32                                         | b_l as float32
      "float64"           W_l as float64                                         | b_l as float32
      "sparse"            index block | the nonzero entries as float32           | b_l as float32
      "quantized"         quant block over all n_l·n_{l+1} entries               | b_l as float32
      "sparse-quantized"  index block | quant block over the nonzero entries     | b_l as float32
      "sparse-quantized-huffman"  as "sparse-quantized", with both symbol streams entropy-coded (below)
    index block  nnz: uint32 | r: uint8 (1..16) | m: uint32 | m symbols of r bits, packed
    quant block  bits: uint8 | β: float64 | lo: float64 | hi: float64 | the codes, packed in `bits` bits

Sparse index encoding (relative indices, after Deep Compression, with an escape instead of a stored filler
weight): with p_0 < p_1 < … the flat positions of the nonzero entries and gaps g_k = p_k − p_{k−1} (p_{−1} = −1),
each gap is written as ``⌊(g − 1)/M⌋`` escape symbols 0 (each meaning "advance M positions, nothing here") and
then the symbol ``g − M·⌊(g − 1)/M⌋`` ∈ [1, M], with M = 2^r − 1. The encoder picks, per layer, the r in 1..16 with
the fewest bits (the smallest such r on a tie). r = 1 is a bitmask cut after the last nonzero entry, so the code is
never longer than a 1-bit-per-weight mask (plus the 9-byte block head), and at low density it goes below it: a
bitmask alone caps any ratio at 32× against float32.

"sparse-quantized-huffman" (beyond the source document, as Deep Compression's last stage): the same index block
and quant block heads, but the m index symbols and the nnz codes are each written as one
:mod:`.huffman` block (a mode byte, then the symbols either packed in r or `bits` bits, or canonical-Huffman coded,
whichever is shorter). Here the encoder picks the r in 1..16 whose index block is shortest once entropy-coded
(the smallest r on a tie). The bytes end with a trailer, the CRC-32 (zlib's, uint32) of every byte before it, so
that a corrupted entropy-coded stream, which may otherwise still parse, is refused. Lossless: it decodes to exactly
the QuantizedModel "sparse-quantized" holds.

Biases are always stored as float32, in every format, as the ratios in the demo count them.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

from ..spec.checks import as_float32, check_choice
from ..spec.mlp import MLP
from ..spec.quantization import Quantized
from ..spec.quantized_model import QuantizedModel
from .huffman import block_size, decode_block, encode_block
from .packing import pack_codes, packed_size, unpack_codes

FORMATS = ("float32", "float64", "sparse", "quantized", "sparse-quantized", "sparse-quantized-huffman")
MAX_DECODED_WEIGHTS = 2 ** 26
"""The most weight entries :func:`decode` builds (512 MiB as float64, 250 times LeNet-300-100): a few sparse bytes
may declare an all-zero matrix of any size, so the declared sizes, not the data's length, bound the allocation."""
MAGIC = b"RIMC"
_FLOAT_FORMATS = ("float32", "float64", "sparse")
_HEAD = struct.Struct("<4sBH")
_INDEX = struct.Struct("<IBI")
_QUANT = struct.Struct("<Bddd")
_CRC = struct.Struct("<I")
_CHECKED_FORMATS = ("sparse-quantized-huffman",)  # the formats that end with a CRC-32 trailer


def storage_bytes(model, format) -> int:
    """Size in bytes of ``model`` written in ``format``: ``len(encode(model, format))``.

    Parameters
    ----------
    model : MLP for "float32", "float64", "sparse"; QuantizedModel (from :func:`quantize_model`) for "quantized",
        "sparse-quantized" and "sparse-quantized-huffman"
    format : one of FORMATS (layout in the module docstring)

    Returns
    -------
    int. Exact: it is the length of an actual byte string, header and per-layer heads included.

    Raises
    ------
    TypeError, ValueError
        As :func:`encode`.
    """
    return len(encode(model, format))


def encode(model, format) -> bytes:
    """Write ``model`` in ``format`` (layout in the module docstring).

    Notes
    -----
    - "float32" and "sparse" round the weights to float32 and every format rounds the biases to float32:
      :func:`decode` returns the model those bytes hold, which is ``model`` itself when its parameters are
      float32 numbers (as after :func:`quantize_model`, for the biases).
    - "sparse" stores the entries with ``w != 0``; the sign of a zero is not kept.
    - "quantized" needs every entry coded (no mask); a pruned model must use "sparse-quantized".

    Raises
    ------
    TypeError
        ``model`` is not the kind the format needs, or ``format`` is not a str.
    ValueError
        Unknown format, a layer wider than 2^32 − 1, more than 65535 layers, "quantized" on a model with
        uncoded entries, or a value that float32 cannot hold (|x| > 3.4e38) where float32 is written.
    """
    format = check_choice(format, "format", FORMATS)
    if format in _FLOAT_FORMATS and not isinstance(model, MLP):
        raise TypeError(f"model must be a refimpl.MLP for format {format!r}, got {type(model).__name__}")
    if format not in _FLOAT_FORMATS and not isinstance(model, QuantizedModel):
        raise TypeError(f"model must be a QuantizedModel for format {format!r} (use refimpl.quantize_model), "
                        f"got {type(model).__name__}")
    sizes = model.sizes
    if len(sizes) - 1 > 0xFFFF or max(sizes) > 0xFFFFFFFF:
        raise ValueError(f"sizes {sizes} are too large for the byte layout (uint16 layers, uint32 widths)")
    parts = [_HEAD.pack(MAGIC, FORMATS.index(format), len(sizes) - 1), np.array(sizes, "<u4").tobytes()]
    for l, b in enumerate(model.biases):
        parts.append(_encode_weights(model, l, format))
        parts.append(as_float32(b, f"model.biases[{l}]").tobytes())
    data = b"".join(parts)
    return data + _CRC.pack(zlib.crc32(data)) if format in _CHECKED_FORMATS else data


def _encode_weights(model, l: int, format: str) -> bytes:
    if format == "float32":
        return as_float32(model.weights[l], f"model.weights[{l}]").tobytes()
    if format == "float64":
        return model.weights[l].astype("<f8").tobytes()
    if format == "sparse":
        W = model.weights[l]
        return _encode_index(W != 0) + as_float32(W[W != 0], f"model.weights[{l}]").tobytes()
    q, mask = model.weights[l], model.masks[l]
    if format == "quantized":
        if not mask.all():
            raise ValueError(f"format 'quantized' needs every entry coded, but layer {l} of model has "
                             f"{int((~mask).sum())} uncoded (zero) entries; use format 'sparse-quantized'")
        return _encode_quant(q)
    huffman = format == "sparse-quantized-huffman"
    return _encode_index(mask, huffman) + _encode_quant(q, huffman)


def _encode_quant(q: Quantized, huffman: bool = False) -> bytes:
    if q.axis is not None:
        raise ValueError("a Quantized with per-channel ranges (axis set) has no byte layout: the quant block holds "
                         "one lo/hi per matrix; quantize per tensor (axis=None) to store the model")
    codes = encode_block(q.codes, q.bits) if huffman else pack_codes(q.codes, q.bits)
    return _QUANT.pack(q.bits, q.beta, q.lo, q.hi) + codes


def _gaps(mask: np.ndarray) -> np.ndarray:
    positions = np.flatnonzero(mask.ravel())
    return np.diff(positions, prepend=-1)


def _symbol_count(gaps: np.ndarray, r: int) -> int:
    return int(((gaps - 1) // (2 ** r - 1) + 1).sum())


def _index_symbols(gaps: np.ndarray, r: int) -> np.ndarray:
    M = 2 ** r - 1
    escapes = (gaps - 1) // M
    symbols = np.zeros(int((escapes + 1).sum()), dtype=np.int64)
    symbols[np.cumsum(escapes + 1) - 1] = gaps - M * escapes
    return symbols


def _encode_index(mask: np.ndarray, huffman: bool = False) -> bytes:
    gaps = _gaps(mask)
    if huffman:  # min() keeps the smallest r on a tie
        r = min(range(1, 17), key=lambda r: block_size(_index_symbols(gaps, r), r))
    else:
        r = min(range(1, 17), key=lambda r: r * _symbol_count(gaps, r))
    symbols = _index_symbols(gaps, r)
    stream = encode_block(symbols, r) if huffman else pack_codes(symbols, r)
    return _INDEX.pack(gaps.size, r, symbols.size) + stream


class _Reader:
    """A cursor over the bytes being decoded; every read is bounds-checked."""

    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def take(self, n: int) -> bytes:
        if self.at + n > len(self.data):
            raise ValueError(f"truncated: needed {n} bytes at offset {self.at}, have {len(self.data)}")
        self.at += n
        return self.data[self.at - n:self.at]

    def unpack(self, st: struct.Struct) -> tuple:
        return st.unpack(self.take(st.size))

    def codes(self, bits: int, count: int) -> np.ndarray:
        """``count`` codes of ``bits`` bits packed by :func:`pack_codes` (checked by :func:`unpack_codes`)."""
        return unpack_codes(self.take(packed_size(count, bits)), bits, count)

    def array(self, dtype: str, count: int) -> np.ndarray:
        dt = np.dtype(dtype)
        return np.frombuffer(self.take(dt.itemsize * count), dtype=dt).astype(np.float64)


def decode(data) -> MLP | QuantizedModel:
    """Read bytes written by :func:`encode`: an MLP for the float formats, a QuantizedModel for the quantized ones.

    Exact: every stored number is read back bit for bit (float32 values widen exactly to float64).

    Raises
    ------
    TypeError
        ``data`` is not bytes-like.
    ValueError
        Wrong magic, unknown format, truncated data, trailing bytes, a CRC-32 mismatch ("sparse-quantized-huffman"),
        an index block or Huffman block inconsistent with its layer,
        sizes declaring more than ``MAX_DECODED_WEIGHTS`` weights (refused before any allocation), or values that
        do not make a valid model.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    try:
        return _decode(_Reader(bytes(data)))
    except (ValueError, TypeError) as exc:  # every reason names data: a bad field, a zero width, a NaN stored...
        raise ValueError(f"data is not a valid refimpl model: {exc}") from None


def _decode(reader: _Reader) -> MLP | QuantizedModel:
    magic, tag, n_layers = reader.unpack(_HEAD)
    if magic != MAGIC or tag >= len(FORMATS):
        raise ValueError("bad magic or format tag")
    format = FORMATS[tag]
    if format in _CHECKED_FORMATS:
        if len(reader.data) < reader.at + _CRC.size:
            raise ValueError("truncated: no CRC-32 trailer")
        body, (crc,) = reader.data[:-_CRC.size], _CRC.unpack(reader.data[-_CRC.size:])
        if zlib.crc32(body) != crc:
            raise ValueError("CRC-32 mismatch: the bytes were corrupted or cut")
        reader.data = body
    sizes = [int(s) for s in np.frombuffer(reader.take(4 * (n_layers + 1)), dtype="<u4")]
    weights = sum(m * n for m, n in zip(sizes[:-1], sizes[1:], strict=True))
    if weights > MAX_DECODED_WEIGHTS:
        raise ValueError(f"sizes {sizes} declare {weights} weights, more than decode builds "
                         f"(MAX_DECODED_WEIGHTS = {MAX_DECODED_WEIGHTS})")
    layers = [(_decode_weights(reader, format, (m, n)), reader.array("<f4", n))
              for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
    if reader.at != len(reader.data):
        raise ValueError(f"{len(reader.data) - reader.at} trailing bytes")
    biases = [b for _, b in layers]
    if format in _FLOAT_FORMATS:
        return MLP([w for w, _ in layers], biases)
    return QuantizedModel(tuple(q for (q, _), _ in layers), tuple(m for (_, m), _ in layers), tuple(biases))


def _decode_weights(reader: _Reader, format: str, shape: tuple[int, int]):
    size = shape[0] * shape[1]
    if format in ("float32", "float64"):
        return reader.array("<f4" if format == "float32" else "<f8", size).reshape(shape)
    huffman = format == "sparse-quantized-huffman"
    mask = _decode_index(reader, size, huffman).reshape(shape) if format != "quantized" else np.ones(shape, bool)
    if format == "sparse":
        W = np.zeros(shape)
        W[mask] = reader.array("<f4", int(mask.sum()))
        return W
    bits, beta, lo, hi = reader.unpack(_QUANT)
    if huffman and not 1 <= bits <= 16:
        raise ValueError(f"quant block has {bits} bits, expected 1..16")
    codes = decode_block(reader.take, int(mask.sum()), bits) if huffman else reader.codes(bits, int(mask.sum()))
    return Quantized(codes, lo, hi, bits, beta), mask


def _decode_index(reader: _Reader, size: int, huffman: bool = False) -> np.ndarray:
    nnz, r, m = reader.unpack(_INDEX)
    if not 1 <= r <= 16:
        raise ValueError(f"index block has symbol width {r}, expected 1..16")
    symbols = (decode_block(reader.take, m, r) if huffman else reader.codes(r, m)).astype(np.int64)
    if int((symbols != 0).sum()) != nnz or (m and symbols[-1] == 0):
        raise ValueError("index block is inconsistent: its symbols do not describe its nonzero count")
    positions = (np.cumsum(np.where(symbols == 0, 2 ** r - 1, symbols)) - 1)[symbols != 0]
    if positions.size and positions[-1] >= size:
        raise ValueError(f"index block points past the end of its layer ({size} entries)")
    mask = np.zeros(size, dtype=bool)
    mask[positions] = True
    return mask

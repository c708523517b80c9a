"""Canonical Huffman coding of unsigned symbol streams: the entropy-coded blocks of the "…-huffman" byte format.

Beyond the source document: Deep Compression (Han, Mao and Dally, ICLR 2016) Huffman-codes the quantized weights and
the sparse index stream after pruning and weight sharing; this module does the same for refimpl's codes and index
symbols. It is lossless: :func:`decode_block` returns exactly the symbols :func:`encode_block` was given.

Block layout (a stream of ``count`` symbols, each in [0, 2^width − 1]; ``count`` and ``width`` are known from the
surrounding format, integers little-endian):

    mode: uint8
    mode 0 (fixed width)  the symbols packed in ``width`` bits each (:func:`refimpl.compression.pack_codes`)
    mode 1 (Huffman)      A: uint32 (1..2^width: symbols 0..A−1 may occur) | A code lengths in 0..15, packed in
                          4 bits each (0: the symbol does not occur) | n_bits: uint32 | the code words, one per
                          symbol, in ⌈n_bits / 8⌉ bytes

In the Huffman stream, bit j is bit ``j mod 8`` of byte ``j // 8`` (as :func:`pack_codes`); each code word is written
most significant bit first; padding bits are 0. Code words are canonical: the occurring symbols sorted by
(length, symbol) get consecutive code values, each left-shifted when the length grows (as DEFLATE, RFC 1951 §3.2.2),
so the lengths alone define the code. The lengths are those of a Huffman tree of the symbol counts (ties between
equal weights broken by creation order: deterministic); when the longest exceeds ``MAX_LENGTH``, every count is
halved, rounding up, and the tree rebuilt, until it fits. A single occurring symbol gets length 1. The encoder writes
whichever mode is shorter (mode 0 on a tie) and ``count = 0`` as mode 0 with no data.

The decoder accepts only what the encoder can write: a complete code (Kraft sum Σ 2^−L exactly 1), or one symbol of
length 1; ``n_bits`` equal to the sum of the decoded words' lengths; zero padding.
"""

from __future__ import annotations

import heapq
import struct

import numpy as np

from ..spec.quantization import code_dtype
from .packing import pack_codes, packed_size, unpack_codes

MAX_LENGTH = 15
_U32 = struct.Struct("<I")


def code_lengths(counts) -> np.ndarray:
    """Huffman code lengths for symbol counts: an int64 array, 0 where the count is 0, all <= ``MAX_LENGTH``.

    Parameters
    ----------
    counts : 1-D array of ints >= 0 (symbol i occurs counts[i] times; at most 2^15 nonzero, so that the lengths fit)

    Returns
    -------
    ndarray of shape (len(counts),). No nonzero count: all 0. One: length 1 for it. Otherwise the lengths of a
    Huffman tree (optimal: minimal ``Σ counts·lengths``) unless the limit forced the halving described above.
    """
    counts = np.asarray(counts, dtype=np.int64)
    if int((counts > 0).sum()) > 2 ** MAX_LENGTH:
        raise ValueError(f"at most 2^{MAX_LENGTH} distinct symbols fit codes of <= {MAX_LENGTH} bits")
    while True:
        lengths = _tree_lengths(counts)
        if lengths.max(initial=0) <= MAX_LENGTH:
            return lengths
        counts = np.where(counts > 0, (counts + 1) // 2, 0)


def _tree_lengths(counts: np.ndarray) -> np.ndarray:
    """Depth of each leaf in the Huffman tree built by repeatedly merging the two lightest nodes (ties: the node
    created first), as the number of merges above it."""
    leaves = [i for i, c in enumerate(counts.tolist()) if c > 0]
    lengths = np.zeros(counts.size, dtype=np.int64)
    if len(leaves) == 1:
        lengths[leaves[0]] = 1
    heap = [(int(counts[i]), node) for node, i in enumerate(leaves)]  # node ids: leaves, then merges in order
    heapq.heapify(heap)
    parent, node = [0] * max(2 * len(leaves) - 1, 0), len(leaves)
    while len(heap) > 1:
        (wa, a), (wb, b) = heapq.heappop(heap), heapq.heappop(heap)
        parent[a] = parent[b] = node
        heapq.heappush(heap, (wa + wb, node))
        node += 1
    depth = [0] * len(parent)
    for node in range(len(parent) - 2, -1, -1):  # a parent is always created after its children
        depth[node] = depth[parent[node]] + 1
    if len(leaves) > 1:
        lengths[leaves] = depth[:len(leaves)]
    return lengths


def canonical_codes(lengths) -> np.ndarray:
    """The canonical code value of each symbol (int64; 0 where the length is 0): symbols sorted by (length,
    symbol), the first getting 0, each next one the previous value plus 1, shifted left by the growth in length."""
    lengths = np.asarray(lengths, dtype=np.int64)
    codes = np.zeros(lengths.size, dtype=np.int64)
    code, previous = 0, 0
    for symbol in np.lexsort((np.arange(lengths.size), lengths)).tolist():
        length = int(lengths[symbol])
        if length == 0:
            continue
        if previous:
            code = (code + 1) << (length - previous)
        codes[symbol], previous = code, length
    return codes


def encode_block(symbols, width: int) -> bytes:
    """The shorter of the two block modes for ``symbols`` (1-D ints in [0, 2^width − 1]; layout in the module)."""
    symbols = np.asarray(symbols, dtype=np.int64)
    fixed = b"\x00" + pack_codes(symbols, width)
    if symbols.size == 0:
        return fixed
    counts = np.bincount(symbols)
    lengths = code_lengths(counts)
    huffman = b"\x01" + _U32.pack(counts.size) + pack_codes(lengths, 4) + _stream(symbols, lengths)
    return huffman if len(huffman) < len(fixed) else fixed


def block_size(symbols, width: int) -> int:
    """``len(encode_block(symbols, width))``."""
    return len(encode_block(symbols, width))


def _stream(symbols: np.ndarray, lengths: np.ndarray) -> bytes:
    codes, sizes = canonical_codes(lengths)[symbols], lengths[symbols]
    k = np.arange(MAX_LENGTH)
    bits = (codes[:, None] >> np.maximum(sizes[:, None] - 1 - k, 0)) & 1  # row i: word i, most significant first
    stream = bits[k < sizes[:, None]]  # row-major: the words one after another
    return _U32.pack(stream.size) + np.packbits(stream.astype(np.uint8), bitorder="little").tobytes()


def decode_block(take, count: int, width: int) -> np.ndarray:
    """Read one block of ``count`` symbols of ``width`` bits through ``take(n) -> n bytes`` (bounds-checked by the
    caller). Returns the symbols (uint8 for width <= 8, else uint16). Raises ValueError for a bad mode, an alphabet
    beyond 2^width, a length table that is not a complete code, a stream that is not ``count`` whole code words or
    whose length or padding disagrees."""
    mode = take(1)[0]
    if mode == 0:
        return unpack_codes(take(packed_size(count, width)), width, count)
    if mode != 1 or count == 0:
        raise ValueError(f"Huffman block has mode {mode} for {count} symbols (expected 0, or 1 with symbols)")
    (alphabet,) = _U32.unpack(take(4))
    if not 1 <= alphabet <= 2 ** width:
        raise ValueError(f"Huffman block declares {alphabet} symbols for codes of {width} bits")
    lengths = unpack_codes(take(packed_size(alphabet, 4)), 4, alphabet).astype(np.int64)
    used = lengths > 0
    kraft = int((1 << (MAX_LENGTH - lengths[used])).sum())  # Σ 2^(15−L) = 2^15 · Σ 2^−L, exact
    if not (kraft == 2 ** MAX_LENGTH or (used.sum() == 1 and lengths[used][0] == 1)):
        raise ValueError("Huffman block's code lengths do not form a complete prefix code")
    (n_bits,) = _U32.unpack(take(4))
    if not count * lengths[used].min() <= n_bits <= count * MAX_LENGTH:
        raise ValueError(f"Huffman block declares {n_bits} bits for {count} symbols")
    stream = np.unpackbits(np.frombuffer(take(packed_size(n_bits, 1)), dtype=np.uint8), bitorder="little")
    if stream[n_bits:].any():
        raise ValueError("Huffman block has nonzero padding bits")
    return _words(stream[:n_bits], lengths, count).astype(code_dtype(width))


def _words(stream: np.ndarray, lengths: np.ndarray, count: int) -> np.ndarray:
    """Decode ``count`` canonical code words from a bit array that must hold exactly them."""
    # table[w]: the symbol whose code word is a prefix of the 15-bit window w, and its length (0: none)
    symbol_of, length_of = np.zeros(2 ** MAX_LENGTH, dtype=np.int64), np.zeros(2 ** MAX_LENGTH, dtype=np.int64)
    for s, (c, n) in enumerate(zip(canonical_codes(lengths).tolist(), lengths.tolist(), strict=True)):
        if n:
            span = slice(c << (MAX_LENGTH - n), (c + 1) << (MAX_LENGTH - n))
            symbol_of[span], length_of[span] = s, n
    padded = np.concatenate([stream, np.zeros(MAX_LENGTH, dtype=np.uint8)]).astype(np.uint16)
    window = np.zeros(stream.size, dtype=np.uint16)
    for k in range(MAX_LENGTH):  # window[j] = the 15 bits from position j on, first bit most significant
        window = (window << 1) | padded[k:k + stream.size]
    out, at = np.empty(count, dtype=np.int64), 0
    for i in range(count):
        if at >= stream.size:
            raise ValueError(f"Huffman block ends after {i} of {count} symbols")
        w = window[at]
        if not length_of[w]:
            raise ValueError(f"Huffman block has no code word at bit {at}")
        out[i], at = symbol_of[w], at + length_of[w]
    if at != stream.size:
        raise ValueError(f"Huffman block's {count} code words take {at} bits, it declares {stream.size}")
    return out

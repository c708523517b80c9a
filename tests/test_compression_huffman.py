"""Canonical Huffman blocks: round trips, the canonical code's properties against independent oracles (a prefix test on
bit strings, the Kraft sum in Fractions, the optimal cost from a separate merge of sorted weights), the length limit,
and corrupted blocks refused."""

from __future__ import annotations

import struct
import zlib
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl import MLP, prune_connections, quantize_model
from refimpl.compression.huffman import MAX_LENGTH, canonical_codes, code_lengths, decode_block, encode_block
from refimpl.compression.storage import FORMATS, encode


def reader(data: bytes):
    """A ``take`` over ``data`` that refuses to read past the end, and a function telling how much was read."""
    at = [0]

    def take(n):
        if at[0] + n > len(data):
            raise ValueError("truncated")
        at[0] += n
        return data[at[0] - n:at[0]]
    return take, lambda: at[0]


def words(lengths) -> dict[int, str]:
    """Each occurring symbol's code word as a bit string."""
    codes = canonical_codes(lengths)
    return {s: format(int(codes[s]), f"0{n}b") for s, n in enumerate(np.asarray(lengths).tolist()) if n}


def huffman_cost(counts) -> int:
    """Independent oracle: the optimal total code length is the sum of all merged weights (repeatedly merging the two
    smallest of a sorted list); 0 for fewer than two symbols, the count itself for one (a 1-bit code)."""
    weights = sorted(c for c in counts if c > 0)
    if len(weights) == 1:
        return weights[0]
    total = 0
    while len(weights) > 1:
        merged = weights.pop(0) + weights.pop(0)
        total += merged
        weights.append(merged)
        weights.sort()
    return total


streams = st.integers(1, 16).flatmap(lambda w: st.tuples(
    st.just(w), st.lists(st.integers(0, min(2 ** w - 1, 40)) | st.integers(0, 2 ** w - 1), max_size=300)))


@given(streams)
def test_blocks_round_trip_and_are_never_longer_than_fixed_width_plus_the_mode_byte(stream):
    width, symbols = stream
    data = encode_block(symbols, width)
    take, read = reader(data)
    back = decode_block(take, len(symbols), width)
    assert back.tolist() == symbols and read() == len(data)
    assert len(data) <= 1 + (len(symbols) * width + 7) // 8


# Long streams over a few symbols in wide codes: the Huffman mode always wins there (checked below).
skewed_streams = st.tuples(st.integers(8, 16), st.lists(st.integers(0, 7), min_size=1, max_size=20),
                           st.integers(40, 200), st.integers(0, 2**32 - 1))


@given(skewed_streams)
def test_huffman_mode_round_trips(stream):
    width, alphabet, n, seed = stream
    symbols = np.random.default_rng(seed).choice(alphabet, size=n)
    data = encode_block(symbols, width)
    take, read = reader(data)
    assert data[0] == 1 and decode_block(take, n, width).tolist() == symbols.tolist() and read() == len(data)


@given(st.lists(st.integers(0, 1000), min_size=1, max_size=60))
def test_canonical_code_is_prefix_free_complete_optimal_and_ordered(counts):
    lengths = code_lengths(counts)
    code = words(lengths)
    assert set(code) == {s for s, c in enumerate(counts) if c > 0}
    bits = list(code.values())
    assert not any(a != b and b.startswith(a) for a in bits for b in bits)  # prefix-free
    if len(code) > 1:
        assert sum(Fraction(1, 2 ** len(b)) for b in bits) == 1  # complete: the Kraft sum is exactly 1
    assert sum(c * len(code[s]) for s, c in enumerate(counts) if c) == huffman_cost(counts)  # optimal
    order = sorted(code, key=lambda s: (len(code[s]), s))  # canonical: (length, symbol) order is numeric order
    assert [int(code[s], 2) << (MAX_LENGTH - len(code[s])) for s in order] == \
        sorted(int(code[s], 2) << (MAX_LENGTH - len(code[s])) for s in order)
    same_length = [(a, b) for a, b in zip(order[:-1], order[1:], strict=True) if len(code[a]) == len(code[b])]
    assert all(int(code[a], 2) + 1 == int(code[b], 2) for a, b in same_length)


def test_lengths_are_limited_and_stay_a_complete_code():
    counts = [2 ** i for i in range(40)]  # a Fibonacci-like skew: the unlimited tree is 39 deep
    lengths = code_lengths(counts)
    assert lengths.max() == MAX_LENGTH and sum(Fraction(1, 2 ** int(n)) for n in lengths) == 1
    symbols = np.repeat(np.arange(40), 3)
    take, _ = reader(encode_block(symbols, 6))
    assert decode_block(take, symbols.size, 6).tolist() == symbols.tolist()


def test_edge_cases():
    assert code_lengths([]).tolist() == [] and code_lengths([0, 0]).tolist() == [0, 0]
    assert code_lengths([0, 5]).tolist() == [0, 1]  # one symbol: a 1-bit word
    assert encode_block([], 4) == b"\x00"
    take, _ = reader(encode_block([7] * 100, 3))
    assert decode_block(take, 100, 3).tolist() == [7] * 100


def huffman_block(symbols, width):
    data = encode_block(symbols, width)
    assert data[0] == 1  # these inputs take the Huffman mode
    return bytearray(data)


SKEWED = [0] * 50 + [1] * 20 + [2] * 5 + [3] * 2


@pytest.mark.parametrize("spoil, match", [
    (lambda d: d.__setitem__(0, 2), "mode"),
    (lambda d: d.__setitem__(slice(1, 5), (17).to_bytes(4, "little")), "declares 17 symbols"),
    (lambda d: d.__setitem__(5, d[5] ^ 0x01), "complete prefix code"),  # a length of 1 becomes 0 (or the reverse)
    (lambda d: d.__setitem__(7, d[7] + 1), "bits"),  # n_bits (low byte) off by one
    (lambda d: d.__setitem__(-1, d[-1] | 0x80), "padding|code words take|declares"),
])
def test_corrupted_blocks_are_refused(spoil, match):
    data = huffman_block(SKEWED, 4)
    spoil(data)
    take, _ = reader(bytes(data))
    with pytest.raises(ValueError, match=match):
        decode_block(take, len(SKEWED), 4)


def test_a_mode_1_block_for_no_symbols_is_refused():
    take, _ = reader(b"\x01")
    with pytest.raises(ValueError, match="mode 1"):
        decode_block(take, 0, 4)


# --- format 5 read by an independent reader written from docs/format.md ---------------------------------------------

class DocReader:
    """A reader of format 5 following docs/format.md's text only: fields in order, bits one at a time."""

    def __init__(self, data: bytes):
        assert zlib.crc32(data[:-4]) == struct.unpack("<I", data[-4:])[0]
        self.data, self.at = data[:-4], 0

    def read(self, fmt):
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def packed(self, count, w):
        n = (count * w + 7) // 8
        raw, self.at = self.data[self.at:self.at + n], self.at + n
        bit = lambda j: (raw[j // 8] >> (j % 8)) & 1  # noqa: E731
        return [sum(bit(i * w + k) << k for k in range(w)) for i in range(count)]

    def block(self, count, w):
        (mode,) = self.read("B")
        if mode == 0:
            return self.packed(count, w)
        (A,) = self.read("I")
        lengths = self.packed(A, 4)
        (n_bits,) = self.read("I")
        raw, self.at = self.data[self.at:self.at + (n_bits + 7) // 8], self.at + (n_bits + 7) // 8
        words, code, previous = {}, 0, None  # canonical: (length, symbol) order, +1 then shift on growth
        for s in sorted((s for s in range(A) if lengths[s]), key=lambda s: (lengths[s], s)):
            if previous is not None:
                code = (code + 1) << (lengths[s] - previous)
            words[format(code, f"0{lengths[s]}b")], previous = s, lengths[s]
        out, word = [], ""
        for j in range(n_bits):
            word += str((raw[j // 8] >> (j % 8)) & 1)  # most significant bit of each word first
            if word in words:
                out.append(words[word])
                word = ""
        assert len(out) == count and word == ""
        return out


def test_format_5_reads_as_documented():
    rng = np.random.default_rng(4)
    mlp = prune_connections(MLP.init([64, 64, 10], 2), sparsity=0.5)[0]
    qm = quantize_model(MLP([w * rng.exponential(size=w.shape) for w in mlp.weights], mlp.biases), 6)  # skewed
    reader = DocReader(encode(qm, "sparse-quantized-huffman"))
    magic, tag, L = reader.read("4sBH")
    assert (magic, FORMATS[tag], L) == (b"RIMC", "sparse-quantized-huffman", 2)
    sizes = reader.read(f"{L + 1}I")
    modes = []
    for l in range(L):
        nnz, r, m = reader.read("IBI")
        modes.append(reader.data[reader.at])
        symbols = reader.block(m, r)
        positions, p = [], -1
        for s in symbols:
            p += (2 ** r - 1) if s == 0 else s
            if s:
                positions.append(p)
        bits, beta, lo, hi = reader.read("Bddd")
        modes.append(reader.data[reader.at])
        codes = reader.block(nnz, bits)
        biases = reader.read(f"{sizes[l + 1]}f")
        q, mask = qm.weights[l], qm.masks[l]
        assert positions == np.flatnonzero(mask.ravel()).tolist() and codes == q.codes.tolist()
        assert (bits, beta, lo, hi) == (q.bits, q.beta, q.lo, q.hi) and list(biases) == qm.biases[l].tolist()
    assert reader.at == len(reader.data) and 1 in modes  # all read; the Huffman mode was exercised

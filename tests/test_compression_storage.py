"""Honest sizes: every format's byte string reads back exactly, its length follows the documented layout, and the
relative-index code beats a bitmask at low density. Also the demo's compression rows (determinism, bookkeeping)."""

from __future__ import annotations

import math
import struct
import zlib
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl import MLP, accuracy, prune_connections, quantize_model, storage_bytes, train
from refimpl.compression.pipeline import PIPELINE, compression_rows, prune_finetune_quantize
from refimpl.compression.storage import FORMATS, decode, encode

from .oracles import frozen

HEAD = 4 + 1 + 2  # magic, format, layer count


@st.composite
def sparse_models(draw, max_width=9):
    sizes = [draw(st.integers(1, max_width)) for _ in range(draw(st.integers(2, 4)))]
    if draw(st.booleans()) and len(sizes) > 2:
        sizes[1] = 0  # a hidden layer of width 0
    mlp = MLP.init(sizes, draw(st.integers(0, 2**32 - 1)))
    sparsity = draw(st.sampled_from([0.0, 0.5, 0.9, 0.99, 1.0]))
    return prune_connections(mlp, sparsity=sparsity, scope="global")[0]


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def same_quantized(a, b) -> bool:
    return all(
        qa.codes.tobytes() == qb.codes.tobytes() and qa.codes.dtype == qb.codes.dtype
        and (qa.lo, qa.hi, qa.bits, qa.beta) == (qb.lo, qb.hi, qb.bits, qb.beta)
        for qa, qb in zip(a.weights, b.weights, strict=True)
    ) and all(np.array_equal(x, y) for x, y in zip(a.masks + a.biases, b.masks + b.biases, strict=True))


# --- round trips -----------------------------------------------------------------------------------------------------

@given(mlp=sparse_models(), format=st.sampled_from(["float32", "float64", "sparse"]))
def test_float_formats_read_back_the_stored_values_exactly(mlp, format):
    data = encode(mlp, format)
    back = decode(data)
    assert back.sizes == mlp.sizes
    for W, Wb in zip(mlp.weights, back.weights, strict=True):
        assert np.array_equal(Wb, W if format == "float64" else f32(W))
    for b, bb in zip(mlp.biases, back.biases, strict=True):
        assert np.array_equal(bb, f32(b))  # biases are float32 in every format
    assert encode(back, format) == data  # what decode returns is written back to the same bytes


@given(mlp=sparse_models(), bits=st.integers(1, 16), beta=st.sampled_from([0.0, 0.5, 0.75]))
def test_quantized_formats_read_back_the_quantized_model_exactly(mlp, bits, beta):
    qm = quantize_model(mlp, bits, beta)
    formats = ["sparse-quantized", "sparse-quantized-huffman"] + (["quantized"] if all(m.all() for m in qm.masks)
                                                                  else [])
    for format in formats:
        data = encode(qm, format)
        back = decode(data)
        assert same_quantized(back, qm) and encode(back, format) == data
        assert back.dequantize().forward(np.ones((1, mlp.sizes[0]))).tolist() == \
            qm.dequantize().forward(np.ones((1, mlp.sizes[0]))).tolist()


# --- sizes follow the layout -----------------------------------------------------------------------------------------

def index_block_bytes(mask) -> int:
    """Brute force over r: a gap g costs ceil(g / (2^r − 1)) symbols of r bits; the cheapest r wins."""
    positions = [i for i, m in enumerate(np.ravel(mask)) if m]
    gaps = [p - q for p, q in zip(positions, ([-1] + positions)[:len(positions)], strict=True)]
    bits = min(r * sum(math.ceil(g / (2**r - 1)) for g in gaps) for r in range(1, 17))
    return 4 + 1 + 4 + math.ceil(bits / 8)


@given(mlp=sparse_models(), bits=st.integers(1, 16))
def test_sizes_follow_the_documented_layout(mlp, bits):
    L = len(mlp.weights)
    head = HEAD + 4 * (L + 1)
    biases = sum(4 * b.size for b in mlp.biases)
    n = [W.size for W in mlp.weights]
    nnz = [int(np.count_nonzero(W)) for W in mlp.weights]
    assert storage_bytes(mlp, "float32") == head + 4 * sum(n) + biases
    assert storage_bytes(mlp, "float64") == head + 8 * sum(n) + biases
    index = [index_block_bytes(W != 0) for W in mlp.weights]
    assert storage_bytes(mlp, "sparse") == head + sum(index) + 4 * sum(nnz) + biases
    qm = quantize_model(mlp, bits)
    quant = sum(1 + 3 * 8 + math.ceil(k * bits / 8) for k in nnz)
    assert storage_bytes(qm, "sparse-quantized") == head + sum(index) + quant + biases
    if all(m.all() for m in qm.masks):
        assert storage_bytes(qm, "quantized") == head + sum(1 + 24 + math.ceil(k * bits / 8) for k in n) + biases


def test_header_bytes():
    mlp = MLP.init([3, 2, 4], 0)
    data = encode(mlp, "float64")
    assert struct.unpack("<4sBH", data[:7]) == (b"RIMC", FORMATS.index("float64"), 2)
    assert struct.unpack("<3I", data[7:19]) == (3, 2, 4)
    assert struct.unpack("<6d", data[19:19 + 48]) == tuple(mlp.weights[0].ravel())


@pytest.mark.parametrize("density", [0.001, 0.01, 0.05])
def test_relative_indices_beat_the_bitmask_at_low_density(density):
    """A bitmask costs n/8 bytes whatever the density; the gap code pays per nonzero entry."""
    n = 100_000
    mask = np.zeros(n, dtype=bool)
    mask[np.random.default_rng(0).choice(n, int(density * n), replace=False)] = True
    assert index_block_bytes(mask) < n / 8
    W = np.where(mask, 1.0, 0.0).reshape(100, 1000)
    mlp = MLP([W], [np.zeros(1000)])
    assert storage_bytes(mlp, "sparse") == HEAD + 8 + index_block_bytes(mask) + 4 * int(mask.sum()) + 4000


@given(mask=st.lists(st.booleans(), min_size=0, max_size=200), stretch=st.integers(1, 400))
def test_index_code_is_never_longer_than_a_bitmask(mask, stretch):
    m = np.zeros(len(mask) * stretch, dtype=bool)
    m[::stretch] = mask  # long runs of zeros force the escape symbol
    assert index_block_bytes(m) <= 9 + math.ceil(m.size / 8)
    if m.size:
        mlp = MLP([np.where(m, 2.0, 0.0).reshape(1, -1)], [np.zeros(m.size)])
        assert np.array_equal(decode(encode(mlp, "sparse")).weights[0].ravel() != 0, m)


# --- the entropy-coded format ----------------------------------------------------------------------------------------

@given(mlp=sparse_models(max_width=40), bits=st.integers(1, 16))
def test_huffman_format_is_never_much_longer_than_sparse_quantized(mlp, bits):
    """At most one mode byte per stream (two per layer) and the 4-byte CRC over "sparse-quantized"."""
    qm = quantize_model(mlp, bits)
    assert storage_bytes(qm, "sparse-quantized-huffman") <= storage_bytes(qm, "sparse-quantized") + \
        2 * len(mlp.weights) + 4


def test_huffman_format_shrinks_the_demo_pipeline(demo_baseline):
    mlp, X_train, _, y_train, _ = demo_baseline
    qm = prune_finetune_quantize(mlp, X_train, y_train, seed=0, **PIPELINE)[2]
    data = encode(qm, "sparse-quantized-huffman")
    assert same_quantized(decode(data), qm) and len(data) < 0.97 * storage_bytes(qm, "sparse-quantized")


_CODED = encode(quantize_model(prune_connections(MLP.init([8, 16, 4], 1), sparsity=0.6)[0], 5),
                "sparse-quantized-huffman")


@given(st.integers(0, len(_CODED) - 1), st.integers(1, 255))
def test_any_corrupted_byte_of_the_huffman_format_is_refused(at, xor):
    spoiled = bytearray(_CODED)
    spoiled[at] ^= xor
    with pytest.raises(ValueError, match="^data is not a valid refimpl model"):
        decode(bytes(spoiled))


@given(st.integers(0, len(_CODED) - 1))
def test_any_cut_of_the_huffman_format_is_refused(n):
    with pytest.raises(ValueError, match="^data is not a valid refimpl model: (truncated|CRC-32|bad magic)"):
        decode(_CODED[:n])


def test_a_valid_crc_over_an_inconsistent_block_is_still_refused():
    body = bytearray(_CODED[:-4])
    # the first layer's index head: nnz (uint32) follows the header and the three sizes
    at = HEAD + 4 * 3
    body[at:at + 4] = (int.from_bytes(body[at:at + 4], "little") + 1).to_bytes(4, "little")
    with pytest.raises(ValueError, match="index block is inconsistent"):
        decode(bytes(body) + zlib.crc32(bytes(body)).to_bytes(4, "little"))


# --- errors ----------------------------------------------------------------------------------------------------------

_M = MLP.init([3, 4, 2], 0)
_Q = quantize_model(_M, 4)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: storage_bytes(_M, "int8"), ValueError, "format"),
    (lambda: storage_bytes(_M, 32), TypeError, "format"),
    (lambda: storage_bytes(_M, "quantized"), TypeError, "quantize_model"),
    (lambda: storage_bytes(_Q, "float32"), TypeError, "MLP"),
    (lambda: storage_bytes(quantize_model(prune_connections(_M, sparsity=0.5)[0], 4), "quantized"),
     ValueError, "sparse-quantized"),
    (lambda: decode(b"XXXX" + encode(_M, "float32")[4:]), ValueError, "magic"),
    (lambda: decode(encode(_M, "float32")[:-1]), ValueError, "truncated"),
    (lambda: decode(encode(_M, "float32") + b"\x00"), ValueError, "trailing"),
    (lambda: decode("RIMC"), TypeError, "data"),
    (lambda: storage_bytes(MLP([np.array([[1e39]])], [np.zeros(1)]), "float32"), ValueError, "float32 range"),
    (lambda: storage_bytes(MLP([np.array([[1e39]])], [np.zeros(1)]), "sparse"), ValueError, "weights\\[0\\]"),
    (lambda: storage_bytes(MLP([np.ones((1, 1))], [np.array([1e300])]), "float64"), ValueError, "biases"),
    (lambda: quantize_model(MLP([np.ones((1, 1))], [np.array([1e300])]), 4), ValueError, "biases"),
])
def test_storage_bad_inputs(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --- the demo's rows -------------------------------------------------------------------------------------------------

def blobs(n, seed):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    return np.eye(3, 6)[y] * 3 + rng.normal(scale=0.7, size=(n, 6)), y


def test_compression_rows_are_deterministic_and_consistent():
    (X_train, y_train), (X_test, y_test) = blobs(90, 0), blobs(45, 1)
    mlp = MLP.init([6, 12, 3], 0)
    mlp = train(mlp, X_train, y_train, loss="softmax_cross_entropy", lr=0.05, epochs=10)
    rows = compression_rows(mlp, frozen(X_train), frozen(y_train), frozen(X_test), frozen(y_test), seed=3)
    again = compression_rows(mlp, X_train, y_train, X_test, y_test, seed=3)
    right_0 = int((mlp.forward(X_test).argmax(1) == y_test).sum())
    dense = storage_bytes(mlp, "float32")
    assert rows[0]["method"] == "dense" and rows[0]["ratio"] == 1.0 and rows[-1]["method"] == "pipeline+huffman"
    for r, s in zip(rows, again, strict=True):
        assert {k: v for k, v in r.items() if k != "model"} == {k: v for k, v in s.items() if k != "model"}
        assert all(np.array_equal(a, b) for a, b in zip(r["model"].weights, s["model"].weights, strict=True))
        assert r["accuracy"] == accuracy(r["model"], X_test, y_test)
        right = int((r["model"].forward(X_test).argmax(1) == y_test).sum())
        assert r["delta_accuracy"] == float(Fraction(100 * (right - right_0), len(y_test)))
        assert r["ratio"] == dense / r["bytes"]
        assert r["nonzero_weights"] == sum(int(np.count_nonzero(W)) for W in r["model"].weights)
        if r["format"] in ("float32", "float64", "sparse"):
            assert storage_bytes(r["model"], r["format"]) == r["bytes"]
    stages = {r["method"]: r for r in rows if r["method"].startswith("pipeline")}
    sparse_stage, final = stages["pipeline:connections"]["model"], stages["pipeline"]["model"]
    coded = stages["pipeline+huffman"]
    assert all(np.array_equal(a, b) for a, b in zip(coded["model"].weights, final.weights, strict=True))
    assert coded["accuracy"] == stages["pipeline"]["accuracy"] and coded["bytes"] <= stages["pipeline"]["bytes"] + 8
    assert all((Wq[W == 0] == 0).all() for W, Wq in zip(sparse_stage.weights, final.weights, strict=True))

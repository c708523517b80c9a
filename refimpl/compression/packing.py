"""Bit packing of unsigned codes: the real byte form of quantized weights and of sparse index streams.

Layout: code ``i`` occupies bits ``[i·bits, (i+1)·bits)`` of one little-endian bit stream, least significant bit
first; bit ``j`` of the stream is bit ``j mod 8`` of byte ``j // 8``. The last byte is padded with zero bits. So
``count`` codes take exactly ``ceil(count·bits / 8)`` bytes, and packing then unpacking is the identity.
"""

from __future__ import annotations

import numpy as np

from ..spec.checks import as_int_array, check_int
from ..spec.quantization import code_dtype


def packed_size(count: int, bits: int) -> int:
    """Bytes taken by ``count`` codes of ``bits`` bits: ``ceil(count·bits / 8)``."""
    return (count * bits + 7) // 8


def pack_codes(codes, bits) -> bytes:
    """Pack integer codes, each in [0, 2^bits − 1], into ``ceil(n·bits / 8)`` bytes (layout in the module docstring).

    Parameters
    ----------
    codes : array_like of int, any shape (flattened in row-major order; empty gives ``b""``)
    bits : int in 1..16

    Returns
    -------
    bytes. Exact: :func:`unpack_codes` returns the same codes.

    Raises
    ------
    TypeError
        ``codes`` does not hold integers (floats holding whole numbers count as integers), or ``bits`` is not an int.
    ValueError
        ``bits`` outside 1..16, or a code outside [0, 2^bits − 1].
    """
    bits = check_int(bits, "bits", lo=1, hi=16)
    empty = not isinstance(codes, (str, bytes)) and np.size(codes) == 0  # [] is a float array to NumPy
    codes = np.zeros(0, dtype=np.int64) if empty else as_int_array(codes, "codes").ravel()
    if codes.size and (codes.min() < 0 or codes.max() > 2 ** bits - 1):
        raise ValueError(f"codes must lie in [0, {2 ** bits - 1}] to be packed in {bits} bits")
    stream = (codes[:, None] >> np.arange(bits)) & 1  # row i: the bits of code i, least significant first
    return np.packbits(stream.astype(np.uint8).ravel(), bitorder="little").tobytes()


def unpack_codes(data, bits, count) -> np.ndarray:
    """Inverse of :func:`pack_codes`: read ``count`` codes of ``bits`` bits from ``data``.

    Parameters
    ----------
    data : bytes-like of length exactly ``ceil(count·bits / 8)``, padding bits zero
    bits : int in 1..16
    count : int >= 0

    Returns
    -------
    ndarray of shape (count,), uint8 for bits <= 8 else uint16. Exact.

    Raises
    ------
    TypeError
        ``data`` is not bytes-like, or ``bits``/``count`` is not an int.
    ValueError
        ``bits`` outside 1..16, ``count`` negative, ``data`` of the wrong length, or a nonzero padding bit (so that
        every byte string has at most one reading).
    """
    bits = check_int(bits, "bits", lo=1, hi=16)
    count = check_int(count, "count", lo=0)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    raw = np.frombuffer(bytes(data), dtype=np.uint8)
    if raw.size != packed_size(count, bits):
        raise ValueError(f"data must hold {packed_size(count, bits)} bytes for {count} codes of {bits} bits, "
                         f"got {raw.size}")
    stream = np.unpackbits(raw, bitorder="little")
    if stream[count * bits:].any():
        raise ValueError("data has nonzero padding bits after the last code")
    weights = np.left_shift(1, np.arange(bits), dtype=np.int64)
    codes = stream[:count * bits].reshape(count, bits).astype(np.int64) @ weights
    return codes.astype(code_dtype(bits))

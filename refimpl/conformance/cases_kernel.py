"""Boundary cases at the sizes of vectorised kernels (golden vectors v2): 17, 33, 65, 129 and 257 entries, one past
a multiple of 16, 32, 64, 128, 256, with the boundary values on the last lane of a block, the first lane of the next
and in the scalar tail; ties in tensors longer than 16; networks with fan-in 9 and 17; the bits = 1 midpoint and
cancellation for quantize. Appended after the small cases of cases.py (Hypothesis shrinks towards the first ones).

The dyadic networks' sums and products are exact, so their expected results are the same on every platform and
BLAS; the one network with full mantissas has its logits computed exactly and rounded once (see vectors.py).
"""

from __future__ import annotations

import numpy as np

KERNEL = (17, 33, 65, 129, 257)


def _edges(n: int) -> list[int]:
    """Last lane of each block of 16 and first of the next, and the tail after the last full block of 16."""
    out = {n - 1}
    for b in (8, 16, 32, 64, 128):
        out |= {i for k in range(b, n, b) for i in (k - 1, k)}
    return sorted(i for i in out if 0 <= i < n)


def _filled(n: int, base, special) -> np.ndarray:
    """``base[i % len(base)]`` everywhere, ``special[j % len]`` at the block edges and in the tail."""
    w = np.array([base[i % len(base)] for i in range(n)], dtype=np.float64)
    for j, i in enumerate(_edges(n)):
        w[i] = special[j % len(special)]
    return w


def threshold():
    return [{"w": _filled(n, [0.75, -1.25, 0.125, 2.0, -0.375], [0.5, -0.5, np.nextafter(0.5, 1), -0.0, 5e-324]),
             "eps": 0.5} for n in KERNEL]


def l1_importance():
    return [{"w": _filled(n, [0.1, -0.7, 3.0, 1e-3], [1e16, -1.0, 1.0, 2.0 ** 53])} for n in (17, 65, 257)]


def prune_smallest():
    return [{"w": _filled(n, [1.0, -1.0, 0.5, -0.5], [0.5, -1.0, 2.0]), "sparsity": s}
            for n, s in ((17, 0.5), (33, 9 / 33), (65, 0.5), (257, 128.5 / 257))]  # ties everywhere


def minmax_normalize():
    return [{"w": _filled(n, [0.25, 1.5, -0.75, 3.0], [-2.0, 4.0, 5e-324]) + 1000.0 * (n == 129)}
            for n in (17, 65, 129)]  # the last one far from zero


def floor_quantize():
    w = np.arange(129, dtype=np.float64) / 128.0  # on every level of alpha = 128, and just below each
    below = np.nextafter(w, -np.inf)
    return [{"w_tilde": w, "alpha": 128.0, "beta": 0.5}, {"w_tilde": below[1:], "alpha": 128.0, "beta": 0.0},
            {"w_tilde": np.linspace(-1.0, 1.0, 257), "alpha": 255.0, "beta": 0.5},
            {"w_tilde": np.array([3.0, 0.5, 3.25]), "alpha": 2.0 ** 31 + 0.5, "beta": 0.5}]  # beyond int32


def quantize():
    mid = [{"w": np.array([-1.0, 0.0, 1.0] * 11), "bits": 1, "beta": 0.5}]  # w_tilde = 1/2: floor(1) = 1, not 0
    cancel = [{"w": 1e8 + np.arange(65, dtype=np.float64) * 0.25, "bits": 8, "beta": 0.5},  # w - lo cancels
              {"w": _filled(129, [0.0, 1.0, 2.0, 3.0], [3.0, 0.0]), "bits": 2, "beta": 0.0}]
    return mid + cancel


def dequantize():
    codes = np.array([(7 * i) % 256 for i in range(257)], dtype=np.uint8)
    edges = _edges(257)
    codes[edges] = [(0, 255)[j % 2] for j in range(len(edges))]  # both endpoints at block edges and in the tail
    return [{"codes": codes, "lo": -1.0, "hi": 3.0, "bits": 8},
            {"codes": np.arange(33, dtype=np.uint16) * 2047, "lo": 0.0, "hi": 65535.0, "bits": 16}]


def _dyadic_net(sizes, seed):
    rng = np.random.default_rng(seed)
    values = np.array([1.0, -1.0, 0.5, -0.5, 2.0, 0.25, -0.75, 0.0])
    weights = [values[rng.integers(0, values.size, (m, n))] for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [values[rng.integers(0, values.size, n)] for n in sizes[1:]]
    return weights, biases


def _rows(d, n, seed):
    return np.array([0.5, -1.0, 1.5, 0.25, -0.5, 2.0])[np.random.default_rng(seed).integers(0, 6, (n, d))]


def mlp_forward():
    out = []
    for d, seed in ((9, 1), (17, 2)):
        W, b = _dyadic_net([d, 17, 9, 3], seed)
        out.append({"weights": W, "biases": b, "X": _rows(d, 5, seed)})
    # full 53-bit mantissas (float32 arithmetic is far outside the windows); the vectors store the exact logits
    # rounded once (vectors.EXACT), so the file does not depend on the BLAS's summation order
    rng = np.random.default_rng(4)
    sizes = [17, 17, 9, 3]
    W = [rng.standard_normal((m, n)) / 4 for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
    b = [rng.standard_normal(n) / 8 for n in sizes[1:]]
    out.append({"weights": W, "biases": b, "X": rng.standard_normal((4, 17))})
    return out


def input_gradient():
    W, b = _dyadic_net([17, 9, 17, 3], 3)
    X = _rows(17, 4, 3)
    b[0][0] = -(X[1] @ W[0][:, 0])  # an exact zero pre-activation on row 1 only
    return [{"weights": W, "biases": b, "X": X, "target": np.array([0, 2, 1, 0])}]


CASES = {name: globals()[name] for name in ("threshold", "l1_importance", "prune_smallest", "minmax_normalize",
                                             "floor_quantize", "quantize", "dequantize", "mlp_forward",
                                             "input_gradient")}

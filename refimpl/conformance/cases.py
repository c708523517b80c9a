"""Hand-picked boundary cases per op: the golden vectors, and the first examples every check tries.

Each case is a dict of keyword inputs in the candidate's argument order. The values are chosen so that every
clause of the op is decided on at least one case; the comments say which boundary each case sits on.
"""

from __future__ import annotations

import math

import numpy as np

from . import cases_more
from .clauses import OPS

TINY = 5e-324  # the smallest subnormal


def array_of(values, shape=None) -> np.ndarray:
    """A float64 array of ``values`` (reshaped to ``shape`` when given)."""
    a = np.array(values, dtype=np.float64)
    return a.reshape(shape) if shape is not None else a


def ulp_up(x: float) -> float:
    return math.nextafter(x, math.inf)


def ulp_down(x: float) -> float:
    return math.nextafter(x, -math.inf)


def _net(sizes, values, bias_values=(0.0,)):
    """A small network with dyadic entries taken cyclically from ``values`` (exact arithmetic)."""
    weights, biases, i = [], [], 0
    for m, n in zip(sizes[:-1], sizes[1:], strict=True):
        weights.append(array_of([values[(i + j) % len(values)] for j in range(m * n)], (m, n)))
        biases.append(array_of([bias_values[(i + j) % len(bias_values)] for j in range(n)]))
        i += m * n
    return weights, biases


def _threshold():
    return [
        {"w": array_of([0.5, -0.5, 1.0, 0.25]), "eps": 0.5},  # |w| == eps is removed (strict >)
        {"w": array_of([0.0, -0.0, TINY, -TINY]), "eps": 0.0},  # eps = 0 removes exactly the zeros
        {"w": array_of([ulp_up(0.1), 0.1, ulp_down(0.1), -0.1]), "eps": 0.1},  # one ulp either side of eps
        {"w": array_of([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]]), "eps": 3.0},  # 2-D
        {"w": array_of([]), "eps": 1.0},  # empty
        {"w": array_of([1e300, -1e-300, 2.0]), "eps": 1e-300},
    ]


def _l1_importance():
    return [
        {"w": array_of([[1.0, -2.0], [3.0, -4.0]])},
        {"w": array_of([1e16, 1.0, 1.0])},  # left-to-right summation loses the ones; the correctly rounded sum does not
        {"w": array_of([0.1, 0.2, 0.3])},
        {"w": array_of([-0.0, TINY, -TINY])},
        {"w": array_of([])},
    ]


def _prune_smallest():
    return [
        {"w": array_of([1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0]), "sparsity": 3 / 8},  # all tied
        {"w": array_of([5.0, 1.0, 4.0, 2.0, 3.0]), "sparsity": 0.5},  # 0.5 * 5 = 2.5 rounds to 2 (half even)
        {"w": array_of([7.0, 1.0, 6.0, 2.0, 5.0, 3.0, 4.0]), "sparsity": 0.5},  # 3.5 rounds to 4
        {"w": array_of(np.arange(1.0, 11.0)), "sparsity": 0.35},  # 0.35 * 10 == 3.5 in float64: 4
        {"w": array_of([3.0, -2.0, 1.0]), "sparsity": 0.0},
        {"w": array_of([3.0, -2.0, 1.0]), "sparsity": 1.0},
        {"w": array_of([[2.0, -1.0], [1.0, -2.0]]), "sparsity": 0.5},  # ties across rows: flat index order
        {"w": array_of([0.0, -0.0, 1.0, TINY]), "sparsity": 0.75},
    ]


def _minmax_normalize():
    return [
        {"w": array_of([1.0, 2.0, 3.0])},
        {"w": array_of([2.0, 2.0, 2.0])},  # constant: all zeros
        {"w": array_of([-0.0, 0.0])},  # constant (-0.0 == 0.0)
        {"w": array_of([-1.0, TINY, 1.0])},
        {"w": array_of([[0.1, 0.7], [0.3, -0.2]])},
        {"w": array_of([-1e300, 1e300])},
    ]


def _floor_quantize():
    return [
        {"w_tilde": array_of([0.29]), "alpha": 100.0, "beta": 0.0},  # 100 * 0.29 = 28.999999999999996: floor 28
        {"w_tilde": array_of([1 / 49]), "alpha": 49.0, "beta": 0.0},  # 49 * (1/49) rounds below 1: floor 0
        {"w_tilde": array_of([-0.5, -0.25, -0.0, 0.0]), "alpha": 1.0, "beta": 0.0},  # floor toward -inf
        {"w_tilde": array_of([0.0, 0.5, 1.0, 0.25]), "alpha": 3.0, "beta": 0.5},  # 3*0.5+0.5 = 2: exactly an integer
        {"w_tilde": array_of([0.0, 1.0, 0.7]), "alpha": 255.0, "beta": 0.5},
        {"w_tilde": array_of([[0.1, 0.2], [0.3, 0.4]]), "alpha": 10.0, "beta": 0.0},
    ]


def _quantize():
    return [
        {"w": array_of([0.0, 1.0, 2.0, 3.0]), "bits": 2, "beta": 0.5},  # every level hit; max lands on alpha, not 2^b
        {"w": array_of([1.0, 2.0, 4.0]), "bits": 8, "beta": 0.5},  # positive: zero must not be forced into the range
        {"w": array_of([5.0, 5.0]), "bits": 4, "beta": 0.5},  # constant tensor
        {"w": array_of([-1.0, 0.0, 0.5, 1.0]), "bits": 1, "beta": 0.0},  # truncation
        {"w": array_of([0.1, 0.4, 0.7, 1.0]), "bits": 16, "beta": 0.5},
        {"w": array_of([-3.0, -2.99, -2.0]), "bits": 8, "beta": 0.0},
    ]


def _dequantize():
    return [
        {"codes": np.array([0, 1, 2, 3], dtype=np.uint8), "lo": -1.0, "hi": 2.0, "bits": 2},
        {"codes": np.array([0, 255, 128], dtype=np.uint8), "lo": 0.1, "hi": 0.7, "bits": 8},
        {"codes": np.array([0, 0], dtype=np.uint8), "lo": 5.0, "hi": 5.0, "bits": 4},  # constant tensor
        {"codes": np.array([0, 65535, 1], dtype=np.uint16), "lo": -3.0, "hi": 3.0, "bits": 16},
    ]


def _mlp_forward():
    w, b = _net([2, 3, 2], [1.0, -1.0, 0.5, -0.5, 2.0, 0.25], [0.0, 1.0, -1.0])
    w0, b0 = _net([3, 0, 2], [1.0])
    wl, bl = _net([3, 2], [1.0, -2.0, 0.5], [0.5])
    return [
        {"weights": w, "biases": b, "X": array_of([[1.0, 1.0], [0.5, -1.0], [0.0, 0.0]])},  # a pre-activation is 0
        {"weights": w0, "biases": b0, "X": array_of([[1.0, 2.0, 3.0]])},  # hidden width 0
        {"weights": wl, "biases": bl, "X": array_of([[1.0, 0.0, -1.0], [2.0, 2.0, 2.0]])},  # no hidden layer
    ]


def _mlp_gradients():
    w, b = _net([2, 3, 2], [1.0, -1.0, 0.5, -0.5, 2.0, 0.25], [0.0, 1.0, -1.0])
    wb, bb = _net([2, 2, 1], [1.0, -1.0, 0.5], [0.0])
    wbig, bbig = _net([2, 2], [1000.0, -1000.0, 2000.0, 500.0])
    X = array_of([[1.0, 1.0], [0.5, -1.0], [0.0, 0.0]])
    return [
        {"weights": w, "biases": b, "X": X, "y": np.array([0, 1, 1]), "loss": "softmax_cross_entropy"},
        {"weights": wb, "biases": bb, "X": X, "y": np.array([1, 0, 1]), "loss": "binary_cross_entropy_with_logits"},
        {"weights": wbig, "biases": bbig, "X": X, "y": np.array([1, 0, 0]), "loss": "softmax_cross_entropy"},
    ]


def _input_gradient():
    w, b = _net([2, 3, 2], [1.0, -1.0, 0.5, -0.5, 2.0, 0.25], [0.0, 1.0, -1.0])
    X = array_of([[1.0, 1.0], [0.5, -1.0], [0.0, 0.0]])  # row 3: pre-activation 0 at a unit with bias 0
    return [{"weights": w, "biases": b, "X": X, "target": np.array([0, 1, 1])}]


def _integrated_gradients():
    w, b = _net([2, 3, 2], [1.0, -1.0, 0.5, -0.5, 2.0, 0.25], [0.0, 1.0, -1.0])
    wl, bl = _net([3, 1], [1.0, -2.0, 0.5], [0.5])
    X = array_of([[1.0, 1.0], [0.5, -1.0], [2.0, -3.0]])
    return [
        {"weights": wl, "biases": bl, "X": array_of([[1.0, 2.0, 3.0]]), "baselines": array_of([[0.0, 0.0, 0.0]]),
         "target": np.array([0])},  # no hidden layer: IG = (x - b) * w exactly
        {"weights": w, "biases": b, "X": X, "baselines": np.zeros((3, 2)), "target": np.array([0, 1, 0])},
        {"weights": w, "biases": b, "X": X, "baselines": X.copy(), "target": np.array([1, 1, 0])},  # x == baseline
    ]


def _prune_neurons():
    # P_0 = [3, 0, 2.5, 1]: L1 keeps neuron 0 first, L2 would keep neuron 2; neuron 1 is dead with relu(b) = 1
    # (folded into b_1). P_1 = [4.5, 4.5, 2.25]: a tie between neurons 0 and 1.
    weights = [array_of([[1.5, 0.0, 2.5, 0.5], [1.5, 0.0, 0.0, -0.5]]),
               array_of([[1.0, -1.0, 0.5], [2.0, 0.5, -1.0], [0.5, 0.5, 0.5], [-1.0, 2.5, 0.25]]),
               array_of([[1.0, -1.0], [0.5, 2.0], [-0.5, 0.25]])]
    biases = [array_of([0.5, 1.0, -1.0, 0.25]), array_of([0.5, -1.0, 0.25]), array_of([0.5, -1.0])]
    return [{"weights": weights, "biases": biases, "keep_ratio": r} for r in (0.25, 0.5, 0.0, 1.0, 0.375)]


_CASES = {op: globals()[f"_{op}"] for op in OPS if f"_{op}" in globals()}  # each op's function is named _<op>
_CASES.update(cases_more.CASES)  # the ops of issue 13


def boundary_cases(op: str, kernel: bool = False) -> list[dict]:
    """The fixed boundary cases of ``op`` (fresh arrays on every call); with ``kernel`` (the golden vectors) also
    those at kernel sizes (cases_kernel.py). The search starts from the small ones only, so that shrinking ends at a
    small witness; it reaches kernel sizes by itself."""
    from . import cases_kernel  # noqa: PLC0415 - imports this module's helpers' users only

    more = cases_kernel.CASES[op]() if kernel and op in cases_kernel.CASES else []
    return _CASES[op]() + more

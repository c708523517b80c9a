"""Hand-picked boundary cases of the ops added for issue 13 (golden vectors and first examples of every check),
in cases.py's format. The comments say which boundary each case sits on."""

from __future__ import annotations

import numpy as np


def _a(values, shape=None) -> np.ndarray:
    out = np.array(values, dtype=np.float64)
    return out.reshape(shape) if shape is not None else out


def _kink_net():
    """2-2-2: unit 1 of the hidden layer has pre-activation exactly 0 at x = [1, 1] (ReLU'(0) = 0 decides), and
    the path 0 -> [1, 0.5] crosses unit 1's kink half-way (linear_pieces)."""
    W = [_a([[1.0, -1.0], [2.0, 1.0]]), _a([[1.0, -0.5], [-2.0, 1.0]])]
    return W, [_a([0.0, 0.25]), _a([0.25, 0.0])]


def _linear_net():
    return [_a([[1.0, -2.0], [0.5, 0.0], [-1.0, 3.0]])], [_a([0.5, -1.0])]


def _attribution_inputs():
    W, b = _kink_net()
    X = _a([[1.0, 0.5], [0.0, -0.5], [-1.0, 0.75]])  # row 1: x_0 = 0; no pre-activation is 0 on these rows
    kink = _a([[0.25, 0.0]])  # unit 1: -0.25 + 0 + 0.25 = 0 exactly
    return W, b, X, kink


def _saliency():
    W, b, X, kink = _attribution_inputs()
    lw, lb = _linear_net()
    return [
        {"weights": W, "biases": b, "X": X, "target": np.array([0, 1, 0]), "abs": True},  # negative gradients
        {"weights": W, "biases": b, "X": X, "target": np.array([1, 1, 1]), "abs": False},  # the signed gradient
        {"weights": W, "biases": b, "X": kink, "target": np.array([0]), "abs": True},  # ReLU'(0) = 0
        {"weights": lw, "biases": lb, "X": _a([[1.0, 2.0, 3.0]]), "target": np.array([1]), "abs": True},
    ]


def _gradient_x_input():
    W, b, X, kink = _attribution_inputs()
    return [
        {"weights": W, "biases": b, "X": X, "target": np.array([0, 1, 0])},  # x = 0 gives exactly 0
        {"weights": W, "biases": b, "X": kink, "target": np.array([1])},  # ReLU'(0) = 0
    ]


def _global_importance():
    W, b, X, _ = _attribution_inputs()
    zero_col = X.copy()
    zero_col[:, 0] = 0.0  # feature 0 is 0 in every row: exactly 0 for IG and gradient x input
    return [{"weights": W, "biases": b, "X": zero_col, "target": np.array([0, 1, 1]), "method": m}
            for m in ("integrated_gradients", "saliency", "gradient_x_input")] + [
        {"weights": W, "biases": b, "X": X, "target": np.array([1, 0, 0]), "method": "integrated_gradients"}]


def _linear_pieces():
    W, b = _kink_net()
    lw, lb = _linear_net()
    return [
        {"weights": W, "biases": b, "x": _a([1.0, 0.5]), "baseline": _a([0.0, 0.0])},  # one kink at alpha = 1/2
        {"weights": W, "biases": b, "x": _a([0.25, 0.0]), "baseline": _a([0.0, 0.0])},  # 0 at alpha = 1: no split
        {"weights": W, "biases": b, "x": _a([1.0, 1.0]), "baseline": _a([1.0, 1.0])},  # x == baseline
        {"weights": W, "biases": b, "x": _a([2.0, -1.0]), "baseline": _a([-2.0, 1.0])},  # several crossings
        {"weights": lw, "biases": lb, "x": _a([1.0, 2.0, 3.0]), "baseline": _a([0.0, 0.0, 0.0])},  # no hidden layer
    ]


def _neuron_importance():
    # hidden layer 0: neuron 1 has all-zero incoming weights (dead, relu(b) = 1 > 0 still 'fires' as a constant);
    # neuron 3 never fires on X (its pre-activation is -1 or less on every row).
    W = [_a([[1.5, 0.0, -2.5, -1.0], [1.5, 0.0, 0.0, 0.0]]), _a([[1.0, -1.0], [2.0, 0.5], [0.5, 0.5], [-1.0, 2.5]])]
    b = [_a([0.5, 1.0, -1.0, -1.0]), _a([0.5, -1.0])]
    X = _a([[1.0, 0.5], [0.5, -0.25], [0.0, 1.0]])
    y = np.array([0, 1, 1])
    return [{"weights": W, "biases": b, "layer": 0, "kind": k, "X": X, "y": y}
            for k in ("l1", "l2", "activation", "taylor")] + [
        {"weights": [W[0], W[1][:, :1]], "biases": [b[0], b[1][:1]], "layer": 0, "kind": "taylor", "X": X,
         "y": y % 2}]  # one output: the binary loss


def _softmax_cross_entropy():
    return [
        {"logits": _a([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]), "y": np.array([2, 0])},  # a tie row: loss log 3
        {"logits": _a([[1000.0, -1000.0], [-800.0, 800.0]]), "y": np.array([1, 1])},  # exp(1000) overflows unshifted
        {"logits": _a([[5.0]]), "y": np.array([0])},  # one class: loss 0, gradient 0
        {"logits": _a([[1e300, -1e300]]), "y": np.array([0])},
    ]


def _binary_cross_entropy_with_logits():
    return [
        {"logits": _a([[0.0], [2.0], [-3.0]]), "y": np.array([1, 0, 0])},
        {"logits": _a([[40.0], [-40.0]]), "y": np.array([1, 0])},  # loss 4.2e-18: log(1 + x) gives 0
        {"logits": _a([[800.0], [-800.0]]), "y": np.array([0, 1])},  # exp(800) overflows a naive sigmoid
    ]


def _sgd_update():
    W = [_a([[1.0, -2.0], [0.5, 3.0]]), _a([[1.0], [-1.0]])]
    b = [_a([0.5, -0.5]), _a([0.25])]
    g = [[_a([[0.5, 1.0], [-1.0, 2.0]]), _a([[2.0], [0.5]])], [_a([1.0, -1.0]), _a([0.5])]]
    v = [[_a([[1.0, 0.0], [2.0, -1.0]]), _a([[0.5], [0.0]])], [_a([0.5, 0.5]), _a([-1.0])]]
    zeros = [[np.zeros((2, 2)), np.zeros((2, 1))], [np.zeros(2), np.zeros(1)]]
    pruned = [np.array([[True, False], [True, True]]), np.array([[False], [True]])]
    everything = [np.ones((2, 2), dtype=bool), np.ones((2, 1), dtype=bool)]
    return [
        {"weights": W, "biases": b, "grads": g, "velocity": zeros, "lr": 0.5, "momentum": 0.0, "masks": everything},
        {"weights": W, "biases": b, "grads": g, "velocity": v, "lr": 0.25, "momentum": 0.5, "masks": everything},
        {"weights": W, "biases": b, "grads": g, "velocity": v, "lr": 0.5, "momentum": 0.5, "masks": pruned},
        {"weights": W, "biases": b, "grads": g, "velocity": v, "lr": 0.1, "momentum": 0.9, "masks": pruned},
    ]


def _fake_quantize():
    return [
        {"w": _a([0.0, 1.0, 2.0, 3.0]), "bits": 2, "beta": 0.5},  # every level hit exactly
        {"w": _a([1.0, 2.0, 4.0]), "bits": 8, "beta": 0.5},  # positive: 0 is not forced into the range
        {"w": _a([5.0, 5.0]), "bits": 4, "beta": 0.5},  # constant: back exactly
        {"w": _a([0.0, 0.5, 1.0]), "bits": 1, "beta": 0.5},  # 0.5 is a tie: half up gives 1.0
        {"w": _a([-1.0, -0.2, 0.3, 1.0]), "bits": 3, "beta": 0.0},  # truncation
    ]


def _quantize_model():
    pruned = _a([[0.0, 1.0, -1.0], [0.5, 0.0, 2.0]])  # zeros stay 0 and take no part in lo/hi
    return [
        {"weights": [pruned, _a([[3.0], [0.0], [-3.0]])], "bits": 2, "beta": 0.5},
        {"weights": [_a([[0.25, 0.25]]), _a([[0.0], [0.0]])], "bits": 4, "beta": 0.5},  # constant, all-zero
        {"weights": [_a([[1.0, 2.0], [3.0, 4.0]])], "bits": 8, "beta": 0.5},  # dense, positive
    ]


def _prune_connections():
    tied = [_a([[1.0, -1.0], [1.0, 2.0]]), _a([[1.0], [-1.0]])]  # |w| = 1 in both matrices
    return [
        {"weights": tied, "sparsity": 0.5, "scope": "layer"},  # 2 of 4 and 1 of 2 (0.5 * 2 = 1)
        {"weights": tied, "sparsity": 0.5, "scope": "global"},  # 3 of 6: ties go to the earlier matrix
        {"weights": tied, "sparsity": 0.25, "scope": "global"},  # 1.5 rounds to 2 (half even)
        {"weights": [_a([[3.0, 0.0, 1.0]]).T], "sparsity": 1.0, "scope": "layer"},
        {"weights": tied, "sparsity": 0.0, "scope": "global"},
    ]


def _channel_tensor():
    # columns: levels 0..3 of [0, 3]; constant 2.0 (comes back exactly); positive [1, 4] (0 not forced in)
    return _a([[0.0, 2.0, 1.0], [3.0, 2.0, 4.0], [1.0, 2.0, 2.0], [2.0, 2.0, 1.5]])


def _quantize_per_channel():
    w = _channel_tensor()
    return [
        {"w": w, "bits": 2, "beta": 0.5, "axis": 1},  # per output neuron of a (n_in, n_out) matrix
        {"w": w, "bits": 2, "beta": 0.5, "axis": -2},  # per row, a negative axis
        {"w": _a([0.5, -1.0, 3.0]), "bits": 4, "beta": 0.5, "axis": 0},  # every entry its own (constant) slice
        {"w": _a(np.arange(12.0).reshape(2, 3, 2)), "bits": 3, "beta": 0.0, "axis": 2},  # 3-D, truncation
    ]


def _fake_quantize_per_channel():
    return [dict(case) for case in _quantize_per_channel()]


def _dequantize_per_channel():
    return [
        {"codes": np.array([[0, 3, 1], [3, 0, 2]], dtype=np.uint8), "lo": _a([-1.0, 2.0, 0.1]),
         "hi": _a([2.0, 2.0, 0.7]), "bits": 2, "axis": 1},  # slice 1 constant: lo = hi
        {"codes": np.array([[0, 65535], [1, 0]], dtype=np.uint16), "lo": _a([-3.0, 0.0]), "hi": _a([3.0, 1.0]),
         "bits": 16, "axis": -2},
    ]


CASES = {name[1:]: fn for name, fn in list(globals().items()) if name.startswith("_") and callable(fn)
         and name[1:] in ("saliency", "gradient_x_input", "global_importance", "linear_pieces", "neuron_importance",
                          "softmax_cross_entropy", "binary_cross_entropy_with_logits", "sgd_update", "fake_quantize",
                          "quantize_model", "prune_connections", "quantize_per_channel",
                          "fake_quantize_per_channel", "dequantize_per_channel")}

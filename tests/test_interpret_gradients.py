"""Input gradient, saliency and gradient × input against finite differences and closed forms."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import refimpl

from .oracles import dyadic_mlps, frozen
from .oracles_interpret import hidden_preactivations, rows

H = 1e-4  # finite-difference step


def _hidden_patterns(mlp, X):
    return np.hstack([z > 0 for z in hidden_preactivations(mlp, X)] + [np.zeros((len(X), 0), dtype=bool)])


@given(st.lists(st.integers(0, 6), min_size=0, max_size=3), st.integers(1, 5), st.integers(1, 3),
       st.integers(0, 2**32 - 1))
def test_input_gradient_matches_central_differences_away_from_kinks(hidden, d, outputs, seed):
    mlp = refimpl.MLP.init([d, *hidden, outputs], seed)
    rng = np.random.default_rng(seed)
    mlp = refimpl.MLP(mlp.weights, [rng.normal(size=b.shape) for b in mlp.biases])
    x = rng.normal(size=d)
    target = int(rng.integers(outputs))
    steps = np.vstack([x + H * e for e in np.eye(d)] + [x - H * e for e in np.eye(d)])
    patterns = _hidden_patterns(mlp, np.vstack([x, steps]))
    assume((patterns == patterns[0]).all())  # the whole stencil lies inside one linear piece
    F = mlp.forward(steps)[:, target]
    fd = (F[:d] - F[d:]) / (2 * H)
    grad = refimpl.input_gradient(mlp, x[None], target)[0]
    scale = np.abs(mlp.forward(steps)).max() + 1
    np.testing.assert_allclose(grad, fd, rtol=0, atol=1e-11 * scale / H)  # rounding of F (~1e-16 · scale) over 2H


@given(st.data())
def test_gradient_of_an_affine_model_is_its_weight_column_exactly(data):
    mlp = data.draw(dyadic_mlps(max_hidden=0))
    X = data.draw(rows(mlp.sizes[0]))
    for t in range(mlp.sizes[-1]):
        grad = refimpl.input_gradient(mlp, X, t)
        np.testing.assert_array_equal(grad, np.tile(mlp.weights[0][:, t], (len(X), 1)))
        column = mlp.weights[0][:, t]
        expected = [[float(Fraction(x) * Fraction(w)) for x, w in zip(r, column, strict=True)] for r in X]
        np.testing.assert_array_equal(refimpl.gradient_x_input(mlp, X, t), expected)


@given(st.data())
def test_saliency_and_gradient_x_input_are_built_from_the_gradient(data):
    mlp = data.draw(dyadic_mlps(max_hidden=2))
    X = data.draw(rows(mlp.sizes[0], 1, 4))
    targets = np.array(data.draw(st.lists(st.integers(0, mlp.sizes[-1] - 1), min_size=len(X), max_size=len(X))))
    grad = refimpl.input_gradient(mlp, X, targets)
    onehot = np.eye(mlp.sizes[-1])[targets]
    np.testing.assert_array_equal(grad, refimpl.backward(mlp, X, onehot).inputs)  # the foundation's backward pass
    np.testing.assert_array_equal(refimpl.saliency(mlp, X, targets), np.abs(grad))
    np.testing.assert_array_equal(refimpl.saliency(mlp, X, targets, abs=False), grad)
    np.testing.assert_array_equal(refimpl.gradient_x_input(mlp, X, targets), X * grad)


def test_relu_derivative_at_zero_is_zero():
    # hidden unit 0 has pre-activation exactly 0 at x = (1, 1): it passes no gradient
    mlp = refimpl.MLP([[[1.0, 1.0], [-1.0, 0.0]], [[3.0], [1.0]]], [[0.0, 0.0], [0.0]])
    np.testing.assert_array_equal(refimpl.input_gradient(mlp, [[1.0, 1.0]]), [[1.0, 0.0]])
    np.testing.assert_array_equal(refimpl.input_gradient(mlp, [[1.5, 1.0]]), [[4.0, -3.0]])


def test_target_forms():
    mlp = refimpl.MLP.init([3, 4, 2], 0)
    X = np.random.default_rng(0).normal(size=(3, 3))
    per_row = refimpl.input_gradient(mlp, X, [1, 1, 1])
    for target in (1, np.int64(1), np.array(1), np.array([1, 1, 1]), [1.0, 1.0, 1.0]):
        np.testing.assert_array_equal(refimpl.input_gradient(mlp, X, target), per_row)
    single = refimpl.MLP.init([3, 4, 1], 0)
    np.testing.assert_array_equal(refimpl.input_gradient(single, X), refimpl.input_gradient(single, X, 0))
    assert refimpl.input_gradient(mlp, np.zeros((0, 3)), 0).shape == (0, 3)


def test_read_only_inputs_and_determinism():
    mlp = refimpl.MLP.init([4, 6, 3], 0)
    X = frozen(np.random.default_rng(1).normal(size=(5, 4)))
    targets = np.array([0, 1, 2, 0, 1])
    targets.flags.writeable = False
    for f in (refimpl.input_gradient, refimpl.saliency, refimpl.gradient_x_input):
        np.testing.assert_array_equal(f(mlp, X, targets), f(mlp, X, targets))


@pytest.mark.parametrize("function", [refimpl.input_gradient, refimpl.saliency, refimpl.gradient_x_input])
@pytest.mark.parametrize("args, error, word", [
    (("model", np.ones((2, 4)), 0), TypeError, "mlp"),
    ((None, np.ones((2, 5)), 0), ValueError, "X"),
    ((None, np.ones(4), 0), ValueError, "X"),
    ((None, [[1, 2, 3, np.nan]], 0), ValueError, "X"),
    ((None, np.ones((2, 4)), None), ValueError, "target"),
    ((None, np.ones((2, 4)), -1), ValueError, "target"),
    ((None, np.ones((2, 4)), [0, 3]), ValueError, "target"),
    ((None, np.ones((2, 4)), [[0, 1]]), ValueError, "target"),
    ((None, np.ones((2, 4)), "0"), TypeError, "target"),
    ((None, np.ones((2, 4)), [0.5, 1]), TypeError, "target"),
])
def test_bad_arguments_raise_clear_errors(function, args, error, word):
    mlp = refimpl.MLP.init([4, 6, 3], 0)
    args = (mlp if args[0] is None else args[0],) + args[1:]
    with pytest.raises(error, match=word):
        function(*args)


def test_saliency_abs_must_be_a_bool():
    with pytest.raises(TypeError, match="abs"):
        refimpl.saliency(refimpl.MLP.init([2, 1], 0), [[1.0, 2.0]], abs="yes")

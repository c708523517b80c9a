"""MLP, forward and backward against independent oracles (scalar loops, central differences, closed forms)."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from refimpl import MLP, Gradients, backward
from refimpl.spec.mlp import forward_trace

from .oracles import EPS, abs_forward, central_difference, frozen, loop_forward

# Layer widths: input and output >= 1, hidden widths may be 0 (every neuron pruned).
sizes_st = st.builds(lambda n0, hidden, out: (n0, *hidden, out),
                     st.integers(1, 4), st.lists(st.integers(0, 4), max_size=2), st.integers(1, 3))


def random_model(sizes, seed, bias_scale=0.5):
    """A model with N(0, 1) weights and N(0, bias_scale²) biases (He init has zero biases: too special here)."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(m, n)) for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [rng.normal(scale=bias_scale, size=n) for n in sizes[1:]]
    return MLP(weights, biases), rng


# --- forward --------------------------------------------------------------------------------------------------------

@given(sizes=sizes_st, n=st.integers(0, 4), seed=st.integers(0, 2**32 - 1))
def test_forward_matches_scalar_loop_oracle(sizes, n, seed):
    mlp, rng = random_model(sizes, seed)
    X = rng.uniform(-2, 2, size=(n, sizes[0]))
    expected, _ = loop_forward(mlp.weights, mlp.biases, X)
    got = mlp.forward(frozen(X))
    assert got.shape == (n, sizes[-1]) and got.dtype == np.float64
    # Each logit is a chain of dot products of length <= 5; its rounding error is below
    # (depth + width) · ε · (the same pass on absolute values), so 32 ε · abs_forward is a safe bound.
    tol = 32 * EPS * abs_forward(mlp.weights, mlp.biases, X)
    assert np.all(np.abs(got - expected) <= tol)


def test_forward_of_width_zero_hidden_layer_is_the_output_bias():
    mlp = MLP([np.ones((3, 0)), np.ones((0, 2))], [np.zeros(0), np.array([1.5, -2.0])])
    out = mlp.forward(np.arange(12.0).reshape(4, 3))
    assert np.array_equal(out, np.tile([1.5, -2.0], (4, 1)))
    assert mlp.sizes == (3, 0, 2) and mlp.n_parameters == 2


# --- backward against central differences --------------------------------------------------------------------------

H = 1e-6           # finite-difference step
KINK_MARGIN = 1e-3  # every hidden pre-activation at least this far from 0 (so ±H never crosses a ReLU kink)


def pattern(weights, biases, X):
    return [z > 0 for z in loop_forward(weights, biases, X)[1]]


@given(sizes=sizes_st, n=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_backward_matches_central_differences(sizes, n, seed):
    """Every entry of Gradients (weights, biases and inputs) against a central difference of J = Σ dlogits ⊙ logits.

    With the ReLU pattern fixed, the logits are affine in any single parameter or input (each appears once in every
    path product), so the central difference has no truncation error: only rounding, about ε·S/H where S bounds
    |J|'s terms (dlogits against the pass on absolute values). The tolerance 1e-6·(1 + S) is ≥ 100× that
    (ε/H ≈ 2.2e-10). The kink margin 1e-3 is far above H × any ∂z/∂θ here, and the test checks that the pattern
    is really the same at θ ± H for every coordinate before trusting the difference.
    """
    mlp, rng = random_model(sizes, seed)
    X = rng.uniform(-2, 2, size=(n, sizes[0]))
    dlogits = rng.normal(size=(n, sizes[-1]))
    _, pre = loop_forward(mlp.weights, mlp.biases, X)
    assume(all(np.all(np.abs(z) >= KINK_MARGIN) for z in pre))
    W, b = [np.array(w) for w in mlp.weights], [np.array(v) for v in mlp.biases]
    base = pattern(W, b, X)
    S = 1 + float(np.sum(np.abs(dlogits) * abs_forward(W, b, X)))

    def J(weights, biases, inputs):
        for p, q in zip(pattern(weights, biases, inputs), base, strict=True):
            assert np.array_equal(p, q), "a finite-difference step crossed a ReLU kink"
        return float(np.sum(dlogits * forward_trace(weights, biases, inputs)[-1]))

    grads = backward(mlp, frozen(X), frozen(dlogits))
    assert isinstance(grads, Gradients)
    for layer in range(len(W)):
        def with_w(w, layer=layer):
            return J(W[:layer] + [w] + W[layer + 1:], b, X)

        def with_b(v, layer=layer):
            return J(W, b[:layer] + [v] + b[layer + 1:], X)

        assert grads.weights[layer].shape == W[layer].shape
        assert np.allclose(grads.weights[layer], central_difference(with_w, W[layer], H), rtol=0, atol=1e-6 * S)
        assert grads.biases[layer].shape == b[layer].shape
        assert np.allclose(grads.biases[layer], central_difference(with_b, b[layer], H), rtol=0, atol=1e-6 * S)
    assert grads.inputs.shape == X.shape
    assert np.allclose(grads.inputs, central_difference(lambda x: J(W, b, x), X, H), rtol=0, atol=1e-6 * S)


def test_relu_derivative_at_zero_is_zero():
    """z = 1·1 + (−1) = 0 exactly: no gradient flows through the unit (ReLU'(0) = 0), although its right
    derivative would be 1 and pass W1 = 3 on to every earlier quantity."""
    mlp = MLP([np.array([[1.0]]), np.array([[3.0]])], [np.array([-1.0]), np.array([0.5])])
    X, dlogits = np.array([[1.0]]), np.array([[1.0]])
    g = backward(mlp, X, dlogits)
    assert g.weights[0][0, 0] == 0.0 and g.biases[0][0] == 0.0 and g.inputs[0, 0] == 0.0
    assert g.weights[1][0, 0] == 0.0  # h = ReLU(0) = 0
    assert g.biases[1][0] == 1.0
    # the right difference sees slope 3 (W1 · X), the left one 0: the kink is real and 0 is the chosen side
    right = (mlp_out(1.0 + 1e-3, X) - mlp_out(1.0, X)) / 1e-3
    left = (mlp_out(1.0, X) - mlp_out(1.0 - 1e-3, X)) / 1e-3
    assert right == pytest.approx(3.0) and left == 0.0


def mlp_out(w0, X):
    return MLP([np.array([[w0]]), np.array([[3.0]])], [np.array([-1.0]), np.array([0.5])]).forward(X)[0, 0]


@given(sizes=st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3)), seed=st.integers(0, 2**32 - 1),
       unit=st.integers(0, 3))
def test_exact_zero_pre_activation_passes_no_gradient(sizes, seed, unit):
    """Set b0[u] = −(x @ W0)[u], so the unit's pre-activation is exactly 0 on the one example: its column of dW0,
    its bias gradient, and its contribution to dX must all be exactly 0."""
    unit %= sizes[1]
    mlp, rng = random_model(sizes, seed)
    x = rng.uniform(-2, 2, size=(1, sizes[0]))
    W0, b0 = np.array(mlp.weights[0]), np.array(mlp.biases[0])
    b0[unit] = -(x @ W0)[0, unit]
    assert (x @ W0 + b0)[0, unit] == 0.0
    zeroed = MLP([W0, mlp.weights[1]], [b0, mlp.biases[1]])
    dlogits = rng.normal(size=(1, sizes[-1]))
    g = backward(zeroed, x, dlogits)
    assert np.all(g.weights[0][:, unit] == 0.0) and g.biases[0][unit] == 0.0
    # the input gradient equals the one of the model without that unit (its outgoing weights set to 0)
    W1 = np.array(mlp.weights[1])
    W1[unit] = 0.0
    without = backward(MLP([W0, W1], [b0, mlp.biases[1]]), x, dlogits)
    assert np.array_equal(g.inputs, without.inputs)


def test_backward_through_width_zero_hidden_layer():
    mlp = MLP([np.ones((3, 0)), np.ones((0, 2))], [np.zeros(0), np.zeros(2)])
    dlogits = np.array([[1.0, 2.0], [3.0, -4.0]])
    g = backward(mlp, np.ones((2, 3)), dlogits)
    assert g.weights[0].shape == (3, 0) and g.weights[1].shape == (0, 2) and g.biases[0].shape == (0,)
    assert np.array_equal(g.biases[1], [4.0, -2.0])  # the column sums of dlogits
    assert np.array_equal(g.inputs, np.zeros((2, 3)))  # the output does not depend on X


def test_backward_is_linear_in_dlogits_and_sums_over_rows():
    """Closed forms of a one-layer model: dW = Xᵀ D, db = Σ_rows D, dX = D Wᵀ."""
    rng = np.random.default_rng(3)
    W, b, X, D = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    g = backward(MLP([W], [b]), X, D)
    assert np.allclose(g.weights[0], X.T @ D, rtol=1e-14, atol=1e-14)
    assert np.allclose(g.biases[0], D.sum(axis=0), rtol=1e-14, atol=1e-14)
    assert np.allclose(g.inputs, D @ W.T, rtol=1e-14, atol=1e-14)


# --- immutability, copying, aliasing ---------------------------------------------------------------------------------

def test_mlp_is_immutable():
    mlp = MLP.init([3, 4, 2], 0)
    for name in ("weights", "_weights", "new_attribute"):
        with pytest.raises(AttributeError):
            setattr(mlp, name, ())
    with pytest.raises(AttributeError):
        del mlp._weights
    for arr in mlp.weights + mlp.biases:
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr[...] = 0.0
        with pytest.raises(ValueError):  # the flag cannot be switched back on either
            arr.flags.writeable = True
    assert isinstance(mlp.weights, tuple) and isinstance(mlp.biases, tuple)


def test_mlp_copies_the_callers_arrays():
    W, b = np.ones((2, 3)), np.zeros(3)
    mlp = MLP([W], [b])
    W[0, 0], b[0] = 7.0, 7.0  # the caller keeps writing to its own arrays
    assert mlp.weights[0][0, 0] == 1.0 and mlp.biases[0][0] == 0.0
    assert not np.shares_memory(mlp.weights[0], W) and not np.shares_memory(mlp.biases[0], b)
    assert W.flags.writeable  # and the caller's arrays stay writable


def test_mlp_accepts_read_only_lists_and_int_arrays():
    mlp = MLP([frozen(np.ones((2, 3), dtype=np.int32)), [[1.0], [2.0], [3.0]]], [frozen(np.zeros(3)), [0.5]])
    assert mlp.sizes == (2, 3, 1) and all(w.dtype == np.float64 for w in mlp.weights)


@pytest.mark.parametrize("clone", [copy.copy, copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))],
                         ids=["copy", "deepcopy", "pickle"])
def test_copy_and_pickle_round_trip(clone):
    mlp = MLP.init([3, 0, 2], 1)
    other = clone(mlp)
    assert isinstance(other, MLP) and other.sizes == mlp.sizes
    for a, c in zip(mlp.weights + mlp.biases, other.weights + other.biases, strict=True):
        assert a.tobytes() == c.tobytes() and not c.flags.writeable


# --- constructor validation ------------------------------------------------------------------------------------------

GOOD_W, GOOD_B = [np.ones((3, 4)), np.ones((4, 2))], [np.zeros(4), np.zeros(2)]


@pytest.mark.parametrize("weights, biases, error, names", [
    ([np.ones((3, 4)), np.ones((5, 2))], GOOD_B, ValueError, "weights[1]"),
    (GOOD_W, [np.zeros(5), np.zeros(2)], ValueError, "biases[0]"),
    (GOOD_W, [np.zeros(4)], ValueError, "biases"),
    ([], [], ValueError, "weights"),
    ([np.ones((0, 2))], [np.zeros(2)], ValueError, "input"),
    ([np.ones((3, 0))], [np.zeros(0)], ValueError, "output"),
    ([np.ones(3), np.ones((4, 2))], GOOD_B, ValueError, "weights[0]"),
    (GOOD_W, [np.zeros((4, 1)), np.zeros(2)], ValueError, "biases[0]"),
    ([np.ones((3, 4)), np.full((4, 2), np.nan)], GOOD_B, ValueError, "weights[1]"),
    (GOOD_W, [np.zeros(4), np.array([0.0, np.inf])], ValueError, "biases[1]"),
    ([np.ones((3, 4), dtype=bool), np.ones((4, 2))], GOOD_B, TypeError, "weights[0]"),
    ([np.ones((3, 4)), np.ones((4, 2), dtype=complex)], GOOD_B, TypeError, "weights[1]"),
    ([np.ones((3, 4)), np.ones((4, 2), dtype=object)], GOOD_B, TypeError, "weights[1]"),
    ([np.ones((3, 4)), "abc"], GOOD_B, TypeError, "weights[1]"),
    ([None, np.ones((4, 2))], GOOD_B, TypeError, "weights[0]"),
    (np.ones((1, 3, 4)), GOOD_B, TypeError, "weights"),
    (GOOD_W, None, TypeError, "biases"),
])
def test_constructor_errors_name_the_argument(weights, biases, error, names):
    with pytest.raises(error) as info:
        MLP(weights, biases)
    assert names in str(info.value)


@pytest.mark.parametrize("X, error, names", [
    (np.ones((2, 4)), ValueError, "X"),
    (np.ones(3), ValueError, "X"),
    (np.ones((1, 2, 3)), ValueError, "X"),
    (np.array([[1.0, np.nan, 0.0]]), ValueError, "X"),
    (np.array([[1.0, np.inf, 0.0]]), ValueError, "X"),
    (np.ones((2, 3), dtype=bool), TypeError, "X"),
    (np.ones((2, 3), dtype=complex), TypeError, "X"),
    (np.array([["a", "b", "c"]]), TypeError, "X"),
    (np.array([[1.0, None, 2.0]], dtype=object), TypeError, "X"),
    ([[1.0, 2.0, 3.0], [1.0]], TypeError, "X"),  # ragged
    (None, TypeError, "X"),
])
def test_forward_and_backward_refuse_bad_inputs(X, error, names):
    mlp = MLP.init([3, 2, 2], 0)
    with pytest.raises(error, match=names):
        mlp.forward(X)
    with pytest.raises(error, match=names):
        backward(mlp, X, np.ones((2, 2)))


@pytest.mark.parametrize("dlogits, error", [
    (np.ones((2, 3)), ValueError), (np.ones((3, 2)), ValueError), (np.ones(2), ValueError),
    (np.array([[np.nan, 0.0], [0.0, 0.0]]), ValueError), (np.ones((2, 2), dtype=bool), TypeError), (None, TypeError),
])
def test_backward_refuses_bad_dlogits(dlogits, error):
    with pytest.raises(error, match="dlogits"):
        backward(MLP.init([3, 2, 2], 0), np.ones((2, 3)), dlogits)


def test_backward_refuses_a_non_model():
    with pytest.raises(TypeError, match="mlp"):
        backward("model", np.ones((1, 3)), np.ones((1, 2)))


# --- initialisation ---------------------------------------------------------------------------------------------------

def test_init_is_he_normal():
    """W0 (500×300) against N(0, 2/500): with N = 150 000 draws, the sample mean has standard error σ/√N, the
    sample variance relative standard error √(2/(N−1)) ≈ 0.0037, and the fraction within one σ (0.6827 for a
    normal) standard error √(p(1−p)/N) ≈ 0.0012. Each bound below is 6 standard errors (a false alarm has
    probability < 1e-8, and the seed is fixed anyway); a uniform or std-1 initialisation fails all of them."""
    mlp = MLP.init([500, 300, 10], seed=7)
    for W, fan_in in zip(mlp.weights, (500, 300), strict=True):
        sigma, N = np.sqrt(2.0 / fan_in), W.size
        assert abs(W.mean()) < 6 * sigma / np.sqrt(N)
        assert abs(W.var() / sigma**2 - 1) < 6 * np.sqrt(2 / (N - 1))
        within = np.mean(np.abs(W) < sigma)
        assert abs(within - 0.682689492) < 6 * np.sqrt(0.6827 * 0.3173 / N)
    assert all(np.array_equal(b, np.zeros(n)) for b, n in zip(mlp.biases, (300, 10), strict=True))


@given(sizes=sizes_st, seed=st.integers(0, 2**63))
def test_init_is_seed_deterministic(sizes, seed):
    a, b = MLP.init(list(sizes), seed), MLP.init(sizes, seed)
    assert a.sizes == tuple(sizes)
    assert all(x.tobytes() == y.tobytes() for x, y in zip(a.weights + a.biases, b.weights + b.biases, strict=True))


def test_init_differs_between_seeds_and_uses_no_global_state():
    np.random.seed(0)
    state = np.random.get_state()[1].copy()
    a, b = MLP.init([4, 5, 2], 0), MLP.init([4, 5, 2], 1)
    assert not np.array_equal(a.weights[0], b.weights[0])
    assert np.array_equal(np.random.get_state()[1], state)


@pytest.mark.parametrize("sizes, seed, error, names", [
    ([3], 0, ValueError, "sizes"), ([3, -1, 2], 0, ValueError, "sizes[1]"), ([0, 2], 0, ValueError, "input"),
    ([3, 2.0], 0, TypeError, "sizes[1]"), ([3, True], 0, TypeError, "sizes[1]"), ("32", 0, TypeError, "sizes"),
    (None, 0, TypeError, "sizes"), ([3, 2], -1, ValueError, "seed"), ([3, 2], 1.5, TypeError, "seed"),
    ([3, 2], None, TypeError, "seed"),
])
def test_init_errors_name_the_argument(sizes, seed, error, names):
    with pytest.raises(error) as info:
        MLP.init(sizes, seed)
    assert names in str(info.value)

"""§3.3: neuron importances (exact sums, finite differences), neuron pruning (counts, ties, dead-neuron folding
checked by direct evaluation), connection pruning (brute-force sorting), sensitivity."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl import (
    MLP,
    accuracy,
    neuron_importance,
    prune_connections,
    prune_neurons,
    sensitivity,
    softmax_cross_entropy,
    train,
)

from .oracles import abs_forward, central_difference, dyadic_mlps, frozen, loop_forward
from .oracles_compression import U, dyadic_inputs, exact_l1, round_half_even, smallest_by_sorting

seeds = st.integers(0, 2**32 - 1)


def data(n=30, d=4, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), np.arange(n) % k


# --- importances -----------------------------------------------------------------------------------------------------

@given(mlp=dyadic_mlps(min_hidden=1, max_hidden=2, max_width=6, dead=True), seed=seeds)
def test_l1_and_l2_importance_against_exact_sums(mlp, seed):
    rng = np.random.default_rng(seed)
    scaled = MLP([W * rng.uniform(0.1, 10.0, size=W.shape) for W in mlp.weights], mlp.biases)  # non-dyadic too
    for model in (mlp, scaled):
        for l, W in enumerate(model.weights[:-1]):
            P1 = neuron_importance(model, l, "l1")
            P2 = neuron_importance(model, l, kind="l2")
            assert P1.shape == P2.shape == (W.shape[1],)
            for j in range(W.shape[1]):
                assert P1[j] == exact_l1(W[:, j])
                exact_sq = sum((Fraction(float(x)) ** 2 for x in W[:, j]), Fraction(0))
                assert abs(Fraction(float(P2[j])) ** 2 - exact_sq) <= 8 * Fraction(U) * exact_sq


def test_activation_importance_is_the_mean_activation():
    mlp = MLP.init([4, 6, 5, 3], 1)
    X, _ = data()
    _, pre = loop_forward(mlp.weights, mlp.biases, X)
    for l in range(2):
        expected = np.maximum(pre[l], 0.0).mean(axis=0)
        assert np.allclose(neuron_importance(mlp, l, "activation", X=frozen(X)), expected, rtol=1e-12, atol=1e-14)


@given(seed=seeds)
def test_taylor_importance_is_the_derivative_of_the_loss_along_a_neuron_scaling(seed):
    """Σ_rows a_j · ∂L/∂a_j = d/dt L(a_j scaled by 1 + t) at t = 0, and scaling a_j is scaling row j of W_{l+1}:
    a central difference in t of the mean loss, evaluated by direct forward passes, is an independent oracle."""
    mlp = MLP.init([4, 6, 3], seed)
    X, y = data(seed=seed)
    P = neuron_importance(mlp, 0, "taylor", X=X, y=frozen(y))
    W0, W1 = mlp.weights

    def loss_with_row_scaled(j):
        def f(t):
            W = W1.copy()
            W[j] *= 1 + t[0]
            return softmax_cross_entropy(MLP([W0, W], mlp.biases).forward(X), y)[0]
        return f

    for j in range(6):
        derivative = central_difference(loss_with_row_scaled(j), np.zeros(1), 1e-5)[0]
        assert abs(P[j] - abs(derivative)) <= 1e-7 * (1 + abs(derivative))


def test_taylor_loss_is_inferred_or_taken():
    mlp = MLP.init([4, 5, 1], 0)
    X, y = data(k=2)
    inferred = neuron_importance(mlp, 0, "taylor", X=X, y=y)
    given_loss = neuron_importance(mlp, 0, "taylor", X=X, y=y, loss="binary_cross_entropy_with_logits")
    assert np.array_equal(inferred, given_loss)


# --- neuron pruning --------------------------------------------------------------------------------------------------

@given(mlp=dyadic_mlps(min_hidden=1, max_hidden=2, max_width=6, dead=True))
def test_removing_dead_neurons_preserves_the_function_exactly(mlp):
    """eps=0 under "l1" removes exactly the neurons whose incoming weights are all zero; their relu(b_j) is folded
    into the next bias. With dyadic parameters every float64 operation is exact, so equality is exact."""
    X = dyadic_inputs(mlp.sizes[0])
    pruned, kept = prune_neurons(mlp, eps=0.0)
    for l, W in enumerate(mlp.weights[:-1]):
        assert kept[l].tolist() == [j for j in range(W.shape[1]) if W[:, j].any()]
    expected, _ = loop_forward(mlp.weights, mlp.biases, X)
    assert np.array_equal(pruned.forward(frozen(X)), expected)


@given(seed=seeds, widths=st.lists(st.integers(0, 8), min_size=1, max_size=3))
def test_removing_dead_neurons_changes_float_outputs_by_rounding_only(seed, widths):
    rng = np.random.default_rng(seed)
    sizes = [3, *widths, 2]
    weights = [rng.normal(size=(m, n)) for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
    for W in weights[:-1]:
        W[:, rng.random(W.shape[1]) < 0.4] = 0.0
    biases = [rng.normal(size=n) for n in sizes[1:]]
    mlp = MLP(weights, biases)
    X = rng.normal(size=(5, 3))
    pruned, _ = prune_neurons(mlp, eps=0.0)
    expected, _ = loop_forward(mlp.weights, mlp.biases, X)
    scale = abs_forward(mlp.weights, mlp.biases, X)
    assert (np.abs(pruned.forward(X) - expected) <= 4 * (sum(sizes) + 2) * U * scale + 1e-300).all()


@given(mlp=dyadic_mlps(min_hidden=1, max_hidden=2, max_width=8, nonzero=True), keep_ratio=st.floats(0.0, 1.0))
def test_keep_ratio_keeps_the_top_count_ties_to_lower_index(mlp, keep_ratio):
    pruned, kept = prune_neurons(mlp, keep_ratio=keep_ratio)
    assert pruned.sizes == (mlp.sizes[0], *(k.size for k in kept), mlp.sizes[-1])
    for l, W in enumerate(mlp.weights[:-1]):
        P = [exact_l1(W[:, j]) for j in range(W.shape[1])]
        k = round_half_even(keep_ratio, len(P))
        expected = sorted(sorted(range(len(P)), key=lambda j: (-P[j], j))[:k])
        assert kept[l].tolist() == expected and kept[l].dtype == np.int64
        # the survivors' incoming weights are the original columns (rows of kept neurons of layer l-1)
        rows = kept[l - 1] if l else np.arange(W.shape[0])
        assert np.array_equal(pruned.weights[l], W[np.ix_(rows, kept[l])])
        if l < 2 or kept[l - 2].size:  # else layer l-1 has no inputs left: its removed neurons are folded
            assert np.array_equal(pruned.biases[l], mlp.biases[l][kept[l]])


@given(mlp=dyadic_mlps(min_hidden=1, max_hidden=2, max_width=8, dead=True), pick=st.integers(0, 2**16),
       nudge=st.sampled_from([-1, 0, 1]))
def test_eps_keeps_exactly_the_neurons_above_eps(mlp, pick, nudge):
    """ε is drawn from the exact importances themselves (then one ulp either side), so P_j == ε is exercised."""
    exact = [[exact_l1(W[:, j]) for j in range(W.shape[1])] for W in mlp.weights[:-1]]
    values = sorted({p for P in exact for p in P}) or [0.0]
    eps = values[pick % len(values)]
    eps = max(0.0, float(np.nextafter(eps, nudge * np.inf))) if nudge else eps
    _, kept = prune_neurons(mlp, eps=eps)  # the MLP's arrays are read-only: nothing can write into them
    assert [k.tolist() for k in kept] == [[j for j, p in enumerate(P) if p > eps] for P in exact]


def test_equal_importances_keep_the_lower_indices():
    W0 = np.array([[1.0, -1.0, 1.0, 2.0, -1.0]])  # P = [1, 1, 1, 2, 1]
    mlp = MLP([W0, np.ones((5, 1))], [np.zeros(5), np.zeros(1)])
    assert prune_neurons(mlp, keep_ratio=0.6)[1][0].tolist() == [0, 1, 3]
    assert prune_neurons(mlp, eps=1.0)[1][0].tolist() == [3]  # strict: P == ε is removed
    assert prune_neurons(mlp, eps=0.999)[1][0].tolist() == [0, 1, 2, 3, 4]


def test_keep_ratio_zero_gives_width_zero_and_a_constant_model():
    mlp = MLP.init([4, 6, 3], 0)
    pruned, kept = prune_neurons(mlp, keep_ratio=0.0)
    assert pruned.sizes == (4, 0, 3) and kept[0].size == 0
    X, _ = data()
    out = pruned.forward(X)
    assert np.array_equal(out, np.broadcast_to(mlp.biases[1], out.shape))  # no dead neurons: nothing folded


def test_importances_are_computed_on_the_model_as_given():
    """Pruning layer 0 removes inputs of layer 1, but layer 1 is ranked by its original columns."""
    mlp = MLP.init([3, 6, 5, 2], 4)
    _, kept = prune_neurons(mlp, keep_ratio=0.5, importance="activation", X=data(d=3)[0])
    for l in range(2):
        P = neuron_importance(mlp, l, "activation", X=data(d=3)[0])
        k = round_half_even(0.5, P.size)
        assert kept[l].tolist() == sorted(np.argsort(-P, kind="stable")[:k].tolist())


def test_the_bias_goes_with_the_neuron_unlike_ln_structured():
    """A removed live neuron takes its bias along: the output no longer sees relu(b_j) (PyTorch's ln_structured
    would zero the weights and leave relu(b_j)·W_{l+1}[j] in the output)."""
    W0 = np.array([[1.0, 0.001]])
    mlp = MLP([W0, np.array([[1.0], [1.0]])], [np.array([0.0, 5.0]), np.zeros(1)])
    pruned, kept = prune_neurons(mlp, keep_ratio=0.5)
    assert kept[0].tolist() == [0] and pruned.forward(np.array([[2.0]])).tolist() == [[2.0]]


# --- connection pruning ----------------------------------------------------------------------------------------------

@given(mlp=dyadic_mlps(min_hidden=1, max_hidden=2, max_width=6, nonzero=True), sparsity=st.floats(0.0, 1.0),
       scope=st.sampled_from(["layer", "global"]))
def test_prune_connections_by_count_against_brute_force(mlp, sparsity, scope):
    pruned, masks = prune_connections(mlp, sparsity=sparsity, scope=scope)
    if scope == "layer":
        removed = [smallest_by_sorting(W, round_half_even(sparsity, W.size)) for W in mlp.weights]
    else:
        entries = [(abs(float(x)), l, i) for l, W in enumerate(mlp.weights) for i, x in enumerate(W.ravel())]
        k = round_half_even(sparsity, len(entries))
        chosen = sorted(entries)[:k]  # magnitude, then layer order, then flat index
        removed = [{i for _, m, i in chosen if m == l} for l in range(len(mlp.weights))]
    for W, P, M, R in zip(mlp.weights, pruned.weights, masks, removed, strict=True):
        flat_keep = [i not in R for i in range(W.size)]
        assert M.ravel().tolist() == flat_keep and M.dtype == bool
        assert P.ravel().tolist() == [x if keep else 0.0 for x, keep in zip(W.ravel().tolist(), flat_keep,
                                                                          strict=True)]
    assert all(np.array_equal(a, b) for a, b in zip(pruned.biases, mlp.biases, strict=True))


@given(mlp=dyadic_mlps(min_hidden=1, max_hidden=2, max_width=6, nonzero=True),
       eps=st.sampled_from([0.0, 0.25, 0.5, 1.0, 1.75]), scope=st.sampled_from(["layer", "global"]))
def test_prune_connections_by_threshold_is_strict(mlp, eps, scope):
    pruned, masks = prune_connections(mlp, eps=eps, scope=scope)
    for W, P, M in zip(mlp.weights, pruned.weights, masks, strict=True):
        assert np.array_equal(M, np.abs(W) > eps)
        assert np.array_equal(P, np.where(np.abs(W) > eps, W, 0.0))


def test_pruned_connections_stay_zero_through_fine_tuning():
    mlp = MLP.init([4, 8, 3], 0)
    X, y = data()
    pruned, masks = prune_connections(mlp, sparsity=0.7, scope="global")
    tuned = train(pruned, X, y, loss="softmax_cross_entropy", lr=0.1, epochs=3, batch_size=8, momentum=0.9,
                  masks=masks)
    assert all((W[~M] == 0).all() for W, M in zip(tuned.weights, masks, strict=True))
    assert all(not M.flags.writeable for M in masks)


# --- sensitivity -----------------------------------------------------------------------------------------------------

def test_sensitivity_connections_against_hand_pruned_models():
    mlp = MLP.init([4, 8, 6, 3], 2)
    X, y = data(n=60)
    levels = [0.0, 0.5, 0.9, 1.0]
    out = sensitivity(mlp, frozen(X), frozen(y), method="connections", levels=levels)
    assert out.shape == (3, 4)
    for l, W in enumerate(mlp.weights):
        for i, s in enumerate(levels):
            gone = smallest_by_sorting(W, round_half_even(s, W.size))
            Wp = np.array([0.0 if j in gone else x for j, x in enumerate(W.ravel())]).reshape(W.shape)
            weights = list(mlp.weights)
            weights[l] = Wp
            logits, _ = loop_forward(weights, mlp.biases, X)
            assert out[l, i] == np.mean(logits.argmax(axis=1) == y)


def test_sensitivity_neurons_zeroes_outgoing_rows_of_removed_live_neurons():
    """Removing a live neuron equals zeroing its outgoing row; a dead one is folded, which equals keeping it."""
    rng = np.random.default_rng(5)
    W0, W1, W2 = rng.normal(size=(4, 8)), rng.normal(size=(8, 6)), rng.normal(size=(6, 3))
    W0[:, 2] = 0.0  # a dead neuron with a positive bias: ranked last by "l1", folded when removed
    biases = [np.full(8, 0.3), rng.normal(size=6), rng.normal(size=3)]
    mlp = MLP([W0, W1, W2], biases)
    X, y = data(n=60)
    levels = [0.25, 0.5, 1.0]
    out = sensitivity(mlp, X, y, method="neurons", levels=levels)
    assert out.shape == (2, 3)
    for l, W in enumerate((W0, W1)):
        P = [exact_l1(W[:, j]) for j in range(W.shape[1])]
        for i, r in enumerate(levels):
            keep = set(sorted(range(len(P)), key=lambda j: (-P[j], j))[:round_half_even(r, len(P))])
            weights = [W0.copy(), W1.copy(), W2.copy()]
            for j in set(range(len(P))) - keep:
                if W[:, j].any():
                    weights[l + 1][j, :] = 0.0
            logits, _ = loop_forward(weights, biases, X)
            assert out[l, i] == np.mean(logits.argmax(axis=1) == y)


def test_sensitivity_at_full_keep_is_the_baseline():
    mlp = MLP.init([4, 8, 3], 0)
    X, y = data()
    assert (sensitivity(mlp, X, y, method="neurons", levels=[1.0]) == accuracy(mlp, X, y)).all()
    assert sensitivity(mlp, X, y, method="connections", levels=[]).shape == (2, 0)


# --- bad inputs ------------------------------------------------------------------------------------------------------

_M = MLP.init([4, 5, 3], 0)
_X, _Y = data()


@pytest.mark.parametrize("call, exc, match", [
    (lambda: prune_neurons(_M), ValueError, "exactly one of keep_ratio or eps"),
    (lambda: prune_neurons(_M, keep_ratio=0.5, eps=0.1), ValueError, "exactly one"),
    (lambda: prune_neurons(_M, keep_ratio=1.5), ValueError, "keep_ratio"),
    (lambda: prune_neurons(_M, keep_ratio=-0.1), ValueError, "keep_ratio"),
    (lambda: prune_neurons(_M, keep_ratio=np.nan), ValueError, "keep_ratio"),
    (lambda: prune_neurons(_M, eps=-1e-9), ValueError, "eps"),
    (lambda: prune_neurons(_M, eps=np.inf), ValueError, "eps"),
    (lambda: prune_neurons(_M, keep_ratio="half"), TypeError, "keep_ratio"),
    (lambda: prune_neurons(_M, keep_ratio=0.5, importance="l3"), ValueError, "importance"),
    (lambda: prune_neurons(_M, keep_ratio=0.5, X=_X), ValueError, "X"),
    (lambda: prune_neurons(_M, keep_ratio=0.5, importance="taylor", X=_X), ValueError, "y"),
    (lambda: prune_neurons(MLP.init([4, 3], 0), keep_ratio=0.5), ValueError, "no hidden layer"),
    (lambda: prune_neurons("model", keep_ratio=0.5), TypeError, "mlp"),
    (lambda: neuron_importance(_M, 1), ValueError, "layer"),
    (lambda: neuron_importance(_M, -1), ValueError, "layer"),
    (lambda: neuron_importance(_M, 0, "activation"), ValueError, "X"),
    (lambda: neuron_importance(_M, 0, "activation", X=_X, y=_Y), ValueError, "y"),
    (lambda: neuron_importance(_M, 0, "activation", X=np.full((2, 4), np.nan)), ValueError, "X"),
    (lambda: neuron_importance(_M, 0, "taylor", X=_X, y=_Y + 5), ValueError, "y"),
    (lambda: neuron_importance(_M, 0, "taylor", X=_X, y=_Y, loss="mse"), ValueError, "loss"),
    (lambda: prune_connections(_M), ValueError, "exactly one"),
    (lambda: prune_connections(_M, sparsity=0.5, eps=0.1), ValueError, "exactly one"),
    (lambda: prune_connections(_M, sparsity=1.01), ValueError, "sparsity"),
    (lambda: prune_connections(_M, eps=np.nan), ValueError, "eps"),
    (lambda: prune_connections(_M, sparsity=0.5, scope="row"), ValueError, "scope"),
    (lambda: sensitivity(_M, _X, _Y, method="weights", levels=[0.5]), ValueError, "method"),
    (lambda: sensitivity(_M, _X, _Y, method="neurons", levels=[1.5]), ValueError, "levels"),
    (lambda: sensitivity(_M, _X, _Y, method="neurons", levels=0.5), TypeError, "levels"),
    (lambda: sensitivity(_M, _X[:, :3], _Y, method="neurons", levels=[0.5]), ValueError, "X"),
])
def test_pruning_bad_inputs(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_nan_in_the_model_cannot_exist_and_nan_inputs_are_refused():
    with pytest.raises(ValueError):
        MLP([np.array([[np.nan]]), np.ones((1, 1))], [np.zeros(1), np.zeros(1)])
    with pytest.raises(ValueError, match="X"):
        prune_neurons(_M, keep_ratio=0.5, importance="activation", X=np.full((3, 4), np.nan))
    assert math.isfinite(float(neuron_importance(_M, 0, "l2").sum()))


def test_an_overflowing_fold_is_refused_with_the_models_name_and_no_warning():
    """A dead neuron with bias 1e200 feeding 1e200 folds to 1e400: a ValueError naming mlp (not "biases[1] must be
    finite" from the constructor, and no RuntimeWarning), from every entry that folds."""
    mlp = MLP([np.array([[0.0, 1.0]]), np.array([[1e200], [1.0]])], [np.array([1e200, 0.0]), np.zeros(1)])
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        for call in (lambda: prune_neurons(mlp, keep_ratio=0.5), lambda: prune_neurons(mlp, eps=0.0),
                     lambda: sensitivity(mlp, np.ones((1, 1)), [0], method="neurons", levels=[0.5])):
            with pytest.raises(ValueError, match="mlp are too large: folding"):
                call()

"""refimpl.sgd_update: the rule against exact rational arithmetic, PyTorch's two-step closed form, refimpl.train's
engine, and its masks, purity and errors."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import refimpl
from refimpl import sgd_update

U = 2.0 ** -53


def _model(seed=0, sizes=(3, 4, 2)):
    rng = np.random.default_rng(seed)
    W = [rng.normal(size=(m, n)) for m, n in zip(sizes[:-1], sizes[1:], strict=False)]
    b = [rng.normal(size=n) for n in sizes[1:]]
    return W, b


def _like(rng, arrays):
    return [rng.normal(size=a.shape) for a in arrays]


@given(st.integers(0, 10 ** 6), st.floats(1e-4, 2.0), st.floats(0.0, 0.99))
def test_each_entry_within_three_roundings_of_the_exact_step(seed, lr, momentum):
    rng = np.random.default_rng(seed)
    W, b = _model(seed)
    g, v = (_like(rng, W), _like(rng, b)), (_like(rng, W), _like(rng, b))
    new_W, new_b, (vW, vb) = sgd_update(W, b, g, v, lr, momentum)
    for theta, grad, vel, out, out_v in [*zip(W, g[0], v[0], new_W, vW, strict=False),
                                         *zip(b, g[1], v[1], new_b, vb, strict=False)]:
        for t, gg, vv, o, ov in zip(theta.ravel(), grad.ravel(), vel.ravel(), out.ravel(), out_v.ravel(), strict=False):
            exact_v = Fraction(momentum) * Fraction(vv) + Fraction(gg)
            exact = Fraction(t) - Fraction(lr) * exact_v
            scale = abs(t) + lr * (momentum * abs(vv) + abs(gg))
            assert abs(Fraction(o) - exact) <= Fraction(3 * U * scale) + Fraction(2.0 ** -1070)
            assert abs(Fraction(ov) - exact_v) <= Fraction(2 * U * (momentum * abs(vv) + abs(gg)))


def test_dyadic_step_is_exact_and_matches_the_closed_form():
    W = [np.array([[1.0, -2.0]])]
    b = [np.array([0.5, 0.25])]
    g = ([np.array([[0.5, 1.0]])], [np.array([1.0, -1.0])])
    v = ([np.array([[1.0, -1.0]])], [np.array([0.5, 0.0])])
    new_W, new_b, (vW, vb) = sgd_update(W, b, g, v, lr=0.5, momentum=0.5)
    assert vW[0].tolist() == [[1.0, 0.5]] and vb[0].tolist() == [1.25, -1.0]  # 0.5 v + g
    assert new_W[0].tolist() == [[0.5, -2.25]] and new_b[0].tolist() == [-0.125, 0.75]  # theta - 0.5 v


def test_two_steps_follow_pytorchs_momentum_rule():
    W, b = _model(1)
    rng = np.random.default_rng(2)
    g1, g2 = (_like(rng, W), _like(rng, b)), (_like(rng, W), _like(rng, b))
    lr, mu = 0.1, 0.9
    W1, b1, v1 = sgd_update(W, b, g1, None, lr, mu)  # first step: buffer = g1
    W2, b2, _ = sgd_update(W1, b1, g2, v1, lr, mu)
    for theta, a, c, out in [*zip(W, g1[0], g2[0], W2, strict=False), *zip(b, g1[1], g2[1], b2, strict=False)]:
        np.testing.assert_allclose(out, theta - lr * a - lr * (mu * a + c), rtol=1e-14, atol=1e-15)


def test_masked_entries_are_exactly_zero_and_biases_never_masked():
    W, b = _model(3)
    rng = np.random.default_rng(4)
    g, v = (_like(rng, W), _like(rng, b)), (_like(rng, W), _like(rng, b))
    masks = [rng.random(w.shape) < 0.5 for w in W]
    new_W, new_b, (vW, _) = sgd_update(W, b, g, v, 0.1, 0.5, masks)
    free_W, free_b, _ = sgd_update(W, b, g, v, 0.1, 0.5)
    for m, out, vel, free in zip(masks, new_W, vW, free_W, strict=False):
        assert (out[~m] == 0).all() and (vel[~m] == 0).all() and not np.signbit(out[~m]).any()
        assert np.array_equal(out[m], free[m])
    assert all(np.array_equal(x, y) for x, y in zip(new_b, free_b, strict=False))


def test_agrees_with_one_full_batch_epoch_of_train():
    rng = np.random.default_rng(5)
    W, b = _model(5, (4, 6, 3))
    X, y = rng.normal(size=(16, 4)), rng.integers(0, 3, size=16)
    masks = [rng.random(w.shape) < 0.7 for w in W]
    W = [np.where(m, w, 0.0) for m, w in zip(masks, W, strict=False)]
    mlp = refimpl.MLP(W, b)
    trained = refimpl.train(mlp, X, y, loss="softmax_cross_entropy", lr=0.3, epochs=1, batch_size=16,
                            momentum=0.9, masks=masks)
    _, dlogits = refimpl.softmax_cross_entropy(mlp.forward(X), y)
    grads = refimpl.backward(mlp, X, dlogits)
    new_W, new_b, _ = sgd_update(W, b, grads, None, 0.3, 0.9, masks)
    for got, want in zip([*trained.weights, *trained.biases], [*new_W, *new_b], strict=False):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_arguments_are_not_modified_and_results_are_new():
    W, b = _model(6)
    rng = np.random.default_rng(7)
    g, v = (_like(rng, W), _like(rng, b)), (_like(rng, W), _like(rng, b))
    copies = [x.copy() for x in [*W, *b, *g[0], *g[1], *v[0], *v[1]]]
    new_W, new_b, (vW, vb) = sgd_update(W, b, g, v, 0.1, 0.5)
    assert all(np.array_equal(x, c) for x, c in zip([*W, *b, *g[0], *g[1], *v[0], *v[1]], copies, strict=False))
    assert not any(np.shares_memory(o, i) for o in [*new_W, *new_b, *vW, *vb] for i in [*W, *b, *v[0], *v[1]])


@pytest.mark.parametrize("change, error, words", [
    ({"lr": 0.0}, ValueError, "lr"),
    ({"momentum": 1.0}, ValueError, "momentum"),
    ({"masks": [np.ones((3, 4)), np.ones((4, 2))]}, TypeError, "masks[0]"),
    ({"masks": [np.ones((4, 3), dtype=bool), np.ones((4, 2), dtype=bool)]}, ValueError, "masks[0]"),
    ({"grads": "g"}, TypeError, "grads"),
    ({"velocity": ([np.zeros((3, 4))], [np.zeros(4), np.zeros(2)])}, ValueError, "velocity[0]"),
    ({"lr": 1e300, "grads": ([np.full((3, 4), 1e300), np.zeros((4, 2))], [np.zeros(4), np.zeros(2)])},
     ValueError, "overflows"),
])
def test_bad_arguments_are_refused_by_name(change, error, words):
    W, b = _model(8)
    args = {"weights": W, "biases": b, "grads": ([np.zeros_like(w) for w in W], [np.zeros_like(c) for c in b]),
            "velocity": None, "lr": 0.1, "momentum": 0.0, "masks": None, **change}
    with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
        sgd_update(**args)

"""train, predict, accuracy: determinism, masks, a hand-unrolled SGD/momentum oracle, edge cases, bad inputs."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl import MLP, accuracy, backward, binary_cross_entropy_with_logits, predict, softmax_cross_entropy, train

from .oracles import frozen

SOFTMAX, BINARY = "softmax_cross_entropy", "binary_cross_entropy_with_logits"


def blobs(n=60, d=4, k=3, seed=0):
    """k Gaussian clusters in d dimensions: a small problem a 4-8-3 model learns in a few epochs."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % k
    centres = rng.normal(scale=2.0, size=(k, d))
    return centres[y] + rng.normal(scale=0.5, size=(n, d)), y


def same(a: MLP, b: MLP) -> bool:
    """Bit-identical parameters."""
    return a.sizes == b.sizes and all(
        x.tobytes() == y.tobytes() for x, y in zip(a.weights + a.biases, b.weights + b.biases, strict=True))


# --- determinism, purity ---------------------------------------------------------------------------------------------

@given(seed=st.integers(0, 2**32 - 1), batch_size=st.sampled_from([None, 1, 7, 30]),
       momentum=st.sampled_from([0.0, 0.5, 0.9]))
def test_same_arguments_give_bit_identical_models(seed, batch_size, momentum):
    X, y = blobs(n=30)
    mlp = MLP.init([4, 8, 3], seed)
    kw = dict(loss=SOFTMAX, lr=0.05, epochs=2, batch_size=batch_size, momentum=momentum, seed=seed)
    assert same(train(mlp, X, y, **kw), train(mlp, frozen(X), frozen(y), **kw))


def test_the_seed_changes_the_shuffle():
    X, y = blobs()
    mlp = MLP.init([4, 8, 3], 0)
    a = train(mlp, X, y, loss=SOFTMAX, lr=0.05, epochs=2, batch_size=5, seed=0)
    b = train(mlp, X, y, loss=SOFTMAX, lr=0.05, epochs=2, batch_size=5, seed=1)
    assert not same(a, b)


def test_callers_model_and_data_untouched():
    X, y = blobs()
    mlp = MLP.init([4, 8, 3], 0)
    before = [a.copy() for a in mlp.weights + mlp.biases]
    Xc, yc = X.copy(), y.copy()
    masks = [np.random.default_rng(1).random(w.shape) < 0.5 for w in mlp.weights]
    masks_before = [m.copy() for m in masks]
    out = train(mlp, X, y, loss=SOFTMAX, lr=0.1, epochs=2, batch_size=8, momentum=0.9, masks=masks)
    assert out is not mlp and not same(out, mlp)
    assert all(np.array_equal(a, b) for a, b in zip(before, mlp.weights + mlp.biases, strict=True))
    assert np.array_equal(X, Xc) and np.array_equal(y, yc)
    assert all(np.array_equal(a, b) for a, b in zip(masks, masks_before, strict=True))
    assert all(not a.flags.writeable for a in out.weights + out.biases)


def test_zero_epochs_returns_an_equal_new_model():
    X, y = blobs()
    mlp = MLP.init([4, 8, 3], 0)
    out = train(mlp, X, y, loss=SOFTMAX, lr=0.1, epochs=0)
    assert out is not mlp and same(out, mlp)


# --- masks -----------------------------------------------------------------------------------------------------------

@given(seed=st.integers(0, 2**32 - 1), keep=st.floats(0.0, 1.0), momentum=st.sampled_from([0.0, 0.9]),
       as_bool=st.booleans())
def test_masked_weights_stay_exactly_zero_throughout(seed, keep, momentum, as_bool):
    """train(epochs=k) is the state after k epochs of train(epochs=K) (the shuffles are drawn epoch by epoch from
    the same generator), so checking every k checks the whole run. Unmasked weights do move."""
    X, y = blobs(n=24)
    mlp = MLP.init([4, 6, 3], seed)
    rng = np.random.default_rng(seed)
    masks = [rng.random(w.shape) < keep for w in mlp.weights]
    if not as_bool:
        masks = [m.astype(np.float64) for m in masks]
    kw = dict(loss=SOFTMAX, lr=0.2, batch_size=5, momentum=momentum, seed=seed, masks=[frozen(m) for m in masks])
    for epochs in range(4):
        out = train(mlp, X, y, epochs=epochs, **kw)
        for w, m, w0 in zip(out.weights, masks, mlp.weights, strict=True):
            m = m.astype(bool)
            assert np.all(w[~m] == 0.0)
            if epochs == 0:
                assert np.array_equal(w[m], w0[m])


def test_full_mask_is_plain_training():
    X, y = blobs()
    mlp = MLP.init([4, 8, 3], 0)
    kw = dict(loss=SOFTMAX, lr=0.1, epochs=2, batch_size=8, momentum=0.9)
    assert same(train(mlp, X, y, **kw), train(mlp, X, y, masks=[np.ones(w.shape) for w in mlp.weights], **kw))


@pytest.mark.parametrize("masks, error, names", [
    ([np.ones((4, 8))], ValueError, "masks"),
    ([np.ones((4, 8)), np.ones((3, 8))], ValueError, "masks[1]"),
    ([np.ones((4, 8)), np.full((8, 3), 0.5)], ValueError, "masks[1]"),
    ([np.ones((4, 8)), np.full((8, 3), np.nan)], ValueError, "masks[1]"),
    ([np.ones((4, 8)), np.full((8, 3), 2.0)], ValueError, "masks[1]"),
    ([np.ones((4, 8), dtype=complex), np.ones((8, 3))], TypeError, "masks[0]"),
    (np.ones((2, 4, 8)), TypeError, "masks"),
    ("mask", TypeError, "masks"),
])
def test_bad_masks_are_refused(masks, error, names):
    X, y = blobs()
    with pytest.raises(error) as info:
        train(MLP.init([4, 8, 3], 0), X, y, loss=SOFTMAX, lr=0.1, epochs=1, masks=masks)
    assert names in str(info.value)


# --- learning, and the update rule against a hand-unrolled oracle ----------------------------------------------------

def test_loss_decreases_on_a_small_problem():
    X, y = blobs()
    mlp = MLP.init([4, 8, 3], 0)
    before = softmax_cross_entropy(mlp.forward(X), y)[0]
    out = train(mlp, X, y, loss=SOFTMAX, lr=0.1, epochs=30, batch_size=10, momentum=0.9)
    after = softmax_cross_entropy(out.forward(X), y)[0]
    assert after < 0.25 * before and accuracy(out, X, y) > 0.9


def test_binary_training_learns_a_separable_problem():
    X, _ = blobs()
    y = (X[:, 0] > np.median(X[:, 0])).astype(int)
    out = train(MLP.init([4, 8, 1], 0), X, y, loss=BINARY, lr=0.1, epochs=60, batch_size=10, momentum=0.9)
    assert accuracy(out, X, y) >= 0.9


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


def unrolled_linear_binary(W, b, X, y, lr, momentum, epochs):
    """Full-batch SGD with momentum on a one-layer binary model, scalar by scalar:
    g = (1/n) Σ_i (σ(x_i·w + b) − y_i)·x_i;  v ← μ·v + g;  w ← w − lr·v (the same for b with x_i replaced by 1)."""
    w, b = [float(v) for v in W[:, 0]], float(b[0])
    vw, vb = [0.0] * len(w), 0.0
    n = len(X)
    for _ in range(epochs):
        r = [sigmoid(math.fsum(xi * wi for xi, wi in zip(x, w, strict=True)) + b) - yi
             for x, yi in zip(X, y, strict=True)]
        gw = [math.fsum(r[i] * X[i][j] for i in range(n)) / n for j in range(len(w))]
        gb = math.fsum(r) / n
        vw = [momentum * v + g for v, g in zip(vw, gw, strict=True)]
        vb = momentum * vb + gb
        w = [wi - lr * v for wi, v in zip(w, vw, strict=True)]
        b = b - lr * vb
    return np.array(w), b


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("batch_size", [None, 5, 50])
def test_momentum_matches_hand_unrolled_oracle(momentum, batch_size):
    """Five examples, full batch (None, n, or more than n: all the same), 6 epochs. The oracle sums exactly
    (fsum) while NumPy rounds each product sum; after 6 steps the parameters agree to 1e-12 relative."""
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(5, 3)), np.array([1, 0, 0, 1, 1])
    W, b = rng.normal(size=(3, 1)), np.array([0.3])
    out = train(MLP([W], [b]), X, y, loss=BINARY, lr=0.5, epochs=6, batch_size=batch_size, momentum=momentum)
    w_exp, b_exp = unrolled_linear_binary(W, b, X.tolist(), y.tolist(), 0.5, momentum, 6)
    assert np.allclose(out.weights[0][:, 0], w_exp, rtol=1e-12, atol=1e-12)
    assert out.biases[0][0] == pytest.approx(b_exp, rel=1e-12, abs=1e-12)


def literal_sgd(mlp, X, y, *, loss, lr, epochs, batch_size, momentum, seed, masks):
    """The documented rule evaluated as written, through the public ``backward`` and loss (a code path separate
    from training's folded-bias, folded-lr engine): per epoch the order ``default_rng(seed).permutation(n)`` (the
    data order for a full batch), ``g`` the batch-mean gradient with masked entries zeroed,
    ``v ← momentum·v + g``, ``θ ← θ − lr·v``."""
    loss_fn = {SOFTMAX: softmax_cross_entropy, BINARY: binary_cross_entropy_with_logits}[loss]
    n, layers = len(X), len(mlp.weights)
    keep = [m.astype(float) for m in masks] if masks is not None else [np.ones(w.shape) for w in mlp.weights]
    params = [np.where(k == 1, w, 0.0) for w, k in zip(mlp.weights, keep, strict=True)] + list(mlp.biases)
    velocity = [np.zeros(p.shape) for p in params]
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(n) if batch_size < n else np.arange(n)
        for start in range(0, n, batch_size):
            rows = order[start:start + batch_size]
            model = MLP(params[:layers], params[layers:])
            dlogits = loss_fn(model.forward(X[rows]), y[rows])[1]
            grads = backward(model, X[rows], dlogits)
            g = [dW * k for dW, k in zip(grads.weights, keep, strict=True)] + list(grads.biases)
            velocity = [momentum * v + gi for v, gi in zip(velocity, g, strict=True)]
            params = [p - lr * v for p, v in zip(params, velocity, strict=True)]
    return params


@given(data=st.data(), hidden=st.lists(st.integers(0, 5), min_size=0, max_size=2),
       loss=st.sampled_from([SOFTMAX, BINARY]), batch_size=st.sampled_from([1, 3, 7, 40]),
       momentum=st.sampled_from([0.0, 0.9]), masked=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_training_matches_the_literal_update_rule(data, hidden, loss, batch_size, momentum, masked, seed):
    """Random depth (1 to 3 layers, hidden widths 0..5), both losses, minibatches with a ragged last batch, momentum
    and masks, 3 epochs: train agrees with the rule evaluated literally to 1e-12 (relative, with 1e-12 absolute
    for entries near 0). The two differ only in rounding order (a bias row inside the product, lr applied before
    instead of after the product), a few ulps per step, and with lr = 0.05 three epochs do not amplify that."""
    rng = np.random.default_rng(seed)
    n, d = data.draw(st.integers(1, 12), label="n"), data.draw(st.integers(1, 4), label="d")
    k = 1 if loss == BINARY else data.draw(st.integers(2, 4), label="k")
    mlp = MLP.init([d, *hidden, k], seed)
    X, y = rng.normal(size=(n, d)), rng.integers(0, 2 if loss == BINARY else k, n)
    masks = [rng.random(w.shape) < 0.6 for w in mlp.weights] if masked else None
    kw = dict(loss=loss, lr=0.05, epochs=3, batch_size=batch_size, momentum=momentum, seed=seed, masks=masks)
    out = train(mlp, X, y, **kw)
    expected = literal_sgd(mlp, X, y, **kw | dict(batch_size=min(batch_size, n)))
    for got, want in zip(out.weights + out.biases, expected, strict=True):
        assert np.allclose(got, want, rtol=1e-12, atol=1e-12)


def test_batch_size_none_is_the_full_batch():
    X, y = blobs()
    mlp = MLP.init([4, 8, 3], 0)
    kw = dict(loss=SOFTMAX, lr=0.1, epochs=3, momentum=0.9, seed=4)
    full = train(mlp, X, y, **kw)
    assert same(full, train(mlp, X, y, batch_size=len(X), **kw))
    assert same(full, train(mlp, X, y, batch_size=10 * len(X), **kw))
    assert not same(full, train(mlp, X, y, batch_size=len(X) - 1, **kw))


def test_minibatches_follow_the_documented_shuffle():
    """batch_size 1 without momentum: the epoch visits the examples in default_rng(seed).permutation(n) order, one
    plain SGD step each; the oracle replays that order with the closed-form one-layer gradient."""
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(4, 2)), np.array([0, 1, 1, 0])
    W, b = rng.normal(size=(2, 1)), np.array([0.0])
    out = train(MLP([W], [b]), X, y, loss=BINARY, lr=0.3, epochs=2, batch_size=1, seed=9)
    order_rng = np.random.default_rng(9)
    w, c = W[:, 0].tolist(), 0.0
    for _ in range(2):
        for i in order_rng.permutation(4):
            r = sigmoid(math.fsum(X[i, j] * w[j] for j in range(2)) + c) - y[i]
            w = [w[j] - 0.3 * r * X[i, j] for j in range(2)]
            c -= 0.3 * r
    assert np.allclose(out.weights[0][:, 0], w, rtol=1e-12, atol=1e-12)
    assert out.biases[0][0] == pytest.approx(c, rel=1e-12, abs=1e-12)


def test_progress_goes_to_stderr_only_when_asked(capsys):
    X, y = blobs()
    train(MLP.init([4, 8, 3], 0), X, y, loss=SOFTMAX, lr=0.1, epochs=3)
    assert capsys.readouterr() == ("", "")
    train(MLP.init([4, 8, 3], 0), X, y, loss=SOFTMAX, lr=0.1, epochs=3, progress=True)
    out, err = capsys.readouterr()
    assert out == "" and [line.split()[:2] for line in err.splitlines()] == [["epoch", f"{i}/3"] for i in (1, 2, 3)]


# --- bad arguments ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("change, error, names", [
    (dict(lr=0.0), ValueError, "lr"), (dict(lr=-0.1), ValueError, "lr"), (dict(lr=float("nan")), ValueError, "lr"),
    (dict(lr=float("inf")), ValueError, "lr"), (dict(lr="0.1"), TypeError, "lr"), (dict(lr=None), TypeError, "lr"),
    (dict(epochs=-1), ValueError, "epochs"), (dict(epochs=1.0), TypeError, "epochs"),
    (dict(momentum=1.0), ValueError, "momentum"), (dict(momentum=-0.1), ValueError, "momentum"),
    (dict(momentum=float("nan")), ValueError, "momentum"),
    (dict(batch_size=0), ValueError, "batch_size"), (dict(batch_size=2.5), TypeError, "batch_size"),
    (dict(seed=-1), ValueError, "seed"), (dict(loss="mse"), ValueError, "loss"), (dict(loss=None), TypeError, "loss"),
    (dict(progress=1), TypeError, "progress"),
    (dict(y=np.array([0, 1, 3] * 20)), ValueError, "y"), (dict(y=np.array([-1] * 60)), ValueError, "y"),
    (dict(y=np.zeros(59, dtype=int)), ValueError, "y"), (dict(y=np.zeros(60, dtype=bool)), TypeError, "y"),
    (dict(y=None), TypeError, "y"), (dict(X=np.ones((60, 5))), ValueError, "X"),
    (dict(X=np.full((60, 4), np.nan)), ValueError, "X"), (dict(X=np.ones((0, 4)), y=np.zeros(0, int)), ValueError, "X"),
    (dict(X=np.ones(4)), ValueError, "X"), (dict(X=np.ones((60, 4), dtype=complex)), TypeError, "X"),
    (dict(mlp="model"), TypeError, "mlp"), (dict(loss=BINARY), ValueError, "loss"),
])
def test_train_refuses_bad_arguments(change, error, names):
    X, y = blobs()
    kw = dict(mlp=MLP.init([4, 8, 3], 0), X=X, y=y, loss=SOFTMAX, lr=0.1, epochs=1) | change
    with pytest.raises(error) as info:
        train(kw.pop("mlp"), kw.pop("X"), kw.pop("y"), **kw)
    assert names in str(info.value)


def test_binary_labels_must_be_zero_or_one():
    with pytest.raises(ValueError, match="y"):
        train(MLP.init([2, 1], 0), np.ones((3, 2)), [0, 1, 2], loss=BINARY, lr=0.1, epochs=1)


# --- predict and accuracy --------------------------------------------------------------------------------------------

def test_binary_prediction_is_strictly_positive_logit():
    """One output: a logit of exactly 0 (probability ½) predicts 0; the smallest positive logit predicts 1."""
    mlp = MLP([np.array([[1.0]])], [np.array([0.0])])
    X = np.array([[0.0], [-0.0], [5e-324], [-5e-324], [3.0], [-3.0]])
    assert mlp.forward(X)[:2, 0].tolist() == [0.0, 0.0]
    pred = predict(mlp, frozen(X))
    assert pred.dtype == np.int64 and pred.tolist() == [0, 0, 1, 0, 1, 0]


def test_multiclass_prediction_breaks_ties_to_the_lowest_class():
    mlp = MLP([np.zeros((1, 3))], [np.array([1.0, 1.0, 0.0])])
    assert predict(mlp, np.ones((2, 1))).tolist() == [0, 0]
    mlp = MLP([np.zeros((1, 3))], [np.array([0.0, 2.0, 2.0])])
    assert predict(mlp, np.ones((1, 1))).tolist() == [1]


@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=30))
def test_accuracy_is_the_exact_fraction_of_hits(pairs):
    """A model that predicts the class written in one-hot input column c: accuracy = #(pred == y) / n as a
    correctly rounded float, checked against Fraction."""
    mlp = MLP([np.eye(3)], [np.zeros(3)])
    X = np.eye(3)[[p for p, _ in pairs]]
    y = np.array([t for _, t in pairs])
    expected = Fraction(sum(p == t for p, t in pairs), len(pairs))
    assert accuracy(mlp, frozen(X), frozen(y)) == float(expected)


@pytest.mark.parametrize("X, y, error, names", [
    (np.ones((0, 3)), np.zeros(0, dtype=int), ValueError, "X"),
    (np.ones((2, 3)), [0], ValueError, "y"),
    (np.ones((2, 3)), np.array([True, False]), TypeError, "y"),
    (np.ones((2, 2)), [0, 1], ValueError, "X"),
    (np.array([[np.nan, 0, 0]]), [0], ValueError, "X"),
])
def test_accuracy_refuses_bad_inputs(X, y, error, names):
    with pytest.raises(error) as info:
        accuracy(MLP([np.eye(3)], [np.zeros(3)]), X, y)
    assert names in str(info.value)


def test_predict_refuses_a_non_model():
    with pytest.raises(TypeError, match="mlp"):
        predict(None, np.ones((1, 3)))


def test_width_zero_model_learns_the_class_frequencies():
    """With a hidden layer of width 0 the logits are the output bias b alone, and the cross-entropy minimiser has
    softmax(b) = the class frequencies (here 4/10, 3/10, 3/10). Full-batch gradient descent on this strongly convex
    (along the non-constant directions) problem converges geometrically: 300 steps bring it far below 1e-9."""
    X, y = np.random.default_rng(0).normal(size=(10, 4)), np.arange(10) % 3
    out = train(MLP.init([4, 0, 3], 0), X, y, loss=SOFTMAX, lr=1.0, epochs=300)
    b = out.biases[1]
    p = np.exp(b - b.max()) / np.exp(b - b.max()).sum()
    assert np.allclose(p, [float(Fraction(c, 10)) for c in (4, 3, 3)], rtol=0, atol=1e-9)
    assert out.weights[0].shape == (4, 0) and out.weights[1].shape == (0, 3)

"""rc.adapt: candidates written for PyTorch's (out, in) layout or for float32 conform through it (and not without
it), the float32 declaration reaches check and judge, and bad arguments are refused."""

import numpy as np
import pytest

import refimpl
import refimpl.conformance as rc


def forward_out_in(weights, biases, X):
    h = X
    for l, (W, b) in enumerate(zip(weights, biases, strict=True)):
        assert W.shape == (b.shape[0], h.shape[1])  # (out, in), or the adapter did not transpose
        h = h @ W.T + b
        h = np.maximum(h, 0.0) if l + 1 < len(weights) else h
    return h


def gradients_out_in(weights, biases, X, y, loss):
    mlp = refimpl.MLP([W.T for W in weights], biases)
    value, dlogits = refimpl.softmax_cross_entropy(mlp.forward(X), y) if loss == "softmax_cross_entropy" else \
        refimpl.binary_cross_entropy_with_logits(mlp.forward(X), y)
    g = refimpl.backward(mlp, X, dlogits)
    return value, [dW.T for dW in g.weights], list(g.biases)  # dW in the (out, in) layout of the candidate


def sgd_out_in(weights, biases, grads, velocity, lr, momentum, masks):
    flip = [W.T for W in weights]
    W, b, (vW, vb) = refimpl.sgd_update(flip, biases, ([g.T for g in grads[0]], grads[1]),
                                        ([v.T for v in velocity[0]], velocity[1]), lr, momentum,
                                        [m.T for m in masks])
    return [w.T for w in W], b, ([v.T for v in vW], vb)


@pytest.mark.parametrize("op, fn", [("mlp_forward", forward_out_in), ("mlp_gradients", gradients_out_in),
                                    ("sgd_update", sgd_out_in)])
def test_out_in_candidates_conform_only_through_adapt(op, fn):
    assert rc.check(op, rc.adapt(fn, layout="out_in"), max_examples=60).passed
    assert not rc.check(op, fn, max_examples=60).passed


def minmax_float32_only(w):
    assert w.dtype == np.float32  # the adapter passes float32
    lo, hi = w.min(), w.max()
    return np.zeros(w.shape, np.float32) if hi == lo else (w - lo) / (hi - lo)


def test_float32_candidate_is_judged_in_float32_by_its_declaration():
    candidate = rc.adapt(minmax_float32_only, dtype="float32")
    assert candidate.__refimpl_declarations__ == {"layout": "in_out", "precision": "float32"}
    report = rc.check("minmax_normalize", candidate, max_examples=60)
    assert report.options["precision"] == "float32"
    assert rc.judge("minmax_normalize", candidate, w=np.array([1.0, 2.0, 4.0])) == []
    float64_result = rc.judge("minmax_normalize", lambda w: minmax_float32_only(w.astype(np.float32)),
                              w=np.array([1.0, 2.0, 4.0]))
    assert [f.clause for f in float64_result] == ["common.dtype"]  # undeclared float32 is still refused


def test_float32_cast_leaves_integers_and_bools_alone():
    def spy(weights, biases, X, target):  # runs in the worker: a wrong dtype shows as common.returns
        if (weights[0].dtype, X.dtype, target.dtype) != (np.float32, np.float32, np.int64):
            raise TypeError(f"got {weights[0].dtype}, {X.dtype}, {target.dtype}")
        return refimpl.input_gradient(refimpl.MLP([w.astype(float) for w in weights], [c.astype(float) for c in
                                                                                        biases]), X, target)

    failures = rc.judge("input_gradient", rc.adapt(spy, dtype="float32"), weights=[np.ones((2, 1))],
                        biases=[np.zeros(1)], X=np.ones((1, 2)), target=np.array([0]))
    assert failures == []
    assert [f.clause for f in rc.judge("input_gradient", spy, weights=[np.ones((2, 1))], biases=[np.zeros(1)],
                                       X=np.ones((1, 2)), target=np.array([0]))] == ["common.returns"]


def test_a_bare_matrix_is_never_transposed():
    def loss(z, y):
        if z.shape != (3, 2):
            raise ValueError(f"logits transposed: {z.shape}")
        return refimpl.softmax_cross_entropy(z, y)

    assert rc.judge("softmax_cross_entropy", rc.adapt(loss, layout="out_in"), logits=np.zeros((3, 2)),
                    y=np.array([0, 1, 0])) == []


def test_bad_arguments():
    with pytest.raises(TypeError, match="fn must be callable"):
        rc.adapt(3)
    with pytest.raises(ValueError, match="layout"):
        rc.adapt(len, layout="oi")
    with pytest.raises(ValueError, match="dtype"):
        rc.adapt(len, dtype="float16")

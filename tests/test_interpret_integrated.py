"""Integrated gradients and linear pieces against exact-arithmetic oracles and closed forms."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import refimpl
from refimpl.engines.exact_ig import _split_points
from refimpl.spec import integrated as readable
from refimpl.spec.integrated import METHODS, quadrature_rule

from .oracles import QUARTERS, dyadic_mlps, frozen
from .oracles_interpret import exact_ig, exact_pieces, hidden_preactivations, logit, magnitude, rows, to_fractions

TOL = 1e-12  # completeness / agreement bound relative to the magnitudes summed (see integrated_gradients)
QUADRATURE = [m for m in METHODS if m != "exact"]
# The public functions (batched engine) and the spec's readable form must both meet every exact-IG property.
IG = {"engine": refimpl.integrated_gradients, "readable": readable.integrated_gradients}
PIECES = {"engine": refimpl.linear_pieces, "readable": readable.linear_pieces}


@st.composite
def model_and_path(draw, **kwargs):
    mlp = draw(dyadic_mlps(**kwargs))
    X = draw(rows(mlp.sizes[0]))
    B = draw(rows(mlp.sizes[0], len(X), len(X)))
    targets = np.array(draw(st.lists(st.integers(0, mlp.sizes[-1] - 1), min_size=len(X), max_size=len(X))))
    return mlp, X, B, targets


@pytest.mark.parametrize("impl", IG)
@given(case=model_and_path(min_hidden=1, max_hidden=3, max_width=3))
def test_exact_ig_matches_exact_arithmetic(impl, case):
    mlp, X, B, targets = case
    ig = IG[impl](mlp, X, B, targets)
    bound = TOL * magnitude(mlp, X, B, targets)
    for r in range(len(X)):
        expected, _ = exact_ig(mlp, X[r], B[r], targets[r])
        assert sum(expected) == logit(mlp, X[r], targets[r]) - logit(mlp, B[r], targets[r])  # oracle is complete
        err = np.abs(ig[r] - np.array([float(v) for v in expected])).max()
        assert err <= bound[r], f"row {r}: ig={ig[r]}, but should be {[float(v) for v in expected]}"


@pytest.mark.parametrize("impl", IG)
@given(mlp=dyadic_mlps(min_hidden=1, max_hidden=3, max_width=4), seed=st.integers(0, 2**32 - 1))
def test_exact_ig_is_complete(impl, mlp, seed):
    rng = np.random.default_rng(seed)
    X, B = rng.normal(size=(5, mlp.sizes[0])), rng.normal(size=(5, mlp.sizes[0]))
    targets = rng.integers(0, mlp.sizes[-1], size=5)
    ig, delta = IG[impl](mlp, X, B, targets, return_convergence_delta=True)
    gap = mlp.forward(X)[np.arange(5), targets] - mlp.forward(B)[np.arange(5), targets]
    np.testing.assert_array_equal(delta, ig.sum(axis=1) - gap)  # Captum's definition, signed
    assert (np.abs(delta) <= TOL * magnitude(mlp, X, B, targets)).all(), delta


def test_demo_model_delta_below_1e_12(demo_baseline):
    mlp, _, X, _, _ = demo_baseline
    targets = mlp.forward(X).argmax(axis=1)
    _, delta = refimpl.integrated_gradients(mlp, X, target=targets, return_convergence_delta=True)
    assert np.abs(delta).max() <= 1e-12


@pytest.mark.parametrize("method", METHODS)
@given(case=model_and_path(max_hidden=0))
def test_no_hidden_layer_every_method_gives_closed_form(method, case):
    mlp, X, B, targets = case
    ig = refimpl.integrated_gradients(mlp, X, B, targets, method=method, n_steps=7)
    expected = [[float((Fraction(x) - Fraction(b)) * Fraction(w)) for x, b, w in
                 zip(X[r], B[r], mlp.weights[0][:, targets[r]], strict=False)] for r in range(len(X))]
    np.testing.assert_array_equal(ig, expected)


@given(model_and_path(max_hidden=3))
def test_swapping_input_and_baseline_negates(case):
    mlp, X, B, targets = case
    forward = refimpl.integrated_gradients(mlp, X, B, targets)
    backward = refimpl.integrated_gradients(mlp, B, X, targets)
    bound = TOL * magnitude(mlp, X, B, targets)[:, None]
    assert (np.abs(forward + backward) <= bound).all()


@given(dyadic_mlps(min_hidden=1, biases=False), st.integers(0, 2**32 - 1))
def test_homogeneous_network_gradient_x_input_is_exact_ig(mlp, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(4, mlp.sizes[0]))
    targets = rng.integers(0, mlp.sizes[-1], size=4)
    gxi = refimpl.gradient_x_input(mlp, X, targets)
    ig = refimpl.integrated_gradients(mlp, X, None, targets)
    bound = TOL * magnitude(mlp, X, np.zeros_like(X), targets)
    assert (np.abs(gxi.sum(axis=1) - mlp.forward(X)[np.arange(4), targets]) <= bound).all()  # Euler's theorem
    assert (np.abs(gxi - ig) <= bound[:, None]).all()


@pytest.mark.parametrize("method", METHODS)
@given(case=model_and_path(max_hidden=2))
def test_x_equal_to_baseline_gives_zeros(method, case):
    mlp, X, _, targets = case
    ig, delta = refimpl.integrated_gradients(mlp, X, X, targets, method=method, n_steps=3,
                                             return_convergence_delta=True)
    assert not ig.any()
    assert not delta.any()


@pytest.mark.parametrize("method", QUADRATURE)
@given(case=model_and_path(min_hidden=1, max_hidden=2, max_width=3))
def test_quadrature_converges_to_exact(method, case):
    """For a step function with J jumps each of size <= 2G, a rule whose cumulative weight differs from α by at most
    c/N at every α is off by <= J · 2G · c/N; G = (|W_0| ⋯ |W_{L-1}|)_{i,t} bounds |∂F/∂x_i|. The ends count as
    jumps too: at α = 0 a unit that is exactly 0 at the baseline passes no gradient (ReLU'(0) = 0), just after it
    does, and riemann_left samples α = 0 itself."""
    mlp, X, B, targets = case
    exact = refimpl.integrated_gradients(mlp, X, B, targets)
    chain = np.abs(mlp.weights[0])
    for W in mlp.weights[1:]:
        chain = chain @ np.abs(W)
    for n_steps in (16, 128):
        approx = refimpl.integrated_gradients(mlp, X, B, targets, method=method, n_steps=n_steps)
        for r in range(len(X)):
            jumps = len(refimpl.linear_pieces(mlp, X[r], B[r]))  # interior breakpoints and both ends
            bound = np.abs(X[r] - B[r]) * 2 * chain[:, targets[r]] * jumps * 4 / (n_steps - 1) + 1e-12
            assert (np.abs(approx[r] - exact[r]) <= bound).all(), (n_steps, approx[r], exact[r])


def test_quadrature_weights_sum_to_one():
    for method in QUADRATURE:
        for n in (2, 3, 50, 301):
            nodes, weights = quadrature_rule(method, n)
            assert abs(weights.sum() - 1) <= 1e-13 and (nodes >= 0).all() and (nodes <= 1).all()
    nodes, weights = quadrature_rule("riemann_trapezoid", 5)
    np.testing.assert_array_equal(nodes, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_array_equal(weights, [0.125, 0.25, 0.25, 0.25, 0.125])


def test_baseline_forms_agree():
    mlp = refimpl.MLP.init([3, 5, 2], 1)
    X = np.random.default_rng(0).normal(size=(4, 3))
    full = refimpl.integrated_gradients(mlp, X, np.zeros((4, 3)), 1)
    for baselines in (None, 0, 0.0, np.zeros(3), [0, 0, 0]):
        np.testing.assert_array_equal(refimpl.integrated_gradients(mlp, X, baselines, 1), full)
    for shared in (0.5, np.full(3, 0.5)):
        for a, b in zip(refimpl.integrated_gradients(mlp, X, shared, 1, return_convergence_delta=True),
                        refimpl.integrated_gradients(mlp, X, np.full((4, 3), 0.5), 1, return_convergence_delta=True),
                        strict=True):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-14)  # F(b) from a 1-row batch: BLAS may round apart


# --- deliberately built edge cases, checked against the exact-arithmetic oracle ---------------------------------

def _check_against_oracle(mlp, x, b, target=0):
    expected, points = exact_ig(mlp, x, b, target)
    ig, again = (f(mlp, [x], [b], target)[0] for f in IG.values())
    for result in (ig, again):
        np.testing.assert_allclose(result, [float(v) for v in expected], rtol=0, atol=1e-13)
    np.testing.assert_array_equal(*(f(mlp, x, b) for f in PIECES.values()))
    return ig, points


def test_preactivation_zero_along_whole_path_is_inactive():
    # unit 0 has weights (1, -1) orthogonal to x - b = (1, 1) and is 0 at b: 0 all along; ReLU'(0) = 0
    mlp = refimpl.MLP([[[1.0, 1.0], [-1.0, 1.0]], [[5.0], [1.0]]], [[0.0, 0.0], [0.0]])
    ig, _ = _check_against_oracle(mlp, [1.0, 1.0], [0.0, 0.0])
    np.testing.assert_array_equal(ig, [1.0, 1.0])  # only unit 1 (slope 2 along the path) counts
    np.testing.assert_array_equal(refimpl.linear_pieces(mlp, [1.0, 1.0], [0.0, 0.0]), [0.0, 1.0])


def test_preactivation_zero_along_whole_path_in_a_split_layer():
    # as above, with a second hidden layer a = u0 + u1 after it: u0 is 0 all along, so it must pass no gradient
    mlp = refimpl.MLP([[[1.0, 1.0], [-1.0, 1.0]], [[1.0], [1.0]], [[5.0]]], [[0.0, 0.0], [0.0], [0.0]])
    ig, _ = _check_against_oracle(mlp, [1.0, 1.0], [0.0, 0.0])
    np.testing.assert_array_equal(ig, [5.0, 5.0])


def test_preactivation_zero_along_a_piece_of_a_deeper_layer():
    # layer 2 unit = h_a - h_b, with h_a == h_b on the second half of the path: zero along that piece only
    W0 = [[1.0, 1.0, 1.0]]
    b0 = [-0.5, -0.5, 0.0]
    W1 = [[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]]
    mlp = refimpl.MLP([W0, W1, [[3.0], [1.0]]], [b0, [0.0, -0.25], [0.0]])
    _check_against_oracle(mlp, [1.0], [0.0])
    _check_against_oracle(mlp, [0.0], [1.0])


def test_coinciding_breakpoints_are_merged():
    # units 0 and 1 cross at the same α (unit 1 is unit 0 times 2); unit 2 crosses elsewhere
    mlp = refimpl.MLP([[[1.0, 2.0, 1.0]], [[1.0], [1.0], [-2.0]]], [[-0.375, -0.75, -0.625], [0.0]])
    _, points = _check_against_oracle(mlp, [1.0], [0.0])
    np.testing.assert_array_equal(refimpl.linear_pieces(mlp, [1.0], [0.0]), [float(p) for p in points])
    np.testing.assert_array_equal(refimpl.linear_pieces(mlp, [1.0], [0.0]), [0.0, 0.375, 0.625, 1.0])


def test_breakpoints_at_the_ends_make_no_zero_width_pieces():
    # unit 0 is exactly 0 at the baseline, unit 1 exactly 0 at the input; a deeper unit crosses at a layer-1 breakpoint
    mlp = refimpl.MLP([[[1.0, -1.0, 1.0]], [[1.0], [1.0], [-1.0]], [[1.0]]], [[0.0, 1.0, -0.5], [0.0], [0.0]])
    pieces = refimpl.linear_pieces(mlp, [1.0], [0.0])
    assert (np.diff(pieces) > 0).all() and pieces[0] == 0 and pieces[-1] == 1
    _check_against_oracle(mlp, [1.0], [0.0])
    _check_against_oracle(mlp, [0.0], [1.0])


def test_zero_length_path_and_zero_width_layer():
    mlp = refimpl.MLP([[[1.0, -1.0]], [[2.0], [3.0]]], [[0.5, 0.5], [0.0]])
    np.testing.assert_array_equal(refimpl.linear_pieces(mlp, [0.25], [0.25]), [0.0, 1.0])
    empty = refimpl.MLP([np.zeros((2, 0)), np.zeros((0, 1))], [np.zeros(0), [0.5]])
    assert not refimpl.integrated_gradients(empty, [[1.0, 2.0]]).any()
    np.testing.assert_array_equal(refimpl.linear_pieces(empty, [1.0, 2.0], None), [0.0, 1.0])


# --- linear_pieces ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("impl", PIECES)
@given(mlp=dyadic_mlps(min_hidden=1, max_hidden=3), data=st.data())
def test_network_is_affine_inside_each_piece(impl, mlp, data):
    d = mlp.sizes[0]
    x = np.array(data.draw(st.lists(QUARTERS, min_size=d, max_size=d)))
    b = np.array(data.draw(st.lists(QUARTERS, min_size=d, max_size=d)))
    alphas = PIECES[impl](mlp, x, b)
    assert alphas[0] == 0 and alphas[-1] == 1 and (np.diff(alphas) > 0).all()
    path = lambda a: b + np.asarray(a)[:, None] * (x - b)  # noqa: E731
    lo, hi = alphas[:-1], alphas[1:]
    F_lo, F_mid, F_hi = (mlp.forward(path(a)) for a in (lo, (lo + hi) / 2, hi))
    scale = magnitude(mlp, path(lo), path(hi), np.zeros(len(lo), dtype=int))[:, None]
    assert (np.abs(F_mid - (F_lo + F_hi) / 2) <= 1e-12 * scale).all()
    # no hidden pre-activation changes sign strictly inside a piece (sampled at 1/4, 1/2, 3/4)
    signs = [_hidden_signs(mlp, path(lo + f * (hi - lo))) for f in (0.25, 0.5, 0.75)]
    for s1, s2 in zip(signs, signs[1:], strict=False):
        for a, c in zip(s1, s2, strict=False):
            assert not ((a * c) < 0).any()


@pytest.mark.parametrize("impl", PIECES)
@given(mlp=dyadic_mlps(min_hidden=1, max_hidden=2), seed=st.integers(0, 2**32 - 1))
def test_every_pattern_change_lies_at_a_breakpoint(impl, mlp, seed):
    rng = np.random.default_rng(seed)
    x, b = rng.normal(size=mlp.sizes[0]), rng.normal(size=mlp.sizes[0])
    alphas = PIECES[impl](mlp, x, b)
    grid = np.linspace(0, 1, 513)
    signs = np.hstack([s for s in _hidden_signs(mlp, b + grid[:, None] * (x - b))])
    changed = (signs[1:] != signs[:-1]).any(axis=1)
    for k in np.flatnonzero(changed):
        assert ((alphas >= grid[k] - 1e-9) & (alphas <= grid[k + 1] + 1e-9)).any(), (grid[k], alphas)


def _hidden_signs(mlp, X):
    return [np.sign(z) for z in hidden_preactivations(mlp, X)]


def test_exact_ig_is_the_midpoint_sum_over_linear_pieces():
    mlp = refimpl.MLP.init([5, 7, 6, 3], 3)
    rng = np.random.default_rng(4)
    X, B = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    ig = refimpl.integrated_gradients(mlp, X, B, 2)
    for r in range(6):
        a = refimpl.linear_pieces(mlp, X[r], B[r])
        mids = B[r] + ((a[:-1] + a[1:]) / 2)[:, None] * (X[r] - B[r])
        expected = (X[r] - B[r]) * (np.diff(a)[:, None] * refimpl.input_gradient(mlp, mids, 2)).sum(axis=0)
        np.testing.assert_allclose(ig[r], expected, rtol=1e-10, atol=1e-12)


# --- contract: purity, determinism, errors ------------------------------------------------------------------------

def test_read_only_inputs_and_determinism():
    mlp = refimpl.MLP.init([4, 6, 3], 0)
    X, B = frozen(np.random.default_rng(1).normal(size=(5, 4))), frozen(np.ones(4))
    targets = frozen([0, 1, 2, 0, 1])
    for method in METHODS:
        first = refimpl.integrated_gradients(mlp, X, B, targets, method=method, return_convergence_delta=True)
        second = refimpl.integrated_gradients(mlp, X, B, targets, method=method, return_convergence_delta=True)
        np.testing.assert_array_equal(first[0], second[0])
        np.testing.assert_array_equal(first[1], second[1])
    np.testing.assert_array_equal(refimpl.linear_pieces(mlp, X[0], B), refimpl.linear_pieces(mlp, X[0], B))


@pytest.mark.parametrize("kwargs, error, word", [
    ({"method": "simpson"}, ValueError, "method"),
    ({"method": 3}, TypeError, "method"),
    ({"method": "riemann_left", "n_steps": 0}, ValueError, "n_steps"),
    ({"n_steps": -1}, ValueError, "n_steps"),  # checked for "exact" too, though unused
    ({"method": "riemann_trapezoid", "n_steps": 1}, ValueError, "n_steps"),
    ({"method": "gausslegendre", "n_steps": 2.0}, TypeError, "n_steps"),
    ({"baselines": np.zeros(5)}, ValueError, "baselines"),
    ({"baselines": np.zeros((2, 4))}, ValueError, "baselines"),
    ({"baselines": np.nan}, ValueError, "baselines"),
    ({"baselines": "zero"}, TypeError, "baselines"),
    ({"target": None}, ValueError, "target"),
    ({"target": 3}, ValueError, "target"),
    ({"target": [0, 1]}, ValueError, "target"),
    ({"target": 1.5}, TypeError, "target"),
    ({"target": True}, TypeError, "target"),
    ({"return_convergence_delta": 1}, TypeError, "return_convergence_delta"),
])
def test_bad_arguments_raise_clear_errors(kwargs, error, word):
    mlp = refimpl.MLP.init([4, 6, 3], 0)
    call = {"target": 0, **kwargs}
    with pytest.raises(error, match=word):
        refimpl.integrated_gradients(mlp, np.ones((3, 4)), **call)


def test_linear_pieces_bad_arguments():
    mlp = refimpl.MLP.init([4, 6, 3], 0)
    with pytest.raises(ValueError, match="x"):
        refimpl.linear_pieces(mlp, np.ones((1, 4)), None)
    with pytest.raises(ValueError, match="x"):
        refimpl.linear_pieces(mlp, np.ones(3), None)
    with pytest.raises(ValueError, match="baseline"):
        refimpl.linear_pieces(mlp, np.ones(4), np.ones(3))
    with pytest.raises(TypeError, match="mlp"):
        refimpl.linear_pieces("model", np.ones(4), None)
    with pytest.raises(ValueError, match="x"):
        refimpl.linear_pieces(mlp, [1.0, np.inf, 0, 0], None)


def test_split_tolerates_breakpoints_that_round_together():
    # a piece one ulp wide: crossings at τ = 0.3 and 0.6 round to its two ends, leaving zero-width pieces
    lo, hi = 1.0, np.nextafter(1.0, 2.0)
    Z = np.array([[0.3, 0.6, 1.0], [-0.7, -0.4, 1.0]])
    alpha, row, Z_new, parent = _split_points(np.array([lo, hi]), np.array([0, 0]), Z)
    assert len(alpha) == 4 and alpha[0] == lo and alpha[-1] == hi and (np.diff(alpha) >= 0).all()
    assert (np.diff(alpha) == 0).any()  # a zero-width piece was made, and is harmless
    assert (row == 0).all() and (parent == 0).all()
    assert Z_new[1, 0] == 0 and Z_new[2, 1] == 0  # each unit exactly 0 at its own crossing


@pytest.mark.parametrize("s, e", [(1.0, -1e-17), (5e-324, -1e300)])  # τ = s/(s − e) rounds to 1, then to 0
def test_a_crossing_that_rounds_onto_an_end_does_not_split(s, e):
    alpha, _, _, _ = _split_points(np.array([0.25, 0.5]), np.array([0, 0]), np.array([[s, 1.0], [e, 1.0]]))
    np.testing.assert_array_equal(alpha, [0.25, 0.5])
    spec = readable.split(readable.Piece(0.25, 0.5, (), np.array([s, 1.0]), np.array([e, 1.0])))
    assert [(p.lo, p.hi) for p in spec] == [(0.25, 0.5)]

# --- the batched engine against the readable form, at sizes beyond the exact-arithmetic oracle's reach ----------

@given(depth=st.integers(1, 4), width=st.integers(1, 24), seed=st.integers(0, 2**32 - 1))
def test_engine_matches_the_readable_form_on_wider_networks(depth, width, seed):
    rng = np.random.default_rng(seed)
    sizes = [int(rng.integers(1, 9))] + [width] * depth + [3]
    mlp = refimpl.MLP([rng.normal(size=(m, n)) for m, n in zip(sizes, sizes[1:], strict=False)],
                      [rng.normal(scale=0.5, size=n) for n in sizes[1:]])
    X, B = rng.normal(size=(3, sizes[0])), rng.normal(size=(3, sizes[0]))
    targets = rng.integers(0, 3, size=3)
    bound = TOL * magnitude(mlp, X, B, targets)[:, None]
    assert (np.abs(refimpl.integrated_gradients(mlp, X, B, targets) - readable.integrated_gradients(
        mlp, X, B, targets)) <= bound).all()
    for r in range(3):
        fast, slow = refimpl.linear_pieces(mlp, X[r], B[r]), readable.linear_pieces(mlp, X[r], B[r])
        assert fast.shape == slow.shape and np.abs(fast - slow).max() <= 1e-9, (fast, slow)


def test_crossing_units_are_exactly_zero_at_their_breakpoint():
    # Non-dyadic weights: a crossing unit's pre-activation interpolated to its breakpoint rounds to ±1e-17, not 0;
    # unless it is set to exactly 0 there, the next layer sees two values at one α and splits a spurious,
    # one-ulp-wide piece next to the true breakpoint (found by a random search against that mutant).
    mlp = refimpl.MLP([[[-1.2, 1.3, 0.5], [-0.2, -0.1, 0.8]], [[-1.4, 2.0], [-0.8, -0.8], [1.2, 0.8]], [[1.3], [1.0]]],
                      [[0.4, -1.3, -0.5], [0.2, -0.0], [-2.1]])
    x, b = np.array([1.0, 1.7]), np.zeros(2)
    points, patterns = exact_pieces(to_fractions(mlp), [Fraction(v) for v in x], [Fraction(v) for v in b])
    # the oracle's partition may be finer than needed: the breakpoints are where the activation pattern changes
    exact = [0.0] + [float(p) for p, left, right in zip(points[1:-1], patterns[:-1], patterns[1:], strict=True)
                     if left != right] + [1.0]
    for impl in PIECES:
        alphas = PIECES[impl](mlp, x, b)
        assert alphas.shape == (len(exact),), (impl, alphas, exact)
        np.testing.assert_allclose(alphas, exact, rtol=0, atol=1e-15)

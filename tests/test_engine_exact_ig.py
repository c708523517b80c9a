"""The exact-IG engine (refimpl.engines.exact_ig) against the exact-arithmetic oracle, at depths 1..4.

The oracle (tests/oracles_interpret.py) shares no code with the engine: it refines a partition of [0, 1] in
fractions.Fraction until no pre-activation changes sign inside a piece and differentiates the pattern-fixed network by
differences. Weights, biases and inputs are multiples of 1/4, so ties (several units crossing at one α, a unit 0 at a
breakpoint or along a whole piece, x == baseline) are frequent. Every test also runs with chunks of one row, so the
padding of rows with fewer crossings is exercised.
"""

import contextlib
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import refimpl
from refimpl.engines import exact_ig as engine
from refimpl.spec import integrated as readable

from .oracles import dyadic_mlps
from .oracles_interpret import exact_ig, exact_pieces, magnitude, rows, to_fractions

TOL = 1e-12  # the completeness / agreement bound of integrated_gradients' docstring, relative to S


CHUNKS = pytest.mark.parametrize("chunk_entries", [1, engine.CHUNK_ENTRIES], ids=["one_row_chunks", "default"])


@contextlib.contextmanager
def chunks_of(entries):
    """Run the engine with ``CHUNK_ENTRIES = entries`` (1: every row its own chunk)."""
    saved, engine.CHUNK_ENTRIES = engine.CHUNK_ENTRIES, entries
    try:
        yield
    finally:
        engine.CHUNK_ENTRIES = saved


@st.composite
def deep_cases(draw, min_hidden=1, max_hidden=4, max_width=3):
    mlp = draw(dyadic_mlps(min_hidden=min_hidden, max_hidden=max_hidden, max_width=max_width))
    X = draw(rows(mlp.sizes[0], 1, 4))
    B = draw(rows(mlp.sizes[0], len(X), len(X)))
    same = draw(st.lists(st.booleans(), min_size=len(X), max_size=len(X)))
    B[same] = X[same]  # some paths of length 0
    targets = np.array(draw(st.lists(st.integers(0, mlp.sizes[-1] - 1), min_size=len(X), max_size=len(X))))
    return mlp, X, B, targets


def _assert_matches_oracle(mlp, X, B, targets, chunk_entries):
    with chunks_of(chunk_entries):
        ig = engine.exact_ig(mlp.weights, mlp.biases, X, B, targets)
    bound = TOL * magnitude(mlp, X, B, targets)
    for r in range(len(X)):
        expected = np.array([float(v) for v in exact_ig(mlp, X[r], B[r], targets[r])[0]])
        assert np.abs(ig[r] - expected).max(initial=0) <= bound[r], \
            f"row {r}: ig={ig[r]}, but should be {expected} [sizes {mlp.sizes}]"


@CHUNKS
@given(case=deep_cases())
def test_engine_matches_exact_arithmetic(chunk_entries, case):
    _assert_matches_oracle(*case, chunk_entries)


@CHUNKS
@given(case=deep_cases(min_hidden=3, max_hidden=4, max_width=4))
def test_engine_matches_exact_arithmetic_three_and_four_hidden_layers(chunk_entries, case):
    _assert_matches_oracle(*case, chunk_entries)


@given(mlp=dyadic_mlps(min_hidden=1, max_hidden=4, max_width=4), data=st.data())
def test_breakpoints_are_the_exact_pattern_changes(mlp, data):
    """The oracle's partition may hold extra points (it refines with pattern-fixed networks), so: every engine
    breakpoint is an oracle point, and every oracle point where the activation pattern changes is an engine one."""
    d = mlp.sizes[0]
    x, b = (data.draw(rows(d, 1, 1))[0] for _ in range(2))
    points, patterns = exact_pieces(to_fractions(mlp), [Fraction(v) for v in x], [Fraction(v) for v in b])
    points = np.array([float(p) for p in points])
    changes = [points[0], points[-1]] + [points[k + 1] for k in range(len(patterns) - 1)
                                         if patterns[k] != patterns[k + 1]]
    got = engine.breakpoints(mlp.weights, mlp.biases, x, b)[0]
    assert all(np.abs(points - a).min() <= 1e-12 for a in got), f"breakpoints {got}, oracle's points {points}"
    assert all(np.abs(got - a).min() <= 1e-12 for a in changes), f"breakpoints {got}, but pattern changes {changes}"


# --- built cases: each pins one boundary of the sweep ----------------------------------------------------------

@CHUNKS
def test_ties_several_layer1_units_and_a_layer2_unit_cross_at_one_alpha(chunk_entries):
    # layer-1 units 0 and 1 both cross at α = 1/2; layer-2 unit 0 = h0 + h1 - h2 crosses there too (h2 = α)
    W0 = [[2.0, 4.0, 1.0]]
    b0 = [-1.0, -2.0, 0.0]
    W1 = [[1.0, 0.0], [1.0, 1.0], [-1.0, 0.5]]
    mlp = refimpl.MLP([W0, W1, [[2.0, -1.0], [1.0, 3.0]]], [b0, [0.5, -0.25], [0.0, 0.0]])
    for x, b in (([1.0], [0.0]), ([0.0], [1.0]), ([1.0], [0.5]), ([0.5], [1.0])):
        _assert_matches_oracle(mlp, np.array([x]), np.array([b]), np.array([1]), chunk_entries)
    assert 0.5 in engine.breakpoints(mlp.weights, mlp.biases, np.array([1.0]), np.array([0.0]))[0]


@CHUNKS
def test_layer2_unit_zero_along_a_whole_piece_passes_no_gradient(chunk_entries):
    # layer-2 unit 0 = h0 - h1 with h0 == h1 for α >= 1/2: exactly 0 on that piece, so inactive (ReLU'(0) = 0)
    W0 = [[1.0, 1.0, 1.0]]
    mlp = refimpl.MLP([W0, [[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]], [[3.0], [1.0]]],
                      [[0.0, -0.5, 0.0], [0.0, -0.25], [0.0]])
    _assert_matches_oracle(mlp, np.array([[1.0], [0.0]]), np.array([[0.0], [1.0]]), np.array([0, 0]), chunk_entries)


@CHUNKS
def test_middle_layer_unit_zero_along_the_path_passes_no_gradient(chunk_entries):
    # layer-2 unit 0 = h0 - h1 with h0 = ReLU(x1 + x2 - 1/2), h1 = ReLU(2 x2 - 1/2): equal on the path (α, α), so 0
    # all along; it feeds layer 3 (not the last hidden layer), and its input gradient (1, -1) must not count
    mlp = refimpl.MLP([[[1.0, 0.0], [1.0, 2.0]], [[1.0, 1.0], [-1.0, 0.0]], [[3.0], [1.0]], [[1.0]]],
                      [[-0.5, -0.5], [0.0, 0.0], [0.0], [0.0]])
    _assert_matches_oracle(mlp, np.array([[1.0, 1.0]]), np.array([[0.0, 0.0]]), np.array([0]), chunk_entries)


@CHUNKS
def test_zero_preactivation_at_both_ends_and_at_breakpoints(chunk_entries):
    # unit 0 is exactly 0 at the baseline, unit 1 exactly 0 at the input, unit 2 crosses where layer 2 touches 0
    mlp = refimpl.MLP([[[1.0, -1.0, 1.0]], [[1.0], [1.0], [-1.0]], [[1.0], ], [[-2.0]]],
                      [[0.0, 1.0, -0.5], [0.0], [-0.5], [0.25]])
    for x, b in (([1.0], [0.0]), ([0.0], [1.0]), ([2.0], [-1.0])):
        _assert_matches_oracle(mlp, np.array([x]), np.array([b]), np.array([0]), chunk_entries)


@pytest.mark.parametrize("sizes", [(2, 0, 3), (2, 3, 0, 2), (2, 3, 3, 0, 2), (2, 0, 3, 3, 3, 2), (2, 3, 3, 3, 0, 1)])
def test_zero_width_layers_give_zero_attributions(sizes):
    mlp = refimpl.MLP.init(sizes, 0)
    mlp = refimpl.MLP(mlp.weights, [np.full(b.shape, 0.25) for b in mlp.biases])
    X, B = np.random.default_rng(0).normal(size=(3, 2)), np.zeros((3, 2))
    ig = engine.exact_ig(mlp.weights, mlp.biases, X, B, np.zeros(3, dtype=np.int64))
    np.testing.assert_array_equal(ig, np.zeros((3, 2)))
    np.testing.assert_array_equal(engine.breakpoints(mlp.weights, mlp.biases, X[0], B[0])[0][[0, -1]], [0.0, 1.0])


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_random_networks_complete_and_chunk_independent(monkeypatch, depth):
    """Many crossings per row (width 40), rows with very different counts: completeness within 1e-12·S, the spec's
    readable exact IG, and the same attributions (to rounding) whether rows are swept together or one by one."""
    rng = np.random.default_rng(depth)
    sizes = [6] + [40] * depth + [3]
    mlp = refimpl.MLP.init(sizes, depth)
    mlp = refimpl.MLP(mlp.weights, [rng.normal(0, 0.5, b.shape) for b in mlp.biases])
    X, B = rng.normal(size=(30, 6)) * rng.uniform(0, 3, (30, 1)), rng.normal(size=(30, 6))
    targets = rng.integers(0, 3, 30)
    together = engine.exact_ig(mlp.weights, mlp.biases, X, B, targets)
    gap = mlp.forward(X)[np.arange(30), targets] - mlp.forward(B)[np.arange(30), targets]
    S = magnitude(mlp, X, B, targets)
    assert (np.abs(together.sum(axis=1) - gap) <= TOL * S).all()
    assert (np.abs(together - readable.integrated_gradients(mlp, X, B, targets)) <= TOL * S[:, None]).all()
    monkeypatch.setattr(engine, "CHUNK_ENTRIES", 1)
    alone = engine.exact_ig(mlp.weights, mlp.biases, X, B, targets)
    assert (np.abs(alone - together) <= TOL * S[:, None]).all()


def test_chunks_bound_the_breakpoint_arrays(monkeypatch):
    """Each chunk's (breakpoints, rows, width) arrays hold at most CHUNK_ENTRIES entries, unless one row alone needs
    more; every row is swept exactly once."""
    rng = np.random.default_rng(5)
    mlp = refimpl.MLP.init([6, 40, 30, 3], 5)
    mlp = refimpl.MLP(mlp.weights, [rng.normal(0, 0.5, b.shape) for b in mlp.biases])
    X = rng.normal(size=(40, 6)) * rng.uniform(0, 3, (40, 1))
    sizes, seen, sweep = [], [], engine._sweep

    def recording(layer1, exact_zeros):
        out = sweep(layer1, exact_zeros)
        sizes.append((out["Z"].size, out["Z"].shape[0] * out["Z"].shape[2]))
        seen.append(out["Z"].shape[1])
        return out

    monkeypatch.setattr(engine, "_sweep", recording)
    monkeypatch.setattr(engine, "CHUNK_ENTRIES", 3000)
    engine.exact_ig(mlp.weights, mlp.biases, X, np.zeros_like(X), np.zeros(40, dtype=np.int64))
    assert sum(seen) == 40 and len(sizes) > 1
    assert all(size <= max(3000, per_row) for size, per_row in sizes), sizes

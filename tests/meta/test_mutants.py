"""Every known-wrong implementation is caught, with the expected clause, within 200 examples at seed 0; the
reference passes every op; a tie-breaking variant passes under ties="any"."""

import numpy as np
import pytest

from refimpl.conformance import OPS, check, clauses_for, reference_candidate

from .mutants import CATALOGUE, prune_ties_highest_index
from .mutants_more import MORE

# The mutants compute wrongly on purpose (float32 overflow, softmax without the max shift): their warnings are
# part of the bugs being caught, not of the suite.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def test_catalogue_covers_every_op_with_real_clauses():
    """Each op of the registry has a known-wrong implementation, each expected clause exists (a typo would make a
    mutant's expectation unmeetable), each mutant has its own name and its options are ones check accepts."""

    everything = CATALOGUE + list(MORE)
    assert len({m.name for m in everything}) == len(everything)
    assert {m.op for m in everything} >= set(OPS), sorted(set(OPS) - {m.op for m in everything})
    for m in everything:
        own = {c.id for c in clauses_for(m.op)}  # the op's clauses and the common ones
        assert m.clauses and m.clauses <= own, (m.name, sorted(m.clauses - own))
        assert set(m.options) <= {"ties", "precision", "rtol", "atol", "time_limit", "subnormals", "assume"}, m.name


@pytest.mark.parametrize("mutant", CATALOGUE, ids=[m.name for m in CATALOGUE])
def test_mutant_is_caught_with_expected_clause(mutant, mutation_results):
    report = check(mutant.op, mutant.fn, max_examples=200, seed=0, **mutant.options)
    clauses = {f.clause for f in report.failures}
    mutation_results[mutant.name] = (not report.passed) and bool(clauses & mutant.clauses)
    assert not report.passed, f"{mutant.name} was not caught"
    assert clauses & mutant.clauses, f"{mutant.name}: expected one of {sorted(mutant.clauses)}, got {report}"
    assert report.failures[0].message.endswith("]") and report.failures[0].clause in report.failures[0].message


@pytest.mark.parametrize("op", OPS)
def test_reference_conforms(op):
    report = check(op, reference_candidate(op), max_examples=60, seed=1)
    assert report.passed, str(report)
    assert report.examples_run > 0


def test_ties_any_accepts_another_tie_rule_but_not_another_count():
    assert check("prune_smallest", prune_ties_highest_index, max_examples=100, ties="any").passed
    report = check("prune_smallest", prune_ties_highest_index, max_examples=100)
    assert [f.clause for f in report.failures] == ["prune_smallest.ties"]


def test_float32_candidate_passes_only_when_declared():
    def minmax32(w):
        w = np.asarray(w, dtype=np.float64)
        lo, hi = w.min(), w.max()
        out = np.zeros(w.shape) if hi == lo else (w - lo) / (hi - lo)
        return out.astype(np.float32)  # float64 arithmetic, float32 result

    assert check("minmax_normalize", minmax32, max_examples=60, precision="float32").passed
    report = check("minmax_normalize", minmax32, max_examples=60)
    assert report.failures[0].clause == "common.dtype"

"""The realistic catalogue (realistic.py, realistic_correct.py): every wrong implementation is caught with the
expected clause and every correct one conforms, at three seeds, with 200 examples each."""

import pytest

from refimpl.conformance import check

from .realistic_correct import CORRECT, WRONG

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
SEEDS = (0, 1, 2)


def test_the_catalogue_covers_every_op_and_both_verdicts():
    assert len(WRONG) >= 20 and len(CORRECT) >= 12
    assert len({c.name for c in WRONG}) == len(WRONG)
    assert {c.op for c in WRONG} == {c.op for c in CORRECT}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", WRONG, ids=[c.name for c in WRONG])
def test_realistic_wrong_implementation_is_caught(case, seed, mutation_results):
    report = check(case.op, case.fn, max_examples=200, seed=seed, **case.options)
    clause = report.failures[0].clause if report.failures else None
    mutation_results[f"{case.name}[seed {seed}]"] = clause in case.clauses
    assert clause in case.clauses, f"{case.name}: expected one of {sorted(case.clauses)}, got {report}"
    assert report.examples_run >= 1 and len(report.failures) == 1


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", CORRECT, ids=[f"{c.name}-{c.options.get('precision', '')}{c.options.get('ties', '')}"
                                              for c in CORRECT])
def test_realistic_correct_implementation_conforms(case, seed, mutation_results):
    report = check(case.op, case.fn, max_examples=200, seed=seed, **case.options)
    mutation_results[f"correct {case.name}[seed {seed}]"] = report.passed
    assert report.passed, str(report)
    assert report.examples_run > 50 and report.shrink_calls == 0

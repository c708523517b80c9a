"""The known-wrong implementations of the issue-13 ops are caught with the expected clause within 200 examples at
seed 0 (counted in the mutation score printed at the end of the run)."""

import pytest

from refimpl.conformance.clauses import clauses_for

from .mutants_more import MORE
from .test_mutants import test_mutant_is_caught_with_expected_clause as caught

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.mark.parametrize("mutant", MORE, ids=[m.name for m in MORE])
def test_mutant_is_caught_with_expected_clause(mutant, mutation_results):
    caught(mutant, mutation_results)


def test_every_new_op_has_a_mutant():
    ops = {m.op for m in MORE}
    assert ops == {"saliency", "gradient_x_input", "global_importance", "linear_pieces", "fake_quantize",
                   "quantize_model", "prune_connections", "softmax_cross_entropy", "binary_cross_entropy_with_logits",
                   "sgd_update", "neuron_importance", "quantize_per_channel",
                   "dequantize_per_channel", "fake_quantize_per_channel"}
    for m in MORE:  # every expected clause exists
        assert m.clauses <= {c.id for c in clauses_for(m.op)}, m.name

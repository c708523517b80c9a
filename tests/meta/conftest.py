"""Meta tests of the conformance checker: the mutation score is printed at the end of every run."""

import pytest

_RESULTS: dict[str, bool] = {}


@pytest.fixture(scope="session")
def mutation_results() -> dict:
    """name -> judged as expected (caught with the expected clause; for "correct ..." names: accepted), filled by
    test_mutants.py and test_realistic.py."""
    return _RESULTS


def pytest_terminal_summary(terminalreporter):
    if not _RESULTS:
        return
    wrong = {k: ok for k, ok in _RESULTS.items() if not k.startswith("correct ")}
    correct = {k: ok for k, ok in _RESULTS.items() if k.startswith("correct ")}
    killed = sum(wrong.values())
    terminalreporter.write_sep("-", "refimpl conformance: mutation score")
    terminalreporter.write_line(f"mutation score: {killed}/{len(wrong)} known-wrong implementations caught with "
                                f"the expected clause ({100 * killed / max(len(wrong), 1):.0f}%; both catalogues, "
                                "the realistic one at three seeds)")
    if correct:
        terminalreporter.write_line(f"correct implementations accepted: {sum(correct.values())}/{len(correct)}")
    missed = [name for name, ok in _RESULTS.items() if not ok]
    if missed:
        terminalreporter.write_line(f"missed: {', '.join(missed)}")

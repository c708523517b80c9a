"""Meta tests of the conformance checker: the mutation score is printed at the end of every run."""

import pytest

_RESULTS: dict[str, bool] = {}


@pytest.fixture(scope="session")
def mutation_results() -> dict:
    """name -> killed (with the expected clause), filled by test_mutants.py."""
    return _RESULTS


def pytest_terminal_summary(terminalreporter):
    if not _RESULTS:
        return
    killed = sum(_RESULTS.values())
    terminalreporter.write_sep("-", "refimpl conformance: mutation score")
    terminalreporter.write_line(f"mutation score: {killed}/{len(_RESULTS)} known-wrong implementations caught with "
                                f"the expected clause ({100 * killed / len(_RESULTS):.0f}%)")
    missed = [name for name, ok in _RESULTS.items() if not ok]
    if missed:
        terminalreporter.write_line(f"missed: {', '.join(missed)}")

"""Hypothesis profiles: ``ci`` (default: deterministic, bounded) and ``thorough`` (HYPOTHESIS_PROFILE=thorough)."""

import os
import sys

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def demo_baseline():
    """``refimpl.experiment.train_baseline(0)``, trained once for every test file that needs the demo model."""
    from refimpl.experiment import train_baseline  # noqa: PLC0415 - imported only by the tests that use it
    return train_baseline(0)


def pytest_terminal_summary(terminalreporter):
    """Print how many bad inputs the hardening suite tried per function (when it ran)."""
    module = sys.modules.get("tests.hardening.test_bad_inputs")
    tried = getattr(module, "TRIED", None)
    if tried:
        terminalreporter.write_sep("-", f"bad inputs tried: {sum(tried.values())} in all")
        for name, count in sorted(tried.items()):
            terminalreporter.write_line(f"  {name}: {count}")

"""``refimpl bench``: the speed and memory goals of the issues, measured side by side in one run.

- :mod:`.command`: the CLI entry (``add_arguments``, ``run``) and :func:`~.command.collect`, the whole run as data.
- :mod:`.runner`: NumPy and torch workers in separate, alternating processes; medians over rounds; demo peak RSS.
- :mod:`.numpy_side` / :mod:`.torch_side`: what each worker times (refimpl's real code paths / PyTorch and Captum).
- :mod:`.workloads`: the problems both sides solve; :mod:`.timing`: the timer; :mod:`.machine`: what ran it;
  :mod:`.report`: rows, goals, ratios and the table.
"""

from .command import add_arguments, collect, run

__all__ = ["add_arguments", "collect", "run"]

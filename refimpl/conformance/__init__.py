"""Conformance kit: check another implementation against refimpl, clause by clause.

``check(op, candidate)`` returns a :class:`Report`; ``assert_conforms`` raises ``AssertionError`` with it;
``judge`` runs one input; ``measure`` gives an approximate candidate's error distribution. Every candidate runs
in a worker process (``runner.py``); ``Program`` names one that is
an executable speaking the candidate protocol (``protocol.py``). The clauses are listed in :data:`CLAUSES`
(``refimpl check --list``); the golden vectors are written by ``refimpl vectors`` and read by ``refimpl verify``
(see docs/conformance.md).
"""

from . import peers as peers  # model builders and adapters for other frameworks (each imported on first use)
from .adapt import adapt
from .check import assert_conforms, check, judge
from .clauses import CLAUSES, OPS, Clause, clauses_for
from .errors import Unsupported
from .measure import Measurement, measure
from .ops import reference_candidate
from .report import Failure, Report
from .runner import TIME_LIMIT, WARMUP, Program

__all__ = ["check", "assert_conforms", "judge", "Report", "Failure", "CLAUSES", "OPS", "Clause", "clauses_for",
           "TIME_LIMIT", "WARMUP", "Program", "reference_candidate", "Unsupported", "adapt",
           "measure", "Measurement"]

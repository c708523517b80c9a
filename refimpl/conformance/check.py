"""The differential property tester: ``check``, ``assert_conforms`` and ``judge``.

``check`` (which needs Hypothesis; ``judge`` and the golden vectors need only NumPy) searches with Hypothesis's
``find`` (seeded, no example database, so the same seed gives the same run)
for an input on which the candidate breaks a clause, then lets Hypothesis shrink it while it keeps breaking the
*same* clause as the first failure found, so the report shows the simplest witness of one problem. Every result is
cached by input, so a non-deterministic candidate (e.g. a random mask) cannot confuse the shrinker, and a candidate
that hits the time limit is never called again: the search stops at that input.
"""

from __future__ import annotations

import random
from contextlib import contextmanager

import numpy as np

from ..spec.checks import check_choice, check_int, check_real
from .adapt import declared
from .clauses import OPS as OP_NAMES
from .clauses import tag
from .compare import Tolerance
from .judging import Broken, Verdict
from .ops import OPS, call_text, candidate_view, check_inputs_complete
from .report import Failure, Report, candidate_import, snippet
from .runner import TIME_LIMIT, WARMUP, Program, Runner
from .worker import freeze

TIES = ("lowest-index", "any")
PRECISIONS = ("float64", "float32")


def _options(op, candidate, max_examples, seed, rtol, atol, ties, precision, time_limit, warmup=0.0):
    check_choice(op, "op", OP_NAMES)
    if isinstance(candidate, str):
        if ":" not in candidate:
            raise ValueError(f"the candidate must be given as MODULE:ATTR, got {candidate!r}")
    elif not callable(candidate) and not isinstance(candidate, Program):
        raise TypeError(f"candidate must be callable, 'module:attr' or a Program, got {type(candidate).__name__}")
    if precision == "float64":  # the default: a candidate's own declaration (rc.adapt(fn, dtype="float32")) wins
        precision = declared(candidate, "precision", precision)
    check_int(max_examples, "max_examples", lo=1)
    check_int(seed, "seed", lo=0)
    check_real(time_limit, "time_limit", lo=0.0, lo_open=True)
    check_real(warmup, "warmup", lo=0.0)
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value is not None:
            check_real(value, name, lo=0.0)
    return Tolerance(check_choice(precision, "precision", PRECISIONS), rtol, atol, check_choice(ties, "ties", TIES))


@contextmanager
def _seed_only():
    """Make a run depend on the seed only.

    Hypothesis (>= 6.131) mixes literal constants found in the source of every *local* module currently imported
    into the values it generates, so the same seed would give different inputs in a script, under pytest or from
    the CLI. For the duration of a check its local-constant pool is replaced by an empty one (and its cache of
    permitted constants by a fresh one). If a future Hypothesis moves these internals, the check still runs, only
    without this guarantee.
    """
    try:
        from hypothesis.internal.cache import LRUCache  # noqa: PLC0415
        from hypothesis.internal.conjecture import providers  # noqa: PLC0415
        from hypothesis.internal.constants_ast import Constants  # noqa: PLC0415

        saved = providers._get_local_constants, providers.CONSTANTS_CACHE
    except (ImportError, AttributeError):
        yield
        return
    empty = Constants()
    providers._get_local_constants, providers.CONSTANTS_CACHE = (lambda: empty), LRUCache(1024)
    try:
        yield
    finally:
        providers._get_local_constants, providers.CONSTANTS_CACHE = saved


def _key(inputs: dict) -> bytes:
    """A canonical byte key of an input dict (dtype, shape and bytes of every array)."""
    def leaves(value):  # nested lists (sgd_update's grads and velocity) flattened
        return [x for v in value for x in leaves(v)] if isinstance(value, (list, tuple)) else [value]

    parts = []
    for name in sorted(inputs):
        for x in leaves(inputs[name]):
            x = np.asarray(x)
            parts.append(f"{name}|{x.dtype.str}|{x.shape}|".encode() + x.tobytes())
    return b"\x00".join(parts)


class _Evaluation:
    """Reference, candidate and judge on one input; the result is a list of (clause, message) pairs."""

    def __init__(self, op, runner: Runner, tol: Tolerance):
        self.op, self.runner, self.tol = op, runner, tol
        self.allowed: list[str] = []
        self.declined = 0

    def __call__(self, inputs: dict):
        expected = self.op.reference(freeze(dict(inputs)))
        outcome = self.runner.call(inputs)
        if outcome.declined:  # outside the candidate's declared domain: not judged
            self.declined += 1
            return [], expected, None
        if outcome.clause is not None:
            return [(outcome.clause, outcome.message)], expected, None
        verdict = Verdict()
        try:
            with np.errstate(under="ignore"):  # rounding bounds of subnormal inputs underflow, correctly, to 0
                self.op.judge(inputs, expected, outcome.value, self.tol, verdict)
        except Broken as broken:
            verdict.fail(broken.clause, broken.message)
        self.allowed.extend(verdict.allowed[:1])
        return list(verdict.failed.items()), expected, outcome.value


def _failures(op, inputs, findings, expected, got, candidate_ref) -> tuple[Failure, ...]:
    where = call_text(op, inputs)
    code = snippet(op.name, op.args, inputs, candidate_ref)
    return tuple(Failure(clause, f"{message} {tag(clause, where)}", inputs, candidate_view(op, expected), got, code)
                 for clause, message in findings)


def check(op, candidate, *, max_examples=200, seed=0, rtol=None, atol=None, ties="lowest-index",
          precision="float64", time_limit=TIME_LIMIT, warmup=WARMUP, target=None) -> Report:
    """Check ``candidate`` against refimpl's ``op`` on up to ``max_examples`` generated inputs.

    Parameters
    ----------
    op : str, one of ``refimpl.conformance.OPS`` (``refimpl check --list`` shows each op's clauses)
    candidate : callable with the op's signature (NumPy arrays in, anything array-like out), or ``"module:attr"``
        naming one (imported in the worker), or a :class:`~.runner.Program` speaking the candidate protocol. It
        always runs in a worker process (see ``refimpl.conformance.runner``).
    max_examples : int >= 1, inputs generated before declaring conformance (shrinking calls come on top)
    seed : int >= 0; the same seed gives the same inputs, the same failures, the same report
    rtol, atol : float >= 0 or None; when given, rounded clauses use ``|got - expected| <= atol + rtol*|expected|``
        instead of the stated rounding bounds (exact clauses stay exact)
    ties : "lowest-index" (the spec) or "any" (any choice among tied entries; counts and untied decisions must still
        match)
    precision : "float64" or "float32" (a float32 candidate: float32 results accepted, rounding windows widened)
    time_limit : float > 0, seconds per call (see ``refimpl.conformance.runner``)
    warmup : float >= 0, extra seconds for the worker's start and the first call on each new input shape
    target : "module:attr" naming the candidate, for the snippets (inferred from the function when possible)

    Returns
    -------
    Report
        ``passed``, ``examples_run`` (candidate calls, shrinking included), ``failures`` (each broken clause on the
        shrunk input), ``allowed`` (boundary notes).
    """
    tol = _options(op, candidate, max_examples, seed, rtol, atol, ties, precision, time_limit, warmup)
    try:  # only check needs Hypothesis
        from hypothesis import HealthCheck, Phase, find, settings  # noqa: PLC0415
        from hypothesis.errors import NoSuchExample, Unsatisfiable  # noqa: PLC0415
    except ImportError:
        raise ImportError("refimpl.conformance.check needs Hypothesis: pip install hypothesis") from None

    from .strategies import strategy  # noqa: PLC0415

    spec = OPS[op]
    cache: dict[bytes, tuple] = {}
    state = {"clause": None, "stop": False}

    with Runner(candidate, op, spec.args, time_limit, warmup) as runner, _seed_only():
        evaluate = _Evaluation(spec, runner, tol)

        def fails(inputs: dict) -> bool:
            key = _key(inputs)
            if key not in cache:
                if state["stop"]:  # a call timed out: never call the candidate again
                    return False
                cache[key] = evaluate(inputs)
            clauses = [c for c, _ in cache[key][0]]
            state["stop"] = state["stop"] or "common.time-limit" in clauses
            if clauses and state["clause"] is None:
                state["clause"] = clauses[0]
            return state["clause"] in clauses

        run_settings = settings(max_examples=max_examples, database=None, deadline=None, derandomize=False,
                                phases=(Phase.generate, Phase.shrink), suppress_health_check=list(HealthCheck),
                                print_blob=False)
        try:
            found = find(strategy(op), fails, settings=run_settings, random=random.Random(seed))
        except (NoSuchExample, Unsatisfiable):
            found = None
    options = {"max_examples": max_examples, "seed": seed, "rtol": rtol, "atol": atol, "ties": ties,
               "precision": tol.precision}
    notes = tuple(dict.fromkeys(evaluate.allowed))[:20]
    extra = {"declined": evaluate.declined, "output": runner.output, "output_bytes": runner.output_bytes}
    if found is None:
        return Report(op, True, len(cache), (), notes, options, **extra)
    findings, expected, got = cache[_key(found)]
    ref = candidate_import(candidate, target)
    return Report(op, False, len(cache), _failures(spec, found, findings, expected, got, ref), notes, options,
                  **extra)


def assert_conforms(op, candidate, **options) -> Report:
    """``check`` and raise ``AssertionError`` (carrying the report as ``.report``) unless the candidate conforms."""
    report = check(op, candidate, **options)
    if not report.passed:
        error = AssertionError(str(report))
        error.report = report
        raise error
    return report


def judge(op, candidate, *, rtol=None, atol=None, ties="lowest-index", precision="float64",
          time_limit=TIME_LIMIT, warmup=WARMUP, expected=None, **inputs) -> list[Failure]:
    """Run ``candidate`` once on ``inputs`` (keyword arguments named as the op's arguments) and return the
    clauses it breaks (an empty list when it conforms on this input). ``expected`` overrides the reference's
    result (used by ``refimpl verify`` with golden vectors)."""
    inputs = check_inputs_complete(OPS[check_choice(op, "op", OP_NAMES)], inputs)
    [(_, failures)] = judge_cases(op, candidate, [{"id": "", "inputs": inputs, "expected": expected}], rtol=rtol,
                                  atol=atol, ties=ties, precision=precision, time_limit=time_limit, warmup=warmup)
    return failures


def judge_cases(op, candidate, cases, *, rtol=None, atol=None, ties="lowest-index", precision="float64",
                time_limit=TIME_LIMIT, warmup=WARMUP, target=None) -> list[tuple[str, list[Failure]]]:
    """``judge`` on each of ``cases`` (dicts with ``id``, ``inputs`` and ``expected``, None for the reference's
    result) with one worker for all: ``[(id, failures), ...]``."""
    tol = _options(op, candidate, 1, 0, rtol, atol, ties, precision, time_limit, warmup)
    spec = OPS[op]
    ref = candidate_import(candidate, target)
    out = []
    with Runner(candidate, op, spec.args, time_limit, warmup) as runner:
        for case in cases:
            evaluation = _Evaluation(spec, runner, tol)
            if case["expected"] is not None:
                evaluation.op = spec._replace(reference=lambda _, e=case["expected"]: e)
            findings, exp, got = evaluation(case["inputs"])
            out.append((case["id"], list(_failures(spec, case["inputs"], findings, exp, got, ref))))
    return out

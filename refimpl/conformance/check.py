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
from typing import NamedTuple

import numpy as np

from ..spec.checks import check_choice, check_int, check_real
from .adapt import declared
from .clauses import OPS as OP_NAMES
from .clauses import tag
from .compare import Tolerance
from .domain import check_assume, describe
from .judging import Broken, Verdict
from .numerics import PRECISIONS, SUBNORMAL_MODES
from .ops import OPS, call_text, candidate_view, check_inputs_complete
from .report import Failure, Report, candidate_import, snippet
from .runner import TIME_LIMIT, WARMUP, Program, Runner
from .worker import freeze

TIES = ("lowest-index", "any")


def _options(op, candidate, max_examples, seed, rtol, atol, ties, precision, time_limit, warmup=0.0,
             subnormals="preserve"):
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
    return Tolerance(check_choice(precision, "precision", PRECISIONS), rtol, atol, check_choice(ties, "ties", TIES),
                     check_choice(subnormals, "subnormals", SUBNORMAL_MODES))


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


class Result(NamedTuple):
    """One evaluated input: the broken (clause, message) pairs, the expected and the returned value."""

    findings: list
    expected: object
    got: object
    declined: bool = False
    inputs: dict | None = None  # the inputs as judged (rounded to the declared precision, subnormals flushed)


class _Evaluation:
    """Reference, candidate and judge on one input, under the declared numerics (numerics.py): the candidate is
    called on the inputs rounded to its precision, the reference and the judge see them as the candidate reads them
    (subnormals flushed under subnormals="flush"), and subnormal results are flushed before any comparison."""

    def __init__(self, op, runner: Runner, tol: Tolerance):
        self.op, self.runner, self.tol = op, runner, tol
        self.allowed: list[str] = []

    def __call__(self, inputs: dict) -> Result:
        num = self.tol.numerics
        given = num.narrowed_inputs(inputs)
        judged = num.judged_inputs(given)
        expected = num.flushed(self.op.reference(freeze(dict(judged))))
        outcome = self.runner.call(given)
        if outcome.declined:
            return Result([], expected, None, True, judged)
        if outcome.clause is not None:
            return Result([(outcome.clause, outcome.message)], expected, None, False, judged)
        got = _flushed_result(num, outcome.value)
        verdict = Verdict()
        try:
            with np.errstate(under="ignore"):  # rounding bounds of subnormal inputs underflow, correctly, to 0
                self.op.judge(judged, expected, got, self.tol, verdict)
        except Broken as broken:
            verdict.fail(broken.clause, broken.message)
        self.allowed.extend(verdict.allowed[:1])
        return Result(list(verdict.failed.items()), expected, outcome.value, False, judged)


def _flushed_result(num, value):
    """The candidate's float results with subnormals read as zero (under subnormals="flush" only)."""
    if not num.flush:
        return value
    if isinstance(value, (list, tuple)) and type(value) in (list, tuple):
        return type(value)(_flushed_result(num, v) for v in value)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return num.flushed(value)
    if isinstance(value, (float, np.floating)):
        return num.flushed(float(value))
    return value


def _failures(op, inputs, findings, expected, got, candidate_ref) -> tuple[Failure, ...]:
    where = call_text(op, inputs)
    code = snippet(op.name, op.args, inputs, candidate_ref)
    return tuple(Failure(clause, f"{message} {tag(clause, where)}", inputs, candidate_view(op, expected), got, code)
                 for clause, message in findings)


def check(op, candidate, *, max_examples=200, seed=0, rtol=None, atol=None, ties="lowest-index",
          precision="float64", subnormals="preserve", assume=None, time_limit=TIME_LIMIT, warmup=WARMUP,
          target=None) -> Report:
    """Check ``candidate`` against refimpl's ``op`` on up to ``max_examples`` generated inputs.

    Parameters
    ----------
    op : str, one of ``refimpl.conformance.OPS`` (``refimpl check --list`` shows each op's clauses)
    candidate : callable with the op's signature (NumPy arrays in, anything array-like out), or ``"module:attr"``
        naming one (imported in the worker), or a :class:`~.runner.Program` speaking the candidate protocol. It
        always runs in a worker process (see ``refimpl.conformance.runner``). It may raise
        ``refimpl.conformance.Unsupported`` to decline an input outside its domain (counted, not a failure)
    max_examples : int >= 1, inputs generated before declaring conformance (shrinking calls come on top)
    seed : int >= 0; the same seed gives the same inputs, the same failures, the same report
    rtol, atol : float >= 0 or None; when given, rounded clauses use ``|got - expected| <= atol + rtol*|expected|``
        instead of the stated rounding bounds (exact clauses stay exact)
    ties : "lowest-index" (the spec) or "any" (any choice among tied entries; counts and untied decisions must still
        match)
    precision : "float64" or "float32": a float32 candidate gets float32-representable inputs (as float64 arrays),
        may return float32, and is judged in float32 (numerics.py)
    subnormals : "preserve" or "flush" (a candidate that flushes subnormals to zero, FTZ/DAZ; numerics.py)
    assume : dict or None, the candidate's domain, e.g. ``{"bits": range(2, 17)}`` (domain.py): the search stays
        inside it
    time_limit : float > 0, seconds per call (see ``refimpl.conformance.runner``)
    warmup : float >= 0, extra seconds for the worker's start and the first call on each new input shape
    target : "module:attr" naming the candidate, for the snippets (inferred from the function when possible)

    Returns
    -------
    Report
        ``passed`` (no clause broken and at least one example exercised), ``examples_run`` (inputs the candidate
        computed, before the first failure: shrinking calls are ``shrink_calls``), ``declined`` (inputs it
        declined), ``failures`` (the one broken clause the search shrank, on the shrunk input; other clauses broken
        on that input are listed in the notes), ``allowed`` (boundary notes).
    """
    tol = _options(op, candidate, max_examples, seed, rtol, atol, ties, precision, time_limit, warmup, subnormals)
    assume = check_assume(assume, OPS[op].args)
    try:  # only check needs Hypothesis
        from hypothesis import HealthCheck, Phase, find, settings  # noqa: PLC0415
        from hypothesis.errors import NoSuchExample, Unsatisfiable  # noqa: PLC0415
    except ImportError:
        raise ImportError("refimpl.conformance.check needs Hypothesis: pip install hypothesis") from None

    from .strategies import strategy  # noqa: PLC0415

    spec = OPS[op]
    cache: dict[bytes, Result] = {}
    state = {"clause": None, "stop": False, "run": 0, "declined": 0, "shrink": 0}

    with Runner(candidate, op, spec.args, time_limit, warmup) as runner, _seed_only():
        evaluate = _Evaluation(spec, runner, tol)

        def fails(inputs: dict) -> bool:
            key = _key(inputs)
            if key not in cache:
                if state["stop"]:  # a call timed out: never call the candidate again
                    return False
                cache[key] = result = evaluate(inputs)
                counter = "shrink" if state["clause"] is not None else "declined" if result.declined else "run"
                state[counter] += 1
            clauses = [c for c, _ in cache[key].findings]
            state["stop"] = state["stop"] or "common.time-limit" in clauses
            if clauses and state["clause"] is None:
                state["clause"] = clauses[0]
            return state["clause"] in clauses

        run_settings = settings(max_examples=max_examples, database=None, deadline=None, derandomize=False,
                                phases=(Phase.generate, Phase.shrink), suppress_health_check=list(HealthCheck),
                                print_blob=False)
        try:
            found = find(strategy(op, tol.numerics, assume), fails, settings=run_settings,
                         random=random.Random(seed))
        except (NoSuchExample, Unsatisfiable):
            found = None
    options = {"max_examples": max_examples, "seed": seed, "rtol": rtol, "atol": atol, "ties": ties,
               "precision": tol.precision, "subnormals": tol.subnormals, "assume": describe(assume)}
    notes = tuple(dict.fromkeys(evaluate.allowed))[:20]
    counts = {"examples_run": state["run"], "declined": state["declined"], "shrink_calls": state["shrink"],
              "output": runner.output, "output_bytes": runner.output_bytes}
    if found is None:
        return Report(op, state["run"] > 0, failures=(), allowed=notes, options=options, **counts)
    result = cache[_key(found)]
    primary = [(c, m) for c, m in result.findings if c == state["clause"]]
    others = [c for c, _ in result.findings if c != state["clause"]]
    if others:
        notes = (f"also broken on the shrunk input (likely the same defect): {', '.join(others)}", *notes)
    ref = candidate_import(candidate, target)
    failures = _failures(spec, found, primary, result.expected, result.got, ref)
    return Report(op, False, failures=failures, allowed=notes, options=options, **counts)


def assert_conforms(op, candidate, **options) -> Report:
    """``check`` and raise ``AssertionError`` (carrying the report as ``.report``) unless the candidate conforms."""
    report = check(op, candidate, **options)
    if not report.passed:
        error = AssertionError(str(report))
        error.report = report
        raise error
    return report


def judge(op, candidate, *, rtol=None, atol=None, ties="lowest-index", precision="float64", subnormals="preserve",
          time_limit=TIME_LIMIT, warmup=WARMUP, expected=None, **inputs) -> list[Failure]:
    """Run ``candidate`` once on ``inputs`` (keyword arguments named as the op's arguments) and return the
    clauses it breaks (an empty list when it conforms on this input or declines it with ``Unsupported``).
    ``expected`` overrides the reference's result (used by ``refimpl verify`` with golden vectors; ignored under
    precision="float32" or subnormals="flush", where the reference runs on the inputs as the candidate reads them)."""
    inputs = check_inputs_complete(OPS[check_choice(op, "op", OP_NAMES)], inputs)
    [(_, failures)] = judge_cases(op, candidate, [{"id": "", "inputs": inputs, "expected": expected}], rtol=rtol,
                                  atol=atol, ties=ties, precision=precision, subnormals=subnormals,
                                  time_limit=time_limit, warmup=warmup)
    return failures


def judge_cases(op, candidate, cases, *, rtol=None, atol=None, ties="lowest-index", precision="float64",
                subnormals="preserve", time_limit=TIME_LIMIT, warmup=WARMUP,
                target=None) -> list[tuple[str, list[Failure]]]:
    """``judge`` on each of ``cases`` (dicts with ``id``, ``inputs`` and ``expected``, None for the reference's
    result) with one worker for all: ``[(id, failures), ...]``."""
    tol = _options(op, candidate, 1, 0, rtol, atol, ties, precision, time_limit, warmup, subnormals)
    spec = OPS[op]
    ref = candidate_import(candidate, target)
    own_numerics = tol.precision != "float64" or tol.subnormals != "preserve"
    out = []
    with Runner(candidate, op, spec.args, time_limit, warmup) as runner:
        for case in cases:
            evaluation = _Evaluation(spec, runner, tol)
            if case["expected"] is not None and not own_numerics:
                evaluation.op = spec._replace(reference=lambda _, e=case["expected"]: e)
            result = evaluation(case["inputs"])
            out.append((case["id"], list(_failures(spec, case["inputs"], result.findings, result.expected,
                                                   result.got, ref))))
    return out

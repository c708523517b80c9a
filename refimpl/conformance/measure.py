"""Accuracy mode: how far an approximate candidate is from the exact result, over the same search as ``check``.

``measure(op, candidate)`` draws ``max_examples`` inputs from the op's strategy (the same seed gives the same
inputs as ``check``), calls the candidate on each and records, per input, the relative error of its values

    err = max_i |got_i - expected_i| / max(max_i |expected_i|, tiny)

(for integrated gradients also the completeness error |sum_i got_i - (F(x) - F(b))| / max(|F(x) - F(b)|,
sum_i |IG_i|) of the worst row, IG the exact attributions: relative to the gap, or to the attributions' size
where the gap is near 0). It reports the distribution (max, median, 90th percentile) and the worst input, so a
user learns how accurate a sampled IG (Riemann, Gauss-Legendre, SHAP sampling) is, not only that it is not exact.
Inputs the candidate declines (``Unsupported``) or fails on (raises, times out, wrong shape) are counted, not
measured.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from ..spec.mlp import forward_trace
from .check import _options, _seed_only
from .domain import check_assume, describe
from .ops import OPS, candidate_view
from .runner import TIME_LIMIT, WARMUP, Runner

TINY = 1e-300
MEASURED = ("mlp_forward", "input_gradient", "integrated_gradients", "minmax_normalize", "dequantize",
            "l1_importance", "saliency", "gradient_x_input")


@dataclass(frozen=True)
class Measurement:
    """The error distribution of one ``measure`` run."""

    op: str
    examples: int  # inputs measured
    declined: int = 0
    failed: int = 0  # inputs on which the candidate raised, timed out or returned an unreadable result
    value_errors: tuple[float, ...] = ()  # relative error of the values, one per measured input
    completeness_errors: tuple[float, ...] = ()  # integrated gradients only
    worst: dict = field(default_factory=dict)  # the input with the largest value error
    options: dict = field(default_factory=dict)

    def summary(self, errors) -> dict:
        if not errors:
            return {}
        e = np.asarray(errors)
        return {"max": float(e.max()), "median": float(np.median(e)), "p90": float(np.quantile(e, 0.9))}

    def __str__(self) -> str:
        lines = [f"{self.op}: accuracy over {self.examples} examples ({self.declined} declined, {self.failed} "
                 "failed to return a result)"]
        for name, errors in (("relative error of values", self.value_errors),
                             ("relative completeness error", self.completeness_errors)):
            s = self.summary(errors)
            if s:
                lines.append(f"  {name}: max {s['max']:.3g}, median {s['median']:.3g}, 90th percentile {s['p90']:.3g}")
        return "\n".join(lines)

    def to_json(self) -> dict:
        from .report import _plain  # noqa: PLC0415 - the report's JSON conversion of arrays

        return {"op": self.op, "examples": self.examples, "declined": self.declined, "failed": self.failed,
                "value_error": self.summary(self.value_errors),
                "completeness_error": self.summary(self.completeness_errors),
                "worst_input": _plain(self.worst), "options": self.options}


def _flat(value) -> np.ndarray:
    if isinstance(value, (list, tuple)):
        parts = [_flat(v) for v in value]
        return np.concatenate(parts) if parts else np.zeros(0)
    return np.asarray(value, dtype=np.float64).ravel()


def _value_error(got, expected) -> float:
    g, e = _flat(got), _flat(expected)
    if g.shape != e.shape or not np.isfinite(g).all():
        return float("inf")
    if e.size == 0:
        return 0.0
    return float(np.abs(g - e).max() / max(float(np.abs(e).max()), TINY))


def _completeness_error(inputs, got, expected) -> float:
    W, b, X, B, t = (inputs[k] for k in ("weights", "biases", "X", "baselines", "target"))
    rows = np.arange(X.shape[0])
    if X.shape[0] == 0:
        return 0.0
    gap = forward_trace(W, b, X)[-1][rows, t] - forward_trace(W, b, B)[-1][rows, t]
    miss = np.abs(np.asarray(got, dtype=np.float64).sum(axis=1) - gap)
    scale = np.maximum(np.maximum(np.abs(gap), np.abs(np.asarray(expected)).sum(axis=1)), TINY)
    return float((miss / scale).max())


def measure(op, candidate, *, max_examples=200, seed=0, assume=None, time_limit=TIME_LIMIT,
            warmup=WARMUP) -> Measurement:
    """Measure ``candidate``'s error against refimpl's exact ``op`` on ``max_examples`` generated inputs.

    Parameters
    ----------
    op : str, one of :data:`MEASURED` (ops whose result is a set of real values)
    candidate : as for ``check``
    max_examples, seed, assume, time_limit, warmup : as for ``check`` (no shrinking: every input is measured)

    Returns
    -------
    Measurement
    """
    if op not in MEASURED:
        raise ValueError(f"op must be one of {list(MEASURED)} for measure (ops with real-valued results), got {op!r}")
    _options(op, candidate, max_examples, seed, None, None, "lowest-index", "float64", time_limit, warmup)
    spec = OPS[op]
    assume = check_assume(assume, spec.args)
    from hypothesis import HealthCheck, Phase, find, settings  # noqa: PLC0415 - only check/measure need Hypothesis
    from hypothesis.errors import NoSuchExample, Unsatisfiable  # noqa: PLC0415

    from .strategies import strategy  # noqa: PLC0415

    seen: set[bytes] = set()
    counts = {"declined": 0, "failed": 0}
    values, completeness, worst = [], [], {}
    with Runner(candidate, op, spec.args, time_limit, warmup) as runner, _seed_only():

        def record(inputs: dict) -> bool:
            from .check import _key  # noqa: PLC0415

            key = _key(inputs)
            if key in seen:
                return False
            seen.add(key)
            outcome = runner.call(inputs)
            if outcome.declined or outcome.clause is not None:
                counts["declined" if outcome.declined else "failed"] += 1
                return False
            expected = candidate_view(spec, spec.reference(inputs))
            try:
                err = _value_error(outcome.value, expected)
            except (TypeError, ValueError):
                counts["failed"] += 1
                return False
            if not values or err > max(values):
                worst.clear()
                worst.update(inputs)
            values.append(err)
            if op == "integrated_gradients":
                completeness.append(_completeness_error(inputs, outcome.value, expected))
            return False

        run_settings = settings(max_examples=max_examples, database=None, deadline=None, derandomize=False,
                                phases=(Phase.generate,), suppress_health_check=list(HealthCheck), print_blob=False)
        try:
            find(strategy(op, None, assume), record, settings=run_settings, random=random.Random(seed))
        except (NoSuchExample, Unsatisfiable):
            pass
    return Measurement(op, len(values), counts["declined"], counts["failed"], tuple(values), tuple(completeness),
                       dict(worst), {"max_examples": max_examples, "seed": seed, "assume": describe(assume)})

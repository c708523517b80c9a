"""Results of a check: :class:`Failure` (one broken clause, with a snippet that reproduces it) and :class:`Report`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from .clauses import CLAUSES


@dataclass(frozen=True)
class Failure:
    """One broken clause on one (shrunk) input."""

    clause: str
    message: str  # `out[2]=0.5, but should be 0.0 [threshold(w, eps=0.5): threshold.strict |w| > eps]`
    inputs: dict
    expected: object
    got: object
    snippet: str  # Python that reruns the candidate on these inputs and prints the judgement

    def __str__(self) -> str:
        return f"{self.message}\n\n{self.snippet}"


@dataclass(frozen=True)
class Report:
    """The outcome of ``check(op, candidate, ...)``."""

    op: str
    passed: bool  # no clause broken and at least one example exercised
    examples_run: int  # inputs the candidate computed before the first failure (shrinking calls not included)
    failures: tuple[Failure, ...] = ()
    allowed: tuple[str, ...] = ()  # 'boundary, allowed' notes (first few)
    options: dict = field(default_factory=dict)
    declined: int = 0  # inputs the candidate declined by raising Unsupported
    shrink_calls: int = 0  # candidate calls made while shrinking a failure

    def __bool__(self) -> bool:
        return self.passed

    def _counts(self) -> str:
        text = f"{self.examples_run} examples exercised, {self.declined} declined"
        return text + (f", {self.shrink_calls} shrinking calls" if self.shrink_calls else "")

    def _declared(self) -> str:
        o = self.options
        parts = [f"{k}={o[k]}" for k in ("precision", "subnormals") if o.get(k) not in (None, "float64", "preserve")]
        parts += [f"assume {k}={v}" for k, v in (o.get("assume") or {}).items()]
        return f" [declared: {', '.join(parts)}]" if parts else ""

    def __str__(self) -> str:
        if self.failures:
            head = f"{self.op}: does NOT conform ({self._counts()}; clause {self.failures[0].clause} broken)"
        elif self.examples_run == 0:
            head = f"{self.op}: NOT judged (no example exercised: {self._counts()})"
        else:
            head = f"{self.op}: conforms on {self._counts()}"
        lines = [head + self._declared()]
        lines += [f"  note: {note}" for note in self.allowed[:3]]
        lines += [f"\n{f}" for f in self.failures]
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {"op": self.op, "passed": self.passed, "examples_run": self.examples_run, "declined": self.declined,
                "shrink_calls": self.shrink_calls, "options": self.options,
                "allowed": list(self.allowed),
                "failures": [{"clause": f.clause, "formula": CLAUSES[f.clause].formula, "message": f.message,
                              "inputs": _plain(f.inputs), "expected": _plain(f.expected), "got": _plain(f.got),
                              "snippet": f.snippet} for f in self.failures]}

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=1)


def _plain(x):
    """JSON-friendly: arrays as nested lists (floats repr-exact through json), tuples as lists, others as repr."""
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (np.generic,)):
        return x.item()
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    return repr(x)


def python_literal(x) -> str:
    """Python source that rebuilds ``x`` exactly (floats by their round-trip repr, dtypes kept)."""
    if isinstance(x, np.ndarray):
        flat = ", ".join(repr(v) for v in x.ravel().tolist())
        text = f"np.array([{flat}], dtype=np.{x.dtype.name})"
        return text if x.ndim == 1 else f"{text}.reshape({x.shape})"
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(python_literal(v) for v in x) + "]"
    if isinstance(x, np.generic):
        return repr(x.item())
    return repr(x)


def snippet(op: str, args: tuple[str, ...], inputs: dict, candidate_ref: str) -> str:
    """Runnable Python: rebuild the inputs, call the candidate, print refimpl's judgement."""
    lines = ["import numpy as np", "from refimpl.conformance import judge", candidate_ref]
    lines += [f"{a} = {python_literal(inputs[a])}" for a in args]
    call = ", ".join(args)
    lines += [f"print(candidate({call}))",
              f"for failure in judge({op!r}, candidate, {', '.join(f'{a}={a}' for a in args)}):",
              "    print(failure.message)"]
    return "\n".join(lines)


def candidate_import(candidate, target: str | None = None) -> str:
    """The snippet line that binds ``candidate``: an import when the function can be imported by name."""
    if target and ":" in target:
        module, attr = target.split(":", 1)
        return f"from {module} import {attr} as candidate"
    module, qual = getattr(candidate, "__module__", None), getattr(candidate, "__qualname__", "")
    if module and module != "__main__" and qual and "<" not in qual and "." not in qual:
        return f"from {module} import {qual} as candidate"
    return f"candidate = ...  # the function under test ({getattr(candidate, '__name__', type(candidate).__name__)})"

"""Results of a check: :class:`Failure` (one broken clause, with a snippet that reproduces it) and :class:`Report`.

A report is built from data only: the inputs and expected values are the checker's own, and what the candidate
returned is the plain copy decoded from its worker's answer (:mod:`.protocol`), never one of the candidate's
objects. ``Report.dumps`` is valid JSON whatever the candidate did: non-finite floats are written as the strings
``"nan"``, ``"inf"``, ``"-inf"``, and an array of more than :data:`SHOWN_ENTRIES` entries is summarised (dtype,
shape, the first entries and the entry farthest from the expected value) instead of written out.
"""

from __future__ import annotations

import json
import math
import shlex
from dataclasses import dataclass, field

import numpy as np

from .clauses import CLAUSES
from .protocol import Unreadable
from .runner import Program

SHOWN_ENTRIES = 64  # arrays up to this size are written out in full in --json; larger ones are summarised


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
    declined: int = 0  # inputs the candidate declined with Unsupported (not judged)
    output: str = ""  # the end of what the candidate wrote to stdout/stderr (bounded)
    output_bytes: int = 0  # how much it wrote in all
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
        if self.declined:
            lines.append(f"  declined: {self.declined} input(s) (the candidate raised Unsupported)")
        lines += [f"\n{f}" for f in self.failures]
        if self.output_bytes:
            lines.append(f"\ncandidate output ({self.output_bytes} bytes in all; its start and end are kept):")
            lines += [f"  | {line}" for line in self.output.splitlines()]
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {"op": self.op, "passed": self.passed, "examples_run": self.examples_run,
                "options": _plain(self.options),
                "allowed": list(self.allowed), "declined": self.declined, "shrink_calls": self.shrink_calls,
                "candidate_output": self.output, "candidate_output_bytes": self.output_bytes,
                "failures": [{"clause": f.clause, "formula": CLAUSES[f.clause].formula, "message": f.message,
                              "inputs": _plain(f.inputs), "expected": _plain(f.expected),
                              "got": _plain(f.got, f.expected), "snippet": f.snippet} for f in self.failures]}

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=1, allow_nan=False)


def _number(v):
    """A JSON number, or the hex spelling of a non-finite float."""
    if isinstance(v, float) and not math.isfinite(v):
        return v.hex()
    return v


def _summary(x: np.ndarray, other) -> dict:
    flat = x.ravel()
    out = {"dtype": x.dtype.name, "shape": list(x.shape), "first": [_number(v) for v in flat[:8].tolist()]}
    if isinstance(other, np.ndarray) and other.shape == x.shape and x.dtype.kind in "biuf" and x.size:
        gap = np.abs(x.astype(np.float64) - other.astype(np.float64))
        i = int(np.argmax(np.where(np.isnan(gap), np.inf, gap)))
        out["worst"] = {"index": [int(k) for k in np.unravel_index(i, x.shape)], "got": _number(flat[i].item()),
                        "expected": _number(other.ravel()[i].item())}
    return out


def _plain(x, other=None):
    """JSON data: small arrays as nested lists (floats repr-exact through json), large ones summarised, tuples as
    lists, non-finite floats as hex strings, anything else (an unreadable result) by its description."""
    if isinstance(x, np.ndarray):
        if x.size > SHOWN_ENTRIES or x.dtype.kind not in "biuf":
            return _summary(x, other)
        return _plain(x.tolist())
    if isinstance(x, (list, tuple)):
        others = other if isinstance(other, (list, tuple)) and len(other) == len(x) else [None] * len(x)
        return [_plain(v, o) for v, o in zip(x, others, strict=True)]
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, np.generic):
        return _plain(x.item())
    if x is None or isinstance(x, (bool, int, str)):
        return x
    if isinstance(x, float):
        return _number(x)
    return repr(x) if isinstance(x, Unreadable) else f"<{type(x).__name__}>"


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
    """Runnable Python: rebuild the inputs, call the candidate (a Python one), print refimpl's judgement."""
    program = candidate_ref.startswith("candidate = Program(")
    lines = ["import numpy as np", f"from refimpl.conformance import {'Program, ' if program else ''}judge",
             candidate_ref]
    lines += [f"{a} = {python_literal(inputs[a])}" for a in args]
    call = ", ".join(args)
    lines += [] if program else [f"print(candidate({call}))"]
    lines += [f"for failure in judge({op!r}, candidate, {', '.join(f'{a}={a}' for a in args)}):",
              "    print(failure.message)"]
    return "\n".join(lines)


def candidate_import(candidate, target: str | None = None) -> str:
    """The snippet line that binds ``candidate``: an import when the function can be imported by name."""
    if isinstance(candidate, Program):
        return f"candidate = Program({candidate.argv!r})  # {shlex.join(candidate.argv)}"
    if isinstance(candidate, str):
        target = candidate
    if target and ":" in target:
        module, attr = target.split(":", 1)
        return f"from {module} import {attr} as candidate"
    module, qual = getattr(candidate, "__module__", None), getattr(candidate, "__qualname__", "")
    if module and module != "__main__" and qual and "<" not in qual and "." not in qual:
        return f"from {module} import {qual} as candidate"
    return f"candidate = ...  # the function under test ({getattr(candidate, '__name__', type(candidate).__name__)})"

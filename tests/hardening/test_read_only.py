"""Audit: every public callable is called on read-only inputs and leaves them bit-identical.

The valid call of each bad-input entry is rerun with every array made read-only (a view of a read-only copy, so it
cannot be made writable again): a function that writes to an input fails with NumPy's "read-only" error, and one
that modifies something else it was given fails the byte comparison afterwards. The audit also fails when a public
name has neither an entry nor a stated reason to have none, so a new public function cannot be forgotten.
"""

from __future__ import annotations

import numpy as np
import pytest

import refimpl
from refimpl import compression, conformance, datasets, interpret
from refimpl.conformance.worker import freeze as frozen  # read-only views of read-only copies, lists rebuilt

from .entries import ENTRIES
from .entries_compression import QM_PRUNED

# Public names that are not called with arrays, and why.
NOT_CALLED = {
    "FLOOR_ULP_WINDOW": "a constant", "DEQUANTIZE_ROUNDING": "a constant", "FORMATS": "a constant",
    "CLAUSES": "a constant", "OPS": "a constant", "TIME_LIMIT": "a constant", "WARMUP": "a constant",
    "conformance": "a module: its own __all__ is audited below",
    "peers": "a module of bridges to other frameworks (each needs its framework; tests/test_peers_docs.py)",
    "Gradients": "a result type (NamedTuple) built by backward", "Agreement": "a result type built by agreement",
    "Report": "a result type built by check", "Failure": "a result type built by check",
    "Clause": "a registry row (NamedTuple) of the clause table",
    "Measurement": "a result type built by measure",
    "measure": "takes a candidate function, not arrays (tests/test_conformance_measure.py)",
    "Unsupported": "an exception type a candidate raises to decline an input",
    "load_digits": "takes no argument", "load_digits_raw": "takes no argument",
}
# Public methods that take no argument: called on the entries' objects, which must not change either.
NO_ARGUMENTS = {"QuantizedModel.dequantize": lambda: QM_PRUNED.dequantize()}


def public_names() -> set[str]:
    names = set(refimpl.__all__) | set(compression.__all__) | set(interpret.__all__)
    names |= {f"conformance.{n}" for n in conformance.__all__}
    names |= {n for n, v in vars(datasets).items() if callable(v) and getattr(v, "__module__", "") == datasets.__name__
              and not n.startswith("_")}
    for cls in (refimpl.MLP, refimpl.QuantizedModel, refimpl.Quantized):  # public methods (properties excluded)
        names |= {f"{cls.__name__}.{m}" for m, v in vars(cls).items()
                  if not m.startswith("_") and callable(getattr(cls, m)) and not isinstance(v, property)}
    return names


def snapshot(value):
    """The dtype, shape and bytes of every array reachable in ``value`` (through lists, tuples and our models)."""
    if isinstance(value, np.ndarray):
        return [(value.dtype.str, value.shape, value.tobytes())]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in snapshot(v)]
    if isinstance(value, refimpl.MLP):
        return snapshot(value.weights + value.biases)
    if isinstance(value, refimpl.QuantizedModel):
        return snapshot([q.codes for q in value.weights] + list(value.masks) + list(value.biases))
    if isinstance(value, refimpl.Quantized):
        return snapshot(value.codes) + [value.lo, value.hi, value.bits, value.beta]
    return [value] if isinstance(value, (bytes, int, float, str)) else []


def base_name(entry_name: str) -> str:
    """``prune_neurons(eps)`` -> ``prune_neurons``: variants of one function share its public name."""
    return entry_name.split("(")[0]


def test_every_public_name_has_an_entry_or_a_reason():
    covered = {base_name(e.name) for e in ENTRIES} | set(NO_ARGUMENTS)
    short = {n.removeprefix("conformance.") for n in covered}  # refimpl.compression re-exports as plain names
    forgotten = sorted(n for n in public_names() - set(NOT_CALLED) - covered
                       if not (n.removeprefix("conformance.") in NOT_CALLED or n in short))
    assert forgotten == [], f"public names without a bad-input entry: {forgotten}"
    stale = sorted(n for n in covered if n not in public_names())
    assert stale == [], f"entries for names that are not public: {stale}"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_inputs_are_read_only_and_unchanged(entry):
    kwargs = {k: frozen(v) for k, v in entry.good().items()}
    before = {k: snapshot(v) for k, v in kwargs.items()}
    with np.errstate(all="raise"):
        entry.call(**kwargs)
    assert {k: snapshot(v) for k, v in kwargs.items()} == before


@pytest.mark.parametrize("name", sorted(NO_ARGUMENTS))
def test_methods_without_arguments_leave_their_object_unchanged(name):
    before = snapshot(QM_PRUNED)
    NO_ARGUMENTS[name]()
    assert snapshot(QM_PRUNED) == before

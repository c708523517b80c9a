"""The entry type of the bad-input table and the small models and inputs the entries share."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

import refimpl


@dataclass(frozen=True, repr=False)
class Entry:
    """One public callable: a valid call (``call(**good())`` succeeds) and, per argument, what may spoil it.

    ``name`` is the public name (``conformance.judge``, ``MLP.forward``); a second entry for the same function with
    other valid arguments is named ``name(variant)``. ``names`` maps an argument to the word its error message must
    contain when that differs from the argument's own name.
    """

    name: str
    call: Callable
    good: Callable[[], dict]
    bad: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)

    def __repr__(self):
        return self.name


def model(sizes=(4, 5, 3), seed=0):
    return refimpl.MLP.init(list(sizes), seed)


def inputs(n=6, d=4, seed=1):
    return np.random.default_rng(seed).uniform(-1, 1, size=(n, d))


M = model()
BINARY = model((4, 5, 1))
DEEP = model((4, 5, 3, 3), seed=2)

_PATH: list = []


def saved_model_path() -> str:
    """A file holding ``M``, written once per session."""
    if not _PATH:
        folder = tempfile.mkdtemp(prefix="refimpl-hardening-")
        _PATH.append(f"{folder}/m.npz")
        refimpl.save(M, _PATH[0])
    return _PATH[0]

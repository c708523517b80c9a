"""Every public function, called with one argument spoiled, raises ValueError or TypeError naming that argument.

Each entry gives a valid call (a function of keyword arguments and the arguments themselves) and, per argument, the
corruptions that are invalid for it. Hypothesis picks the argument and the corruption; the test asserts the
exception type and that its message names the argument — never another exception, never a result. The number of
bad calls per function is printed at the end of the run (``tests/conftest.py``).
"""

from __future__ import annotations

import collections

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from . import corrupt
from .entries import ENTRIES

TRIED: collections.Counter = collections.Counter()


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
@settings(max_examples=50)
@given(data=st.data())
def test_bad_input_raises_clear_error(entry, data):
    kwargs = entry.good()
    arg = data.draw(st.sampled_from(sorted(entry.bad)), label="argument")
    label, make = data.draw(st.sampled_from(entry.bad[arg]), label="corruption")
    kwargs[arg] = make(kwargs[arg], data)
    TRIED[entry.name] += 1
    with np.errstate(all="raise"):  # a bad value must be refused before any arithmetic warns
        with pytest.raises((ValueError, TypeError)) as info:
            entry.call(**kwargs)
    named = entry.names.get(arg, arg)
    assert named in str(info.value), f"{entry.name}({arg}={label}): message {str(info.value)!r} does not name {named!r}"


def test_every_entry_spoils_something():
    for entry in ENTRIES:
        assert entry.bad, entry.name
        entry.call(**entry.good())  # the unspoiled call succeeds, so each failure above is due to the corruption


def _subnormal(value):
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value * 2.0**-1040  # every nonzero entry becomes subnormal
    if isinstance(value, list) and value and all(isinstance(v, np.ndarray) for v in value):
        return [_subnormal(v) for v in value]
    return value


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_subnormal_inputs_are_valid_even_under_seterr_raise(entry):
    """The other extreme of finite input is no error: underflow is correctly rounded, whatever np.seterr says."""
    kwargs = {k: _subnormal(v) for k, v in entry.good().items()}
    with np.errstate(all="raise"):
        entry.call(**kwargs)


def test_corruptions_are_really_bad():
    """Sanity of the corruption helpers themselves: NaN lands in the array, shapes change as labelled."""
    data = st.data()
    del data
    good = np.ones((3, 4))
    assert corrupt.matrix()[-1][1](good, None).shape == (0, 4)
    assert corrupt.matrix()[-2][1](good, None).shape == (3, 5)

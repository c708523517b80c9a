"""Every public function, called with one argument spoiled, raises ValueError or TypeError naming that argument.

Each entry gives a valid call (a function of keyword arguments and the arguments themselves) and, per argument, the
corruptions that are invalid for it. Hypothesis picks the argument and the corruption; the test asserts the
exception type and that its message names the argument — never another exception, never a result. The number of
bad calls per function is printed at the end of the run (``tests/conftest.py``).
"""

from __future__ import annotations

import collections
import re

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
    message = str(info.value)
    assert names(message, named), f"{entry.name}({arg}={label}): message {message!r} does not name {named!r}"


def names(message: str, argument: str) -> bool:
    """Whether ``message`` names ``argument`` as a whole identifier: ``y`` is not named by "only", nor ``X`` by
    ``X_train`` (an index or attribute after it, ``weights[0]`` or ``mlp.weights``, still counts)."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(argument)}(?![A-Za-z0-9_])", message) is not None


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


@given(data=st.data())
def test_corruptions_are_really_bad(data):
    """Sanity of the corruption helpers themselves: each does what its label says to a valid (3, 4) matrix."""
    good = np.ones((3, 4))
    made = {label: make(good, data) for label, make in corrupt.matrix()}
    for label, fill in (("NaN entry", np.isnan), ("+inf entry", np.isposinf), ("-inf entry", np.isneginf)):
        assert made[label].shape == good.shape and np.count_nonzero(fill(made[label])) == 1, label
    assert made["empty"].shape == (0, 4) and made["wrong inner dimension"].shape == (3, 5)
    assert made["1-D"].shape == (12,) and made["3-D"].shape == (1, 3, 4) and np.ndim(made["0-d"]) == 0
    assert made["None"] is None and isinstance(made["str"], str)
    assert {made[k].dtype.kind for k in ("str array", "complex array", "bool array", "object array")} == set("UcbO")
    assert (good == 1).all()  # the valid value itself is never modified


def test_an_argument_is_named_only_as_a_whole_identifier():
    assert names("y must hold integer labels", "y") and names("weights[0] must be 2-D", "weights")
    assert not names("logits must be finite (no NaN or inf), only", "y")
    assert not names("X_train must be 2-D", "X") and not names("beta_max", "beta")

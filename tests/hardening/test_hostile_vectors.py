"""Vector files written to hurt (issue 11): refused with the file and the JSON path of the problem, before any
large allocation, through ``vectors.load`` and through ``refimpl verify`` (exit 2, one line, nothing on stdout).

The re-hashed files come with a manifest that matches them: the checksum proves nothing about the content.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from refimpl.conformance.vectors import PACKAGED, load

from ..test_conformance_vectors import _copy_with

ROOT = Path(__file__).resolve().parents[2]


def _doc(op):
    return json.loads((PACKAGED / f"{op}.json").read_text())


def _floats(values, shape):
    return {"dtype": "float64", "shape": shape, "hex": [float(v).hex() for v in values]}


def _nested(depth: int) -> str:
    doc = _doc("threshold")
    text = json.dumps(doc)
    return text.replace('"expected": ', '"expected": ' + "[" * depth + "1" + "]" * depth + ", \"x\": ", 1)


def _edit(op, change) -> str:
    doc = _doc(op)
    change(doc["cases"][0])
    return json.dumps(doc)


def _wide_forward(case):
    """X (40000 x 1) through a 1 -> 10000 -> 1 network: a 40000 x 10000 hidden activation (3.2 GB)."""
    case["inputs"] = {"weights": [_floats([1.0] * 10000, [1, 10000]), _floats([1.0] * 10000, [10000, 1])],
                      "biases": [_floats([0.0] * 10000, [10000]), _floats([0.0], [1])],
                      "X": _floats([1.0] * 40000, [40000, 1])}


def _many_pieces(case):
    """One input through 20,000 hidden units whose ReLUs switch at 20,000 different points of the path: 20,001
    pieces (the exact integral walks each)."""
    n = 20000
    case["inputs"] = {"weights": [_floats([1.0] * n, [1, n]), _floats([1.0] * n, [n, 1])],
                      "biases": [_floats([-(i + 0.5) / n for i in range(n)], [n]), _floats([0.0], [1])],
                      "X": _floats([1.0], [1, 1]), "baselines": _floats([0.0], [1, 1]),
                      "target": {"dtype": "int64", "shape": [1], "values": [0]}}


HOSTILE = {  # kind: (op, text of the file, words the error must contain)
    "600-level nesting": ("threshold", lambda: _nested(600), ["threshold.json", "nested deeper"]),
    "100000-level nesting": ("threshold", lambda: _nested(100000), ["threshold.json", "nested deeper"]),
    "expected is a number": ("threshold", lambda: _edit("threshold", lambda c: c.update(expected=5)),
                             ["cases[0].expected", "expected an array of shape (4,)", "got an integer"]),
    "expected has too few parts": ("mlp_gradients", lambda: _edit("mlp_gradients",
                                                                  lambda c: c["expected"].pop()),
                                   ["cases[0].expected", "a list of 3", "a list of 2"]),
    "expected part of the wrong shape": ("mlp_gradients", lambda: _edit(
        "mlp_gradients", lambda c: c["expected"][1].pop()), ["cases[0].expected[1]"]),
    "duplicate key": ("threshold", lambda: json.dumps(_doc("threshold")).replace(
        '"op": "threshold"', '"op": "threshold", "op": "threshold"'), ["threshold.json", "'op' appears twice"]),
    "duplicate input": ("threshold", lambda: json.dumps(_doc("threshold")).replace(
        '"eps": {', '"eps": {"hex": "0x1p+0"}, "eps": {', 1),
        ["threshold.json.cases[0].inputs", "'eps' appears twice"]),
    "40000x10000 forward pass": ("mlp_forward", lambda: _edit("mlp_forward", _wide_forward),
                                 ["mlp_forward.json: cases[0].inputs", "multiply-adds"]),
    "20,001 IG pieces": ("integrated_gradients", lambda: _edit("integrated_gradients", _many_pieces),
                         ["integrated_gradients.json: cases[0].inputs", "multiply-adds"]),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_load_refuses_with_file_and_path(tmp_path, kind):
    op, text, words = HOSTILE[kind]
    directory = _copy_with(tmp_path, op, text())
    with pytest.raises(ValueError) as info:
        load(op, directory)
    assert all(w in str(info.value) for w in words), str(info.value)


@pytest.mark.parametrize("kind", ["40000x10000 forward pass", "20,001 IG pieces", "600-level nesting"])
def test_verify_refuses_before_allocating(tmp_path, kind):
    """Through the command line, in a process of its own: exit 2, one line on stderr, and a peak RSS far below
    what the case asks for (the 40000x10000 pass alone is 3.2 GB)."""
    op, text, words = HOSTILE[kind]
    directory = _copy_with(tmp_path / "v", op, text())
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run([sys.executable, "-m", "refimpl", "verify", op, "refimpl:threshold", "--vectors",
                           str(directory)], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert done.returncode == 2 and done.stdout == "" and len(done.stderr.splitlines()) == 1, done.stderr
    assert all(w in done.stderr for w in words), done.stderr
    assert peak_mb < 1000 or before / 1024 >= 1000, f"peak RSS {peak_mb:.0f} MB"

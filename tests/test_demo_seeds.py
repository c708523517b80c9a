"""``refimpl demo --seeds``: the seed list grammar, the summary rows against an independent recomputation (exact means
in Fractions, worst and best by sorting), and the command's JSON and text forms."""

from __future__ import annotations

import argparse
import json
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl import cli, demo
from refimpl.demo_seeds import SUMMARISED, aggregate, mean, parse_seeds


@pytest.mark.parametrize("text, seeds", [
    ("0-9", list(range(10))), ("0,3,5", [0, 3, 5]), ("0-2,7", [0, 1, 2, 7]), ("4", [4]), ("5-5", [5]),
    (" 1 , 2-3", [1, 2, 3]), ("9,0", [9, 0]),
])
def test_seed_lists(text, seeds):
    assert parse_seeds(text) == seeds


@pytest.mark.parametrize("text", ["", "a", "3-1", "-1", "1,1", "0-2,2", "1,", "1.5", "0-", "1-2-3"])
def test_bad_seed_lists(text):
    with pytest.raises(argparse.ArgumentTypeError):
        parse_seeds(text)


KEYS = ("method", "setting", "format")
row_values = st.fixed_dictionaries({k: st.floats(-100, 100) for k in SUMMARISED})


@st.composite
def demo_results(draw):
    """Per-seed results with the same row keys, as run_demo's first value (only the fields aggregate reads)."""
    n_rows, n_seeds = draw(st.integers(1, 4)), draw(st.integers(1, 6))
    keys = [("m", f"s{i}", "f") for i in range(n_rows)]
    return [{"seed": s, "rows": [dict(zip(KEYS, k, strict=True), **draw(row_values)) for k in keys]}
            for s in range(n_seeds)]


@given(demo_results())
def test_summary_rows_against_an_independent_recomputation(results):
    rows = aggregate(results)
    assert len(rows) == len(results[0]["rows"])
    for i, row in enumerate(rows):
        assert (row["method"], row["setting"], row["format"], row["seeds"]) == (*("m", f"s{i}", "f"), len(results))
        for k in SUMMARISED:
            values = sorted(r["rows"][i][k] for r in results)
            exact = sum(Fraction(v) for v in values) / len(values)
            assert row[f"mean_{k}"] == float(exact)  # correctly rounded
            assert row[f"min_{k}"] == values[0] and row[f"max_{k}"] == values[-1]


def test_mean_is_correctly_rounded_where_a_float_sum_is_not():
    values = [1e16, 1.0, -1e16]
    assert sum(values) / 3 == 0.0 and mean(values) == 1 / 3


def test_tables_with_other_rows_are_refused():
    a = {"seed": 0, "rows": [{"method": "m", "setting": "x", "format": "f"}]}
    b = {"seed": 1, "rows": [{"method": "m", "setting": "y", "format": "f"}]}
    with pytest.raises(ValueError, match="seed 1"):
        aggregate([a, b])
    with pytest.raises(ValueError, match="results"):
        aggregate([])


def fake_result(seed):
    """A small demo result whose figures depend on the seed."""
    rows = [{"method": "dense", "setting": "float32", "format": "float32", "accuracy": 0.9, "delta_accuracy": 0.0,
             "bytes": 1000, "ratio": 1.0, "ig_agreement": 1.0, "nonzero_weights": 50},
            {"method": "pipeline", "setting": "p", "format": "sparse-quantized", "accuracy": 0.9 - seed / 100,
             "delta_accuracy": -float(seed), "bytes": 40 + seed, "ratio": 1000 / (40 + seed),
             "ig_agreement": 0.8, "nonzero_weights": 5}]
    return {"seed": seed, "split": {"train": 3, "test": 1}, "rows": rows, "global_importance": [[0.0]],
            "baseline": {"sizes": [2, 3, 2], "accuracy": 0.9 - seed / 1000}}, {}


def test_demo_seeds_json_and_text(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(demo, "run_demo", lambda seed, progress=False: calls.append(seed) or fake_result(seed))
    assert cli.main(["demo", "--seeds", "0,2,3", "--json", "--quiet"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert calls == [0, 2, 3] and result["seeds"] == [0, 2, 3]
    pipeline = result["rows"][1]
    assert pipeline["mean_delta_accuracy"] == float(Fraction(-5, 3)) and pipeline["min_delta_accuracy"] == -3.0
    assert pipeline["max_bytes"] == 43 and pipeline["min_ratio"] == 1000 / 43
    assert result["baseline"]["min_accuracy"] == 0.9 - 3 / 1000
    assert [r["seed"] for r in result["per_seed"]] == [0, 2, 3] and "global_importance" not in result["per_seed"][0]
    assert cli.main(["demo", "--seeds", "0-1", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "2 seeds (0, 1)" in out and "Δacc worst" in out
    assert "pipeline (p): 24.4x to 25.0x smaller than dense float32, -0.50 points on average (worst seed -1.00)" in out


def test_one_real_seed_summarises_to_the_single_seed_run(demo_baseline, monkeypatch, capsys):
    """``--seeds 0`` on the shared baseline: its per-seed result is ``--seed 0``'s and every mean is that value."""
    monkeypatch.setattr(demo, "train_baseline", lambda seed, progress=False: demo_baseline)
    assert cli.main(["demo", "--seed", "0", "--json", "--quiet"]) == 0
    single = json.loads(capsys.readouterr().out)
    assert cli.main(["demo", "--seeds", "0", "--json", "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["per_seed"] == [{k: v for k, v in single.items() if k != "global_importance"}]
    for row, one in zip(summary["rows"], single["rows"], strict=True):
        assert all(row[f"{s}_{k}"] == one[k] for k in SUMMARISED for s in ("mean", "min", "max"))

"""`refimpl bench --quick` runs end to end and prints one well-formed table; the ratio/goal/median logic is checked
against hand-computed values. Timings are never asserted (they depend on the machine and its load)."""

from __future__ import annotations

import io
import json
import math
from contextlib import redirect_stdout

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.bench import report, runner
from refimpl.bench.command import format_result
from refimpl.bench.workloads import IG_PROBLEMS, STEP_PROBLEMS
from refimpl.cli import main

# per step problem: the step, one thread, GEMMs alone, whole epochs, whole epochs one thread; then gradients, demo IG
# and its delta, per IG problem its time, one thread, delta (and the 784-input one its memory), the checker, the
# demo's memory
N_ROWS = 5 * len(STEP_PROBLEMS) + 5 + 3 * len(IG_PROBLEMS) + 1
ROW_KEYS = {"measurement", "unit", "refimpl", "compared_with", "peer", "ratio", "ratio_range", "goal", "goal_on",
            "met", "max_abs_difference"}


@pytest.fixture(scope="module")
def quick_result():
    out = io.StringIO()
    with redirect_stdout(out):
        status = main(["bench", "--quick", "--no-torch", "--json", "--quiet"])
    assert status == 0
    return json.loads(out.getvalue())


def test_quick_run_has_every_row(quick_result):
    rows = quick_result["rows"]
    assert len(rows) == N_ROWS
    assert all(set(row) == ROW_KEYS for row in rows)
    assert rows[0]["measurement"].startswith("train step 64-128-10, batch 64")
    assert rows[1]["measurement"] == "  the same, one thread per side"
    assert rows[5]["measurement"].startswith("train step 784-300-100-10, batch 128")
    assert quick_result["mode"] == "quick" and quick_result["rounds"] == 1


def test_quick_run_measures_every_refimpl_side(quick_result):
    # Every refimpl cell is a positive number, except the demo's memory, which --quick skips.
    *timed, memory = quick_result["rows"]
    for row in timed:
        assert isinstance(row["refimpl"], (int, float)) and row["refimpl"] >= 0, row
    assert memory["refimpl"] == "skipped (--quick)"
    floors = [row for row in timed if row["compared_with"] == "NumPy GEMM floor"]
    assert len(floors) == 2 * len(STEP_PROBLEMS) and all(row["peer"] > 0 for row in floors)  # alone, whole epochs


def test_without_torch_the_torch_cells_say_so(quick_result):
    torch_rows = [row for row in quick_result["rows"] if row["compared_with"] in
                  ("torch eager", "torch eager, one thread", "torch autograd", "Captum IG gausslegendre n=50",
                   "Captum, one thread", "Captum's max |delta|")]
    assert len(torch_rows) == 2 * len(STEP_PROBLEMS) + 3 + 3 * len(IG_PROBLEMS)
    for row in torch_rows:
        assert row["peer"] == "skipped (--no-torch)" and row["ratio"] is None and row["met"] is None


def test_machine_is_described(quick_result):
    machine = quick_result["machine"]
    assert machine["cores"] >= 1 and machine["numpy"] and machine["numpy_blas"]
    assert isinstance(machine["torch"], str) and isinstance(machine["captum"], str)


def test_table_has_a_header_a_rule_and_one_line_per_row(quick_result):
    text = format_result(quick_result)
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("measurement"))
    assert set(lines[header + 1].replace(" ", "")) == {"-"}
    body = lines[header + 2:]
    assert len(body) == N_ROWS
    assert all(line.startswith(row["measurement"] + "  ") for line, row in zip(body, quick_result["rows"], strict=True))
    assert "numpy" in text and "torch" in text and "cores" in text


times = st.floats(1e-7, 1e3)


@given(times, times, st.floats(0.1, 10.0))
def test_ratio_is_peer_over_refimpl_and_met_compares_it_with_the_goal(ours, theirs, goal):
    row = report.make_row("m", ours, "s", "peer", theirs, goal=goal)
    assert row["ratio"] == theirs / ours
    assert row["met"] == (theirs / ours >= goal)


def test_statuses_give_no_ratio_and_no_verdict():
    for peer in ("not installed", "not available", None):
        row = report.make_row("m", 1e-3, "s", "torch", peer, goal=1.0)
        assert row["ratio"] is None and row["met"] is None
    row = report.make_row("m", "not available", "s", "torch", 1e-3, goal=1.0)
    assert row["ratio"] is None and row["met"] is None


def test_zero_refimpl_delta_gives_an_infinite_ratio_that_meets_any_goal():
    row = report.make_row("delta", 0.0, "abs", "captum", 1e-9, goal=1e6)
    assert math.isinf(row["ratio"]) and row["met"] is True


def test_goal_on_value_judges_the_refimpl_figure_itself():
    assert report.make_row("rate", 250.0, "per_s", goal=200.0, goal_on="value")["met"] is True
    assert report.make_row("rate", 150.0, "per_s", goal=200.0, goal_on="value")["met"] is False


@given(st.lists(st.floats(0.0, 1e3), min_size=1, max_size=7))
def test_rounds_reduce_to_the_median_key_by_key(values):
    rounds = [{"a": {"x": v}, "status": "not available"} for v in values]
    ordered = sorted(values)
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    assert runner.median_over_rounds(rounds) == {"a": {"x": median}, "status": "not available"}


def test_a_failed_round_fails_the_side():
    rounds = [{"a": 1.0}, {"error": "failed: boom"}]
    assert runner.median_over_rounds(rounds) == {"error": "failed: boom"}
    rows = report.build_rows({"numpy": rounds}, "not installed", {}, 1024, 3)
    assert rows[0]["refimpl"] == "failed: boom" and rows[0]["peer"] == "not installed"
    assert rows[-1]["refimpl"] == 1024  # the demo's memory is measured apart from the workers


def test_one_thread_rows_pair_the_one_thread_rounds_of_both_sides():
    key = "64-128-10"
    default = [{"train_step": {key: 1.0}}]
    one = [{"train_step": {key: 2.0}}]
    raw = {"numpy": default, "torch": [{"train_step": {key: 3.0}}],
           "numpy" + report.ONE_THREAD: one, "torch" + report.ONE_THREAD: [{"train_step": {key: 10.0}}]}
    rows = report.build_rows(raw, "", {}, 0, 1)
    assert (rows[0]["refimpl"], rows[0]["peer"], rows[0]["ratio"]) == (1.0, 3.0, 3.0)
    assert (rows[1]["refimpl"], rows[1]["peer"], rows[1]["ratio"]) == (2.0, 10.0, 5.0)
    assert rows[1]["met"] is True and rows[0]["met"] is False  # the small step's goal is 4×
    assert rows[2]["compared_with"] == "NumPy GEMM floor"


def test_each_round_runs_every_configuration_with_the_side_order_alternating(monkeypatch):
    seen = []
    monkeypatch.setattr(runner, "run_side", lambda side, config: seen.append((side, config["threads"])) or {})
    raw = runner.run_rounds({"": {"threads": None}, "@1": {"threads": 1}}, 2, ["numpy", "torch"])
    assert seen == [("numpy", None), ("torch", None), ("numpy", 1), ("torch", 1),
                    ("torch", None), ("numpy", None), ("torch", 1), ("numpy", 1)]
    assert sorted(raw) == ["numpy", "numpy@1", "torch", "torch@1"] and all(len(v) == 2 for v in raw.values())


def test_explicit_threads_time_the_steps_once():
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["bench", "--quick", "--no-torch", "--threads", "1", "--json", "--quiet"]) == 0
    result = json.loads(out.getvalue())
    one_thread_rows = 2 * len(STEP_PROBLEMS) + len(IG_PROBLEMS)
    assert result["threads"] == 1 and len(result["rows"]) == N_ROWS - one_thread_rows
    assert not any("one thread" in row["measurement"] for row in result["rows"])


def test_ratio_is_of_the_medians_and_the_range_spans_the_single_rounds():
    key = "64-128-10"
    ours = [{"train_step": {key: t}} for t in (1.0, 2.0, 4.0)]
    theirs = [{"train_step": {key: t}} for t in (3.0, 2.0, 20.0)]
    row = report.build_rows({"numpy": ours, "torch": theirs}, "", {}, 0, 1)[0]
    assert row["refimpl"] == 2.0 and row["peer"] == 3.0 and row["ratio"] == 1.5
    assert row["ratio_range"] == [1.0, 5.0]  # per round: 3/1, 2/2, 20/4


@pytest.mark.parametrize(("ratio", "text"), [(3.9952, "3.99"), (4.0, "4"), (0.585, "0.585"), (0.58549, "0.585"),
                                             (59.87, "59.8"), (1.54e12, "1.54e+12"), (2.0 / 3.0, "0.666")])
def test_printed_ratios_are_cut_not_rounded(ratio, text):
    row = report.make_row("m", 1.0, "s", "peer", ratio)
    assert report._cell(row, "ratio") == text + "×"
    assert f"{report.rounded_down(ratio):.3g}" == text


@pytest.mark.parametrize(("value", "unit", "text"), [
    (2.5e-5, "s", "25.0 µs"), (2.5e-3, "s", "2.50 ms"), (2.5, "s", "2.50 s"), (3 * 2**20, "bytes", "3.0 MiB"),
    (1234.4, "per_s", "1,234/s"), (1.25e-13, "abs", "1.2e-13"), ("not installed", "s", "not installed"),
    (None, "s", "—"),
])
def test_values_are_formatted_with_their_unit(value, unit, text):
    assert report.format_value(value, unit) == text

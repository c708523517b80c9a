"""The candidate never runs inside the checker (issue 11): each way a candidate used to break the checker, judged as
a user would expect — a verdict naming a clause, or a one-line error — and nothing of the candidate left behind.

Most cases run ``refimpl check`` as a separate process with a deadline, because the failure they guard against is a
checker that hangs, dies or exits 0 on its own; the time limits are short (0.4-0.5 s) to keep the suite quick.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import refimpl
from refimpl.conformance import Unsupported, check

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "tests.hardening.hostile_candidates"
FAST = ["--time-limit", "0.5", "--warmup", "0", "--max-examples", "20"]


def cli(*argv, cwd=ROOT, timeout=60, env=None):
    """``python -m refimpl ARGV`` with this checkout first on the path; (exit status, stdout, stderr)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1", **(env or {}))
    done = subprocess.run([sys.executable, "-m", "refimpl", *map(str, argv)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    return done.returncode, done.stdout, done.stderr


def checked(name, *extra, op="threshold", **kwargs):
    """``refimpl check OP hostile:NAME --json``: exit status and the parsed report (stdout must be JSON)."""
    code, out, err = cli("check", op, f"{HOSTILE}:{name}", *FAST, "--json", *extra, **kwargs)
    assert "Traceback" not in err, err
    return code, json.loads(out), err


def clauses(report) -> list[str]:
    return [f["clause"] for f in report["failures"]]


def checked_here(name, op="threshold"):
    """``check(op, "hostile:NAME")`` in this process (the candidate is imported in the worker): the report as JSON
    data, through ``Report.dumps`` (which must give valid JSON)."""
    report = check(op, f"{HOSTILE}:{name}", time_limit=0.5, warmup=0.0, max_examples=20)
    return (0 if report.passed else 1), json.loads(report.dumps()), ""


# --- the reference cannot be patched --------------------------------------------------------------------------------

def test_a_candidate_rebinding_refimpl_threshold_is_still_judged_by_the_reference():
    code, report, _ = checked("patches_reference")
    assert code == 1 and clauses(report) == ["threshold.strict"]


def test_a_module_patching_the_reference_at_import_changes_nothing(tmp_path):
    (tmp_path / "plugin.py").write_text("import numpy as np, refimpl\n"
                                        "def ge(w, eps):\n    return np.where(np.abs(w) >= eps, w, 0.0)\n"
                                        "refimpl.threshold = ge\n")
    code, out, err = cli("check", "threshold", "plugin:ge", *FAST, cwd=tmp_path)
    assert code == 1 and "threshold.strict" in out, out + err


def test_later_checks_in_the_same_process_see_the_real_reference():
    original = refimpl.threshold
    try:
        from tests.hardening.hostile_candidates import patches_reference  # noqa: PLC0415 - the patch must happen inside the test, after the checker is loaded

        assert not check("threshold", patches_reference, max_examples=20).passed
        assert refimpl.threshold is original
        assert not check("threshold", lambda w, eps: np.where(np.abs(w) >= eps, w, 0.0), max_examples=20).passed
    finally:
        refimpl.threshold = original


# --- time limits that cannot be dodged ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["long_c_call", "ignores_alarm", "sleepy_sequence"])
def test_whatever_the_candidate_does_the_time_limit_holds(name):
    start = time.monotonic()
    code, report, _ = checked_here(name)
    assert code == 1 and clauses(report) == ["common.time-limit"]
    assert time.monotonic() - start < 30


@pytest.mark.parametrize("name, op, expected", [("sleepy_float", "l1_importance", {"common.time-limit"}),
                                                ("sleepy_repr", "threshold", {"common.type"})])
def test_results_whose_methods_sleep_are_judged_within_the_limit(name, op, expected):
    """The conversion runs in the worker under the limit; the report never calls the result's methods."""
    code, report, _ = checked_here(name, op=op)
    assert code == 1 and set(clauses(report)) <= expected and clauses(report)
    assert "?" not in json.dumps(report["failures"][0]["got"])  # its __repr__ was never called


def test_a_non_daemon_thread_of_the_candidate_does_not_keep_the_checker_alive():
    code, report, _ = checked("leaves_thread", timeout=30)
    assert code == 0 and report["passed"]


def test_no_process_of_the_candidate_survives_the_check(tmp_path):
    pids = tmp_path / "pids"
    code, report, _ = checked("leaves_process", "--max-examples", "3", env={"HOSTILE_PID_FILE": str(pids)})
    assert code == 0 and pids.read_text().split()
    time.sleep(0.2)
    for pid in map(int, pids.read_text().split()):
        stat = Path(f"/proc/{pid}/stat")
        alive = stat.exists() and stat.read_text().split(") ")[-1][0] != "Z"
        assert not alive, f"candidate's child {pid} is still running"


# --- exits, crashes and every kind of exception ---------------------------------------------------------------------

def test_os_exit_zero_in_the_candidate_is_a_failure_not_a_silent_exit_zero():
    code, report, _ = checked("exits_zero")
    assert code == 1 and clauses(report) == ["common.returns"]
    assert "exited with status 0" in report["failures"][0]["message"]


def test_a_segfault_is_common_returns_with_the_signal():
    code, report, _ = checked_here("segfaults")
    assert code == 1 and clauses(report) == ["common.returns"]
    message = report["failures"][0]["message"]
    assert "SIGSEGV" in message and "Segmentation fault" in message  # the signal, and the tail of its stderr


@pytest.mark.parametrize("command", ["check", "verify"])
@pytest.mark.parametrize("body", ["import sys\nsys.exit(0)\n", "import os\nos._exit(0)\n"])
def test_exiting_at_import_is_an_error_not_exit_zero(tmp_path, command, body):
    (tmp_path / "quits.py").write_text(body + "def f(w, eps):\n    return w\n")
    code, out, err = cli(command, "threshold", "quits:f", "--time-limit", "0.3", "--warmup", "0", cwd=tmp_path)
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and "quits" in err, (code, out, err)


class _Custom(BaseException):
    pass


class _BadStr(Exception):
    def __str__(self):
        raise RuntimeError("no str for you")


class _RaisingArray:
    def __array__(self, dtype=None, copy=None):
        raise _Custom("from __array__")


def _raiser(exc):
    def candidate(w, eps):
        raise exc
    return candidate


@pytest.mark.parametrize("candidate, word", [
    (_raiser(GeneratorExit("closing")), "GeneratorExit"), (_raiser(_Custom("mine")), "_Custom: mine"),
    (_raiser(_BadStr()), "_BadStr"), (_raiser(KeyboardInterrupt()), "KeyboardInterrupt"),
    (lambda w, eps: _RaisingArray(), "from __array__"),
])
def test_every_exception_type_ends_as_a_clause(candidate, word):
    report = check("threshold", candidate, max_examples=5)
    assert [f.clause for f in report.failures] in (["common.returns"], ["common.type"]), str(report)
    assert word in report.failures[0].message


def test_unsupported_comes_back_as_declined_not_as_a_failure():
    def declines_empty(w, eps):
        if np.size(w) == 0:
            raise Unsupported("empty tensors are outside my domain")
        return np.where(np.abs(w) > eps, w, 0.0)

    report = check("threshold", declines_empty, max_examples=60)
    assert report.passed and report.declined >= 1, str(report)


# --- output: captured, bounded, never mixed with the checker's ------------------------------------------------------

@pytest.mark.parametrize("command", ["check", "verify"])
def test_candidate_output_never_corrupts_json(command):
    code, out, err = cli(command, "threshold", f"{HOSTILE}:prints_everywhere", *FAST[:4], "--json")
    data = json.loads(out)  # valid JSON, whatever the candidate did with stdout
    assert code == 1 and data["passed"] is False and "Traceback" not in err
    if command == "check":
        assert "candidate says hello" in data["candidate_output"] and "raw bytes on fd 2" in data["candidate_output"]


@pytest.mark.parametrize("name", ["complex_result", "huge_result"])
def test_json_is_valid_and_bounded_for_any_result(name):
    code, report, _ = checked_here(name)
    assert code == 1 and clauses(report)
    assert len(json.dumps(report)) < 50_000


def test_the_report_holds_a_copy_that_no_thread_of_the_candidate_can_change():
    held = []

    def rewrites_later(w, eps):
        out = np.where(np.abs(w) >= eps, w, 0.0)
        held.append(out)
        threading.Timer(0.05, lambda: out.fill(42.0)).start()
        return out

    report = check("threshold", rewrites_later, max_examples=20)
    time.sleep(0.2)
    got = report.failures[0].got
    assert not np.any(np.asarray(got) == 42.0) and all(h is not got for h in held)


def test_text_from_the_candidate_cannot_drive_the_terminal():
    """Control characters in an exception message (a terminal escape, a bidi override) are shown escaped."""
    def clears_screen(w, eps):
        raise ValueError("\x1b[2J\x1b[H\u202eall good")

    report = check("threshold", clears_screen, max_examples=5)
    text = str(report) + report.dumps()
    assert "\x1b" not in text and "\u202e" not in text and "\\x1b[2J" in report.failures[0].message


def _slow_first_call_per_shape():
    seen = set()  # lives in the worker process, which is reused across calls

    def candidate(w, eps):
        if np.shape(w) not in seen:
            seen.add(np.shape(w))
            time.sleep(0.6)  # a framework compiling for a new shape
        return np.where(np.abs(w) > eps, w, 0.0)
    return candidate


def test_the_warmup_allowance_covers_the_first_call_of_each_shape_only():
    assert check("threshold", _slow_first_call_per_shape(), max_examples=8, time_limit=0.4, warmup=1.0).passed
    cold = check("threshold", _slow_first_call_per_shape(), max_examples=8, time_limit=0.4, warmup=0.0)
    assert [f.clause for f in cold.failures] == ["common.time-limit"]


def test_a_worker_that_dies_is_restarted_and_the_search_goes_on():
    def dies_on_long_inputs(w, eps):
        if np.size(w) >= 5:
            os._exit(3)
        return np.where(np.abs(w) > eps, w, 0.0)

    report = check("threshold", dies_on_long_inputs, max_examples=100)
    [failure] = report.failures
    assert failure.clause == "common.returns" and "exited with status 3" in failure.message
    assert report.shrink_calls > 0 and failure.inputs["w"].size >= 5  # shrinking called restarted workers

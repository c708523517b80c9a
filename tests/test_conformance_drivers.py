"""The candidate protocol, live: the C and JavaScript drivers of docs/drivers/ are checked like Python candidates
(skipped when no C compiler / node is installed), and programs that break the protocol are judged, not trusted.

Oracles: the same bug written in Python gets the same report (same search, same shrunk input, same message); the
clauses' definitions for the planted bugs; the exit signal of a crash.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from refimpl.conformance import Program, check, judge, protocol
from refimpl.conformance.vectors import PACKAGED

ROOT = Path(__file__).resolve().parent.parent
DRIVERS = ROOT / "docs" / "drivers"
CC = shutil.which("cc") or shutil.which("gcc")
NODE = shutil.which("node")
needs_cc = pytest.mark.skipif(CC is None, reason="no C compiler (cc/gcc) installed")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")
SHORT = {"time_limit": 0.5, "warmup": 0.0}

# Kernels linked to the C driver instead of docs/drivers/threshold_kernel.c.
KERNELS = {
    # an unrolled loop whose remainder (n > 4, n % 4 entries) skips the threshold: found only on long inputs
    "tail": """#include <math.h>
#include <stddef.h>
void threshold(const double *w, size_t n, double eps, double *out) {
    size_t body = n > 4 ? n - n % 4 : n;
    for (size_t i = 0; i < body; i++) out[i] = fabs(w[i]) > eps ? w[i] : 0.0;
    for (size_t i = body; i < n; i++) out[i] = w[i];
}
""",
    "segfault": """#include <stddef.h>
void threshold(const double *w, size_t n, double eps, double *out) {
    (void)w; (void)n; (void)out; (void)eps;
    *(volatile double *)0 = 1.0;
}
""",
    "hang": """#include <stddef.h>
void threshold(const double *w, size_t n, double eps, double *out) {
    volatile int spin = 1;
    (void)w; (void)n; (void)eps; (void)out;
    while (spin) {}
}
""",
}


def tail_in_python(w, eps):
    """The "tail" kernel's bug, in Python."""
    flat = np.ravel(w)
    body = flat.size - flat.size % 4 if flat.size > 4 else flat.size
    out = np.where(np.abs(flat) > eps, flat, 0.0)
    out[body:] = flat[body:]
    return out.reshape(np.shape(w))


def ge_in_python(w, eps):
    return np.where(np.abs(w) >= eps, w, 0.0)


def c_driver(tmp_path, kernel: str | None = None) -> Program:
    source = DRIVERS / "threshold_kernel.c"
    if kernel is not None:
        source = tmp_path / f"{kernel}.c"
        source.write_text(KERNELS[kernel])
    exe = tmp_path / f"driver_{kernel or 'right'}"
    subprocess.run([CC, "-std=c99", "-O2", "-Wall", "-Werror", str(DRIVERS / "threshold_driver.c"), str(source),
                    "-lm", "-o", str(exe)], check=True, timeout=120)
    return Program([str(exe)])


def js_driver(tmp_path, change: tuple[str, str] | None = None) -> Program:
    text = (DRIVERS / "threshold_driver.mjs").read_text()
    if change is not None:
        assert change[0] in text
        text = text.replace(*change)
    path = tmp_path / "driver.mjs"
    path.write_text(text)
    return Program([NODE, str(path)])


def same_report(a, b) -> bool:
    """Same verdict, same failing inputs, same messages (the snippets differ: they name the candidate)."""
    def key(report):
        failures = [(f.clause, f.message, sorted((k, repr(v)) for k, v in f.inputs.items())) for f in report.failures]
        return report.passed, report.examples_run, failures
    return key(a) == key(b)


@needs_cc
def test_c_driver_conforms_and_its_bug_shrinks_like_the_python_one(tmp_path):
    assert check("threshold", c_driver(tmp_path)).passed
    report = check("threshold", c_driver(tmp_path, "tail"), max_examples=300)
    assert not report.passed and same_report(report, check("threshold", tail_in_python, max_examples=300))
    failure = report.failures[0]
    assert failure.clause in ("threshold.zero", "threshold.strict") and failure.inputs["w"].size == 5  # minimal
    assert "Program([" in failure.snippet


@needs_cc
@pytest.mark.parametrize("kernel, clause, words", [("segfault", "common.returns", ["SIGSEGV"]),
                                                   ("hang", "common.time-limit", ["0.5 s"])])
def test_c_driver_that_crashes_or_hangs(tmp_path, kernel, clause, words):
    report = check("threshold", c_driver(tmp_path, kernel), max_examples=20, **SHORT)
    assert [f.clause for f in report.failures] == [clause], str(report)
    assert all(w in report.failures[0].message for w in words)


@needs_node
def test_js_driver_conforms_and_a_ge_bug_gets_the_python_report(tmp_path):
    assert check("threshold", js_driver(tmp_path)).passed
    wrong = check("threshold", js_driver(tmp_path, ("Math.abs(x) > eps", "Math.abs(x) >= eps")))
    assert not wrong.passed and same_report(wrong, check("threshold", ge_in_python))


@needs_node
@pytest.mark.parametrize("body, clause, word", [
    ('process.kill(process.pid, "SIGSEGV");', "common.returns", "SIGSEGV"),
    ("for (;;) {}", "common.time-limit", "0.5 s"),
])
def test_js_driver_that_crashes_or_hangs(tmp_path, body, clause, word):
    head = "function threshold(w, eps) { // the implementation under test: w_hat_i = w_i if |w_i| > eps, 0 otherwise"
    change = (head, "function threshold(w, eps) { " + body)
    report = check("threshold", js_driver(tmp_path, change), max_examples=20, **SHORT)
    assert [f.clause for f in report.failures] == [clause], str(report)
    assert word in report.failures[0].message


@needs_cc
def test_command_line_exec_check_and_verify(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    exe = c_driver(tmp_path, "tail").argv[0]
    done = subprocess.run([sys.executable, "-m", "refimpl", "check", "threshold", "--exec", exe, "--json"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1 and json.loads(done.stdout)["failures"][0]["clause"].startswith("threshold.")
    right = c_driver(tmp_path).argv[0]
    done = subprocess.run([sys.executable, "-m", "refimpl", "verify", "threshold", "--exec", right],
                          capture_output=True, text=True, env=env, timeout=120)
    cases = len(json.loads((PACKAGED / "threshold.json").read_text())["cases"])
    assert done.returncode == 0 and f"{cases}/{cases} vectors conform" in done.stdout, done.stdout + done.stderr


def test_refimpls_python_worker_is_a_protocol_program():
    worker = [sys.executable, "-m", "refimpl.conformance.worker"]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    assert check("threshold", Program([*worker, "tests.hardening.hostile_candidates:right"], env=env),
                 max_examples=30).passed
    noisy = check("threshold", Program([*worker, "tests.hardening.hostile_candidates:prints_everywhere"], env=env),
                  max_examples=30)
    assert [f.clause for f in noisy.failures] == ["threshold.strict"] and "candidate says hello" in noisy.output


# --- programs that break the protocol ------------------------------------------------------------------------------

def python_program(body: str) -> Program:
    """A protocol program written in Python: ``hello`` is the handshake line read, ``say`` writes an answer."""
    prelude = ("import json, sys\n"
               "def say(m):\n    sys.stdout.write(json.dumps(m) + '\\n'); sys.stdout.flush()\n"
               "hello = json.loads(sys.stdin.readline())\n")
    return Program([sys.executable, "-c", prelude + body])


READY = "say({'protocol': hello['protocol'], 'version': 1, 'op': hello['op']})\n"
W = {"w": np.array([0.5, 2.0]), "eps": 0.5}


@pytest.mark.parametrize("answer, words", [
    ("sys.stdout.write('not json\\n'); sys.stdout.flush()", ["broke the protocol", "not valid JSON"]),
    ("say({'case': case + 7, 'result': 1})", ["broke the protocol", "answered case"]),
    ("say({'case': case})", ["broke the protocol", "'result'"]),
    ("say({'case': case, 'result': {'dtype': 'float64', 'shape': [10**9], 'hex': []}})", ["more than"]),
    ("say({'case': case, 'result': {'dtype': 'object', 'shape': [2], 'hex': ['0x0p+0'] * 2}})", ["dtype"]),
    ("sys.stdout.write('{\"case\": %d, \"case\": %d}\\n' % (case, case)); sys.stdout.flush()", ["twice"]),
    ("say({'case': case, 'error': 'kernel returned -3'})", ["the candidate raised kernel returned -3"]),
])
def test_answers_that_break_the_protocol_are_common_returns(answer, words):
    program = python_program(READY + "for line in sys.stdin:\n    case = json.loads(line)['case']\n    " + answer)
    [failure] = judge("threshold", program, **W, **SHORT)
    assert failure.clause == "common.returns" and all(w in failure.message for w in words), failure.message


def test_an_unsupported_answer_is_declined():
    program = python_program(READY + "for line in sys.stdin:\n"
                                     "    say({'case': json.loads(line)['case'], 'unsupported': 'no'})\n")
    report = check("threshold", program, max_examples=10)
    # every input declined: nothing was exercised, so the report does not say "conforms"
    assert not report.passed and not report.failures and report.examples_run == 0 and report.declined == 10
    assert "NOT judged" in str(report)


@pytest.mark.parametrize("body, words", [
    ("say({'error': 'only quantize here'})", ["only quantize here"]),
    ("say({'protocol': 'other', 'version': 1, 'op': hello['op']})", ["expected protocol"]),
    ("say({'protocol': hello['protocol'], 'version': 2, 'op': hello['op']})", ["version 1"]),
    ("sys.exit(4)", ["exited with status 4", "before completing the handshake"]),
])
def test_a_bad_handshake_is_a_start_up_error(body, words):
    with pytest.raises(ValueError) as info:
        judge("threshold", python_program(body), **W, **SHORT)
    assert all(w in str(info.value) for w in words), str(info.value)


def test_a_missing_program_is_a_start_up_error(tmp_path):
    with pytest.raises(ValueError, match="cannot run"):
        judge("threshold", Program([str(tmp_path / "no-such-program")]), **W)


def test_the_documented_grammar_is_the_implemented_one():
    doc = (ROOT / "docs" / "conformance.md").read_text()
    grammar = doc[doc.index("Grammar, version"):doc.index("## Golden vectors")]
    assert f"Grammar, version {protocol.VERSION}." in grammar and f'"version":{protocol.VERSION}' in grammar
    assert f'"protocol":"{protocol.PROTOCOL}"' in grammar
    assert all(f'"{dtype}"' in grammar for dtype in protocol._FLOAT_DTYPES + protocol._INT_DTYPES)
    assert "2^22" in grammar and protocol.MAX_RESULT_ENTRIES == 2 ** 22
    assert "64 MiB" in grammar and protocol.MAX_LINE_BYTES == 64 * 2 ** 20

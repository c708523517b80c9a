"""docs/peers.md stays true: every snippet marked ``<!-- snippet needs=MODULE expect=VERDICTS -->`` is at most five
lines, and, when MODULE is installed, runs in a fresh interpreter and gives the documented verdict (``pass`` or the
clause of the first failure; ``|`` separates accepted verdicts). Skipped with the reason when MODULE is missing."""

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "peers.md").read_text()
SNIPPETS = re.findall(r"<!-- snippet needs=(\S+) expect=(\S+) -->\n```python\n(.*?)```", DOC, re.S)
REPORT = "\nimport json as _j\nprint('@@' + _j.dumps({'passed': report.passed, 'clauses': [f.clause for f in " \
         "report.failures]}))\n"


def test_the_doc_has_a_snippet_per_framework():
    assert {needs for needs, _, _ in SNIPPETS} >= {"torch", "tensorflow", "tensorflow_model_optimization", "jax",
                                                  "torch_pruning", "zennit", "shap"}


@pytest.mark.parametrize("needs, expect, code", SNIPPETS, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(SNIPPETS)])
def test_snippet_is_short(needs, expect, code):
    lines = [line for line in code.splitlines() if line.strip()]
    assert len(lines) <= 5, f"a {needs} user's snippet has {len(lines)} lines:\n{code}"


def _environment(needs: str) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "TF_CPP_MIN_LOG_LEVEL": "3", "OPENBLAS_NUM_THREADS": "1"}
    if needs == "zennit" and importlib.util.find_spec("torchvision") is None:  # zennit imports torchvision
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "tools" / "torchvision_stub"), env["PYTHONPATH"]])
    return env


@pytest.mark.parametrize("needs, expect, code", SNIPPETS, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(SNIPPETS)])
def test_snippet_gives_the_documented_verdict(needs, expect, code):
    if importlib.util.find_spec(needs) is None:
        pytest.skip(f"{needs} is not installed (make peers installs it)")
    run = subprocess.run([sys.executable, "-c", code + REPORT], capture_output=True, text=True, timeout=600,
                         env=_environment(needs), cwd=ROOT)
    lines = [line for line in run.stdout.splitlines() if line.startswith("@@")]
    assert run.returncode == 0 and lines, f"the snippet failed to run:\n{run.stderr[-3000:]}"
    outcome = json.loads(lines[-1][2:])
    verdict = "pass" if outcome["passed"] else outcome["clauses"][0]
    assert verdict in expect.split("|"), f"{needs}: verdict {verdict} ({outcome['clauses']}), documented {expect}"

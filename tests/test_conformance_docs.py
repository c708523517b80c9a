"""docs/conformance.md stays true: every clause is documented, and its JavaScript and C readers of the golden
vectors run (when node / a C compiler is installed), pass refimpl's vectors and catch a `>=` threshold."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from refimpl.cli import main
from refimpl.conformance import CLAUSES
from refimpl.conformance.vectors import PACKAGED

DOC = (Path(__file__).resolve().parent.parent / "docs" / "conformance.md").read_text()
VECTORS = str(PACKAGED / "threshold.json")


def _block(language: str) -> str:
    return re.search(rf"```{language}\n(.*?)```", DOC, re.S).group(1)


def test_every_clause_is_documented():
    assert [c for c in CLAUSES if c not in DOC] == []


def _outcomes(tmp_path, name, source, build, run):
    results = []
    for variant, text in (("good", source), ("bad", source.replace("> eps", ">= eps"))):
        path = tmp_path / f"{variant}_{name}"
        path.write_text(text)
        if build:
            subprocess.run([*build, str(path), "-lm", "-o", str(tmp_path / variant)], check=True, timeout=60)
        command = [str(tmp_path / variant)] if build else [*run, str(path)]
        results.append(subprocess.run([*command, VECTORS], capture_output=True, text=True, timeout=60))
    return results


def test_javascript_reader(tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    good, bad = _outcomes(tmp_path, "reader.mjs", _block("javascript"), None, [node])
    assert good.returncode == 0 and "0 mismatches" in good.stdout
    assert bad.returncode == 1 and "out[0]=0.5, but should be 0" in bad.stdout


def test_c_reader(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    good, bad = _outcomes(tmp_path, "reader.c", _block("c"), [cc, "-std=c99"], None)
    assert good.returncode == 0 and "0 mismatches" in good.stdout
    assert bad.returncode == 1 and "should be 0x0p+0" in bad.stdout


def test_clause_table_in_the_doc_is_the_registry(capsys):
    assert main(["check", "--list"]) == 0
    assert capsys.readouterr().out in DOC

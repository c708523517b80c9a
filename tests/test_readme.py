"""Every code block in README.md is executed: ``pycon`` blocks as doctests (their shown outputs are checked),
``sh`` blocks with bash in a temporary folder (``make`` lines as ``make -n``, a dry run: running the suite from
inside itself would recurse)."""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def _blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall((ROOT / "README.md").read_text()) if lang == language]


def test_readme_has_only_executable_blocks():
    languages = {lang for lang, _ in BLOCK.findall((ROOT / "README.md").read_text())}
    assert languages <= {"pycon", "sh"}, f"a README block in {languages - {'pycon', 'sh'}} would not be executed"
    assert _blocks("pycon") and _blocks("sh")


def test_readme_python_examples():
    text = "\n".join(_blocks("pycon"))
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, {"np": np}, "README.md", str(ROOT / "README.md"), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 10 and result.failed == 0


@pytest.mark.parametrize("index", range(len(_blocks("sh"))))
def test_readme_shell_blocks(index, tmp_path):
    block = _blocks("sh")[index]
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               PYTHONPATH=str(tmp_path))
    if all(line.startswith("make ") for line in block.strip().splitlines()):
        for line in block.strip().splitlines():
            target = line.split("#")[0].split()[1:]
            done = subprocess.run(["make", "-n", *target], cwd=ROOT, env=env, capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
        return
    done = subprocess.run(["bash", "-e", "-c", block], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    if "refimpl check threshold mycode:threshold" in block:
        assert "exit status 1" in done.stdout and "threshold.strict" in done.stdout
        assert (tmp_path / "golden" / "manifest.json").exists()

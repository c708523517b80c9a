"""Text output on an ASCII-only or strict stdout (issue 11): the command finishes its work and prints it, with
ASCII spellings of the symbols it cannot encode, instead of dying on the first "Δ" after all the work is done."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from refimpl import load, textout

ROOT = Path(__file__).resolve().parents[2]


def run(argv, encoding, cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING=encoding, LANG="C", LC_ALL="C",
               OPENBLAS_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "refimpl", *argv], capture_output=True, env=env, cwd=cwd,
                          timeout=300)


@pytest.mark.parametrize("encoding", ["ascii", "latin-1:strict"])
def test_demo_prints_its_table_on_a_strict_stdout(encoding):
    done = run(["demo", "--quiet"], encoding)
    assert done.returncode == 0, done.stderr
    assert b"deltaacc(pts)" in done.stdout and b"IG rho" in done.stdout
    done.stdout.decode("ascii")  # every byte is ASCII


def test_a_non_utf8_model_path_is_saved_and_reported_not_an_error(tmp_path):
    path = os.fsdecode(bytes(tmp_path) + b"/m\xff.npz")
    done = run(["train", path, "--epochs", "1", "--hidden", "4", "--quiet"], "ascii")
    assert done.returncode == 0 and b"m\\xff.npz" in done.stdout, done.stderr
    assert tuple(load(path).sizes) == (64, 4, 10)
    info = run(["info", path], "ascii")
    assert info.returncode == 0 and b"m\\xff.npz" in info.stdout


def test_the_spellings_apply_only_where_encoding_fails():
    streams = {encoding: io.TextIOWrapper(io.BytesIO(), encoding=encoding) for encoding in ("ascii", "utf-8")}
    for stream in streams.values():
        textout.tolerate(stream)
        stream.write("Δacc ≤ ε · é ☃ \udcff")
        stream.flush()
    assert streams["ascii"].buffer.getvalue() == b"deltaacc <= eps * e \\u2603 \\xff"
    assert streams["utf-8"].buffer.getvalue() == "Δacc ≤ ε · é ☃ ".encode() + b"\\xff"

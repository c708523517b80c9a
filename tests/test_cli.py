"""The command line, mostly in process (cli.main(argv)); one subprocess checks ``python -m refimpl`` itself."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys

import pytest

from refimpl import accuracy, cli, demo, load
from refimpl.datasets import task_data

EPOCH_LINE = r"epoch \d+/\d+ loss \d+\.\d+"


def run(argv, capsys):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def n_parameters(sizes):
    """Σ_l (n_l + 1) · n_{l+1}: weights plus biases, from the widths alone."""
    return sum((m + 1) * n for m, n in zip(sizes[:-1], sizes[1:], strict=True))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The path of one small model trained by the CLI (8 hidden units, 2 epochs)."""
    path = tmp_path_factory.mktemp("cli") / "m.npz"
    code = cli.main(["train", str(path), "--hidden", "8", "--epochs", "2", "--json", "--quiet"])
    assert code == 0
    return path


def test_train_json_is_parsable_and_true(tmp_path, capsys):
    path = tmp_path / "m.npz"
    code, out, err = run(["train", path, "--hidden", "8", "--epochs", "2", "--seed", "3", "--json", "--quiet"], capsys)
    assert code == 0 and err == ""
    report = json.loads(out)
    assert report["sizes"] == [64, 8, 10] and report["loss"] == "softmax_cross_entropy"
    mlp = load(path)
    X_train, X_test, y_train, y_test, _, _ = task_data("digits", 3)
    assert report["test_accuracy"] == accuracy(mlp, X_test, y_test)
    assert report["train_accuracy"] == accuracy(mlp, X_train, y_train)


def test_train_shows_progress_on_stderr_unless_quiet(tmp_path, capsys):
    code, out, err = run(["train", tmp_path / "m.npz", "--hidden", "4", "--epochs", "3"], capsys)
    assert code == 0 and "test_accuracy" in out
    lines = err.splitlines()
    assert len(lines) == 3 and all(re.fullmatch(EPOCH_LINE, line) for line in lines)


def test_train_binary_task(tmp_path, capsys):
    code, out, _ = run(["train", tmp_path / "b.npz", "--task", "odd-even", "--hidden", "4", "--epochs", "1",
                        "--json", "--quiet"], capsys)
    report = json.loads(out)
    assert code == 0 and report["sizes"] == [64, 4, 1] and report["loss"] == "binary_cross_entropy_with_logits"


def test_info_describes_a_saved_model(trained, capsys):
    code, out, err = run(["info", trained, "--json"], capsys)
    assert code == 0
    report = json.loads(out)
    assert report["sizes"] == [64, 8, 10] and report["parameters"] == n_parameters([64, 8, 10])
    code, out, _ = run(["info", trained], capsys)
    assert code == 0 and "sizes: [64, 8, 10]" in out


@pytest.mark.parametrize("content", [b"", b"not a model", None])
def test_info_on_a_bad_file_exits_2_with_a_clear_message(tmp_path, capsys, content):
    path = tmp_path / "bad.npz"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run(["info", path], capsys)
    assert code == 2 and out == ""
    assert err.startswith("refimpl info: error:") and str(path) in err and len(err.splitlines()) == 1


def test_train_to_an_impossible_path_exits_2(tmp_path, capsys):
    code, _, err = run(["train", tmp_path, "--hidden", "2", "--epochs", "0", "--quiet"], capsys)  # a directory
    assert code == 2 and err.startswith("refimpl train: error:")
    code, _, err = run(["train", tmp_path / "no" / "such" / "dir.npz", "--epochs", "0", "--quiet"], capsys)
    assert code == 2 and err.startswith("refimpl train: error:")


@pytest.mark.parametrize("argv, names", [
    (["--epochs", "-1"], "epochs"), (["--hidden", "-3"], "sizes[1]"), (["--lr", "0"], "lr"),
    (["--momentum", "1"], "momentum"), (["--batch-size", "0"], "batch_size"), (["--seed", "-2"], "seed"),
])
def test_train_bad_values_exit_2_naming_the_value(tmp_path, capsys, argv, names):
    code, out, err = run(["train", tmp_path / "m.npz", "--quiet", *argv], capsys)
    assert code == 2 and out == "" and names in err and not (tmp_path / "m.npz").exists()


def test_usage_errors_exit_2(capsys):
    for argv in ([], ["no-such-command"], ["train"], ["train", "x.npz", "--task", "cifar"]):
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        assert info.value.code == 2
    capsys.readouterr()


def test_python_dash_m_refimpl(tmp_path):
    """The real entry point in a fresh interpreter: exit status 2 and the message on stderr, nothing on stdout."""
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"junk")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "refimpl", "info", str(bad)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 2 and proc.stdout == "" and "refimpl info: error:" in proc.stderr


# --- the demo --------------------------------------------------------------------------------------------------------

def test_demo_baseline_reaches_96_percent(demo_baseline):
    """The foundation's target: the 64-256-10 digits model reaches >= 0.96 test accuracy (seed 0)."""
    mlp, X_train, X_test, y_train, y_test = demo_baseline
    assert mlp.sizes == (64, 256, 10) and X_test.shape[0] + X_train.shape[0] == 1797
    assert accuracy(mlp, X_test, y_test) >= 0.96


@pytest.fixture(scope="module")
def demo_run():
    """``refimpl demo --seed 0 --json`` as a user runs it (training inside, progress on stderr): (code, out, err).

    One of the suite's two demo runs; the other is in test_demo_json_is_deterministic_and_true."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["demo", "--seed", "0", "--json"])
    return code, out.getvalue(), err.getvalue()


def test_demo_json_is_deterministic_and_true(demo_baseline, demo_run, capsys, monkeypatch):
    """The second run, --quiet, on the model the shared fixture trained with train_baseline(0) (so the suite trains
    the 64-256-10 model twice, not three times): silent on stderr, the same bytes on stdout as the first run, and the
    accuracy of that model."""
    calls = []

    def cached(seed, progress=False):
        calls.append((seed, progress))
        return demo_baseline

    monkeypatch.setattr(demo, "train_baseline", cached)
    code, out, err = run(["demo", "--seed", "0", "--json", "--quiet"], capsys)
    assert code == 0 and err == "" and calls == [(0, False)]
    assert demo_run[0] == 0 and out == demo_run[1]
    report = json.loads(out)
    mlp, _, X_test, _, y_test = demo_baseline
    assert report["baseline"]["accuracy"] == accuracy(mlp, X_test, y_test)


def test_demo_progress_on_stderr(demo_run):
    """Without --quiet the training prints epoch lines on stderr (stdout stays pure JSON)."""
    code, out, err = demo_run
    assert code == 0 and json.loads(out)["seed"] == 0
    assert any(re.fullmatch(EPOCH_LINE, line) for line in err.splitlines())


def test_demo_text_output(demo_run, capsys, monkeypatch):
    """The text form prints the table and the importance grid from the same result (no third demo run)."""
    result = json.loads(demo_run[1])
    monkeypatch.setattr(demo, "run_demo", lambda seed, progress=False: (result, {}))
    code, out, _ = run(["demo", "--quiet"], capsys)
    assert code == 0 and out.startswith(f"digits: {result['split']['train']} train")
    assert demo.format_table(result) in out and "global importance" in out


def test_a_reader_that_goes_away_gets_no_traceback():
    """`refimpl check --list | head`: the pipe closes before the listing is written; the command ends with the
    status of a process killed by SIGPIPE (141) and nothing on stderr."""
    proc = subprocess.Popen([sys.executable, "-m", "refimpl", "check", "--list"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # before the interpreter has even imported refimpl
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert err == ""

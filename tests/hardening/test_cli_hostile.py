"""The command line under bad arguments and hostile files: exit status 2, one line on stderr naming the problem,
nothing on stdout, never a traceback, and nothing in a hostile file executed.

Every subcommand of refimpl/cli.py is called in process through ``cli.main(argv)``. tests/test_io.py covers
``refimpl.load`` on damaged files and tests/test_conformance_vectors.py ``vectors.load``; here the same kinds of file
go through ``refimpl info`` and ``refimpl verify``.
"""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import cli, save, train_command
from refimpl.conformance import reference_candidate
from refimpl.conformance.vectors import PACKAGED

from ..test_conformance_vectors import _copy_with
from ..test_io import good_members, npy, write_zip
from .common import M
from .test_bad_inputs import TRIED

CALLS: list = []  # [path]: the file the candidate of the verify tests touches when it runs (in its worker process)


def mlp_forward(weights, biases, X):
    """The candidate of the verify tests: refimpl's own, recording that it ran (in a file: it runs in a worker)."""
    if CALLS:
        with open(CALLS[0], "a") as f:
            f.write("called\n")
    return reference_candidate("mlp_forward")(weights, biases, X)


class CreatesMarker:
    """Unpickling this calls ``open(path, "w")``: the marker file exists iff a pickle was executed."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def run(argv, capsys):
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def refused(argv, capsys, *words) -> str:
    """Exit status 2, stdout empty, exactly one line on stderr, naming every word in ``words``."""
    code, out, err = run(argv, capsys)
    assert code == 2, f"{argv}: exit {code}, stderr {err!r}"
    assert out == "" and "Traceback" not in err
    assert len(err.splitlines()) == 1 and " error: " in err, f"{argv}: stderr {err!r}"
    for word in words:
        assert word in err, f"{argv}: {err!r} does not name {word!r}"
    return err


CHECK = ["check", "threshold", "refimpl:threshold", "--max-examples", "2"]
VERIFY = ["verify", "threshold", "refimpl:threshold"]

BAD_ARGUMENTS = [
    (["demo", "--seed", "x"], ["--seed", "'x'"]),
    (["demo", "--seed", "1.5"], ["--seed"]),
    (["demo", "--seed", "-1", "--quiet"], ["seed"]),  # --quiet: no progress line before the error
    (["demo", "--no-such-flag"], ["--no-such-flag"]),
    (["demo", "--seeds", "3-1"], ["--seeds", "'3-1'"]),
    (["demo", "--seeds", "0,x"], ["--seeds"]),
    (["demo", "--seeds", "1,1"], ["--seeds", "twice"]),
    (["demo", "--seeds", "0-2", "--seed", "1"], ["--seed", "--seeds"]),
    (["demo", "--quiet", "--plots", "{tmp}/file/inside-a-file"], ["inside-a-file"]),  # refused before training
    (["train", "{out}", "--lr", "nan"], ["lr"]),
    (["train", "{out}", "--lr", "inf"], ["lr"]),
    (["train", "{out}", "--momentum", "nan"], ["momentum"]),
    (["train", "{out}", "--hidden", "x"], ["--hidden"]),
    (["train", "{out}", "--epochs", "1.5"], ["--epochs"]),
    (["train", "{out}", "--task", "cifar"], ["--task", "cifar"]),
    (["train"], ["out"]),
    (["train", "{out}", "--hidden", str(10**18), "--epochs", "0", "--quiet"], ["too big"]),  # beyond any array
    (["info"], ["model"]),
    (["info", "{tmp}/missing.npz"], ["missing.npz"]),
    (["info", "{tmp}"], ["no such file"]),
    (["check", "nope", "refimpl:threshold"], ["nope"]),
    (["check", "threshold"], ["MODULE:ATTR"]),
    (["check", "threshold", "refimpl.threshold"], ["MODULE:ATTR"]),
    (["check", "threshold", "refimpl:SPEC_VERSION"], ["not callable"]),
    ([*CHECK[:3], "--max-examples", "0"], ["max_examples"]),
    ([*CHECK, "--seed", "-1"], ["seed"]),
    ([*CHECK, "--rtol", "-1"], ["rtol"]),
    ([*CHECK, "--rtol", "nan"], ["rtol"]),
    ([*CHECK, "--atol", "inf"], ["atol"]),
    ([*CHECK, "--time-limit", "0"], ["time_limit"]),
    ([*CHECK, "--time-limit", "nan"], ["time_limit"]),
    ([*CHECK, "--ties", "random"], ["--ties"]),
    ([*CHECK, "--precision", "float16"], ["--precision"]),
    (["vectors"], ["dir"]),
    (["vectors", "{out}/inside-a-file"], ["inside-a-file"]),
    ([*VERIFY, "--vectors", "{tmp}/none"], ["no such vectors file"]),
    ([*VERIFY, "--time-limit", "-1"], ["time_limit"]),
    ([*VERIFY, "--rtol", "nan"], ["rtol"]),
    (["verify", "threshold", "no_such_module_xyz:f"], ["no_such_module_xyz"]),
    (["bench", "--rounds", "0"], ["rounds"]),
    (["bench", "--rounds", "x"], ["--rounds"]),
    (["bench", "--threads", "0"], ["threads"]),
]


def test_every_subcommand_has_bad_argument_cases():
    assert {argv[0] for argv, _ in BAD_ARGUMENTS} == set(cli.COMMANDS)


@pytest.mark.parametrize("argv, words", BAD_ARGUMENTS, ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_bad_arguments_exit_2_with_one_line(tmp_path, capsys, argv, words):
    out = tmp_path / "m.npz"
    if "{out}/inside-a-file" in argv:
        out.write_bytes(b"a file, not a directory")
    if "{tmp}/file/inside-a-file" in argv:
        (tmp_path / "file").write_bytes(b"a file, not a directory")
    argv = [a.format(out=out, tmp=tmp_path) for a in argv]
    refused(argv, capsys, *(w.format(out=out, tmp=tmp_path) for w in words))
    assert argv[0] != "train" or not out.exists()  # no model written after a refusal


def _not_a_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return True
    return False


_TEXT = st.text(max_size=8).filter(_not_a_number).map(lambda t: "=" + t)  # "--opt=-x" keeps argparse from reading
_NEGATIVE = st.integers(max_value=-1).map(str)                            # a value as an option of its own
_NOT_POSITIVE = st.integers(max_value=0).map(str)
_NON_FINITE = st.sampled_from(["nan", "inf", "-inf", "NaN", "1e999"])
_NEGATIVE_REAL = st.floats(max_value=-1e-300, allow_nan=False).map(repr)
_OPTIONS = {  # (command line before the option, option, invalid values): every value is refused before any work
    "demo --seed": (["demo", "--quiet"], "--seed", _NEGATIVE | _TEXT),
    "train --lr": (["train", "{out}", "--quiet"], "--lr", _NEGATIVE_REAL | _NON_FINITE | st.just("0") | _TEXT),
    "train --epochs": (["train", "{out}", "--quiet"], "--epochs", _NEGATIVE | _TEXT),
    "train --batch-size": (["train", "{out}", "--quiet"], "--batch-size", _NOT_POSITIVE | _TEXT),
    "train --momentum": (["train", "{out}", "--quiet"], "--momentum",
                         _NEGATIVE_REAL | _NON_FINITE | st.floats(1.0, 1e300).map(repr) | _TEXT),
    "train --hidden": (["train", "{out}", "--quiet"], "--hidden", _NEGATIVE | _TEXT),
    "check --max-examples": (CHECK[:3], "--max-examples", _NOT_POSITIVE | _TEXT),
    "check --rtol": (CHECK, "--rtol", _NEGATIVE_REAL | _NON_FINITE | _TEXT),
    "check --time-limit": (CHECK, "--time-limit", _NEGATIVE_REAL | _NON_FINITE | st.just("0") | _TEXT),
    "verify --atol": (VERIFY, "--atol", _NEGATIVE_REAL | _NON_FINITE | _TEXT),
    "bench --rounds": (["bench", "--quiet"], "--rounds", _NOT_POSITIVE | _TEXT),
    "bench --threads": (["bench", "--quiet"], "--threads", _NOT_POSITIVE | _TEXT),
}


@settings(max_examples=120)
@given(data=st.data())
def test_random_bad_option_values_exit_2(tmp_path_factory, data):
    """Hypothesis picks a subcommand option and an invalid value for it: always exit 2 and one line on stderr."""
    label = data.draw(st.sampled_from(sorted(_OPTIONS)), label="option")
    before, option, values = _OPTIONS[label]
    value = data.draw(values, label="value")
    out = tmp_path_factory.mktemp("cli") / "m.npz"
    argv = [a.format(out=out) for a in before] + ([option + value] if value.startswith("=") else [option, value])
    TRIED[f"cli {label}"] += 1
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()) as stdout, contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as exc:
            code = exc.code
    assert code == 2 and stdout.getvalue() == "" and len(err.getvalue().splitlines()) == 1, (argv, err.getvalue())
    assert not out.exists()


def test_out_of_memory_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    """--hidden 1000000000 asks for 477 GiB: NumPy's MemoryError becomes exit 2 (simulated: a real attempt could
    meet an overcommitting kernel and the OOM killer instead)."""

    def no_memory(sizes, seed):
        raise MemoryError("Unable to allocate 477. GiB for an array with shape (64, 1000000000)")

    monkeypatch.setattr(train_command.MLP, "init", no_memory)
    refused(["train", tmp_path / "m.npz", "--hidden", "1000000000", "--quiet"], capsys, "Unable to allocate")


# --- refimpl info on hostile model files ----------------------------------------------------------------------------

def _members(change):
    members = good_members()
    change(members)
    return members


HOSTILE_MODELS = {
    "truncated": None,
    "missing member": (lambda m: m.pop("b1"), "b1"),
    "extra member": (lambda m: m.update(payload=np.zeros(3)), "payload"),
    "NaN weights": (lambda m: m.update(W1=np.full((4, 2), np.nan)), "finite"),
    "broken shape chain": (lambda m: m.update(W1=np.zeros((5, 2))), "weights[1]"),
    "huge declared shape": (lambda m: m.update(W0=npy(header={"descr": "<f8", "fortran_order": False,
                                                             "shape": (10**6, 10**6)}, data=b"\0" * 16)), "W0"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_MODELS))
def test_info_refuses_hostile_model_files(tmp_path, capsys, kind):
    path = tmp_path / "hostile.npz"
    if kind == "truncated":
        save(M, path)
        path.write_bytes(path.read_bytes()[:-100])
        words = ()
    else:
        change, word = HOSTILE_MODELS[kind]
        write_zip(path, _members(change))
        words = (word,)
    refused(["info", path], capsys, str(path), *words)


def test_info_never_executes_a_pickle(tmp_path, capsys):
    marker, path = tmp_path / "executed", tmp_path / "pickle.npz"
    write_zip(path, _members(lambda m: m.update(W0=np.array([CreatesMarker(marker)], dtype=object))))
    with np.load(path, allow_pickle=True) as control:  # the control: loading with pickles allowed does run it
        control["W0"][0].close()
    assert marker.exists()
    marker.unlink()
    refused(["info", path], capsys, str(path), "W0")
    assert not marker.exists()


# --- refimpl verify on hostile vector files -----------------------------------------------------------------------

def _forward_doc():
    return json.loads((PACKAGED / "mlp_forward.json").read_text())


def _edited(change) -> str:
    doc = _forward_doc()
    change(doc["cases"][0]["inputs"])
    return json.dumps(doc)


def _shorter_bias(inputs):
    b = inputs["biases"][0]
    b["shape"], b["hex"], b["decimal"] = [b["shape"][0] - 1], b["hex"][:-1], b["decimal"][:-1]


HOSTILE_VECTORS = {
    "truncated": (lambda: (PACKAGED / "mlp_forward.json").read_text()[:-200], "not valid JSON"),
    "wrong keys": (lambda: _edited(lambda i: i.update(W=i.pop("weights"))), "expected exactly the arguments"),
    "object array": (lambda: _edited(lambda i: i["X"].update(dtype="object")), "dtype"),
    "pickle payload": (lambda: _edited(lambda i: i.update(X={"py/reduce": [{"py/function": "builtins.open"},
                                                                          ["executed", "w"]]})), "hex"),
    "NaN weights": (lambda: _edited(lambda i: i["weights"][0]["hex"].__setitem__(0, "nan")), "not finite"),
    "NaN literal": (lambda: _edited(lambda i: i["weights"][0]["hex"].__setitem__(0, float("nan"))), "hex"),
    "broken shape chain": (lambda: _edited(_shorter_bias), "not a valid input"),
    "huge declared shape": (lambda: _edited(lambda i: i["X"].update(shape=[10**6, 10**6])), "shape"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_VECTORS))
def test_verify_refuses_hostile_vector_files(tmp_path, capsys, monkeypatch, kind):
    text, word = HOSTILE_VECTORS[kind]
    directory = _copy_with(tmp_path / "vectors", "mlp_forward", text())
    monkeypatch.chdir(tmp_path)  # a relative 'executed' marker would land here
    CALLS[:] = [tmp_path / "called"]
    refused(["verify", "mlp_forward", f"{__name__}:mlp_forward", "--vectors", directory], capsys, "mlp_forward",
            word)
    assert not CALLS[0].exists() and not (tmp_path / "executed").exists()  # no candidate call on a refused file


def test_verify_control_the_candidate_does_run_on_good_vectors(tmp_path, capsys, monkeypatch):
    directory = _copy_with(tmp_path / "vectors", "mlp_forward", json.dumps(_forward_doc()))
    CALLS[:] = [tmp_path / "called"]
    code, out, err = run(["verify", "mlp_forward", f"{__name__}:mlp_forward", "--vectors", directory], capsys)
    assert code == 0 and err == "" and "vectors conform" in out and CALLS[0].exists()

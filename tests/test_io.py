"""save/load: bit-exact round trips, and every kind of damaged or hostile file refused with ValueError."""

from __future__ import annotations

import io
import os
import struct
import tempfile
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from refimpl import MLP, load, save

from .test_mlp import sizes_st

SIDE_EFFECTS: list = []


def _record(*args):
    """Called only if a pickle inside a model file gets unpickled."""
    SIDE_EFFECTS.append(args)
    return "executed"


class Evil:
    def __reduce__(self):
        return (_record, ("the loader executed a pickle",))


def same(a: MLP, b: MLP) -> bool:
    return a.sizes == b.sizes and all(
        x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
        for x, y in zip(a.weights + a.biases, b.weights + b.biases, strict=True))


def npy(array=None, *, header=None, data=b"") -> bytes:
    """The bytes of a .npy member: either a real array (pickles allowed) or a hand-written header plus raw data."""
    buf = io.BytesIO()
    if header is None:
        np.lib.format.write_array(buf, np.asanyarray(array), allow_pickle=True)
    else:
        np.lib.format.write_array_header_1_0(buf, header)
        buf.write(data)
    return buf.getvalue()


def write_zip(path, members: dict, compression=zipfile.ZIP_STORED) -> None:
    """A zip with the given members: name -> ndarray or raw bytes (names get ``.npy`` unless they have a suffix)."""
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, value in members.items():
            z.writestr(name if "." in name else name + ".npy", value if isinstance(value, bytes) else npy(value))


def good_members(sizes=(3, 4, 2)) -> dict:
    mlp = MLP.init(list(sizes), 0)
    out = {"format_version": np.int64(1), "n_layers": np.int64(len(mlp.weights))}
    for i, (w, b) in enumerate(zip(mlp.weights, mlp.biases, strict=True)):
        out[f"W{i}"], out[f"b{i}"] = np.array(w), np.array(b)
    return out


def refused(path) -> str:
    """load must raise ValueError (never return a model, never another exception); returns the message."""
    with pytest.raises(ValueError) as info:
        load(path)
    return str(info.value)


def refused_within_10_mib(path) -> None:
    """Refused, and the Python heap never grew by more than 10 MiB on the way (tracemalloc's peak)."""
    tracemalloc.start()
    try:
        refused(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20


# --- round trips -----------------------------------------------------------------------------------------------------

any_float = st.floats(allow_nan=False, allow_infinity=False)  # includes -0.0, subnormals, ±1.8e308


@st.composite
def models(draw):
    sizes = draw(sizes_st)
    shapes = zip(sizes[:-1], sizes[1:], strict=True)
    weights = [draw(hnp.arrays(np.float64, shape, elements=any_float)) for shape in shapes]
    biases = [draw(hnp.arrays(np.float64, (n,), elements=any_float)) for n in sizes[1:]]
    if draw(st.booleans()):  # Fortran-ordered inputs must round-trip too
        weights = [np.asfortranarray(w) for w in weights]
    return MLP(weights, biases)


@given(models())
def test_save_load_round_trip_is_bit_exact(mlp):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.npz")
        save(mlp, path)
        back = load(path)
        assert same(mlp, back) and back is not mlp
        assert all(not a.flags.writeable for a in back.weights + back.biases)
        assert os.listdir(folder) == ["model.npz"]  # no temporary left behind, no suffix added


def test_path_objects_and_overwriting(tmp_path):
    path = tmp_path / "m.npz"
    save(MLP.init([2, 3, 1], 0), path)
    save(MLP.init([2, 3, 1], 1), path)  # replaces the old file
    assert same(load(path), MLP.init([2, 3, 1], 1))
    assert same(load(str(path)), load(Path(str(path))))


def test_saved_file_gets_the_usual_mode(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    save(MLP.init([2, 1], 0), tmp_path / "m.npz")
    assert (tmp_path / "m.npz").stat().st_mode & 0o777 == 0o666 & ~umask


# --- atomic save -----------------------------------------------------------------------------------------------------

def test_a_failing_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    save(MLP.init([2, 3, 1], 0), path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        save(MLP.init([2, 3, 1], 1), path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.npz"]
    with pytest.raises(RuntimeError):
        save(MLP.init([2, 3, 1], 1), tmp_path / "new.npz")
    assert os.listdir(tmp_path) == ["m.npz"]


def test_save_refuses_bad_arguments(tmp_path):
    with pytest.raises(TypeError, match="mlp"):
        save("not a model", tmp_path / "m.npz")
    with pytest.raises(TypeError, match="path"):
        save(MLP.init([2, 1], 0), 42)
    with pytest.raises(TypeError, match="path"):
        load(None)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.npz")
    with pytest.raises(FileNotFoundError):
        load(tmp_path)  # a directory is not a model file


# --- damaged files ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def saved_bytes():
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.npz")
        save(MLP.init([3, 2, 2], 0), path)
        return Path(path).read_bytes()


def test_truncation_at_many_offsets_is_refused(tmp_path, saved_bytes):
    """Every third offset, and every one of the last 64 (the end-of-central-directory record), to bound the time."""
    path = tmp_path / "t.npz"
    n = len(saved_bytes)
    for cut in sorted(set(range(0, n, 3)) | set(range(n - 64, n))):
        path.write_bytes(saved_bytes[:cut])
        refused(path)


def test_every_single_byte_corruption_is_refused_or_harmless(tmp_path, saved_bytes):
    """Flip each byte in turn: either load refuses (the zip's CRC-32 covers every member's bytes) or, for a byte
    zipfile ignores (a timestamp, a local-header copy of a central-directory field), the model is bit-identical
    to the original. Never a different model, never another exception. Every third byte, to bound the time."""
    original = MLP.init([3, 2, 2], 0)
    path = tmp_path / "f.npz"
    harmless = 0
    for i in range(1, len(saved_bytes), 3):
        damaged = bytearray(saved_bytes)
        damaged[i] ^= 0xFF
        path.write_bytes(bytes(damaged))
        try:
            back = load(path)
        except ValueError:
            continue
        assert same(back, original), f"byte {i} flipped gave a different model"
        harmless += 1
    assert harmless < len(range(1, len(saved_bytes), 3)) // 4  # the checks do catch most damage


@pytest.mark.parametrize("change, words", [
    (lambda m: m.pop("W1"), "W1"),
    (lambda m: m.pop("b0"), "b0"),
    (lambda m: m.update(extra=np.zeros(3)), "extra"),
    (lambda m: m.update(W2=np.zeros((2, 2)), b2=np.zeros(2)), "W2"),
    (lambda m: m.pop("format_version"), "format_version"),
    (lambda m: m.update(format_version=np.int64(2)), "format_version"),
    (lambda m: m.update(format_version=np.float64(1.0)), "format_version"),
    (lambda m: m.update(format_version=np.array([1])), "format_version"),
    (lambda m: m.update(n_layers=np.int64(3)), "W2"),
    (lambda m: m.update(n_layers=np.int64(0)), "n_layers"),
    (lambda m: m.update(n_layers=np.int32(2)), "n_layers"),
    (lambda m: m.update(n_layers=np.int64(10**12)), "n_layers"),
    (lambda m: m.update(W0=m["W0"].astype(np.float32)), "W0"),
    (lambda m: m.update(W0=m["W0"].astype(np.float16)), "W0"),
    (lambda m: m.update(b1=np.zeros(2, dtype=np.int64)), "b1"),
    (lambda m: m.update(W0=m["W0"].astype(complex)), "W0"),
    (lambda m: m.update(W0=m["W0"] > 0), "W0"),
    (lambda m: m.update(W0=np.full((3, 4), np.nan)), "weights[0] must be finite"),
    (lambda m: m.update(b1=np.array([np.inf, 0.0])), "biases[1] must be finite"),
    (lambda m: m.update(W1=np.zeros((5, 2))), "weights[1]"),
    (lambda m: m.update(b0=np.zeros(3)), "biases[0]"),
    (lambda m: m.update(W0=np.zeros(12)), "weights[0]"),
    (lambda m: m.update(W0=np.asfortranarray(np.ones((3, 4)))), "W0"),
    (lambda m: m.update(W0=np.array([[1.0]], dtype=object)), "W0"),
    (lambda m: m.update(W0=np.array([b"abc"])), "W0"),
])
def test_wrong_members_are_refused(tmp_path, change, words):
    members = good_members()
    change(members)
    write_zip(tmp_path / "m.npz", members)
    assert words in refused(tmp_path / "m.npz")


def test_the_good_members_do_load(tmp_path):
    """The control for the test above: the unchanged hand-built file is a valid model."""
    write_zip(tmp_path / "m.npz", good_members())
    assert load(tmp_path / "m.npz").sizes == (3, 4, 2)


def test_a_pickle_inside_is_refused_and_never_executed(tmp_path):
    members = good_members()
    members["W0"] = np.array([Evil()], dtype=object)
    write_zip(tmp_path / "m.npz", members)
    with np.load(tmp_path / "m.npz", allow_pickle=True) as check:  # the control: the pickle is real and runs
        assert check["W0"][0] == "executed"
    SIDE_EFFECTS.clear()
    refused(tmp_path / "m.npz")
    assert SIDE_EFFECTS == []


def test_a_huge_declared_shape_is_refused_without_allocating(tmp_path):
    """A header declaring 10¹² float64 (8 TB) over 16 bytes of data: refused from the header alone."""
    members = good_members()
    members["W0"] = npy(header={"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)}, data=b"\0" * 16)
    write_zip(tmp_path / "m.npz", members)
    refused_within_10_mib(tmp_path / "m.npz")


def test_member_sizes_that_lie_are_refused(tmp_path):
    """A header whose shape promises more bytes than the member holds, and one promising fewer."""
    members = good_members()
    members["W0"] = npy(header={"descr": "<f8", "fortran_order": False, "shape": (3, 4)}, data=b"\0" * 8 * 11)
    write_zip(tmp_path / "short.npz", members)
    assert "W0" in refused(tmp_path / "short.npz")
    members["W0"] = npy(header={"descr": "<f8", "fortran_order": False, "shape": (3, 4)}, data=b"\0" * 8 * 13)
    write_zip(tmp_path / "long.npz", members)
    assert "W0" in refused(tmp_path / "long.npz")


@pytest.mark.parametrize("content", [
    b"", b"not a zip at all", b"PK\x03\x04" + b"\0" * 40, np.zeros(10).tobytes(), npy(np.zeros((3, 4))),
])
def test_not_a_zip_is_refused(tmp_path, content):
    (tmp_path / "m.npz").write_bytes(content)
    refused(tmp_path / "m.npz")


def test_a_repeated_member_name_is_refused(tmp_path):
    """A zip may hold two members named W0.npy; which one is the model would be a guess, so neither is taken."""
    write_zip(tmp_path / "m.npz", good_members())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name it is asked to write
        with zipfile.ZipFile(tmp_path / "m.npz", "a") as z:
            z.writestr("W0.npy", npy(np.zeros((3, 4))))
    assert "W0" in refused(tmp_path / "m.npz")


def test_other_zips_are_refused(tmp_path):
    members = good_members()
    write_zip(tmp_path / "compressed.npz", members, zipfile.ZIP_DEFLATED)
    refused(tmp_path / "compressed.npz")
    write_zip(tmp_path / "text.npz", {**members, "README.txt": b"hello"})
    assert "README" in refused(tmp_path / "text.npz")
    write_zip(tmp_path / "empty.npz", {})
    refused(tmp_path / "empty.npz")



def test_zip_size_fields_that_lie_are_refused_without_allocating(tmp_path):
    """W0's header declares 2²⁸ float64 (2 GiB) and the zip's size fields for W0 are patched to match, over the
    same few bytes of data: the loader must see that no stored member can be larger than the file itself."""
    members = good_members()
    members["W0"] = npy(header={"descr": "<f8", "fortran_order": False, "shape": (2**28,)}, data=b"\0" * 16)
    write_zip(tmp_path / "m.npz", members)
    raw = bytearray((tmp_path / "m.npz").read_bytes())
    header_len = len(members["W0"]) - 16
    lie = struct.pack("<II", header_len + 8 * 2**28, header_len + 8 * 2**28)
    central = raw.index(b"PK\x01\x02")  # the first central-directory entry
    while raw[central + 46:central + 46 + 6] != b"W0.npy":
        central = raw.index(b"PK\x01\x02", central + 4)
    raw[central + 20:central + 28] = lie  # compressed size, uncompressed size
    local = int.from_bytes(raw[central + 42:central + 46], "little")
    raw[local + 18:local + 26] = lie
    (tmp_path / "m.npz").write_bytes(bytes(raw))
    with zipfile.ZipFile(tmp_path / "m.npz") as z:  # the control: zipfile believes the lie
        assert z.getinfo("W0.npy").file_size == header_len + 8 * 2**28
    refused_within_10_mib(tmp_path / "m.npz")

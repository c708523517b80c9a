"""Saving and loading models as ``.npz`` files, checked before use.

Layout (format version 1): an uncompressed ``.npz`` (a zip of ``.npy`` members) holding exactly
``format_version`` (int64 scalar, 1), ``n_layers`` (int64 scalar L >= 1), ``W0..W{L-1}`` and ``b0..b{L-1}``
(float64, little-endian, C order). Loading reads every member's header first and refuses a file whose members,
dtypes, declared shapes or byte counts are not exactly these — before any array data is read — so a hostile file
can neither execute code (``allow_pickle=False``) nor make the loader allocate more than the file holds.
Save → load is bit-exact.
"""

from __future__ import annotations

import os
import zipfile

import numpy as np

from .spec.mlp import MLP, check_model

FORMAT_VERSION = 1
_MAX_LAYERS = 1000


def save(mlp, path) -> None:
    """Write ``mlp`` to ``path`` (a ``.npz`` file) atomically.

    The file is written to a temporary file in the same directory and renamed over ``path``, so an interrupted
    save leaves either the old file or the new one, never a broken one. ``path`` is used as given (no suffix is
    added).
    """
    check_model(mlp)
    path = _check_path(path)
    arrays = {"format_version": np.int64(FORMAT_VERSION), "n_layers": np.int64(len(mlp.weights))}
    for i, (w, b) in enumerate(zip(mlp.weights, mlp.biases, strict=True)):
        arrays[f"W{i}"], arrays[f"b{i}"] = w, b
    folder = os.path.dirname(os.path.abspath(path))
    # Not tempfile.mkstemp: it creates mode 0600, and the model file should get the usual umask-based mode.
    tmp = os.path.join(folder, f".refimpl-{os.urandom(8).hex()}.npz.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(path) -> MLP:
    """Read a model written by :func:`save`.

    Raises ``ValueError`` naming the file and the problem for anything but a complete, valid model: not a zip,
    truncated, missing or extra members, object (pickled) arrays, wrong dtype or shape, a broken shape chain,
    NaN or inf. Raises ``FileNotFoundError`` if there is no such file.
    """
    path = _check_path(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"path: no such file {path!r}")
    try:
        arrays = _read_members(path)
    # NotImplementedError: zipfile's answer to an unknown zip version or compression method in a damaged header.
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise ValueError(f"{path}: not a valid refimpl model file: {exc}") from None
    version = arrays.pop("format_version", None)
    n_layers = arrays.pop("n_layers", None)
    if version is None or version.shape != () or version.dtype != np.int64 or int(version) != FORMAT_VERSION:
        raise ValueError(f"{path}: format_version must be the int64 scalar {FORMAT_VERSION}")
    if n_layers is None or n_layers.shape != () or n_layers.dtype != np.int64 or not 1 <= int(n_layers) <= _MAX_LAYERS:
        raise ValueError(f"{path}: n_layers must be an int64 scalar in [1, {_MAX_LAYERS}]")
    L = int(n_layers)
    expected = {f"W{i}" for i in range(L)} | {f"b{i}" for i in range(L)}
    if set(arrays) != expected:
        missing, extra = sorted(expected - set(arrays)), sorted(set(arrays) - expected)
        raise ValueError(f"{path}: wrong members (missing {missing}, unexpected {extra})")
    for key, arr in arrays.items():
        if arr.dtype != np.float64:
            raise ValueError(f"{path}: {key} must be float64, got {arr.dtype}")
    try:
        return MLP([arrays[f"W{i}"] for i in range(L)], [arrays[f"b{i}"] for i in range(L)])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: invalid model: {exc}") from None


def _check_path(path) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    return os.fspath(path)


def _read_members(path: str) -> dict[str, np.ndarray]:
    """Read every ``.npy`` member after checking its header against the bytes actually stored."""
    out = {}
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        if len(infos) > 2 * _MAX_LAYERS + 2:
            raise ValueError(f"too many members ({len(infos)})")
        file_bytes = os.path.getsize(path)
        for info in infos:
            if not info.filename.endswith(".npy"):
                raise ValueError(f"unexpected member {info.filename!r}")
            if info.filename[:-4] in out:  # a zip may repeat a name: which copy is the model would be a guess
                raise ValueError(f"member {info.filename!r} appears twice")
            # save writes stored (uncompressed) members, so no member can be larger than the file: this bounds
            # every allocation below by the file's size (no zip bomb, no lying size field).
            if info.compress_type != zipfile.ZIP_STORED or not info.file_size == info.compress_size <= file_bytes:
                raise ValueError(f"{info.filename}: not a stored member no larger than the file")
            if info.flag_bits & 0x1:  # zipfile would raise RuntimeError asking for a password
                raise ValueError(f"{info.filename}: encrypted member")
            with archive.open(info) as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
                elif version == (2, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
                else:
                    raise ValueError(f"{info.filename}: unsupported .npy version {version}")
                if dtype.hasobject or dtype.kind not in "if" or fortran:
                    raise ValueError(f"{info.filename}: refusing dtype {dtype} (fortran order: {fortran})")
                declared = int(np.prod(shape, dtype=object)) * dtype.itemsize
                if declared != info.file_size - f.tell():
                    raise ValueError(f"{info.filename}: header declares shape {shape} ({declared} bytes) but the "
                                     f"member holds {info.file_size - f.tell()} bytes")
                data = f.read(declared)
                if len(data) != declared:
                    raise ValueError(f"{info.filename}: truncated")
            out[info.filename[:-4]] = np.frombuffer(data, dtype=dtype).reshape(shape).astype(
                dtype.newbyteorder("="), copy=True)
    return out

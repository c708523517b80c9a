"""Golden files of the compressed-model byte format (docs/format.md), and the check of a foreign decoder.

``write(dir)`` writes one small model in every format 0–4 (``<format>.bin``), the corrupted files every decoder must
refuse (``bad/<name>.bin``) and ``manifest.json`` (sha256 of every file, the canonical dump of each good file, the
reason each bad file is bad); the output is byte-for-byte deterministic. :func:`verify` runs a decoder command on
every file: it must print the canonical dump (docs/format.md, "Canonical dump") and exit 0 for a good file, and exit
nonzero for a bad one. ``python -m refimpl.compression.format_files --exec "CMD"`` does the same from the shell.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shlex
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np

from ..spec.mlp import MLP
from ..spec.quantized_model import quantize_model
from .storage import FORMATS, MAGIC, decode, encode

PACKAGED = Path(__file__).resolve().parent.parent / "vectors" / "format"
GOLDEN_FORMATS = FORMATS[:5]  # "sparse-quantized-huffman" (format 5) is specified in its own section, not shipped
_HEAD = 7  # magic, format tag, layer count


def _model() -> MLP:
    """A 3-4-2 network with zeros (pruned connections), a negative zero, a subnormal and a non-dyadic entry."""
    W0 = np.array([[0.5, 0.0, -1.25, 2.0], [0.0, 0.0, 0.75, -0.5], [1.0, -3.0, 0.0, 0.1]])
    W1 = np.array([[1.0, -1.0], [0.0, 0.5], [-2.0, 0.0], [0.25, 1e-40]])
    return MLP([W0, W1], [np.array([0.5, -0.0, 0.25, 1.0]), np.array([-1.5, 0.125])])


def golden_models() -> dict:
    """The model each golden file holds: the MLP (float formats) or its QuantizedModel at 3 bits."""
    mlp = _model()
    dense = MLP([np.where(W == 0, 0.375, W) for W in mlp.weights], mlp.biases)  # "quantized" codes every entry
    return {"float32": mlp, "float64": mlp, "sparse": mlp, "quantized": quantize_model(dense, 3),
            "sparse-quantized": quantize_model(mlp, 3)}


def _hex(values) -> str:
    return " ".join(float(v).hex() for v in np.asarray(values, dtype=np.float64).ravel())


def dump(model, format: str) -> str:
    """The canonical dump of a decoded model (docs/format.md): one line per field, floats as C99 hex floats."""
    lines = [f"format {format}", "sizes " + " ".join(str(n) for n in model.sizes)]
    for l, b in enumerate(model.biases):
        lines.append(f"layer {l}")
        if format in ("float32", "float64", "sparse"):
            lines.append(("weights " + _hex(model.weights[l])).rstrip())
        else:
            q, mask = model.weights[l], model.masks[l]
            lines.append("mask " + "".join("1" if m else "0" for m in mask.ravel()))
            lines.append(f"quant {q.bits} {float(q.beta).hex()} {float(q.lo).hex()} {float(q.hi).hex()}")
            lines.append(("codes " + " ".join(str(int(c)) for c in q.codes)).rstrip())
        lines.append(("biases " + _hex(b)).rstrip())
    return "\n".join(lines + ["end"]) + "\n"


_LAYER0 = _HEAD + 4 * 3  # the first layer's first byte: after the header and sizes n_0..n_2 (2 layers)


def _index_length(blob: bytes, at: int) -> int:
    """Bytes of the index block at ``at``: its 9-byte head and m symbols of r bits."""
    _, r, m = struct.unpack_from("<IBI", blob, at)
    return 9 + (m * r + 7) // 8


def _set_top_bit(blob: bytes, i: int) -> bytes:
    bad = bytearray(blob)
    bad[i] |= 0x80
    return bytes(bad)


def corruptions(blob: bytes, format: str) -> dict:
    """name -> (bytes, reason): damaged copies of a golden file that every decoder must refuse."""
    out = {f"{format}-truncated-{n}": (blob[:n], f"truncated to {n} of {len(blob)} bytes")
           for n in sorted({0, 3, _HEAD, _HEAD + 5, len(blob) // 2, len(blob) - 1})}
    out[f"{format}-bad-magic"] = (b"RIMX" + blob[4:], "magic is not RIMC")
    out[f"{format}-trailing-byte"] = (blob + b"\x00", "a byte after the last layer")
    out[f"{format}-no-layers"] = (blob[:5] + struct.pack("<H", 0) + blob[_HEAD:], "L = 0 layers")
    zero_width = bytearray(blob)
    struct.pack_into("<I", zero_width, _HEAD, 0)
    out[f"{format}-zero-input-width"] = (bytes(zero_width), "n_0 = 0")
    huge = bytearray(blob)
    struct.pack_into("<III", huge, _HEAD, 70000, 70000, 2)
    out[f"{format}-too-many-weights"] = (bytes(huge), "sizes declare more than 2^26 weights")
    if format in ("sparse", "sparse-quantized"):
        for name, field, value, why in (("nnz-mismatch", 0, None, "nnz disagrees with the symbols"),
                                        ("symbol-width-0", 4, 0, "index symbol width r = 0"),
                                        ("symbol-width-17", 4, 17, "index symbol width r = 17")):
            bad = bytearray(blob)
            if value is None:
                struct.pack_into("<I", bad, _LAYER0, struct.unpack_from("<I", blob, _LAYER0)[0] + 1)
            else:
                bad[_LAYER0 + field] = value
            out[f"{format}-{name}"] = (bytes(bad), why)
    if format in ("sparse", "sparse-quantized"):
        _, r, m = struct.unpack_from("<IBI", blob, _LAYER0)
        if (m * r) % 8:
            out[f"{format}-index-padding-bit"] = (_set_top_bit(blob, _LAYER0 + _index_length(blob, _LAYER0) - 1),
                                                  "a nonzero padding bit after the index symbols")
    if format == "quantized":
        end = _LAYER0 + 25 + (golden_models()[format].masks[0].size * 3 + 7) // 8  # 3-bit codes of layer 0
        out[f"{format}-codes-padding-bit"] = (_set_top_bit(blob, end - 1), "a nonzero padding bit after the codes")
    if format in ("quantized", "sparse-quantized"):
        q = _LAYER0 + (0 if format == "quantized" else _index_length(blob, _LAYER0))
        for name, offset, packed, why in (("bits-0", 0, struct.pack("<B", 0), "quant bits = 0"),
                                          ("beta-1", 1, struct.pack("<d", 1.0), "beta = 1, outside [0, 1)"),
                                          ("lo-above-hi", 9, struct.pack("<d", 1e300), "lo > hi"),
                                          ("lo-nan", 9, struct.pack("<d", float("nan")), "lo is NaN")):
            bad = bytearray(blob)
            bad[q + offset: q + offset + len(packed)] = packed
            out[f"{format}-{name}"] = (bytes(bad), why)
    if format in ("float32", "float64"):
        bad = bytearray(blob)
        bad[_LAYER0: _LAYER0 + (4 if format == "float32" else 8)] = struct.pack(
            "<f" if format == "float32" else "<d", float("inf"))
        out[f"{format}-weight-inf"] = (bytes(bad), "a stored weight is infinite")
    tag = bytearray(blob)
    tag[4] = len(FORMATS)
    out[f"{format}-unknown-format-tag"] = (bytes(tag), f"format tag {len(FORMATS)} is not defined")
    return out


def _dumps(data) -> bytes:
    return (json.dumps(data, indent=1, ensure_ascii=True, allow_nan=False) + "\n").encode("ascii")


def write(directory) -> list[Path]:
    """Write the golden files, the bad files and ``manifest.json`` into ``directory`` (created if needed)."""
    directory = Path(directory)
    (directory / "bad").mkdir(parents=True, exist_ok=True)
    good, bad, written = {}, {}, []
    for format, model in golden_models().items():
        blob = encode(model, format)
        good[f"{format}.bin"] = {"format": format, "sha256": hashlib.sha256(blob).hexdigest(),
                                 "dump": dump(decode(blob), format)}
        (directory / f"{format}.bin").write_bytes(blob)
        written.append(directory / f"{format}.bin")
        for name, (data, why) in corruptions(blob, format).items():
            bad[f"bad/{name}.bin"] = {"reason": why, "sha256": hashlib.sha256(data).hexdigest()}
            (directory / "bad" / f"{name}.bin").write_bytes(data)
            written.append(directory / "bad" / f"{name}.bin")
    manifest = directory / "manifest.json"
    manifest.write_bytes(_dumps({"format": "refimpl-model-format-vectors", "magic": MAGIC.decode(), "good": good,
                                 "bad": bad}))
    return [*written, manifest]


def load_manifest(directory=None) -> dict:
    """The manifest, with every listed file's sha256 checked (``ValueError`` naming a missing or changed file)."""
    directory = Path(directory) if directory is not None else PACKAGED
    manifest = json.loads((directory / "manifest.json").read_text())
    for name, entry in [*manifest["good"].items(), *manifest["bad"].items()]:
        path = directory / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
            raise ValueError(f"{path}: missing, or its sha256 does not match manifest.json")
    return manifest


def verify(command, directory=None, timeout: float = 30.0) -> list[tuple[str, str | None]]:
    """Run ``command`` (a list, or a shell-style string) with each file's path appended; returns ``[(file,
    problem or None)]``. A good file must exit 0 and print its canonical dump exactly; a bad file must exit nonzero."""
    directory = Path(directory) if directory is not None else PACKAGED
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    manifest = load_manifest(directory)
    results = []
    for name, entry in [*manifest["good"].items(), *manifest["bad"].items()]:
        run = subprocess.run([*argv, str(directory / name)], capture_output=True, text=True, timeout=timeout)
        if "dump" in entry:
            problem = None if run.returncode == 0 and _same_dump(run.stdout, entry["dump"]) else (
                f"exit {run.returncode}; expected the dump:\n{entry['dump']}got:\n{run.stdout[:2000]}")
        else:
            problem = None if run.returncode != 0 else f"accepted a bad file ({entry['reason']})"
        results.append((name, problem))
    return results


def _same_dump(got: str, expected: str) -> bool:
    """Line by line; hex floats compared by value and sign (C's %a and Python's float.hex spell them differently)."""
    a, b = got.strip().splitlines(), expected.strip().splitlines()
    return len(a) == len(b) and all(_same_line(x.split(), y.split()) for x, y in zip(a, b, strict=True))


def _same_line(got: list[str], expected: list[str]) -> bool:
    if len(got) != len(expected):
        return False
    for g, e in zip(got, expected, strict=True):
        if e.startswith(("0x", "-0x")):
            try:
                if np.float64(float.fromhex(g)).tobytes() != np.float64(float.fromhex(e)).tobytes():
                    return False
            except ValueError:
                return False
        elif g != e:
            return False
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m refimpl.compression.format_files",
                                     description="check a decoder of refimpl's model byte format (docs/format.md)")
    parser.add_argument("--exec", required=True, metavar="CMD", help="the decoder; each file's path is appended")
    parser.add_argument("--dir", help="the vectors directory (default: the shipped files)")
    args = parser.parse_args(argv)
    results = verify(args.exec, args.dir)
    for name, problem in results:
        if problem:
            print(f"FAIL {name}: {problem}")
    failed = sum(problem is not None for _, problem in results)
    print(f"{len(results) - failed}/{len(results)} files decoded or refused as specified")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

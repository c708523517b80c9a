"""Golden vectors: the boundary cases of every op with refimpl's results, as language-neutral JSON.

Encoding (docs/conformance.md shows how to read it from C and JavaScript):

- a float is ``{"hex": "0x1.8000000000000p-1", "decimal": 0.75}``; ``hex`` (Python's ``float.hex``, C's ``%a``) is
  exact and authoritative, ``decimal`` is for reading;
- a float array is ``{"dtype": "float64", "shape": [2, 3], "hex": [...], "decimal": [...]}`` (row-major);
- an integer array is ``{"dtype": "int64" | "uint8" | "uint16", "shape": [...], "values": [...]}``;
- an int is a JSON integer, a bool (saliency's abs) JSON true/false, a string (loss name) a JSON string, a list of
  arrays (weights) a JSON array; a bool array (masks) has dtype "bool" and JSON true/false values.

``write(dir)`` writes ``<op>.json`` per op and ``manifest.json`` (spec version and the sha256 of each file); the
output is byte-for-byte deterministic. ``load(op, dir)`` reads them back, refusing anything malformed.
"""

from __future__ import annotations

import hashlib
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np

from . import limits, safe_json
from .cases import boundary_cases
from .clauses import OPS as OP_NAMES
from .clauses import clauses_for
from .ops import OPS

FORMAT = "refimpl-vectors"
PACKAGED = Path(__file__).resolve().parent.parent / "vectors"
MAX_FILE_BYTES = 8 * 2 ** 20
MAX_ENTRIES = 100_000
_INT_DTYPES = ("int64", "uint8", "uint16", "bool")  # bool arrays (masks) hold JSON true/false


def encode(x):
    """A value as JSON data (see the module docstring)."""
    if isinstance(x, np.ndarray):
        if x.dtype.kind == "f":
            flat = x.astype(np.float64).ravel().tolist()
            return {"dtype": "float64", "shape": list(x.shape), "hex": [v.hex() for v in flat], "decimal": flat}
        return {"dtype": x.dtype.name, "shape": list(x.shape), "values": x.ravel().tolist()}
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (float, np.floating)):
        return {"hex": float(x).hex(), "decimal": float(x)}
    if isinstance(x, (list, tuple)):
        return [encode(v) for v in x]
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return int(x)
    if isinstance(x, str):
        return x
    raise TypeError(f"cannot encode {type(x).__name__}")


def _hex(s, where: str) -> float:
    if not isinstance(s, str) or len(s) > 40:
        raise ValueError(f"{where}: expected a hex float string such as '0x1.8p-1', got {str(s)[:40]!r}")
    try:
        value = float.fromhex(s)
    except (ValueError, OverflowError):
        raise ValueError(f"{where}: {s!r} is not a hex float") from None
    if not math.isfinite(value):
        raise ValueError(f"{where}: {s!r} is not finite")
    return value


def decode(data, where: str):
    """The inverse of :func:`encode`; raises ``ValueError`` naming the JSON path of anything malformed."""
    if data is None:
        raise ValueError(f"{where}: unexpected null")
    if isinstance(data, (bool, int, str)):
        return data
    if isinstance(data, list):
        return [decode(v, f"{where}[{i}]") for i, v in enumerate(data)]
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object, array, integer or string, got {type(data).__name__}")
    if "dtype" not in data:
        return _hex(data.get("hex"), f"{where}.hex")
    shape = data.get("shape")
    if not (isinstance(shape, list) and len(shape) <= 4 and all(type(s) is int and 0 <= s <= MAX_ENTRIES
                                                                 for s in shape)):
        raise ValueError(f"{where}.shape: expected a list of at most 4 sizes in [0, {MAX_ENTRIES}], got {shape!r}")
    size = math.prod(shape)
    if size > MAX_ENTRIES:
        raise ValueError(f"{where}: {size} entries is more than the {MAX_ENTRIES} a vector may hold")
    dtype = data["dtype"]
    key = "hex" if dtype == "float64" else "values"
    values = data.get(key)
    if dtype != "float64" and dtype not in _INT_DTYPES:
        raise ValueError(f"{where}.dtype: expected float64 or one of {list(_INT_DTYPES)}, got {dtype!r}")
    if not isinstance(values, list) or len(values) != size:
        raise ValueError(f"{where}.{key}: expected a list of {size} entries for shape {shape}")
    if dtype == "float64":
        return np.array([_hex(v, f"{where}.hex[{i}]") for i, v in enumerate(values)], dtype=np.float64).reshape(shape)
    if dtype == "bool":
        if not all(type(v) is bool for v in values):
            raise ValueError(f"{where}.values: expected true/false for dtype bool")
        return np.array(values, dtype=bool).reshape(shape)
    info = np.iinfo(dtype)
    if not all(type(v) is int and info.min <= v <= info.max for v in values):
        raise ValueError(f"{where}.values: expected integers in [{info.min}, {info.max}] for dtype {dtype}")
    return np.array(values, dtype=dtype).reshape(shape)


def _exact_logits(inputs, rounded):
    """mlp_forward's logits in exact rational arithmetic, rounded once to float64 (float(Fraction) is correctly
    rounded): the same bytes whatever the BLAS sums in which order. Used where a network is not dyadic; equal to
    refimpl's float64 result within the checker's window, and to it exactly for dyadic networks."""
    if all(np.array_equal(v, np.round(v * 2 ** 12) / 2 ** 12) for v in [*inputs["weights"], *inputs["biases"]]):
        return rounded  # dyadic with few digits: every float64 sum and product is exact already
    h = [[Fraction(float(x)) for x in row] for row in inputs["X"]]
    last = len(inputs["weights"]) - 1
    for layer, (W, b) in enumerate(zip(inputs["weights"], inputs["biases"], strict=True)):
        Wf = [[Fraction(float(x)) for x in col] for col in W.T]
        bf = [Fraction(float(x)) for x in b]
        h = [[sum((hi * wi for hi, wi in zip(row, col, strict=True)), bj) for col, bj in zip(Wf, bf, strict=True)]
             for row in h]
        if layer < last:
            h = [[max(z, Fraction(0)) for z in row] for row in h]
    return np.array([[float(z) for z in row] for row in h], dtype=np.float64).reshape(rounded.shape)


EXACT = {"mlp_forward": _exact_logits}  # ops whose vectors hold the exact result rounded once


def document(op: str) -> dict:
    """The vectors of ``op``: its clauses and every boundary case with refimpl's result (exp and log correctly
    rounded, :func:`~.elementary.platform_independent`, so the file is the same on every platform)."""
    from .. import SPEC_VERSION  # noqa: PLC0415
    from .elementary import platform_independent  # noqa: PLC0415

    spec = OPS[op]
    from .vectors_meta import extras  # noqa: PLC0415

    cases = []
    with platform_independent():
        for i, inputs in enumerate(boundary_cases(op, kernel=True)):
            expected = EXACT[op](inputs, spec.reference(inputs)) if op in EXACT else spec.reference(inputs)
            more = {k: (encode(v) if k != "boundary" and k != "clauses" else v)
                    for k, v in extras(op, inputs, expected).items()}
            cases.append({"id": f"{op}-{i}", "inputs": {a: encode(inputs[a]) for a in spec.args},
                          "expected": encode(expected), **more})
    return {"format": FORMAT, "spec_version": SPEC_VERSION, "op": op, "signature": list(spec.args),
            "clauses": {c.id: c.formula for c in clauses_for(op)}, "cases": cases}


def _dumps(data) -> bytes:
    return (json.dumps(data, indent=1, ensure_ascii=True, allow_nan=False) + "\n").encode("ascii")


def write(directory) -> list[Path]:
    """Write ``<op>.json`` for every op and ``manifest.json`` into ``directory`` (created if needed)."""
    from .. import SPEC_VERSION  # noqa: PLC0415

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written, digests = [], {}
    for op in OP_NAMES:
        blob = _dumps(document(op))
        path = directory / f"{op}.json"
        path.write_bytes(blob)
        digests[path.name] = hashlib.sha256(blob).hexdigest()
        written.append(path)
    manifest = directory / "manifest.json"
    manifest.write_bytes(_dumps({"format": f"{FORMAT}-manifest", "spec_version": SPEC_VERSION, "sha256": digests}))
    return [*written, manifest]


def _read_json(path: Path):
    if not path.is_file():
        raise ValueError(f"{path}: no such vectors file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"{path}: larger than {MAX_FILE_BYTES} bytes; not a refimpl vectors file")
    blob = path.read_bytes()
    return safe_json.loads(blob, str(path), max_bytes=MAX_FILE_BYTES, max_depth=16), blob


def load(op: str, directory=None) -> list[dict]:
    """The cases of ``op`` from ``directory`` (default: the vectors shipped in the package), each
    ``{"id", "inputs", "expected"}`` with NumPy values; the file's sha256 must match the manifest, and every case's
    inputs must be valid inputs of ``op`` (refimpl's own function accepts them)."""
    if op not in OPS:
        raise ValueError(f"op must be one of {list(OPS)}, got {op!r}")
    directory = Path(directory) if directory is not None else PACKAGED
    manifest, _ = _read_json(directory / "manifest.json")
    digests = manifest.get("sha256") if isinstance(manifest, dict) else None
    if not isinstance(digests, dict) or manifest.get("format") != f"{FORMAT}-manifest":
        raise ValueError(f"{directory / 'manifest.json'}: not a refimpl vectors manifest")
    data, blob = _read_json(directory / f"{op}.json")
    if digests.get(f"{op}.json") != hashlib.sha256(blob).hexdigest():
        raise ValueError(f"{directory / (op + '.json')}: sha256 does not match manifest.json (file changed?)")
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("op") != op:
        raise ValueError(f"{directory / (op + '.json')}: not a refimpl vectors file for {op}")
    cases = data.get("cases")
    if not isinstance(cases, list):
        raise ValueError(f"{op}.json: 'cases' must be a list")
    args = OPS[op].args
    out = []
    for i, case in enumerate(cases):
        where = f"{op}.json: cases[{i}]"
        if not isinstance(case, dict) or not isinstance(case.get("inputs"), dict) or "expected" not in case:
            raise ValueError(f"{where}: expected an object with 'inputs' and 'expected'")
        if sorted(case["inputs"]) != sorted(args):
            raise ValueError(f"{where}.inputs: expected exactly the arguments {list(args)}")
        inputs = {a: decode(case["inputs"][a], f"{where}.inputs.{a}") for a in args}
        limits.check_work(op, inputs, f"{where}.inputs")  # before the reference allocates anything
        try:  # inputs the reference refuses (a broken shape chain...) are a broken file, not a candidate's failure
            reference = OPS[op].reference(inputs)
        except Exception as exc:  # noqa: BLE001 - whatever the malformed inputs make the reference raise
            raise ValueError(f"{where}.inputs: not a valid input of {op}: {type(exc).__name__}: {exc}") from None
        expected = decode(case["expected"], f"{where}.expected")
        limits.check_like(expected, reference, f"{where}.expected")
        out.append({"id": str(case.get("id", i)), "inputs": inputs, "expected": expected})
    return out


def verify(op: str, candidate, directory=None, **options) -> list[tuple[str, list]]:
    """Run ``candidate`` on every vector of ``op``; returns ``[(case id, failures), ...]`` (failures empty when the
    case conforms). The vectors' expected values are used, not a fresh reference run."""
    from .check import judge_cases  # noqa: PLC0415

    return judge_cases(op, candidate, load(op, directory), **options)

"""The candidate protocol (version 1): how the checker talks to the process that runs a candidate.

Every candidate runs in a worker process: refimpl's own Python worker (:mod:`.worker`) or any program given with
``refimpl check OP --exec "CMD ARG..."``. They speak the same protocol over the worker's stdin and stdout, one JSON
object per line (UTF-8, ``\\n``-terminated, no line longer than :data:`MAX_LINE_BYTES`). docs/conformance.md gives the
grammar; in short:

1. checker: ``{"protocol": "refimpl-candidate", "version": 1, "op": "threshold", "args": ["w", "eps"]}``;
   worker: the same ``protocol``, ``version`` and ``op`` back, or ``{"error": TEXT}`` to refuse.
2. per case, checker: ``{"case": N, "inputs": {"w": VALUE, "eps": VALUE}}``; worker, exactly one of
   ``{"case": N, "result": VALUE}``, ``{"case": N, "unsupported": TEXT}`` (the input is outside the candidate's
   declared domain), ``{"case": N, "error": TEXT}``.
3. the checker closes the worker's stdin; the worker exits.

VALUE is the golden vectors' encoding (``vectors.py``) without the optional ``decimal`` fields: a float
``{"hex": "0x1.8p-1"}``, an array ``{"dtype": "float64", "shape": [2], "hex": [...]}`` or, for integer and bool
dtypes, ``{..., "values": [...]}``, an int, a string, ``null``, a list. A result may also use float16/float32,
any integer dtype, ``bool`` and the non-finite hex spellings ``"nan"``, ``"inf"``, ``"-inf"`` (the judge, not the
protocol, says whether they conform), and ``{"opaque": TEXT}`` for a value that is not plain data (what the Python
worker sends for an object it cannot turn into an array).
"""

from __future__ import annotations

import json
import math
import numbers
import unicodedata

import numpy as np

from . import safe_json

PROTOCOL = "refimpl-candidate"
VERSION = 1
MAX_LINE_BYTES = 64 * 2 ** 20  # one reply line: room for a few million entries, bounded for the checker's memory
MAX_RESULT_ENTRIES = 2 ** 22  # entries of one result array (the checker's inputs are tiny: 8 entries, 4-unit layers)
MAX_TEXT = 2000  # characters of an error text or a string result kept
_FLOAT_DTYPES = ("float16", "float32", "float64")
_INT_DTYPES = tuple(f"{s}int{b}" for s in ("", "u") for b in (8, 16, 32, 64)) + ("bool",)


def printable(text: str, keep: str = "") -> str:
    """``text`` from a candidate with control and format characters (terminal escapes, NUL, bidi overrides)
    written as ``\\x1b``-style escapes, so that printing a report cannot drive the reader's terminal; characters in
    ``keep`` (e.g. newlines of captured output) stay."""
    return "".join(c if c in keep or unicodedata.category(c)[0] != "C" else f"\\x{ord(c):02x}" if ord(c) < 256
                   else f"\\u{ord(c):04x}" for c in text)


class Unreadable:
    """A result that is not plain data, as the worker described it (``np.asarray`` on it fails with that text)."""

    def __init__(self, description: str):
        self.description = printable(str(description)[:MAX_TEXT])

    def __array__(self, dtype=None, copy=None):
        raise TypeError(self.description)

    def __repr__(self) -> str:
        return f"<{self.description}>"


def encode(x):
    """A value as protocol data (the checker's inputs, or a plain result)."""
    if isinstance(x, np.ndarray):
        if x.dtype.kind == "f" and x.dtype.name in _FLOAT_DTYPES:
            return {"dtype": x.dtype.name, "shape": list(x.shape), "hex": list(map(float.hex, x.ravel().tolist()))}
        if x.dtype.name in _INT_DTYPES:
            return {"dtype": x.dtype.name, "shape": list(x.shape), "values": x.ravel().tolist()}
        return {"opaque": f"an ndarray of dtype {x.dtype}, shape {x.shape}"}
    if isinstance(x, (list, tuple)):
        return [encode(v) for v in x]
    if isinstance(x, np.generic):
        return encode(np.asarray(x))
    if x is None or type(x) in (bool, int, str):
        return x
    if type(x) is float:
        return {"hex": x.hex()}
    return {"opaque": f"a {type(x).__name__}"}


def plain(value, depth: int = 0):
    """The candidate's result as plain data: array-likes (tensors, lazy arrays) through ``np.asarray``, other reals
    through ``float``/``int``, lists and tuples item by item. Runs in the worker, under the time limit, so a result
    whose conversion hangs is the candidate's time, and the checker never calls a method of the candidate's objects.
    """
    if depth > 4:
        return Unreadable("a value nested deeper than 4 levels")
    if value is None or type(value) in (bool, int, float, str, np.ndarray):
        return value[:MAX_TEXT] if type(value) is str else value
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, numbers.Integral) and not isinstance(value, (np.generic, bool)):
        return int(value)
    if isinstance(value, numbers.Real) and not isinstance(value, np.generic):
        return float(value)
    try:
        arr = np.asarray(value)
    except Exception as exc:  # noqa: BLE001 - described to the judge, which reports common.type
        return Unreadable(f"a {type(value).__name__} that np.asarray cannot read ({describe(exc)})")
    if arr.dtype.kind == "O":
        return Unreadable(f"a {type(value).__name__} (np.asarray gives dtype object)")
    return arr


def to_wire(value) -> object:
    """``encode`` of a ``plain`` value, with oversized arrays and huge integers described instead of sent."""
    if isinstance(value, Unreadable):
        return {"opaque": value.description}
    if isinstance(value, list):
        return [to_wire(v) for v in value]
    if isinstance(value, np.ndarray) and value.size > MAX_RESULT_ENTRIES:
        return {"opaque": f"an ndarray of shape {value.shape}: more than {MAX_RESULT_ENTRIES} entries"}
    if type(value) is int and abs(value) >= 2 ** 64:
        return {"opaque": "an int of more than 64 bits"}
    return encode(value)


def describe(exc: BaseException) -> str:
    """``TypeName: message`` on one line, bounded, whatever ``str(exc)`` does (it may raise)."""
    try:
        text = str(exc)
    except BaseException as inner:  # noqa: BLE001 - a broken __str__ is the candidate's, not ours
        text = f"<str() of the exception raised {type(inner).__name__}>"
    text = " ".join(text.split())
    name = type(exc).__name__
    return (f"{name}: {text}" if text else name)[:MAX_TEXT]


def _float(s, where: str) -> float:
    if not isinstance(s, str) or len(s) > 40:
        raise ValueError(f"{where}: expected a hex float string such as '0x1.8p-1', got {str(s)[:40]!r}")
    try:
        return float.fromhex(s)
    except (ValueError, OverflowError):
        raise ValueError(f"{where}: {s!r} is not a hex float") from None


def _array(data: dict, where: str) -> np.ndarray:
    dtype, shape = data.get("dtype"), data.get("shape")
    if dtype not in _FLOAT_DTYPES + _INT_DTYPES:
        raise ValueError(f"{where}.dtype: expected one of {list(_FLOAT_DTYPES + _INT_DTYPES)}, got {str(dtype)[:40]!r}")
    if not (isinstance(shape, list) and len(shape) <= 8 and all(type(s) is int and s >= 0 for s in shape)):
        raise ValueError(f"{where}.shape: expected a list of at most 8 sizes >= 0, got {str(shape)[:80]}")
    size = math.prod(shape)
    if size > MAX_RESULT_ENTRIES:
        raise ValueError(f"{where}.shape: {size} entries, more than the {MAX_RESULT_ENTRIES} allowed")
    key = "hex" if dtype in _FLOAT_DTYPES else "values"
    values = data.get(key)
    if not isinstance(values, list) or len(values) != size:
        raise ValueError(f"{where}.{key}: expected a list of {size} entries for shape {shape}")
    if key == "hex":
        try:  # the fast path; on any bad entry the slow one names it
            flat = np.fromiter(map(float.fromhex, values), dtype=np.float64, count=size)
        except (TypeError, ValueError, OverflowError):
            flat = np.array([_float(v, f"{where}.hex[{i}]") for i, v in enumerate(values)], dtype=np.float64)
        out = flat.astype(dtype)
        bad = np.flatnonzero(~((out == flat) | np.isnan(flat)))
        if bad.size:
            raise ValueError(f"{where}.hex[{bad[0]}]: {values[bad[0]]} is not a {dtype} value")
        return out.reshape(shape)
    kind = bool if dtype == "bool" else int
    if not all(type(v) is kind for v in values):
        raise ValueError(f"{where}.values: expected {'true/false' if kind is bool else 'integers'} for {dtype}")
    try:
        return np.array(values, dtype=dtype).reshape(shape)
    except OverflowError:
        raise ValueError(f"{where}.values: an integer out of the range of {dtype}") from None


def decode(data, where: str):
    """The inverse of :func:`encode` on untrusted data; ``ValueError`` naming the JSON path of anything malformed."""
    if data is None or type(data) in (bool, int, float):
        return data
    if type(data) is str:
        return data[:MAX_TEXT]
    if isinstance(data, list):
        return [decode(v, f"{where}[{i}]") for i, v in enumerate(data)]
    if not isinstance(data, dict):
        raise ValueError(f"{where}: not a protocol value")
    if "opaque" in data:
        return Unreadable(str(data["opaque"]))
    if "dtype" in data:
        return _array(data, where)
    if "hex" in data:
        return _float(data["hex"], f"{where}.hex")
    raise ValueError(f"{where}: an object must be a float {{'hex'}}, an array {{'dtype', 'shape', ...}} or "
                     "{'opaque'}")


def dumps(message: dict) -> bytes:
    """One protocol line."""
    return json.dumps(message, separators=(",", ":"), allow_nan=False).encode() + b"\n"


def loads(line: bytes, where: str) -> dict:
    """One protocol line from the other side, parsed under the limits of :mod:`.safe_json`."""
    message = safe_json.loads(line, where, max_bytes=MAX_LINE_BYTES, max_depth=12)
    if not isinstance(message, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(message).__name__}")
    return message


def hello(op: str, args) -> dict:
    return {"protocol": PROTOCOL, "version": VERSION, "op": op, "args": list(args)}

"""refimpl's Python worker: the process a Python candidate runs in, speaking the candidate protocol
(:mod:`.protocol`).

It is started by :mod:`.runner`, either forked from the checker (the candidate is then any callable, closures and
bound methods included) or as ``python -m refimpl.conformance.worker MODULE:ATTR`` (it then imports the candidate
itself, with the current directory on the import path). Each case: decode the inputs, hand the candidate read-only
copies (a view of a read-only base, so it cannot be made writable again), turn the result into plain data
(``protocol.plain``), compare the inputs with a pristine copy, answer. Whatever the candidate raises — any
``BaseException``, including ``SystemExit``, ``GeneratorExit`` and exceptions whose ``__str__`` raises — becomes an
``error`` answer; ``refimpl.conformance.Unsupported`` becomes ``unsupported``.
"""

from __future__ import annotations

import importlib
import os
import sys

import numpy as np

from . import protocol
from .errors import Unsupported


def freeze(value):
    """A read-only copy of ``value`` (arrays, and lists/tuples/dicts of arrays); scalars and strings are returned as is.

    The array handed out is a view of a read-only copy, so the candidate cannot make it writable again.
    """
    if isinstance(value, np.ndarray):
        base = np.array(value, copy=True)
        base.flags.writeable = False
        return base.view()
    if isinstance(value, (list, tuple)):
        return type(value)(freeze(v) for v in value)
    if isinstance(value, dict):
        return {k: freeze(v) for k, v in value.items()}
    return value


def _unchanged(before, after) -> bool:
    if isinstance(before, np.ndarray):
        return isinstance(after, np.ndarray) and before.shape == after.shape and before.tobytes() == after.tobytes()
    if isinstance(before, (list, tuple)):
        return len(before) == len(after) and all(_unchanged(b, a) for b, a in zip(before, after, strict=True))
    return True


def load_target(target: str):
    """Import ``module:attr`` (attr may be dotted) and return the callable; ``ValueError`` saying what is wrong."""
    if not target or ":" not in target:
        raise ValueError(f"the candidate must be given as MODULE:ATTR, got {target!r}")
    module_name, attr = target.split(":", 1)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        obj = importlib.import_module(module_name)
    except BaseException as exc:  # noqa: BLE001 - SystemExit at import included: a usage error, not an exit
        raise ValueError(f"cannot import {module_name!r}: {protocol.describe(exc)}") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ValueError(f"{module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise ValueError(f"{target} is not callable")
    return obj


def answer(candidate, args: tuple[str, ...], message: dict) -> dict:
    """The reply to one case message."""
    case = message.get("case")
    inputs = {a: protocol.decode(message["inputs"][a], a) for a in args}
    frozen = [freeze(inputs[a]) for a in args]
    try:
        value = protocol.to_wire(protocol.plain(candidate(*frozen)))
    except Unsupported as exc:
        return {"case": case, "unsupported": protocol.describe(exc)}
    except BaseException as exc:  # noqa: BLE001 - every exception of the candidate is a finding
        if isinstance(exc, ValueError) and "read-only" in protocol.describe(exc):
            return {"case": case, "mutated": f"the candidate tried to write to an input ({protocol.describe(exc)})"}
        return {"case": case, "error": protocol.describe(exc)}
    if not all(_unchanged(inputs[a], f) for a, f in zip(args, frozen, strict=True)):
        return {"case": case, "mutated": "the candidate changed an input array"}
    return {"case": case, "result": value}


def serve(get_candidate, rfile, wfile) -> None:
    """The protocol loop: handshake (``get_candidate()`` may raise ``ValueError``), then one reply per case line."""
    hello = protocol.loads(rfile.readline(), "handshake")
    try:
        candidate = get_candidate()
    except ValueError as exc:
        wfile.write(protocol.dumps({"error": str(exc)}))
        wfile.flush()
        return
    args = tuple(hello["args"])
    wfile.write(protocol.dumps({"protocol": protocol.PROTOCOL, "version": protocol.VERSION, "op": hello["op"]}))
    wfile.flush()
    for line in rfile:
        reply = answer(candidate, args, protocol.loads(line, "case"))
        try:
            blob = protocol.dumps(reply)
        except (TypeError, ValueError) as exc:  # a result encode() could not write as JSON
            blob = protocol.dumps({"case": reply["case"], "error": f"result not encodable: {protocol.describe(exc)}"})
        wfile.write(blob)
        wfile.flush()


def _private_channel():
    """The protocol's files when the worker was started with stdin/stdout as its channel: stdout is moved to a
    private descriptor and fd 1 then points to stderr, so whatever the candidate prints (or writes to fd 1) cannot
    corrupt the protocol."""
    out = os.dup(1)
    os.dup2(2, 1)
    inp = os.dup(0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdout = open(1, "w", closefd=False, errors="backslashreplace", buffering=1)  # noqa: SIM115
    return os.fdopen(inp, "rb"), os.fdopen(out, "wb")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m refimpl.conformance.worker MODULE:ATTR (speaks the candidate protocol on "
              "stdin/stdout)", file=sys.stderr)
        return 2
    rfile, wfile = _private_channel()
    serve(lambda: load_target(argv[0]), rfile, wfile)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""JSON from an untrusted source (a vectors file, a candidate's reply): parsed with limits, refused with the JSON
path of the problem.

Limits, all checked before any array is built from the data:

- at most ``max_bytes`` bytes (the caller's limit: 8 MiB for a vectors file, 64 MiB for one reply line);
- at most :data:`MAX_DEPTH` levels of nesting (a vectors file needs 5, a reply 4; deeper data is refused instead of
  exhausting the interpreter's stack);
- no object with the same key twice (Python's ``json`` keeps the last one silently; a file that says two things
  says nothing).
"""

from __future__ import annotations

import json

MAX_DEPTH = 32


class _Duplicated(dict):
    """An object that had a key twice (``duplicate`` holds the first repeated key)."""

    duplicate: str = ""


def _pairs(pairs):
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    seen: set = set()
    marked = _Duplicated(out)
    marked.duplicate = next(k for k, _ in pairs if k in seen or seen.add(k))
    return marked


def path_text(where: str, path: tuple) -> str:
    """``where`` followed by the JSON path ``.cases[0].inputs.w``."""
    return where + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _scan(data, where: str, max_depth: int) -> None:
    """Refuse nesting deeper than ``max_depth`` and repeated keys, naming the path (iterative: no recursion)."""
    stack = [(data, ())]
    while stack:
        node, path = stack.pop()
        if len(path) > max_depth:
            raise ValueError(f"{path_text(where, path)}: nested deeper than {max_depth} levels")
        if isinstance(node, _Duplicated):
            raise ValueError(f"{path_text(where, path)}: the key {node.duplicate!r} appears twice")
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        stack.extend((v, (*path, k)) for k, v in items if isinstance(v, (dict, list)))


def loads(blob: bytes | str, where: str, *, max_bytes: int, max_depth: int = MAX_DEPTH):
    """Parse ``blob`` (UTF-8 JSON) under the limits above; ``ValueError`` starting with ``where`` otherwise."""
    if len(blob) > max_bytes:
        raise ValueError(f"{where}: {len(blob)} bytes, more than the {max_bytes} allowed")
    try:
        text = blob.decode("utf-8") if isinstance(blob, bytes) else blob
        data = json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError(f"{where}: nested deeper than {max_depth} levels") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{where}: not valid JSON ({type(exc).__name__}: {str(exc)[:200]})") from None
    _scan(data, where, max_depth)
    return data


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON (write non-finite floats as hex strings: 'nan', 'inf', '-inf')")

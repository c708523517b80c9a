"""What a foreign reader of the golden vectors needs beside inputs and expected values (format v2):

- ``clauses``: the clause ids a case exercises, found by perturbation: each entry of the expected result (beyond
  512 entries: the first, the last and the block edges) is changed (nudged, zeroed, negated; codes moved by one) and the
  op's judge says which clause the changed result breaks. A failing case can then be reported by clause in any
  language;
- ``bound``: for rounded results, the allowed |got - expected| of every value (the same windows as the checker's);
- for the quantizers, ``w_tilde`` (floor_quantize: the given w_tilde; quantize: refimpl's normalisation) and
  ``boundary``: where alpha * w_tilde + beta lies within the floor window of an integer, so that a code one off is
  a rounding artefact there and a mistake elsewhere.
"""

from __future__ import annotations

import numpy as np

from ..compression.boundary import near_integer_boundary
from ..spec.quantization import minmax_normalize
from .compare import Tolerance
from .judging import Broken, Verdict
from .ops import OPS, candidate_view
from .ops_compression import dequantize_bound, minmax_bound
from .ops_network import forward_bound

_TOL = Tolerance()
BOUNDS = {"minmax_normalize": minmax_bound, "dequantize": dequantize_bound, "mlp_forward": forward_bound}


def _positions(n: int) -> list[int]:
    """Every entry of a result of the vectors' sizes; the first, the last and the block edges of a larger one."""
    if n <= 512:
        return list(range(n))
    return sorted({0, n - 1} | {i for i in (15, 16, 31, 32, 63, 64, 127, 128) if i < n})


def _variants(x, integer: bool) -> list:
    if integer:
        return [int(x) + 1, int(x) - 1, int(x) + 2]
    x = float(x)
    return [x + max(abs(x), 1.0) * 1e-3, 0.0 if x != 0 else 1.0, -x if x != 0 else -1.0]


def _leaves(value, path=()):
    """(path, array) of every array in a nested result (tuples/lists of arrays); scalars are 0-d arrays."""
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))
    else:
        yield path, np.asarray(value)


def _replaced(value, path, array):
    if not path:
        return array if np.ndim(array) else array[()]
    items = list(value)
    items[path[0]] = _replaced(items[path[0]], path[1:], array)
    return type(value)(items) if isinstance(value, tuple) else items


def exercised(op: str, inputs: dict, expected) -> list[str]:
    """The clause ids a perturbed result of this case is reported under (sorted)."""
    spec = OPS[op]
    view = candidate_view(spec, expected)
    found = set()
    for path, leaf in _leaves(view):
        integer = leaf.dtype.kind in "iub"
        flat = leaf.ravel().astype(np.int64 if integer else np.float64)  # int64: a code moved past its dtype
        for i in _positions(flat.size):
            for x in _variants(flat[i], integer):
                changed = flat.copy()
                changed[i] = x
                got = _replaced(view, path, changed.reshape(leaf.shape))
                verdict = Verdict()
                try:
                    with np.errstate(all="ignore"):
                        spec.judge(inputs, expected, got, _TOL, verdict)
                except Broken as broken:
                    verdict.fail(broken.clause, broken.message)
                except (ValueError, TypeError, IndexError, OverflowError):
                    continue
                found.update(verdict.failed)
    return sorted(found)


def extras(op: str, inputs: dict, expected) -> dict:
    """The reader's extra fields of one case (encoded by the caller)."""
    out = {"clauses": exercised(op, inputs, expected)}
    if op in BOUNDS:
        out["bound"] = np.asarray(BOUNDS[op](inputs, expected, _TOL), dtype=np.float64)
    if op == "floor_quantize":
        w_tilde, alpha, beta = inputs["w_tilde"], inputs["alpha"], inputs["beta"]
        out["boundary"] = near_integer_boundary(w_tilde, alpha, beta).ravel().tolist()
    elif op == "quantize":
        w = inputs["w"]
        w_tilde = minmax_normalize(w)
        alpha = float(2 ** inputs["bits"] - 1)
        out["w_tilde"] = w_tilde
        out["boundary"] = near_integer_boundary(w_tilde, alpha, inputs["beta"]).ravel().tolist()
    return out

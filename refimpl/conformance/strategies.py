"""Inputs that hit the boundaries on purpose, at the sizes and with the numerics of real implementations.

:func:`strategy` gives one Hypothesis strategy per op: first the hand-picked boundary cases of cases.py, then
random inputs. Cheap inputs come first everywhere (sizes, widths and rows are drawn small-first and shrink towards
the small end; Hypothesis shrinks a failure to the simplest input that shows it), but the search reaches

- tensors up to 4097 entries, with sizes on and one either side of multiples of 8, 16, 32, 64 and 128 (vector
  bodies with scalar tails, a dropped or doubled last block) and boundary values planted on the last lane of a
  block, the first lane of the next, and in the scalar tail (:func:`tensor`);
- networks up to 65 units wide, fan-in up to 65, 4 hidden layers, 0 to 65 rows (strategies_network.py);
- non-dyadic values with full 53-bit mantissas (float32 arithmetic is far outside the float64 windows), and the
  value traps of each op: |w| = eps and one ulp either side, -0.0, subnormals, ties in |w| in long tensors,
  sparsity * n on .5 and one ulp below, alpha * w_tilde + beta on an integer and one ulp either side, beyond 2^31
  (int32 codes overflow) and beyond 2^52 (floats are integers), narrow quantization ranges far from zero (a
  reciprocal scale flips a code), the bits = 1, w_tilde = 1/2, beta = 1/2 midpoint (floor(x + 1/2) is not
  round-half-even), subnormal ranges and results, l1 entries up to 1e308 (the sum overflows to inf).

Tensors are filled from one seeded (n, 4) matrix of uniforms (:class:`Lanes`; entry i is the same whatever n),
with the planted values drawn by Hypothesis: the same seed of a check gives the same inputs, and shrinking the size
keeps the entries that remain, so a failure on 4097 entries shrinks to the few that show it. The declared numerics
(numerics.py) shape the values (float32-representable inputs, float32 ulps and subnormals) and the declared domain
(domain.py) restricts them.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from .cases import boundary_cases
from .clauses import OPS
from .domain import admits
from .numerics import Numerics
from .strategies_blocks import (  # noqa: F401 - re-exported: the building blocks of every strategy module
    BLOCKS,
    KERNEL_SIZES,
    SIZE,
    SIZE_NONEMPTY,
    SIZES,
    Lanes,
    finite,
    plant_position,
    pool_bulk,
    tensor,
)

# ---- §3.1 ---------------------------------------------------------------------------------------------------------

def _threshold(num: Numerics, assume):
    eps_strategy = st.one_of(st.sampled_from([0.5, 0.0, 1.0, num.tiny, 0.1, 1e-300]), finite(0.0, 1e3))
    near = st.one_of(st.integers(0, 8), finite(-10.0, 10.0), finite(-1e300, 1e300))

    @st.composite
    def draw_case(draw):
        eps = num.narrow(draw(eps_strategy))
        pool = [eps, -eps, num.up(eps), -num.up(eps), num.down(eps) if eps > 0 else 0.0, 0.0, -0.0, num.tiny,
                -num.tiny]
        return {"w": draw(tensor(near, pool, pool_bulk(pool, 2.0 * max(eps, 1.0)))), "eps": eps}

    return draw_case()


def _l1_importance(num: Numerics, assume):
    pool = [1e16, -1e16, 2.0 ** 53, 1.0, -1.0, 0.1, -0.0, num.tiny, 1e-300, 3.0, 1e300, -1.7e308, 1.7e308]
    entry = st.one_of(st.integers(0, len(pool) - 1), finite(-1e20, 1e20), finite(-1.7e308, 1.7e308))

    @st.composite
    def draw_case(draw):
        scale = draw(st.sampled_from([1.0, 1e5, 1e20, 1e300, 1e-300]))
        return {"w": draw(tensor(entry, pool, pool_bulk(pool, scale, draw(st.sampled_from([0.0, 0.1, 0.5])))))}

    return draw_case()


_HALVES = st.integers(0, 2 ** 12)


@st.composite
def _sparsity(draw, mags: np.ndarray, num: Numerics):
    """sparsity * n on .5 or one ulp below it, cutting through a tie, 0, 1, 1/2, or anything."""
    n = mags.size
    kind = draw(st.sampled_from(["half", "half-below", "edge", "any", "tie", "tie"]))
    if kind == "tie":
        cuts = np.flatnonzero((mags[:-1] == mags[1:]) & (mags[1:] != 0.0)) + 1  # a count that splits a nonzero tie
        if cuts.size:
            return int(cuts[draw(st.integers(0, cuts.size - 1))]) / n
        kind = "half"
    if kind.startswith("half"):
        s = (2 * (draw(_HALVES) % n) + 1) / (2 * n)
        return num.down(s) if kind == "half-below" else s
    return draw(st.sampled_from([0.0, 1.0, 0.5]) if kind == "edge" else st.floats(0.0, 1.0))


def _prune_smallest(num: Numerics, assume):
    magnitudes = st.lists(st.one_of(st.sampled_from([1.0, 0.5, 0.0, 2.0, num.tiny]), finite(0, 10)),
                          min_size=1, max_size=4)

    @st.composite
    def draw_case(draw):
        mags = [num.narrow(m) for m in draw(magnitudes)]  # few magnitudes: ties in |w| are common
        pool = mags + [-m for m in mags]
        entry = st.integers(0, len(pool) - 1)
        w = draw(tensor(entry, pool, pool_bulk(pool, 10.0, draw(st.sampled_from([1.0, 0.9, 0.5]))), nonempty=True))
        return {"w": w, "sparsity": draw(_sparsity(np.sort(np.abs(w).ravel()), num))}

    return draw_case()


def _network_ops():
    from . import strategies_network as sn  # noqa: PLC0415

    return {name: getattr(sn, name) for name in ("mlp_forward", "mlp_gradients", "input_gradient",
                                                 "integrated_gradients", "prune_neurons")}


def _strategies() -> dict:
    from . import (  # noqa: PLC0415 - the ops of issue 13, in their own modules
        strategies_codes,  # noqa: PLC0415 - the §3.2 ops, in their own module
        strategies_net,
        strategies_quant,
    )

    local = {op: globals()[f"_{op}"] for op in OPS if f"_{op}" in globals()}
    local |= {op: getattr(strategies_codes, f"_{op}") for op in ("minmax_normalize", "floor_quantize", "quantize",
                                                                 "dequantize")}
    more = {op: _ignoring_declarations(make) for table in (strategies_net.STRATEGIES, strategies_quant.STRATEGIES)
            for op, make in table.items()}
    return {**more, **local, **_network_ops()}


def _ignoring_declarations(make):
    """A strategy factory without the (numerics, assume) arguments: the declarations still apply afterwards
    (float inputs narrowed to the declared precision, the domain filtered) in :func:`strategy`."""
    return lambda num, assume: make()


def strategy(op: str, numerics: Numerics | None = None, assume: dict | None = None):
    """The Hypothesis strategy for ``op``: its boundary cases first (the shrink target), then random inputs,
    shaped by the declared numerics and restricted to the declared domain ``assume``."""
    from .ops import OPS as SPECS  # noqa: PLC0415

    num, assume = numerics or Numerics(), assume or {}
    args = SPECS[op].args
    cases = [num.narrowed_inputs(c) for c in boundary_cases(op)]
    cases = [c for c in cases if admits(assume, c, args)]
    random = _strategies()[op](num, assume).map(lambda inputs: {k: inputs[k] for k in args})
    if num.float32:
        random = random.map(num.narrowed_inputs)
    both = st.one_of(st.sampled_from(cases), random) if cases else random
    return both.filter(lambda inputs: admits(assume, inputs, args)) if assume else both

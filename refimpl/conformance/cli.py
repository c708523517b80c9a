"""The ``check``, ``vectors`` and ``verify`` subcommands (registered in refimpl/cli.py).

Exit status: 0 conforms (or files written), 1 does not conform, 2 usage or input error.
"""

from __future__ import annotations

import importlib
import json
import os
import sys

from .clauses import OPS, clauses_for
from .runner import TIME_LIMIT


def add_arguments(parser, name: str) -> None:
    if name == "vectors":
        parser.add_argument("dir", help="directory to write <op>.json and manifest.json into")
        return
    parser.add_argument("op", nargs="?", choices=OPS, metavar="OP", help=f"one of: {', '.join(OPS)}")
    parser.add_argument("target", nargs="?", metavar="MODULE:ATTR",
                        help="the candidate function, e.g. mypkg.prune:threshold (the current directory is on the "
                             "import path)")
    if name == "verify":
        parser.add_argument("--vectors", metavar="DIR", help="vectors directory (default: the shipped vectors)")
    else:
        parser.add_argument("--list", action="store_true", help="list the ops and their clauses, then exit")
        parser.add_argument("--max-examples", type=int, default=200, metavar="N")
        parser.add_argument("--seed", type=int, default=0, metavar="S")
    parser.add_argument("--rtol", type=float, metavar="R", help="relative tolerance replacing the rounding bounds")
    parser.add_argument("--atol", type=float, metavar="A", help="absolute tolerance replacing the rounding bounds")
    parser.add_argument("--ties", choices=("lowest-index", "any"), default="lowest-index")
    parser.add_argument("--precision", choices=("float64", "float32"), default="float64",
                        help="the candidate's precision (float32: float32 inputs, judged in float32)")
    parser.add_argument("--subnormals", choices=("preserve", "flush"), default="preserve",
                        help="flush: the candidate flushes subnormals to zero (FTZ/DAZ) and is judged as such")
    if name == "check":
        parser.add_argument("--assume", action="append", metavar="NAME=LO..HI",
                            help="restrict the search to the candidate's domain, e.g. bits=2..16 or bits=8,16 "
                                 "(repeatable)")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT, metavar="SECONDS",
                        help=f"per-call time limit (default {TIME_LIMIT:g})")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def load_target(target: str):
    """Import ``module:attr`` (attr may be dotted) and return the callable."""
    if not target or ":" not in target:
        raise ValueError(f"the candidate must be given as MODULE:ATTR, got {target!r}")
    module_name, attr = target.split(":", 1)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        obj = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - any import failure is a usage error
        raise ValueError(f"cannot import {module_name!r}: {type(exc).__name__}: {exc}") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ValueError(f"{module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise ValueError(f"{target} is not callable")
    return obj


def _options(args) -> dict:
    return {"rtol": args.rtol, "atol": args.atol, "ties": args.ties, "precision": args.precision,
            "subnormals": args.subnormals, "time_limit": args.time_limit}


def _list(as_json: bool) -> int:
    table = {op: {c.id: c.formula for c in clauses_for(op)} for op in OPS}
    if as_json:
        print(json.dumps(table, indent=1))
        return 0
    for op, clauses in table.items():
        print(op)
        for cid, formula in clauses.items():
            if not cid.startswith("common."):
                print(f"  {cid:34s} {formula}")
    print("every op also: " + ", ".join(c for c in table[OPS[0]] if c.startswith("common.")))
    return 0


def run(args, name: str) -> int:
    if name == "vectors":
        from .vectors import write  # noqa: PLC0415

        for path in write(args.dir):
            print(path)
        return 0
    if name == "check" and args.list:
        return _list(args.json)
    if args.op is None or args.target is None:
        raise ValueError(f"usage: refimpl {name} OP MODULE:ATTR (see refimpl {name} --help)")
    candidate = load_target(args.target)
    if name == "verify":
        return _verify(args, candidate)
    from .check import check  # noqa: PLC0415
    from .domain import parse  # noqa: PLC0415

    try:
        report = check(args.op, candidate, max_examples=args.max_examples, seed=args.seed, target=args.target,
                       assume=parse(args.assume), **_options(args))
    except ImportError as exc:  # Hypothesis missing: a set-up error, exit status 2
        raise ValueError(str(exc)) from None
    print(report.dumps() if args.json else report)
    return 0 if report.passed else 1


def _verify(args, candidate) -> int:
    from .vectors import verify  # noqa: PLC0415

    results = verify(args.op, candidate, args.vectors, **_options(args))
    bad = [(case, failures) for case, failures in results if failures]
    if args.json:
        print(json.dumps({"op": args.op, "cases": len(results), "passed": not bad,
                          "failures": [{"case": c, "clause": f.clause, "message": f.message}
                                       for c, fs in bad for f in fs]}, indent=1))
    else:
        print(f"{args.op}: {len(results) - len(bad)}/{len(results)} vectors conform")
        for case, failures in bad:
            for f in failures:
                print(f"{case}: {f.message}")
    return 1 if bad else 0

"""The ``check``, ``vectors`` and ``verify`` subcommands (registered in refimpl/cli.py).

Exit status: 0 conforms (or files written), 1 does not conform, 2 usage or input error (a candidate that cannot be
imported or started included). The candidate is never imported here: MODULE:ATTR is imported inside the worker
process, and ``--exec`` starts a program speaking the candidate protocol (docs/conformance.md).
"""

from __future__ import annotations

import json

from .clauses import OPS, clauses_for
from .runner import TIME_LIMIT, WARMUP, Program


def add_arguments(parser, name: str) -> None:
    if name == "vectors":
        parser.add_argument("dir", help="directory to write <op>.json and manifest.json into")
        return
    parser.add_argument("op", nargs="?", choices=OPS, metavar="OP", help=f"one of: {', '.join(OPS)}")
    parser.add_argument("target", nargs="?", metavar="MODULE:ATTR",
                        help="the candidate function, e.g. mypkg.prune:threshold (the current directory is on the "
                             "import path)")
    parser.add_argument("--exec", dest="exec_", metavar='"CMD ARG..."',
                        help="check a program speaking the candidate protocol on stdin/stdout instead of MODULE:ATTR")
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
        parser.add_argument("--measure", action="store_true",
                            help="accuracy mode: the distribution of the candidate's errors against the exact "
                                 "result over the same search, instead of a verdict")
        parser.add_argument("--assume", action="append", metavar="NAME=LO..HI",
                            help="restrict the search to the candidate's domain, e.g. bits=2..16 or bits=8,16 "
                                 "(repeatable)")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT, metavar="SECONDS",
                        help=f"per-call time limit (default {TIME_LIMIT:g})")
    parser.add_argument("--warmup", type=float, default=WARMUP, metavar="SECONDS",
                        help=f"extra time for the worker's start and the first call on each new input shape "
                             f"(default {WARMUP:g})")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _options(args) -> dict:
    return {"rtol": args.rtol, "atol": args.atol, "ties": args.ties, "precision": args.precision,
            "subnormals": args.subnormals, "time_limit": args.time_limit, "warmup": args.warmup}


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
    if args.op is None or (args.target is None) == (args.exec_ is None):
        raise ValueError(f"usage: refimpl {name} OP MODULE:ATTR, or refimpl {name} OP --exec \"CMD ARG...\" "
                         f"(see refimpl {name} --help)")
    if args.target is not None and ":" not in args.target:
        raise ValueError(f"the candidate must be given as MODULE:ATTR, got {args.target!r}")
    candidate = args.target if args.exec_ is None else Program(args.exec_)
    if name == "verify":
        return _verify(args, candidate)
    from .check import check  # noqa: PLC0415
    from .domain import parse  # noqa: PLC0415

    if args.measure:
        return _measure(args, candidate, parse(args.assume))

    try:
        report = check(args.op, candidate, max_examples=args.max_examples, seed=args.seed,
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


def _measure(args, candidate, assume) -> int:
    from .measure import measure  # noqa: PLC0415

    result = measure(args.op, candidate, max_examples=args.max_examples, seed=args.seed, assume=assume,
                     time_limit=args.time_limit, warmup=args.warmup)
    print(json.dumps(result.to_json(), indent=1) if args.json else result)
    return 0

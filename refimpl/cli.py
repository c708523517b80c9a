"""The ``refimpl`` command: each subcommand lives in its own module, which provides
``add_arguments(parser)`` and ``run(args) -> int`` (the exit status). Modules are imported only when used."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from . import textout

# name -> (module, one-line help)
COMMANDS = {
    "demo": ("refimpl.demo", "train on the digits, compress, explain, print the table"),
    "train": ("refimpl.train_command", "train a model on the digits and save it"),
    "info": ("refimpl.train_command", "describe a saved model layer by layer"),
    "check": ("refimpl.conformance.command", "check a candidate function against the spec, clause by clause"),
    "vectors": ("refimpl.conformance.command", "write the golden vectors (JSON) into a directory"),
    "verify": ("refimpl.conformance.command", "run a candidate function over the golden vectors"),
    "bench": ("refimpl.bench", "time refimpl against PyTorch/Captum and the GEMM floor, print one table"),
}


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line usage error (``refimpl demo: error: argument --seed: invalid int value: 'x'``),
    exit status 2; subcommand parsers inherit it."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="refimpl", description="Exact reference for MLP compression and "
                                     "input-gradient interpretability.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module).add_arguments(p, name)
        p.set_defaults(_module=module)
    return parser


def main(argv=None) -> int:
    """Run the command line; returns 0 on success, 1 for a failed check, 2 for a usage or input error."""
    for stream in (sys.stdout, sys.stderr):  # an ASCII-only or strict terminal never fails a finished command
        textout.tolerate(stream)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = int(importlib.import_module(args._module).run(args, args.command))
        sys.stdout.flush()
        return status
    except BrokenPipeError:  # the reader went away (`refimpl check --list | head`): stop without a traceback, with
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the status of a process killed by SIGPIPE
        return 128 + 13
    # OSError: a missing file, a directory, no permission; MemoryError: e.g. --hidden 1000000000
    except (ValueError, TypeError, OSError, MemoryError) as exc:
        print(f"refimpl {args.command}: error: {exc or type(exc).__name__}", file=sys.stderr)
        return 2

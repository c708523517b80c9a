"""Calling a candidate without letting it into the checker: every candidate runs in a worker process.

One worker per check, reused for every call, restarted after it dies or overruns. The reference, the strategies and
the judging stay in the checker's process; the inputs go to the worker as protocol data (:mod:`.protocol`) and the
result comes back as plain data (arrays, numbers, nested lists), converted inside the worker under the time limit.
The judge only ever sees that copy. What this guarantees:

- the candidate cannot patch the reference or any state of the checker (it has its own copy of the process);
- the time limit is enforced by killing the worker's process group with SIGKILL, whatever the candidate does with
  signals, threads or long C calls: ``common.time-limit``;
- a worker that exits, is killed or crashes during a call is ``common.returns`` with its exit status or signal
  and the end of its output; any exception the candidate raises is ``common.returns`` too; the worker is then
  restarted for the next call;
- what the candidate prints (to ``sys.stdout``, to fd 1 or 2, from C) is captured, kept bounded and shown in the
  report; it never mixes with the checker's output;
- after the check the worker's whole process group is killed: no thread or child process of the candidate is left
  running (one that leaves the group on purpose, with ``setsid``, is beyond reach).

How a candidate reaches the worker:

- a Python callable (a function, a closure, a lambda, a bound method): the worker is forked from the checker, so
  it holds the callable as it is. This needs ``os.fork`` (Linux, macOS). Without it, a callable that can be imported
  by name is started as ``python -m refimpl.conformance.worker module:qualname``; any other callable is refused
  with a ``TypeError`` asking for an importable ``"module:attr"``.
- ``"module:attr"`` (the command line's MODULE:ATTR): imported *inside* the worker, so nothing of the candidate's
  module runs in the checker (``sys.exit`` or ``os._exit`` at import is a start-up error, exit status 2);
- ``Program(["cmd", "arg"])`` (``--exec "cmd arg"``): the program itself is the worker, speaking the protocol.

Time limits. ``time_limit`` (default ``TIME_LIMIT`` = 2 s) bounds each call, conversion of the result included.
The checker's inputs are small (tensors of at most a few thousand entries, networks of a few small layers), so a
conforming call of any implementation takes micro- to milliseconds; 2 s is three orders of magnitude above a
framework's per-call overhead and still leaves room for a machine busy with other work, while a hang is found in
2 s. Frameworks that compile per input shape (JAX,
Keras: a first call measured above 2 s here) get ``warmup`` extra seconds (default ``WARMUP`` = 10 s) on the worker's
start (imports, handshake; at least ``START_LIMIT`` = 10 s, so that a short limit does not fail a start on a busy
machine) and on the first call with each new combination of input shapes and dtypes, per worker (a restarted
worker compiles again).
"""

from __future__ import annotations

import os
import shlex
import sys
import time
from functools import partial
from typing import Any, NamedTuple

import numpy as np

from . import process, protocol, worker

TIME_LIMIT = 2.0
WARMUP = 10.0
START_LIMIT = 10.0  # the least time a worker's start (fork or exec, imports, handshake) is given
FORK_UNSAFE = ("jax",)


class Outcome(NamedTuple):
    """What a call produced: ``value`` when it returned, otherwise the clause it broke and why. ``declined`` is True
    (and ``clause`` None) when the candidate raised ``Unsupported``: the input is outside its declared domain."""

    value: Any
    clause: str | None = None
    message: str = ""
    declined: bool = False


class Program:
    """A candidate that is a program speaking the candidate protocol on stdin/stdout (docs/conformance.md).

    ``command`` is a list of arguments or a string split like a shell would (``shlex.split``); ``cwd`` and ``env``
    are passed to the process as given.
    """

    def __init__(self, command, cwd=None, env=None):
        if isinstance(command, str):
            argv = shlex.split(command)
        elif isinstance(command, (list, tuple)) and all(isinstance(a, (str, os.PathLike)) for a in command):
            argv = [os.fspath(a) for a in command]
        else:
            raise TypeError(f"command must be a string or a list of strings, got {type(command).__name__}")
        if not argv:
            raise ValueError("command must name a program, got an empty command")
        self.argv, self.cwd, self.env = argv, cwd, env

    def __repr__(self) -> str:
        return f"Program({shlex.join(self.argv)!r})"


def _text(value) -> str:
    """A text field of the candidate's answer, bounded and printable."""
    return protocol.printable(str(value)[: protocol.MAX_TEXT])


def _signature(value):
    """Shapes and dtypes of an input (the warm-up allowance is given once per signature)."""
    if isinstance(value, np.ndarray):
        return (value.dtype.str, value.shape)
    if isinstance(value, (list, tuple)):
        return tuple(_signature(v) for v in value)
    return type(value).__name__


def _importable(candidate) -> str | None:
    """``module:qualname`` when importing that name gives back ``candidate`` itself (not for lambdas, closures,
    bound methods or functions of a script run as ``__main__``)."""
    module, qual = getattr(candidate, "__module__", None), getattr(candidate, "__qualname__", "")
    if not module or module == "__main__" or not qual or "<" in qual or module not in sys.modules:
        return None
    obj = sys.modules[module]
    for part in qual.split("."):
        obj = getattr(obj, part, None)
    return f"{module}:{qual}" if obj is candidate else None


def _fork_unsafe() -> list[str]:
    """Loaded modules whose threads make a forked child deadlock (measured here: JAX 0.10's CPU client hangs in
    the first call of a forked worker; torch 2.13 and TensorFlow 2.21 work after fork). JAX counts only once its
    client has started: importing it (TensorFlow and Keras 3 import it) starts no thread."""
    return [name for name in FORK_UNSAFE if name in sys.modules and _started(name)]


def _started(name: str) -> bool:
    if name != "jax":
        return True
    try:
        from jax._src import xla_bridge  # noqa: PLC0415 - already imported: jax is in sys.modules
    except ImportError:
        return True
    return bool(getattr(xla_bridge, "_backends", True))  # a JAX without this private table: assume started


class Runner:
    """Calls one candidate in a worker process; use as a context manager around a whole check.

    ``candidate`` is a callable, a ``"module:attr"`` string or a :class:`Program`. Entering starts the worker and
    raises ``ValueError`` when it cannot start (an import error, a program that does not answer the handshake).
    """

    def __init__(self, candidate, op: str, args, time_limit: float = TIME_LIMIT, warmup: float = WARMUP):
        self.candidate, self.op, self.args = candidate, op, tuple(args)
        self.time_limit, self.warmup = float(time_limit), float(warmup)
        self._process: process.Process | None = None
        self._seen: set = set()
        self._case = 0
        self._outputs: list[tuple[int, str]] = []
        self.what = "the program" if isinstance(candidate, Program) else "the worker"

    def __enter__(self):
        self._process = self._start()
        return self

    def __exit__(self, *exc):
        self._stop()
        return False

    # -- starting and stopping ---------------------------------------------------------------------------------

    def _launch(self) -> process.Process:
        c = self.candidate
        if isinstance(c, Program):
            return process.spawn(c.argv, c.cwd, c.env)
        if os.name == "nt" or not hasattr(os, "killpg"):
            raise OSError("the conformance checker needs POSIX process control (fork or exec, process groups)")
        unsafe = _fork_unsafe()
        if hasattr(os, "fork") and not unsafe:
            get = partial(worker.load_target, c) if isinstance(c, str) else (lambda: c)
            return process.fork(partial(worker.serve, get))
        target = c if isinstance(c, str) else _importable(c)
        if target is None:
            why = f"{', '.join(unsafe)} is loaded in this process and cannot be forked safely" if unsafe else \
                "this platform has no os.fork"
            raise TypeError(f"{why}: give the candidate as 'module:attr' (a function importable by name), not "
                            f"{type(c).__name__} {getattr(c, '__qualname__', '')!r}")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p or os.getcwd() for p in sys.path))
        return process.spawn([sys.executable, "-m", "refimpl.conformance.worker", target], env=env)

    def _start(self) -> process.Process:
        """Start a worker and complete the handshake; ``ValueError`` naming what went wrong otherwise."""
        proc = self._launch()
        allowed = max(START_LIMIT, self.time_limit + self.warmup)
        deadline = time.monotonic() + allowed
        try:
            proc.send(protocol.dumps(protocol.hello(self.op, self.args)), deadline)
            reply = protocol.loads(proc.receive(deadline), "handshake")
        except (process.Timeout, process.Died, ValueError) as exc:
            code = proc.close()
            self._keep_output(proc)
            why = {process.Timeout: f"did not answer within {allowed:g} s",
                   process.Died: process.status_text(code)}.get(type(exc), f"broke the protocol: {_text(exc)}")
            raise ValueError(self._start_error(f"{self.what} {why} before completing the handshake{self._origin()}",
                                               proc)) from None
        if "error" in reply:
            proc.close()
            self._keep_output(proc)
            raise ValueError(_text(reply["error"]))
        if (reply.get("protocol"), reply.get("version"), reply.get("op")) != (protocol.PROTOCOL, protocol.VERSION,
                                                                               self.op):
            proc.close()
            self._keep_output(proc)
            raise ValueError(f"{self.what} answered the handshake with {_text(reply)[:200]}; expected protocol "
                             f"{protocol.PROTOCOL!r}, version {protocol.VERSION}, op {self.op!r}")
        return proc

    def _origin(self) -> str:
        if isinstance(self.candidate, str):
            return f" (while importing {self.candidate})"
        return f" (command: {shlex.join(self.candidate.argv)})" if isinstance(self.candidate, Program) else ""

    def _start_error(self, text: str, proc: process.Process) -> str:
        tail = proc.output_tail()
        return f"{text}" + (f"; its output: {tail}" if tail else "")

    def _keep_output(self, proc: process.Process) -> None:
        if proc.drain.size:
            self._outputs.append((proc.drain.size, proc.output()))

    def _stop(self) -> None:
        if self._process is not None:
            self._process.close(grace=0.5 if isinstance(self.candidate, Program) else 0.0)
            self._keep_output(self._process)
            self._process = None

    @property
    def output(self) -> str:
        """What the candidate wrote to stdout/stderr: the first and last bytes (``process.OUTPUT_HEAD``,
        ``OUTPUT_TAIL``) of each worker started."""
        text = "".join(text for _, text in self._outputs)  # bounded per worker, but workers may be many
        return text if len(text) <= 8000 else f"{text[:4000]}\n[... output of restarted workers left out ...]\n" \
                                              f"{text[-4000:]}"

    @property
    def output_bytes(self) -> int:
        return sum(size for size, _ in self._outputs)

    # -- one call ----------------------------------------------------------------------------------------------

    def call(self, inputs: dict) -> Outcome:
        """Run the candidate on ``inputs`` (the op's arguments by name) in the worker."""
        if self._process is None:
            try:
                self._process = self._start()
            except (ValueError, OSError) as exc:
                return Outcome(None, "common.returns", f"{self.what} could not be restarted: {exc}")
            self._seen.clear()  # a fresh worker compiles (JAX, Keras) for every shape again
        sig = tuple(_signature(inputs[a]) for a in self.args)
        limit = self.time_limit + (self.warmup if sig not in self._seen else 0.0)
        self._case += 1
        message = {"case": self._case, "inputs": {a: protocol.encode(inputs[a]) for a in self.args}}
        proc, deadline = self._process, time.monotonic() + limit
        try:
            proc.send(protocol.dumps(message), deadline)
            reply = protocol.loads(proc.receive(deadline), "the answer")
            outcome = self._read(reply)
        except process.Timeout:
            self._stop()
            return Outcome(None, "common.time-limit", f"the call did not return within {limit:g} s ({self.what} "
                           "was killed)")
        except process.Died:
            self._process = None
            code = proc.close()
            self._keep_output(proc)
            return Outcome(None, "common.returns", self._start_error(f"{self.what} {process.status_text(code)} "
                                                                     "during the call", proc))
        except ValueError as exc:
            self._stop()
            return Outcome(None, "common.returns", f"{self.what} broke the protocol: {_text(exc)}")
        self._seen.add(sig)
        return outcome

    def _read(self, reply: dict) -> Outcome:
        if reply.get("case") != self._case:
            raise ValueError(f"answered case {str(reply.get('case'))[:20]} to case {self._case}")
        if "result" in reply:
            return Outcome(protocol.decode(reply["result"], "result"))
        if "unsupported" in reply:
            return Outcome(None, None, _text(reply["unsupported"]), declined=True)
        if "mutated" in reply:
            return Outcome(None, "common.no-mutation", _text(reply["mutated"]))
        if "error" in reply:
            return Outcome(None, "common.returns", f"the candidate raised {_text(reply['error'])}")
        raise ValueError("an answer needs one of 'result', 'unsupported', 'error'")

"""Calling a candidate safely: read-only copies of the inputs, a per-call time limit, every misbehaviour turned
into a failure of a named clause instead of a crash of the checker. A candidate that raises (``SystemExit`` from
``sys.exit`` included) fails ``common.returns``; only ``KeyboardInterrupt`` goes through, so Ctrl-C still stops a
check.

Time limit. Each call, with the conversion of its result to arrays, may take at most ``time_limit`` seconds
(``TIME_LIMIT`` = 2 s by default; a candidate that runs longer is reported under ``common.time-limit`` and the search
stops there, without shrinking). No process is spawned per call, so the overhead is a few microseconds:

- in the main thread on POSIX, an interval timer (``signal.setitimer(ITIMER_REAL)``) raises an exception inside the
  candidate when the time is up; this interrupts pure-Python loops, but a single C call (one huge NumPy operation)
  is interrupted only when it returns;
- elsewhere (another thread, Windows) the candidate runs in one reusable worker thread and the checker waits for
  it at most ``time_limit`` seconds; a worker that does not come back is abandoned (it keeps running in the
  background as a daemon thread) and a fresh worker serves the next call.
"""

from __future__ import annotations

import queue
import signal
import threading
from typing import Any, NamedTuple

import numpy as np

from .errors import Unsupported

TIME_LIMIT = 2.0


class _TimeUp(BaseException):
    """Raised inside a candidate by the interval timer (a BaseException, so ``except Exception`` does not eat it)."""


class Outcome(NamedTuple):
    """What a call produced: ``value`` when it returned, otherwise the clause it broke and why."""

    value: Any
    clause: str | None = None
    message: str = ""
    declined: bool = False  # the candidate raised Unsupported: the input is outside its declared domain


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


def _read(value):
    """The candidate's result with every array-like object that is not an ndarray (a tensor, a lazy array) turned
    into an ndarray, so that the conversion runs under the time limit too; lists, tuples and scalars are kept. An
    object that cannot be converted is returned as is (the judge reports it under ``common.type``)."""
    if isinstance(value, (list, tuple)):
        return type(value)(_read(v) for v in value) if type(value) in (list, tuple) else value
    if isinstance(value, np.ndarray) or not hasattr(value, "__array__"):
        return value
    try:
        return np.asarray(value)
    except Exception:  # noqa: BLE001 - judged (and reported) later as common.type
        return value


def _unchanged(before, after) -> bool:
    if isinstance(before, np.ndarray):
        return isinstance(after, np.ndarray) and before.shape == after.shape and before.tobytes() == after.tobytes()
    if isinstance(before, (list, tuple)):
        return len(before) == len(after) and all(_unchanged(b, a) for b, a in zip(before, after, strict=True))
    return True


class Runner:
    """Calls one candidate repeatedly under the time limit; use as a context manager around a whole check."""

    def __init__(self, candidate, time_limit: float = TIME_LIMIT):
        self.candidate = candidate
        self.time_limit = float(time_limit)
        self._old_handler = None
        self._use_signal = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        self._worker = None
        self._expired = False

    def __enter__(self):
        if self._use_signal:
            self._old_handler = signal.signal(signal.SIGALRM, self._on_alarm)
        return self

    def __exit__(self, *exc):
        if self._use_signal:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._old_handler)
        if self._worker is not None:
            self._worker[0].put(None)
        return False

    def _on_alarm(self, signum, frame):
        self._expired = True  # remembered: code that swallows exceptions (a gc callback) cannot hide the timeout
        raise _TimeUp()

    def call(self, args: tuple) -> Outcome:
        """Call the candidate on read-only copies of ``args``; report exceptions, timeouts and writes to inputs."""
        frozen = tuple(freeze(a) for a in args)
        try:
            value = self._call_signal(frozen) if self._use_signal else self._call_thread(frozen)
        except _TimeUp:
            return Outcome(None, "common.time-limit", f"the call did not return within {self.time_limit:g} s")
        except Unsupported as exc:  # declined on purpose: counted, never a failure
            return Outcome(None, None, f"Unsupported: {exc}", declined=True)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - the candidate's exception (sys.exit too) is a finding
            text = f"{type(exc).__name__}: {exc}"
            if isinstance(exc, ValueError) and "read-only" in str(exc):
                return Outcome(None, "common.no-mutation", f"the candidate tried to write to an input ({text})")
            return Outcome(None, "common.returns", f"the candidate raised {text}")
        if not all(_unchanged(a, f) for a, f in zip(args, frozen, strict=True)):
            return Outcome(None, "common.no-mutation", "the candidate changed an input array")
        return Outcome(value)

    def _call_signal(self, args):
        self._expired = False
        signal.setitimer(signal.ITIMER_REAL, self.time_limit)
        try:
            value = _read(self.candidate(*args))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if self._expired:
            raise _TimeUp()
        return value

    def _call_thread(self, args):
        if self._worker is None:
            jobs, results = queue.Queue(), queue.Queue()
            threading.Thread(target=_serve, args=(self.candidate, jobs, results), daemon=True).start()
            self._worker = (jobs, results)
        jobs, results = self._worker
        jobs.put(args)
        try:
            ok, value = results.get(timeout=self.time_limit)
        except queue.Empty:
            self._worker = None  # abandon the stuck worker; the next call starts a fresh one
            raise _TimeUp() from None
        if not ok:
            raise value
        return value


def _serve(candidate, jobs: queue.Queue, results: queue.Queue) -> None:
    while (args := jobs.get()) is not None:
        try:
            results.put((True, _read(candidate(*args))))
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - handed back to the checker's thread
            results.put((False, exc))

"""Hostile candidates, importable by name (``refimpl check threshold tests.hardening.hostile_candidates:X``).

Each does one thing a realistic user's code can do to the process it runs in; tests/hardening/test_isolation.py says
what the checker must make of it. None of them is imported by the checker's own process when given on the command
line: they run in the worker.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np

import refimpl


def _ge(w, eps):
    return np.where(np.abs(w) >= eps, w, 0.0)


def right(w, eps):
    return np.where(np.abs(w) > eps, w, 0.0)


def patches_reference(w, eps):
    """A `>=` bug that also rebinds refimpl.threshold (a plug-in registry pattern) to itself."""
    refimpl.threshold = _ge
    return _ge(w, eps)


def long_c_call(w, eps):
    """One C call that holds the GIL for minutes: no Python-level timer can interrupt it."""
    return np.full(np.shape(w), float(sum(range(10 ** 12))))


def ignores_alarm(w, eps):
    """Ignores SIGALRM and cancels interval timers, then loops."""
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    signal.setitimer(signal.ITIMER_REAL, 0)
    while True:
        try:
            while True:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except BaseException:  # noqa: BLE001, S110 - swallowing everything is the point
            pass


class _SleepyFloat(float):
    def __float__(self):
        time.sleep(60)
        return 0.0


class _SleepySequence:
    def __len__(self):
        time.sleep(60)
        return 1

    def __getitem__(self, i):
        time.sleep(60)
        return 0.0


class _SleepyRepr:
    def __repr__(self):
        time.sleep(60)
        return "?"

    __str__ = __repr__

    def __array_function__(self, *args, **kwargs):
        time.sleep(60)
        return NotImplemented


def sleepy_float(w):  # an l1_importance candidate
    return _SleepyFloat(1.0)


def sleepy_sequence(w, eps):
    return _SleepySequence()


def sleepy_repr(w, eps):
    return _SleepyRepr()


def leaves_thread(w, eps):
    """Starts a non-daemon thread that would keep an interpreter from exiting for a long time."""
    threading.Thread(target=time.sleep, args=(3600,), daemon=False).start()
    return right(w, eps)


def leaves_process(w, eps):
    """Starts a child process and writes its pid to $HOSTILE_PID_FILE."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
    with open(os.environ["HOSTILE_PID_FILE"], "a") as f:
        f.write(f"{child.pid}\n")
    return right(w, eps)


def exits_zero(w, eps):
    os._exit(0)


def segfaults(w, eps):
    ctypes.string_at(0)


def prints_everywhere(w, eps):
    """Prints, writes to fd 1 and 2 directly, then swaps and closes sys.stdout."""
    print("candidate says hello")
    os.write(1, b"raw bytes on fd 1\n")
    os.write(2, b"raw bytes on fd 2\n")
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    sys.__stdout__.close()
    return _ge(w, eps)


def complex_result(w, eps):
    return np.where(np.abs(w) > eps, w, 0.0) * (1 + 1j)


def huge_result(w, eps):
    return np.full(10 ** 6, 0.5)

"""Starting, talking to and killing one worker process (POSIX: fork, pipes, poll, process groups).

A worker is started either by ``fork`` (refimpl's Python worker, serving a callable of the checker's process or
importing ``module:attr``) or by ``exec`` of a command (a program speaking the protocol, or ``python -m
refimpl.conformance.worker MODULE:ATTR``). Either way it leads a process group of its own, so that a kill reaches
every process the candidate started (unless one of them leaves the group on purpose with ``setsid``), and its stdout
and stderr go to a pipe that a thread of the checker drains into a bounded buffer: the candidate's output never
reaches the checker's own stdout or stderr.
"""

from __future__ import annotations

import faulthandler
import os
import select
import signal
import subprocess
import sys
import threading
import time

from . import protocol

OUTPUT_HEAD, OUTPUT_TAIL = 1000, 3000  # bytes of a worker's output (stdout and stderr) kept: the first, the last
_OTHER_WORKERS: set[int] = set()  # the checker's ends of every live worker's pipes, closed in a freshly forked child


class Timeout(Exception):
    """The worker did not answer before the deadline."""


class Died(Exception):
    """The worker closed its end of the channel (it exited, was killed or crashed)."""


class _Drain(threading.Thread):
    """Reads a worker's output pipe to the end, keeping the total size, the first OUTPUT_HEAD and the last
    OUTPUT_TAIL bytes (a crash report starts with its cause and ends with the failing frame)."""

    def __init__(self, fd: int):
        super().__init__(daemon=True)
        self.fd, self.size, self.head, self.tail = fd, 0, b"", b""
        self.start()

    def run(self):
        while chunk := os.read(self.fd, 65536):
            self.size += len(chunk)
            if len(self.head) < OUTPUT_HEAD:
                taken = OUTPUT_HEAD - len(self.head)
                self.head, chunk = self.head + chunk[:taken], chunk[taken:]
            self.tail = (self.tail + chunk)[-OUTPUT_TAIL:]
        os.close(self.fd)

    def text(self) -> bytes:
        left_out = self.size - len(self.head) - len(self.tail)
        return self.head + (f"\n[... {left_out} bytes left out ...]\n".encode() if left_out > 0 else b"") + self.tail


def status_text(code: int) -> str:
    """``exited with status 3`` or ``killed by signal 11 (SIGSEGV)`` from a Popen-style return code."""
    if code < 0:
        try:
            name = f" ({signal.Signals(-code).name})"
        except ValueError:
            name = ""
        return f"was killed by signal {-code}{name}"
    return f"exited with status {code}"


class Process:
    """One running worker: ``send`` and ``receive`` lines before a deadline, ``close`` to end it for good."""

    def __init__(self, pid: int, wfd: int, rfd: int, ofd: int, wait):
        self.pid, self.wfd, self.rfd, self._wait = pid, wfd, rfd, wait
        self.drain = _Drain(ofd)
        self.buffer = bytearray()
        self.code: int | None = None
        for fd in (wfd, rfd):
            os.set_blocking(fd, False)
        _OTHER_WORKERS.update((wfd, rfd))

    def send(self, blob: bytes, deadline: float) -> None:
        view = memoryview(blob)
        while view:
            self._poll(self.wfd, select.POLLOUT, deadline)
            try:
                view = view[os.write(self.wfd, view):]
            except BlockingIOError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                raise Died() from None

    def receive(self, deadline: float) -> bytes:
        """The next line (without its newline); ``Timeout``, ``Died``, or ValueError when it grows too long."""
        start = 0
        while (end := self.buffer.find(b"\n", start)) < 0:
            if len(self.buffer) > protocol.MAX_LINE_BYTES:
                raise ValueError(f"a line longer than {protocol.MAX_LINE_BYTES} bytes")
            start = len(self.buffer)
            self._poll(self.rfd, select.POLLIN, deadline)
            try:
                chunk = os.read(self.rfd, 1 << 20)
            except BlockingIOError:
                continue
            if not chunk:
                raise Died()
            self.buffer += chunk
        line = bytes(self.buffer[:end])
        del self.buffer[:end + 1]
        return line

    @staticmethod
    def _poll(fd: int, event: int, deadline: float) -> None:
        poller = select.poll()
        poller.register(fd, event)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout()
            if poller.poll(left * 1000.0 + 1.0):
                return

    def close(self, grace: float = 0.0) -> int:
        """End the worker and everything in its process group; returns its Popen-style exit code."""
        if self.code is not None:
            return self.code
        _OTHER_WORKERS.difference_update((self.wfd, self.rfd))
        os.close(self.wfd)  # end of input: a protocol program exits by itself
        if grace > 0:
            try:
                while self.receive(time.monotonic() + grace):  # noqa: ASYNC110 - read until the worker has gone
                    pass
            except (Timeout, Died, ValueError):
                pass
        try:  # the group leader is not reaped yet, so the group id cannot have been reused
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.code = self._wait()
        os.close(self.rfd)
        self.drain.join(timeout=1.0)
        return self.code

    def output(self) -> str:
        return protocol.printable(self.drain.text().decode("utf-8", "backslashreplace"), keep="\n\t")

    def output_tail(self, head: int = 200, tail: int = 500) -> str:
        """The output on one line for messages: its start and its end when it is long (a crash report puts the
        cause first and the failing frame last)."""
        text = " | ".join(line.strip() for line in self.output().splitlines() if line.strip())
        return f"{text[:head]} ... {text[-tail:]}" if len(text) > head + tail else text


def spawn(argv, cwd=None, env=None) -> Process:
    """Start ``argv`` with the protocol on its stdin/stdout; ``ValueError`` when it cannot be started."""
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True, cwd=cwd, env=env, close_fds=True)
    except OSError as exc:
        raise ValueError(f"cannot run {argv[0]!r}: {exc.strerror or exc}") from None
    fds = [os.dup(f.fileno()) for f in (proc.stdin, proc.stdout, proc.stderr)]
    for f in (proc.stdin, proc.stdout, proc.stderr):
        f.close()
    return Process(proc.pid, *fds, wait=proc.wait)


def fork(serve) -> Process:
    """Fork a worker that runs ``serve(rfile, wfile)`` (the protocol loop) and exits; fds 0-2 of the child are
    /dev/null and the output pipe."""
    to_child, from_child, output = os.pipe(), os.pipe(), os.pipe()
    for stream in (sys.stdout, sys.stderr):  # nothing buffered in the checker may be written twice
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    pid = os.fork()
    if pid == 0:  # the child never returns into the checker's code
        code = 70
        try:
            _become_worker(to_child, from_child, output)
            serve(os.fdopen(to_child[0], "rb"), os.fdopen(from_child[1], "wb"))
            code = 0
        finally:
            os._exit(code)
    for fd in (to_child[0], from_child[1], output[1]):
        os.close(fd)
    try:
        os.setpgid(pid, pid)
    except OSError:  # the child did it first, or has already exited
        pass

    def wait():
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])

    return Process(pid, to_child[1], from_child[0], output[0], wait)


def _become_worker(to_child, from_child, output) -> None:
    """In a freshly forked child: own process group, no descriptor of the checker's other workers, fds 0-2 moved
    away from the checker's terminal, default signal handlers, fault tracebacks into the captured output."""
    os.setpgid(0, 0)
    for fd in (*_OTHER_WORKERS, to_child[1], from_child[0], output[0]):
        try:
            os.close(fd)
        except OSError:
            pass
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(output[1], 1)
    os.dup2(output[1], 2)
    os.close(devnull)
    os.close(output[1])
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, 0)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):
        signal.signal(sig, signal.SIG_DFL)
    sys.stdin = open(os.devnull)  # noqa: SIM115
    sys.stdout = open(1, "w", closefd=False, buffering=1, errors="backslashreplace")  # noqa: SIM115
    sys.stderr = open(2, "w", closefd=False, buffering=1, errors="backslashreplace")  # noqa: SIM115
    faulthandler.enable(sys.stderr)

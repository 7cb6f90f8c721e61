"""A warm fork server: one pre-started interpreter that forks a supervisor per run.

The server is a fresh interpreter (started with an empty environment, so no secret of the
caller is even in its memory) that imports the harness and commonly used stdlib modules once,
then waits on a control socket. For each run the client passes it one end of a new socket
pair; the server forks a supervisor that reads the request from that socket, runs it (see
``supervisor``) and writes the result back. Runs can overlap: the client only holds a lock
while handing over the socket.

Example:
    >>> server = ForkServer()
    >>> server.submit({"code": "print(2)", "limits": {}, "support": {}}, timeout_s=30)["stdout"]
    '2\\n'
    >>> server.close()
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

from dspy_coder.errors import SandboxError

logger = logging.getLogger(__name__)

# Imported once in the server so that runs do not pay for them (HumanEval-style code uses these).
PRELOAD = (
    "bisect", "collections", "copy", "functools", "hashlib", "heapq", "inspect", "itertools",
    "json", "math", "operator", "random", "re", "string", "typing",
)
START_TIMEOUT_S = 30.0

# The server registers bare package objects for dspy_coder and dspy_coder.sandbox instead of
# running their __init__ files: it never imports pydantic, which keeps it small (~14 MB) and
# every fork cheap.
_BOOTSTRAP = (
    "import json, os, sys, types; sys.path[:] = json.loads(sys.argv[2]); root = sys.argv[3]\n"
    "for name, path in (('dspy_coder', root), ('dspy_coder.sandbox', root + '/sandbox')):\n"
    "    module = types.ModuleType(name); module.__path__ = [path]; sys.modules[name] = module\n"
    "from dspy_coder.sandbox.forkserver import serve; serve(int(sys.argv[1]))\n"
)
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def serve(ctrl_fd: int) -> None:
    """Server main loop: one fork per request; exits when the client closes the socket."""
    import gc
    import importlib

    from dspy_coder.sandbox import supervisor

    # No parent-death signal: it fires when the *thread* that started the server ends (a
    # grading worker thread, say), not the client process. The server ends when the client
    # process does, because the kernel then closes the control socket and recv_fds sees EOF.
    supervisor.prepare_server()  # it runs at the niceness of the process that started it
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # supervisors are reaped by the kernel
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ctrl = socket.socket(fileno=ctrl_fd)
    gc.collect()
    gc.freeze()  # keep the warm heap shared with the children (fewer copy-on-write faults)
    ctrl.sendall(b"R")
    while True:
        try:
            _msg, fds, _flags, _addr = socket.recv_fds(ctrl, 1, 4)
        except OSError:
            break
        if not fds:
            break
        for extra in fds[1:]:
            os.close(extra)
        pid = os.fork()
        if pid == 0:
            ctrl.close()
            supervisor.serve_connection(fds[0])
        os.close(fds[0])
    os._exit(0)


class ForkServer:
    """Client handle of one fork server process (started lazily, restarted if it dies)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._ctrl: socket.socket | None = None
        self._owner_pid = os.getpid()

    def _start(self) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        argv = [sys.executable, "-I", "-c", _BOOTSTRAP, str(child.fileno()), json.dumps(sys.path),
                PACKAGE_ROOT]
        try:
            self._proc = subprocess.Popen(
                argv,
                pass_fds=(child.fileno(),),
                env={"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            raise SandboxError(f"could not start the sandbox fork server: {exc}") from exc
        finally:
            child.close()
        parent.settimeout(START_TIMEOUT_S)
        try:
            ready = parent.recv(1)
        except OSError:
            ready = b""
        if ready != b"R":
            self._proc.kill()
            raise SandboxError(
                "the sandbox fork server did not start (see its stderr above). Check that "
                "`python -c 'import dspy_coder.sandbox.supervisor'` works in this environment."
            )
        parent.settimeout(None)
        self._ctrl = parent
        logger.debug("sandbox fork server started (pid %d)", self._proc.pid)

    def _hand_over(self, fd: int) -> None:
        with self._lock:
            if os.getpid() != self._owner_pid:  # we were forked: the server belongs to parent
                self._proc, self._ctrl, self._owner_pid = None, None, os.getpid()
            for attempt in range(2):
                if self._ctrl is None or (self._proc and self._proc.poll() is not None):
                    self._start()
                try:
                    assert self._ctrl is not None
                    socket.send_fds(self._ctrl, [b"r"], [fd])
                    return
                except OSError:
                    self._ctrl = None
                    if attempt:
                        raise SandboxError(
                            "the sandbox fork server stopped accepting runs; call "
                            "dspy_coder.sandbox.shutdown() and retry"
                        ) from None

    def submit(self, request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """Run one request; returns the supervisor's result dict. Raises SandboxError.

        The tests travel in a second frame, which the supervisor reads only after it has
        forked the process that runs the code."""
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        tests = request.get("tests")
        first = {k: v for k, v in request.items() if k != "tests"}
        first["has_tests"] = bool(tests and tests.strip())
        try:
            self._hand_over(theirs.fileno())
            theirs.close()
            mine.settimeout(timeout_s)
            deadline = time.monotonic() + timeout_s
            for frame in (first, {"tests": tests}):
                body = json.dumps(frame).encode()
                try:
                    mine.sendall(len(body).to_bytes(8, "big") + body)
                except (BrokenPipeError, ConnectionResetError):
                    break  # it answered without reading on (the code does not compile)
            header = _recv_exact(mine, 8, deadline)
            response = json.loads(_recv_exact(mine, int.from_bytes(header, "big"), deadline))
        except (OSError, EOFError, ValueError) as exc:
            raise SandboxError(
                f"the sandbox supervisor failed without a result ({type(exc).__name__}: {exc})."
                " Retry; if it persists, call dspy_coder.sandbox.shutdown() and check memory"
                " and process limits on the host."
            ) from exc
        finally:
            mine.close()
            with contextlib.suppress(OSError):
                theirs.close()
        if "infra_error" in response:
            raise SandboxError(f"sandbox infrastructure error:\n{response['infra_error']}")
        return response

    def close(self) -> None:
        """Stop the server (running supervisors finish their runs)."""
        with self._lock:
            if self._ctrl is not None:
                self._ctrl.close()
                self._ctrl = None
            if self._proc is not None:
                try:
                    self._proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
                self._proc = None


def _recv_exact(sock: socket.socket, size: int, deadline: float) -> bytes:
    buf = bytearray()
    while len(buf) < size:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(min(size - len(buf), 1 << 20))
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return bytes(buf)

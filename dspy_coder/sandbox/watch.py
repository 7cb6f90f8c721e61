"""Watching one run: read its output and events until it ends or its time is up.

A run ends when its main process ends: the test process when there are tests, otherwise
init (whose status line says how the code process ended). After a test run the supervisor
asks init to stop the code process, so its peak memory and CPU time are still reported.

Example:
    >>> Observed(events=b"").timed_out
    False
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time
from dataclasses import dataclass
from typing import Any

MIB = 1024 * 1024
READ_CHUNK = 256 * 1024
DRAIN_GRACE_S = 0.5
STATUS_GRACE_S = 2.0  # how long init may take to report the code process after SIGTERM


@dataclass
class Observed:
    """What the supervisor saw of one run (raw; ``outcome`` turns it into a result)."""

    events: bytes
    stdout: bytes = b""
    stderr: bytes = b""
    dropped_stdout: int = 0
    dropped_stderr: int = 0
    child_status: str | None = None  # code process: "<wait status> <maxrss KiB> <cpu s>"
    test_status: str | None = None  # test process, same format (None without tests)
    timed_out: bool = False
    duration_s: float = 0.0
    nonce: str = ""


class _Streams:
    """Reads stdout/stderr (capped) and the event pipe until EOF."""

    def __init__(self, fds: dict[str, int], cap: int) -> None:
        self.cap = cap
        self.fd_name = {fds["out_r"]: "stdout", fds["err_r"]: "stderr", fds["res_r"]: "events"}
        self.data = {"stdout": bytearray(), "stderr": bytearray(), "events": bytearray()}
        self.dropped = {"stdout": 0, "stderr": 0, "events": 0}
        self.poller = select.poll()
        for fd in self.fd_name:
            os.set_blocking(fd, False)
            self.poller.register(fd, select.POLLIN)
        self.open = set(self.fd_name)

    def read(self, fd: int) -> None:
        name = self.fd_name[fd]
        try:
            chunk = os.read(fd, READ_CHUNK)
        except BlockingIOError:
            return
        if not chunk:
            self.poller.unregister(fd)
            self.open.discard(fd)
            return
        limit = self.cap if name != "events" else 64 * MIB
        room = limit - len(self.data[name])
        if room > 0:
            self.data[name] += chunk[:room]
        self.dropped[name] += max(0, len(chunk) - max(room, 0))


def _kill(pid: int, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def watch(init: int, tester: int, fds: dict[str, int], limits: Any, started: float) -> Observed:
    """Collect output and events until the run's main process (``tester``, or ``init`` when
    it is 0) has ended, init has reported the code process, and the pipes are drained (or
    the deadline passes and everything is killed). Cleanup happens after the reply."""
    streams = _Streams(fds, limits.max_output_bytes)
    main = tester or init
    pidfds = {os.pidfd_open(pid): pid for pid in {init, tester} if pid}
    for pidfd in pidfds:
        streams.poller.register(pidfd, select.POLLIN)
    os.set_blocking(fds["st_r"], False)
    streams.poller.register(fds["st_r"], select.POLLIN)
    deadline = started + limits.timeout_s
    timed_out = False
    status_text, test_status = b"", None
    ended_at: float | None = None  # when the main process ended
    status_done = False  # init reported (or exited, or was given up on)
    alive = {init, tester} - {0}
    grace_until = float("inf")
    while True:
        now = time.perf_counter()
        if ended_at is None and now >= deadline:
            timed_out = True
            for pid in alive:
                _kill(pid)
            ended_at, status_done = now, True
        if ended_at is not None and not status_done and now >= grace_until:
            _kill(init)
            status_done = True
        if ended_at is not None and status_done and (
            not streams.open or now >= ended_at + DRAIN_GRACE_S
        ):
            break
        wait_until = deadline if ended_at is None else min(grace_until, ended_at + DRAIN_GRACE_S)
        for fd, _ in streams.poller.poll(max(0.0, wait_until - now) * 1000 + 1):
            if fd in pidfds:
                pid = pidfds[fd]
                streams.poller.unregister(fd)
                _, status, usage = os.wait4(pid, 0)
                alive.discard(pid)
                if pid == tester:
                    test_status = f"{status} {usage.ru_maxrss} " \
                                  f"{usage.ru_utime + usage.ru_stime:.3f}"
                if pid == init:
                    status_done = True
                if pid == main and ended_at is None:
                    ended_at = time.perf_counter()
                    if tester and init in alive:  # tests done: stop the code process
                        _kill(init, signal.SIGTERM)
                        grace_until = ended_at + STATUS_GRACE_S
            elif fd == fds["st_r"]:
                chunk = b""
                with contextlib.suppress(BlockingIOError):
                    chunk = os.read(fd, 128)
                status_text += chunk
                if not chunk or status_text:
                    streams.poller.unregister(fd)
                    status_done = True
                    if not tester and ended_at is None:
                        ended_at = time.perf_counter()
            else:
                streams.read(fd)
    for pidfd in pidfds:
        os.close(pidfd)
    # the test process first: it lives in init's PID namespace, and init's exit waits until
    # every process there is reaped, so waiting on init before reaping it would deadlock
    for pid in sorted(alive, key=lambda p: p != tester):
        _kill(pid)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    return Observed(
        events=bytes(streams.data["events"]),
        stdout=bytes(streams.data["stdout"]),
        stderr=bytes(streams.data["stderr"]),
        dropped_stdout=streams.dropped["stdout"],
        dropped_stderr=streams.dropped["stderr"],
        child_status=status_text.decode() or None,
        test_status=test_status,
        timed_out=timed_out,
        duration_s=(ended_at or time.perf_counter()) - started,
    )

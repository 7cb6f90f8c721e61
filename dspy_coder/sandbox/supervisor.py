"""One run, supervised: fork the isolated tree, watch it, and turn what happened into a result.

Process layout of one run (all forked from the warm fork server, no exec)::

    supervisor (host PID namespace, root, subreaper)   <- this module's ``supervise``
      └─ init   (PID 1 of a new PID + network namespace; reaps, reports the child's status)
           └─ child (own session, rlimits, unused uid, temp cwd, scrubbed env) <- harness

When ``init`` exits the kernel kills everything left in its PID namespace (daemons, setsid'd
or double-forked processes). Without PID namespaces, init and supervisor are subreapers and
kill every descendant they find in /proc.

Example:
    >>> results = []
    >>> request = {"code": "print(1)", "limits": {}, "support": {}}
    >>> supervise(request, results.append)                    # doctest: +SKIP
    >>> results[0]["status"], results[0]["stdout"]            # doctest: +SKIP
    ('passed', '1\\n')
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import secrets
import select
import signal
import sys
import time
from collections.abc import Callable
from typing import Any, NoReturn

from dspy_coder.sandbox import isolation as iso
from dspy_coder.sandbox.harness import child_main
from dspy_coder.sandbox.namespaces import map_user_to_root
from dspy_coder.sandbox.outcome import MIB, Observed, build_result
from dspy_coder.sandbox.rewrite import Plan, build_plan

DRAIN_GRACE_S = 0.5


class RunLimits:
    """The fields of ``Limits`` as sent by the client (the server does not import pydantic)."""

    def __init__(self, fields: dict[str, Any]) -> None:
        self.timeout_s: float = float(fields.get("timeout_s", 5.0))
        self.memory_mb: int = int(fields.get("memory_mb", 512))
        self.max_output_bytes: int = int(fields.get("max_output_bytes", MIB))
        self.max_processes: int = int(fields.get("max_processes", 64))
        self.max_file_size_mb: int = int(fields.get("max_file_size_mb", 16))
        self.max_open_files: int = int(fields.get("max_open_files", 256))
        self.network: bool = bool(fields.get("network", False))
        self.drop_privileges: bool = bool(fields.get("drop_privileges", True))
        self._cpu = int(fields.get("cpu_seconds") or int(self.timeout_s) + 2)

    def cpu_seconds(self) -> int:
        return self._cpu
# Directories (like /root, mode 0700) that hide the interpreter from an unprivileged uid;
# computed once in the fork server, see isolation.expose_through.
BLOCKED: dict[str, list[str]] = {}


def prepare_server() -> None:
    """Fork-server start-up work shared by every run."""
    BLOCKED.update(iso.blocked_ancestors(iso.interpreter_paths()))
READ_CHUNK = 256 * 1024


def _user_process(
    plan: Plan, limits: RunLimits, uid: int | None, temp: str, fds: dict[str, int], nonce: str
) -> NoReturn:
    """The child that runs user code. Never returns."""
    try:
        os.setsid()
        devnull = os.open("/dev/null", os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(fds["out_w"], 1)
        os.dup2(fds["err_w"], 2)
        res_fd = random.randrange(64, limits.max_open_files - 8)
        os.dup2(fds["res_w"], res_fd, inheritable=False)
        os.closerange(3, res_fd)
        os.closerange(res_fd + 1, 65536)
        os.chdir(temp)
        os.environ.clear()
        os.environ.update(iso.scrubbed_env(temp))
        sys.argv = [plan.code_obj.co_filename if plan.code_obj else "solution.py"]
        sys.path.insert(0, temp)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        iso.apply_rlimits(limits, iso.current_vm_bytes(), run_uid=uid or os.getuid())
        if uid is not None:
            iso.drop_privileges(uid)
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
        sys.stderr = open(  # noqa: SIM115
            2, "w", encoding="utf-8", errors="backslashreplace", closefd=False, buffering=1
        )
        sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr
        # the server's raised priority ends here (dropping niceness back needs no privilege)
        os.setpriority(os.PRIO_PROCESS, 0, 0)
    except BaseException:  # noqa: BLE001 - report set-up failure through the exit code
        os._exit(121)
    child_main(plan, res_fd, nonce)


def _init_process(
    plan: Plan, limits: RunLimits, uid: int | None, temp: str, fds: dict[str, int], nonce: str,
    pid_ns: bool, mount_ns: bool,
) -> NoReturn:
    """PID 1 of the run's namespace (or a subreaper without one). Never returns."""
    try:
        iso.set_pdeathsig(signal.SIGKILL)
        os.setsid()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if pid_ns and mount_ns:  # a /proc that shows only this run's processes
            with contextlib.suppress(OSError):
                iso.mount("proc", "/proc", "proc", iso.MS_NOSUID | iso.MS_NODEV | iso.MS_NOEXEC)
        if not pid_ns:
            iso.set_subreaper()
        child = os.fork()
        if child == 0:
            _user_process(plan, limits, uid, temp, fds, nonce)
        for name in ("out_w", "err_w", "res_w"):
            os.close(fds[name])
        while True:
            pid, status, usage = os.wait4(-1, 0)
            if pid == child:
                break
        if pid_ns:
            with contextlib.suppress(OSError):
                os.kill(-1, signal.SIGKILL)  # everything else in this namespace
        else:
            iso.kill_tree(os.getpid(), include_root=False)
        os.write(fds["st_w"], f"{status} {usage.ru_maxrss}".encode())
        with contextlib.suppress(ChildProcessError):
            while True:
                os.wait()
    except BaseException:  # noqa: BLE001
        os._exit(70)
    os._exit(0)


class _Streams:
    """Reads the child's stdout/stderr (capped) and event pipe until EOF."""

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


def supervise(request: dict[str, Any], reply: Callable[[dict[str, Any]], None]) -> None:
    """Run one request (code, tests, entry_point, limits, support, layers), pass the result
    dict to ``reply`` as soon as it is known, then reap the tree and remove the temp dir."""
    limits = RunLimits(request.get("limits", {}))
    sup = request.get("support", {})
    layers = list(request.get("layers", []))
    plan = build_plan(request["code"], request.get("tests"), request.get("entry_point"))
    if plan.error:
        reply({"status": "error", "error": plan.error, "isolation": layers})
        return
    pid_ns = bool(sup.get("pid_namespace"))
    net_ns = bool(sup.get("net_namespace")) and not limits.network
    mount_ns = bool(sup.get("mount_namespace"))
    uid = iso.allocate_uid() if sup.get("uid_drop") and limits.drop_privileges else None
    flags = (iso.CLONE_NEWPID if pid_ns else 0) | (iso.CLONE_NEWNET if net_ns else 0)
    flags |= iso.CLONE_NEWNS if mount_ns else 0
    if flags and not sup.get("root"):
        flags |= iso.CLONE_NEWUSER
    if flags:
        iso.unshare(flags)
        if flags & iso.CLONE_NEWUSER:
            map_user_to_root()
    if mount_ns:  # private tmpfs on /tmp & co: the temp dir vanishes with the namespace
        iso.private_tmp(max(16, 4 * limits.max_file_size_mb))
        if uid is not None and BLOCKED:
            iso.expose_through(BLOCKED, "/tmp")
    temp = str(iso.make_temp_dir(uid, under="/tmp" if mount_ns else None))
    nonce = secrets.token_hex(16)
    fds: dict[str, int] = {}
    init = 0
    for name in ("out", "err", "res", "st"):
        fds[f"{name}_r"], fds[f"{name}_w"] = os.pipe()
    try:
        iso.set_subreaper()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        started = time.perf_counter()
        init = os.fork()
        if init == 0:
            _init_process(plan, limits, uid, temp, fds, nonce, pid_ns, mount_ns)
        for name in ("out_w", "err_w", "res_w", "st_w"):
            os.close(fds[name])
        observed = _watch(init, fds, limits, started)
        observed.nonce = nonce
        reply(build_result(plan, limits, observed, layers))
    finally:
        for fd in fds.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        if init:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(init, 0)
        if not pid_ns:
            iso.kill_tree(os.getpid(), include_root=False)
        if not mount_ns:
            iso.remove_temp_dir(temp)


def _watch(init: int, fds: dict[str, int], limits: RunLimits, started: float) -> Observed:
    """Collect output and events until the child's status is known and its pipes are closed
    (or the deadline passes and the tree is killed). Cleanup happens after the reply."""
    streams = _Streams(fds, limits.max_output_bytes)
    pidfd = os.pidfd_open(init)
    streams.poller.register(pidfd, select.POLLIN)
    os.set_blocking(fds["st_r"], False)
    streams.poller.register(fds["st_r"], select.POLLIN)
    deadline = started + limits.timeout_s
    timed_out = False
    status_text = b""
    ended_at: float | None = None  # when the child's status arrived or init exited
    init_alive = True
    while True:
        now = time.perf_counter()
        if ended_at is None and now >= deadline:
            timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.kill(init, signal.SIGKILL)
            deadline = now + 3600
        if ended_at is not None and (not streams.open or now >= ended_at + DRAIN_GRACE_S):
            break
        wait_until = deadline if ended_at is None else ended_at + DRAIN_GRACE_S
        for fd, _ in streams.poller.poll(max(0.0, wait_until - now) * 1000 + 1):
            if fd == pidfd:
                streams.poller.unregister(pidfd)
                os.waitpid(init, 0)
                init_alive = False
                ended_at = ended_at or time.perf_counter()
            elif fd == fds["st_r"]:
                chunk = b""
                with contextlib.suppress(BlockingIOError):
                    chunk = os.read(fd, 128)
                status_text += chunk
                if not chunk or status_text:
                    streams.poller.unregister(fd)
                    ended_at = ended_at or time.perf_counter()
            else:
                streams.read(fd)
    os.close(pidfd)
    if init_alive and timed_out:
        os.waitpid(init, 0)
    duration = (ended_at or time.perf_counter()) - started
    return Observed(
        events=bytes(streams.data["events"]),
        stdout=bytes(streams.data["stdout"]),
        stderr=bytes(streams.data["stderr"]),
        dropped_stdout=streams.dropped["stdout"],
        dropped_stderr=streams.dropped["stderr"],
        child_status=status_text.decode() or None,
        timed_out=timed_out,
        duration_s=duration,
    )


def serve_connection(fd: int) -> NoReturn:
    """Fork-server side: read one length-prefixed JSON request on ``fd``, answer, exit."""
    import socket
    import traceback

    sock = socket.socket(fileno=fd)
    try:
        header = _recv_exact(sock, 8)
        request = json.loads(_recv_exact(sock, int.from_bytes(header, "big")))
        replied = False

        def reply(response: dict[str, Any]) -> None:
            nonlocal replied
            replied = True
            body = json.dumps(response).encode()
            sock.sendall(len(body).to_bytes(8, "big") + body)
            sock.close()

        try:
            supervise(request, reply)
        except BaseException:  # noqa: BLE001 - an infrastructure bug: report, don't hang
            if not replied:
                reply({"infra_error": traceback.format_exc(limit=8)})
    except BaseException:  # noqa: BLE001
        pass
    finally:
        with contextlib.suppress(OSError):
            sock.close()
    os._exit(0)


def _recv_exact(sock: Any, size: int) -> bytes:
    buf = bytearray()
    while len(buf) < size:
        chunk = sock.recv(min(size - len(buf), 1 << 20))
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return bytes(buf)

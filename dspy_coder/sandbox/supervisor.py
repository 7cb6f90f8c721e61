"""One run, supervised: fork the isolated processes, watch them, and turn what happened into a
result.

Process layout of one run (all forked from the warm fork server, no exec)::

    supervisor (host PID namespace, root, subreaper)   <- this module's ``supervise``
      ├─ init   (PID 1 of new PID, IPC, mount and network namespaces; reports the code
      │    │     process's status)
      │    └─ code process  (uid A: runs the candidate, answers requests; see code_server)
      └─ test process       (uid B, same namespaces: runs the tests; see harness)
                            (in group A: it enters the code's temp dir, where each test
                            gets a fresh directory both processes work in)

The request arrives in two frames: the code, then the tests. The code process is forked
before the second frame is read, so the tests (and their expected values) never exist in its
memory, and the verdict comes from the test process, which the code cannot reach: another
uid, its own pipes, and only data crossing between them (see ``wire``), besides the files
of the test's directory: a test may read what the code wrote and the code what the test
wrote (a file made 0644, as sqlite makes its databases, only its maker can change). When
``init`` exits the kernel kills everything left in its PID namespace. Without PID namespaces,
init and the supervisor are subreapers and kill every descendant they find in /proc.

Example:
    >>> results = []
    >>> request = {"code": "print(1)", "limits": {}, "support": {}}
    >>> supervise(request, results.append, lambda: None)     # doctest: +SKIP
    >>> results[0]["status"], results[0]["stdout"]            # doctest: +SKIP
    ('passed', '1\\n')
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import time
from collections.abc import Callable
from typing import Any, NoReturn

from dspy_coder.sandbox import isolation as iso
from dspy_coder.sandbox import site_dirs
from dspy_coder.sandbox.namespaces import map_user_to_root
from dspy_coder.sandbox.outcome import MIB, build_result
from dspy_coder.sandbox.rewrite import add_tests, compile_code
from dspy_coder.sandbox.run_processes import init_process, run_tests_process
from dspy_coder.sandbox.watch import watch


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


# Directories (like /root, mode 0700) that hide the interpreter from an unprivileged uid, and
# interpreter directories under /tmp & co (a virtualenv there) that the run's private tmpfs
# would hide; computed once in the fork server, see isolation.expose_through / private_tmp.
BLOCKED: dict[str, list[str]] = {}
EXPOSED_UNDER_TMP: list[str] = []


def prepare_server() -> None:
    """Fork-server start-up work shared by every run."""
    paths = iso.interpreter_paths()
    BLOCKED.update(iso.blocked_ancestors(paths))
    EXPOSED_UNDER_TMP.extend(iso.paths_under_private_tmp(paths))
    iso.prepare_seccomp()  # probe and import once, not in every run


def _namespaces(sup: dict[str, Any], limits: RunLimits) -> tuple[bool, bool]:
    """Enter fresh namespaces for this run (the supervisor is a one-run process); returns
    (pid namespace, mount namespace)."""
    pid_ns = bool(sup.get("pid_namespace"))
    net_ns = bool(sup.get("net_namespace")) and not limits.network
    mount_ns = bool(sup.get("mount_namespace"))
    ipc_ns = bool(sup.get("ipc_namespace"))
    flags = (iso.CLONE_NEWPID if pid_ns else 0) | (iso.CLONE_NEWNET if net_ns else 0)
    flags |= (iso.CLONE_NEWNS if mount_ns else 0) | (iso.CLONE_NEWIPC if ipc_ns else 0)
    if flags and not sup.get("root"):
        flags |= iso.CLONE_NEWUSER
    if flags:
        iso.unshare(flags)
        if flags & iso.CLONE_NEWUSER:
            map_user_to_root()
    if ipc_ns:
        iso.limit_shared_memory(limits.memory_mb * MIB)
    return pid_ns, mount_ns


def supervise(
    request: dict[str, Any],
    reply: Callable[[dict[str, Any]], None],
    read_tests: Callable[[], str | None],
) -> None:
    """Run one request (code, entry_point, limits, support, layers, site_dirs; the tests come
    from ``read_tests`` once the code process exists), pass the result dict to ``reply`` as
    soon as it is known, then reap the processes and remove the temp dirs."""
    limits = RunLimits(request.get("limits", {}))
    sup = request.get("support", {})
    layers = list(request.get("layers", []))
    nice = int(request.get("nice", 0))
    with_tests = bool(request.get("has_tests"))
    plan = compile_code(request["code"], request.get("entry_point"))
    if plan.error:
        reply({"status": "error", "error": plan.error, "isolation": layers})
        return
    pid_ns, mount_ns = _namespaces(sup, limits)
    uids = iso.run_uids(os.getpid()) if sup.get("uid_drop") and limits.drop_privileges else None
    code_uid, test_uid = uids or (None, None)
    libraries = [str(p) for p in request.get("site_dirs") or []]
    if mount_ns:  # private tmpfs on /tmp & co: the temp dirs vanish with the namespace
        held = site_dirs.open_dirs(libraries)
        iso.private_tmp(max(16, 4 * limits.max_file_size_mb), keep=EXPOSED_UNDER_TMP)
        if uids is not None and BLOCKED:
            iso.expose_through(BLOCKED, "/tmp")
        libraries = site_dirs.mount_read_only(held)
    under = "/tmp" if mount_ns else None
    temps = [str(iso.make_temp_dir(code_uid, under=under))]
    fds: dict[str, int] = {}
    init = tester = 0
    for name in ("out", "err", "res", "st"):
        fds[f"{name}_r"], fds[f"{name}_w"] = os.pipe()
    if with_tests:
        code_end, test_end = socket.socketpair()
        fds["chan_code"], fds["chan_tests"] = code_end.detach(), test_end.detach()
    try:
        iso.set_subreaper()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        started = time.perf_counter()
        # without tests the code process reports itself; with tests only the test process
        # does, and its nonce is made after the code process was forked
        nonce = "" if with_tests else secrets.token_hex(16)
        init = os.fork()
        if init == 0:
            init_process(plan, limits, code_uid, temps[0], fds, nonce, nice, pid_ns, mount_ns,
                         libraries)
        for name in ("st_w", "chan_code"):
            if name in fds:
                os.close(fds.pop(name))
        if with_tests:
            nonce = secrets.token_hex(16)
        if with_tests:
            plan = add_tests(plan, read_tests())
            if plan.error or plan.kind == "none":
                reply({"status": "error", "isolation": layers,
                       "error": plan.error or "No tests were sent."})
                return
            temps.append(str(iso.make_temp_dir(test_uid, under=under)))
            os.chmod(temps[0], 0o2770)  # the test process joins the code's group (harness)
            tester = os.fork()
            if tester == 0:
                run_tests_process(plan, limits, test_uid, temps[1], fds, nonce, nice, libraries,
                                  code_gid=code_uid)
        for name in ("out_w", "err_w", "res_w", "chan_tests"):
            if name in fds:
                os.close(fds.pop(name))
        observed = watch(init, tester, fds, limits, started)
        observed.nonce = nonce
        reply(build_result(plan, limits, observed, layers))
    finally:
        for fd in fds.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        for pid in (tester, init):  # the test process first (see watch)
            if pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
        if not pid_ns:
            iso.kill_tree(os.getpid(), include_root=False)
        if not mount_ns:
            for temp in temps:
                iso.remove_temp_dir(temp)


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

        def read_tests() -> str | None:
            second = json.loads(_recv_exact(sock, int.from_bytes(_recv_exact(sock, 8), "big")))
            return second.get("tests") if isinstance(second, dict) else None

        try:
            supervise(request, reply, read_tests)
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

"""The bodies of the processes one run forks: init, the code process and the test process.

Each never returns. The code and test processes are set up the same way (own session,
stdio on the run's pipes, a private temp dir as cwd, a scrubbed environment, rlimits, an
unused uid of their own, the seccomp filter, the caller's niceness) before any user code
runs; they differ in what they run and in which descriptors they keep.

Example:
    >>> fds = {"out_w": 1, "err_w": 2}
    >>> sorted(fds)  # the supervisor passes its pipe ends like this
    ['err_w', 'out_w']
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import sys
import time
from typing import Any, NoReturn

from dspy_coder.sandbox import isolation as iso
from dspy_coder.sandbox import site_dirs
from dspy_coder.sandbox.code_server import serve_code
from dspy_coder.sandbox.harness import run_module, run_tests
from dspy_coder.sandbox.rewrite import RunPlan

SETUP_FAILED = 121  # exit status of a child whose isolation could not be set up
FIRST_FD = 3  # the kept descriptors are renumbered from here
HIGH_FD = 200


def _isolate(limits: Any, uid: int | None, temp: str, fds: dict[str, int], keep: list[int],
             nice: int, on_path: bool, libraries: list[str], groups: tuple[int, ...] = ()
             ) -> None:
    """Common set-up of a process that will run user code; ``keep`` fds become 3, 4, ...;
    ``libraries``: read-only site directories it imports from (see ``site_dirs``);
    ``groups``: supplementary groups after the uid drop. Files are made group read-write
    (umask 007), so the code and test processes share the files of a test's directory."""
    os.setsid()
    os.umask(0o007)
    devnull = os.open("/dev/null", os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(fds["out_w"], 1)
    os.dup2(fds["err_w"], 2)
    # copy the kept descriptors far up first (so no copy overwrites another), then to 3, 4, ...
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, HIGH_FD) for fd in keep]
    for index, fd in enumerate(high):
        os.dup2(fd, FIRST_FD + index, inheritable=False)
    os.closerange(FIRST_FD + len(keep), 1 << 16)
    os.chdir(temp)
    os.environ.clear()
    os.environ.update(iso.scrubbed_env(temp))
    sys.argv = ["solution.py"]
    if on_path:
        sys.path.insert(0, temp)
    site_dirs.add_to_path(libraries)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    iso.apply_rlimits(limits, iso.current_vm_bytes(), run_uid=uid or os.getuid())
    with contextlib.suppress(OSError):  # the caller's niceness, never a higher priority
        if nice > os.getpriority(os.PRIO_PROCESS, 0):
            os.setpriority(os.PRIO_PROCESS, 0, nice)
    if uid is not None:
        iso.drop_privileges(uid, groups)
    iso.load_seccomp(network=limits.network)
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    sys.stderr = open(  # noqa: SIM115
        2, "w", encoding="utf-8", errors="backslashreplace", closefd=False, buffering=1
    )
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr


def code_process(plan: RunPlan, limits: Any, uid: int | None, temp: str, fds: dict[str, int],
                 nonce: str, nice: int, libraries: list[str]) -> NoReturn:
    """Run the candidate: serve the test process (tests) or run as ``__main__`` (no tests)."""
    with_tests = "chan_code" in fds
    try:
        keep = [fds["chan_code"] if with_tests else fds["res_w"]]
        _isolate(limits, uid, temp, fds, keep, nice, on_path=True, libraries=libraries)
    except BaseException:  # noqa: BLE001 - report set-up failure through the exit code
        os._exit(SETUP_FAILED)
    if with_tests:
        serve_code(plan, FIRST_FD)
    run_module(plan, FIRST_FD, nonce)


def run_tests_process(plan: RunPlan, limits: Any, uid: int | None, temp: str,
                      fds: dict[str, int], nonce: str, nice: int,
                      libraries: list[str], code_gid: int | None = None) -> NoReturn:
    """Run the tests against the code process (forked by the supervisor, after the tests
    were read, so the code process never had them). ``code_gid``: the code process's group,
    which lets the tests into the directory each test's calls work in (the code's temp dir,
    group-shared); the code process gets nothing of the test process's."""
    try:
        iso.set_pdeathsig(signal.SIGKILL)
        _isolate(limits, uid, temp, fds, [fds["res_w"], fds["chan_tests"]], nice,
                 on_path=False, libraries=libraries,
                 groups=() if code_gid is None else (code_gid,))
    except BaseException:  # noqa: BLE001
        os._exit(SETUP_FAILED)
    run_tests(plan, FIRST_FD, FIRST_FD + 1, nonce)


def init_process(plan: RunPlan, limits: Any, uid: int | None, temp: str, fds: dict[str, int],
                 nonce: str, nice: int, pid_ns: bool, mount_ns: bool,
                 libraries: list[str]) -> NoReturn:
    """PID 1 of the run's namespace (or a subreaper without one): forks the code process,
    reports its wait status, peak memory and CPU time on ``st_w``. SIGTERM from the
    supervisor (the tests are done) ends the code process first."""
    with_tests = "chan_code" in fds
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
            code_process(plan, limits, uid, temp, fds, nonce, nice, libraries)
        stop: list[bool] = []

        def on_term(*_: Any) -> None:
            stop.append(True)
            with contextlib.suppress(OSError):
                os.kill(child, signal.SIGKILL)

        signal.signal(signal.SIGTERM, on_term)
        for name in ("out_w", "err_w", "res_w", "chan_code", "chan_tests"):
            if name in fds:
                os.close(fds[name])
        while True:
            pid, status, usage = os.wait4(-1, 0)
            if pid == child:
                break
        cpu = usage.ru_utime + usage.ru_stime
        os.write(fds["st_w"], f"{status} {usage.ru_maxrss} {cpu:.3f}".encode())
        # with tests, this namespace also holds the test process: stay until told to stop
        while with_tests and pid_ns and not stop:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(-1, os.WNOHANG)
            time.sleep(0.01)
        if pid_ns:
            with contextlib.suppress(OSError):
                os.kill(-1, signal.SIGKILL)  # everything else in this namespace
        else:
            iso.kill_tree(os.getpid(), include_root=False)
        with contextlib.suppress(ChildProcessError):
            while True:
                os.wait()
    except BaseException:  # noqa: BLE001
        os._exit(70)
    os._exit(0)

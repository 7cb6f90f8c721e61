"""OS isolation primitives shared by the per-run executor and long-lived isolated workers.

Stable helpers (the ProgramOfThought interpreter and the profiler build on these):

    support() -> IsolationSupport
        What this machine allows (probed once, cached): pid/net namespaces, uid drop.
    isolation_report() -> dict[str, str]
        layer name -> "active" or "unavailable: <why>" (logs each unavailable layer once).
    spawn_isolated(argv, limits, *, stdin=PIPE, stdout=PIPE, stderr=PIPE, pass_fds=(),
                   env_extra=None, baseline_mb=256) -> IsolatedProcess
        Start ``argv`` (e.g. ``[sys.executable, "-I", "worker.py"]``) in a new PID and network
        namespace (when available), as an unused uid when root, with rlimits, stdin/stdout/stderr
        as given, a scrubbed environment and a fresh temp dir as cwd. ``IsolatedProcess`` has
        ``.popen`` (subprocess.Popen), ``.pid``, ``.temp_dir``, ``.layers``, ``.kill()`` (kills
        the whole tree, daemons included, and removes the temp dir), and is a context manager.
    kill_tree(pid, sig=SIGKILL) -> int
        Kill ``pid`` and all its descendants found in /proc; returns how many were signalled.
    apply_rlimits(limits, baseline_bytes=0) / drop_privileges(uid) / scrubbed_env(temp_dir)
    / make_temp_dir(owner_uid) / allocate_uid(): building blocks for forked children.

Example:
    >>> import subprocess, sys
    >>> from dspy_coder.sandbox import Limits
    >>> from dspy_coder.sandbox.isolation import spawn_isolated
    >>> with spawn_isolated([sys.executable, "-c", "print(6 * 7)"], Limits()) as proc:
    ...     out, _ = proc.popen.communicate(timeout=10)
    >>> out.strip()
    b'42'
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import os
import resource
import shutil
import signal
import stat
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dspy_coder.sandbox.namespaces import (  # noqa: F401 - re-exported building blocks
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWUSER,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    blocked_ancestors,
    expose_through,
    interpreter_paths,
    mount,
    paths_under_private_tmp,
    private_tmp,
    unshare,
)

if TYPE_CHECKING:  # the fork server imports this module without pydantic
    from dspy_coder.sandbox.limits import Limits

MIB = 1024 * 1024

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36

# Runs use uids UID_BASE .. UID_BASE + UID_SPAN, never used by real accounts. A run's two uids
# (code, tests) derive from its supervisor's pid, so concurrent runs never share a uid (nor
# its process limit); long-lived isolated workers get theirs from the starting process's pid.
PID_LIMIT = 1 << 22  # the kernel's largest pid_max
UID_BASE = 200_000
RUN_UIDS = 2  # per supervisor pid
WORKER_UIDS = 16  # per starting process
UID_SPAN = PID_LIMIT * (RUN_UIDS + WORKER_UIDS)
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"

_libc = ctypes.CDLL(None, use_errno=True)  # prctl
_worker_counter = 0


# ---------------------------------------------------------------------------------------------
# libc wrappers
# ---------------------------------------------------------------------------------------------


def set_pdeathsig(sig: int = signal.SIGKILL) -> None:
    """Ask the kernel to send ``sig`` to this process when its parent dies."""
    _libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)


def set_subreaper() -> None:
    """Make this process adopt its orphaned descendants (so it can find and kill them)."""
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


# ---------------------------------------------------------------------------------------------
# What the machine supports
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IsolationSupport:
    """Isolation layers this machine allows, probed once per process."""

    root: bool
    pid_namespace: bool
    net_namespace: bool
    mount_namespace: bool
    user_namespace: bool  # unprivileged fallback: namespaces through a user namespace
    notes: dict[str, str] = field(default_factory=dict)
    ipc_namespace: bool = False

    @property
    def uid_drop(self) -> bool:
        """Run code as an unused uid: needs root, and a mount namespace if the interpreter
        lives below a directory other users cannot read."""
        return self.root and (self.mount_namespace or not self.notes.get("interpreter_hidden"))


def _probe(argv: list[str]) -> tuple[bool, str]:
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=10, env={"PATH": SAFE_PATH})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    return proc.returncode == 0, proc.stderr.decode(errors="replace").strip()[:200]


@functools.cache
def support() -> IsolationSupport:
    """Probe (once) which namespaces work here. Example: ``support().pid_namespace``."""
    root = os.geteuid() == 0
    notes: dict[str, str] = {}
    tool = shutil.which("unshare", path=SAFE_PATH)
    if tool is None:
        notes["pid_namespace"] = notes["net_namespace"] = "util-linux `unshare` not found"
        notes["mount_namespace"] = notes["ipc_namespace"] = notes["pid_namespace"]
        return IsolationSupport(root, False, False, False, False, notes)
    prefix = [tool] if root else [tool, "--user", "--map-root-user"]
    pid_ok, pid_err = _probe([*prefix, "--pid", "--fork", "true"])
    net_ok, net_err = _probe([*prefix, "--net", "true"])
    mnt_ok, mnt_err = _probe([*prefix, "--mount", "true"])
    ipc_ok, ipc_err = _probe([*prefix, "--ipc", "true"])
    if not ipc_ok:
        notes["ipc_namespace"] = ipc_err or "unshare --ipc failed"
    if not mnt_ok:
        notes["mount_namespace"] = mnt_err or "unshare --mount failed"
    if not pid_ok:
        notes["pid_namespace"] = pid_err or "unshare --pid failed"
    if not net_ok:
        notes["net_namespace"] = net_err or "unshare --net failed"
    if not root:
        notes["uid_drop"] = "not running as root: code runs as the current user"
    userns = (pid_ok or net_ok or mnt_ok) and not root
    if root and blocked_ancestors(interpreter_paths()):
        notes["interpreter_hidden"] = "the interpreter is below a directory others cannot read"
        if not mnt_ok:
            notes["uid_drop"] = notes["interpreter_hidden"] + " and mount namespaces fail"
    return IsolationSupport(root, pid_ok, net_ok, mnt_ok, userns, notes, ipc_ok)


_logged: set[str] = set()


def isolation_report(limits: Limits | None = None) -> dict[str, str]:
    """Which isolation layers a run with ``limits`` gets: layer -> "active" | "unavailable: ...".

    Logs a warning once per process for each layer that is unavailable.

    Example:
        >>> report = isolation_report()
        >>> report["rlimits"]
        'active'
    """
    from dspy_coder.sandbox.seccomp_filter import filter_support

    if limits is None:
        from dspy_coder.sandbox.limits import Limits

        limits = Limits()
    sup = support()
    seccomp_ok, seccomp_why = filter_support()
    notes = {**sup.notes, "seccomp": seccomp_why}
    report = {
        "process": "active",
        "rlimits": "active",
        "temp_dir": "active",
        "scrubbed_env": "active",
        "stdin_closed": "active",
        "output_cap": "active",
        "pid_namespace": "active" if sup.pid_namespace else "unavailable",
        "mount_namespace": "active" if sup.mount_namespace else "unavailable",
        "ipc_namespace": "active" if sup.ipc_namespace else "unavailable",
        "subreaper": "active",
    }
    if limits.network:
        report["net_namespace"] = "disabled: Limits(network=True)"
    else:
        report["net_namespace"] = "active" if sup.net_namespace else "unavailable"
    if not limits.drop_privileges:
        report["uid_drop"] = "disabled: Limits(drop_privileges=False)"
    else:
        report["uid_drop"] = "active" if sup.uid_drop else "unavailable"
    report["seccomp"] = "active" if seccomp_ok else "unavailable"
    for layer, state in report.items():
        if state == "unavailable":
            report[layer] = f"unavailable: {notes.get(layer, 'not supported here')}"
            if layer not in _logged:
                _logged.add(layer)
                logger.warning("sandbox isolation layer %s is %s", layer, report[layer])
    return report


def active_layers(limits: Limits) -> list[str]:
    """Names of the layers that are active for ``limits``."""
    return [name for name, state in isolation_report(limits).items() if state == "active"]


# ---------------------------------------------------------------------------------------------
# Building blocks for a child process
# ---------------------------------------------------------------------------------------------


def run_uids(supervisor_pid: int) -> tuple[int, int]:
    """The (code, tests) uids of the run supervised by ``supervisor_pid``: unique among live
    runs, so runs cannot signal each other, the host's processes, or share a process limit."""
    base = UID_BASE + RUN_UIDS * (supervisor_pid % PID_LIMIT)
    return base, base + 1


def allocate_uid() -> int:
    """An unused uid for a long-lived isolated worker started by this process (a range of
    WORKER_UIDS per process id, disjoint from the runs' uids)."""
    global _worker_counter
    _worker_counter = (_worker_counter + 1) % WORKER_UIDS
    return UID_BASE + RUN_UIDS * PID_LIMIT + WORKER_UIDS * (os.getpid() % PID_LIMIT) + (
        _worker_counter
    )


def scrubbed_env(temp_dir: str | os.PathLike[str], extra: dict[str, str] | None = None) -> dict:
    """A minimal environment: nothing from the parent (no secrets), HOME/TMPDIR = temp dir."""
    env = {
        "PATH": SAFE_PATH,
        "HOME": str(temp_dir),
        "TMPDIR": str(temp_dir),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
    }
    env.update(extra or {})
    return env


@functools.cache
def _temp_root() -> str | None:
    """/dev/shm (tmpfs: cheap to create and remove) when usable, else the default temp dir.
    Usable means every uid can pass through it too (some hosts make it 0700): a run's uid
    must reach its temp dir by its absolute path (HOME, TMPDIR, mounted library dirs)."""
    shm = "/dev/shm"
    if (os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK)
            and os.stat(shm).st_mode & stat.S_IXOTH):
        return shm
    return None


def make_temp_dir(owner_uid: int | None = None, under: str | None = None) -> Path:
    """A fresh private temp dir (0700) in ``under`` (default: /dev/shm if usable), owned by
    ``owner_uid`` when given (root only)."""
    path = Path(tempfile.mkdtemp(prefix="dspy-coder-run-", dir=under or _temp_root()))
    if owner_uid is not None and os.geteuid() == 0:
        os.chown(path, owner_uid, owner_uid)
    return path


def remove_temp_dir(path: str | os.PathLike[str]) -> None:
    """Remove a run's temp dir, even if the code made parts of it read-only."""

    def _onerror(func: Any, p: str, _exc: Any) -> None:
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(p), 0o700)
            os.chmod(p, 0o700)
            func(p)

    shutil.rmtree(path, onerror=_onerror)


def _nproc_in_use(uid: int) -> int:
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    count += 1
    return count


def apply_rlimits(limits: Limits, baseline_bytes: int = 0, *, run_uid: int | None = None) -> None:
    """Set CPU, AS, FSIZE, NOFILE, NPROC and CORE limits on the calling process.

    ``baseline_bytes`` is the address space already mapped (a forked interpreter); the code may
    add ``limits.memory_mb`` on top. ``run_uid``: the uid the code will run as; when it is the
    current (non-root) uid, NPROC is raised by the processes that uid already has.
    """
    cpu = limits.cpu_seconds()
    nproc = limits.max_processes
    if run_uid is not None and run_uid == os.getuid() and run_uid != 0:
        nproc += _nproc_in_use(run_uid)
    pairs = [
        (resource.RLIMIT_CPU, (cpu, cpu)),  # at the hard limit the kernel sends SIGKILL
        (resource.RLIMIT_AS, (baseline_bytes + limits.memory_mb * MIB,) * 2),
        (resource.RLIMIT_FSIZE, (limits.max_file_size_mb * MIB,) * 2),
        (resource.RLIMIT_NOFILE, (limits.max_open_files,) * 2),
        (resource.RLIMIT_NPROC, (nproc, nproc)),
        (resource.RLIMIT_CORE, (0, 0)),
    ]
    for which, value in pairs:
        soft, hard = value
        _, cur_hard = resource.getrlimit(which)
        if cur_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, cur_hard), min(hard, cur_hard)
        resource.setrlimit(which, (soft, hard))


def drop_privileges(uid: int, groups: Sequence[int] = ()) -> None:
    """Become ``uid`` (gid = uid, supplementary ``groups``, usually none). Root only;
    irreversible."""
    os.setgroups(list(groups))
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def limit_shared_memory(max_bytes: int) -> None:
    """In the run's own IPC namespace: cap System V shared memory at ``max_bytes`` in all, so
    segments count against the run's memory allowance (they vanish with the namespace)."""
    page = resource.getpagesize()
    for name, value in (("shmmax", max_bytes), ("shmall", max(1, max_bytes // page))):
        with contextlib.suppress(OSError), open(f"/proc/sys/kernel/{name}", "w") as fh:
            fh.write(str(value))


def prepare_seccomp() -> None:
    """Probe filter support and import the binding now (the fork server does, once)."""
    from dspy_coder.sandbox.seccomp_filter import filter_support, prepared_filter

    if filter_support()[0]:
        prepared_filter(network=False)
        prepared_filter(network=True)


def load_seccomp(network: bool) -> None:
    """Install the seccomp filter (see ``seccomp_filter``) where this machine supports one."""
    from dspy_coder.sandbox.seccomp_filter import filter_support, load_filter

    if filter_support()[0]:
        load_filter(network=network)


def current_vm_bytes() -> int:
    """Virtual memory size of this process (the RLIMIT_AS baseline of a forked child)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * resource.getpagesize()


# ---------------------------------------------------------------------------------------------
# Killing a tree
# ---------------------------------------------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def descendants(pid: int) -> list[int]:
    """All live descendants of ``pid`` (children first), from /proc."""
    children = _children_map()
    found: list[int] = []
    stack = list(children.get(pid, []))
    while stack:
        child = stack.pop()
        found.append(child)
        stack.extend(children.get(child, []))
    return found


def kill_tree(pid: int, sig: int = signal.SIGKILL, *, include_root: bool = True) -> int:
    """Stop, then kill ``pid`` and every descendant (repeated until none are left).

    Processes that re-parented away (setsid + double fork) are only found if the caller is a
    subreaper or the tree lives in its own PID namespace. Returns the number signalled.
    """
    signalled = 0
    for _ in range(50):
        targets = descendants(pid)
        if include_root:
            targets.append(pid)
        if not targets:
            break
        for target in targets:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(target, signal.SIGSTOP)
        for target in targets:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(target, sig)
                signalled += 1
        include_root = False
        if not descendants(pid):
            break
    return signalled


# spawn_isolated lives in its own module; re-exported here (the documented import path).
from dspy_coder.sandbox.spawn import IsolatedProcess, spawn_isolated  # noqa: E402

__all__ = [
    "IsolatedProcess", "IsolationSupport", "active_layers", "allocate_uid", "apply_rlimits",
    "descendants", "drop_privileges", "isolation_report", "kill_tree", "make_temp_dir",
    "remove_temp_dir", "scrubbed_env", "set_pdeathsig", "set_subreaper", "spawn_isolated",
    "support",
]

"""The seccomp filter for sandboxed code: a deny-list of kernel calls that code under test has
no business making, installed in the forked child just before it runs the code.

The filter is a defence in depth under the other layers (namespaces, an unused uid, rlimits):
if one of them is unavailable on a machine, or a kernel bug makes one of them leak, the calls
that reach the most kernel attack surface are still refused. Everything not listed is allowed,
so ordinary Python (threads, ``os.fork``, ``subprocess``, ``multiprocessing`` with the default
fork start method, ``asyncio``) works unchanged.

Profile (default action: allow; denied calls fail with an errno, never a kill, so Python code
sees ``PermissionError``/``OSError`` and the run reports it like any other exception):

- ``socket()`` -> EPERM for every address family when ``network`` is False (the run is also in
  an empty network namespace where available; this covers machines without one). When
  ``network`` is True only AF_INET and AF_INET6 are allowed; AF_UNIX (which would reach
  abstract-namespace sockets of host daemons, as the run then shares the host's network
  namespace), AF_NETLINK, AF_PACKET and every other family -> EPERM. ``socketpair()`` stays
  allowed: it reaches nothing outside the process tree, and ``asyncio`` and
  ``multiprocessing`` use it. ``connect()`` cannot be filtered by address family, but without
  ``socket()`` there is no AF_UNIX socket to connect (the sandbox child inherits none).
- ``clone()`` with any namespace flag (CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID,
  NEWNET) -> EPERM; plain ``clone()`` (fork, threads) is allowed. ``clone3()`` -> ENOSYS: its
  flags sit in a struct that seccomp cannot read, and glibc falls back to ``clone()`` on ENOSYS.
- -> EPERM, by group (see ``DENIED_GROUPS``; ``DENIED_SYSCALLS`` is the flat list):
  other processes' memory and descriptors (ptrace, process_vm_readv/writev, pidfd_getfd,
  process_madvise); namespaces and mounts (unshare, setns, mount, umount2, pivot_root, chroot
  and the new mount API); kernel keyrings; kernel attack surface that tests never need (bpf,
  perf_event_open, userfaultfd, io_uring, fanotify, file handles); and host-wide state (clocks,
  hostname, modules, kexec, reboot, swap, accounting, quotas, the kernel log, I/O ports).
- Calls from a foreign ABI (i386 ``int 0x80`` or x32 on x86_64) -> ENOSYS, so they cannot
  bypass a filter written for the native numbers.
- ``no_new_privs`` is set (libseccomp's default, also what lets an unprivileged uid load it):
  set-uid binaries run by the code gain nothing. The filter is inherited by every child and
  cannot be removed. ``personality()`` is not filtered (its changes only weaken the calling
  process's own hardening). Syscalls that libseccomp does not know on this architecture are
  skipped (``skipped_syscalls()``).

Known cost: ``multiprocessing.Manager()`` and the "forkserver" start method listen on AF_UNIX
sockets, so they fail under the filter (PermissionError; a Manager's caller sees EOFError when
its server process dies). Pool, Queue, Pipe and ProcessPoolExecutor with the "fork" (default)
or "spawn" start method work.

Example (the filter is only ever loaded in a forked child, never in the caller):
    >>> from dspy_coder.sandbox.seccomp_filter import DENIED_SYSCALLS, filter_support, load_filter
    >>> "ptrace" in DENIED_SYSCALLS and "socketpair" not in DENIED_SYSCALLS
    True
    >>> ok, why = filter_support()      # probed once, in a forked child
    >>> ok or bool(why)
    True
    >>> import os, socket
    >>> if os.fork() == 0:                                    # doctest: +SKIP
    ...     load_filter(network=False)
    ...     socket.socket(socket.AF_INET)  # raises PermissionError: [Errno 1]
"""

from __future__ import annotations

import errno
import functools
import os
from typing import Any

DENIED_GROUPS: dict[str, tuple[str, ...]] = {
    "other processes": (
        "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "process_madvise",
    ),
    "namespaces and mounts": (
        "unshare", "setns", "mount", "umount", "umount2", "pivot_root", "chroot", "move_mount",
        "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    ),
    "kernel keyrings": ("keyctl", "add_key", "request_key"),
    "kernel attack surface": (
        "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
        "io_uring_register", "fanotify_init", "name_to_handle_at", "open_by_handle_at",
    ),
    "host-wide state": (
        "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname",
        "setdomainname", "init_module", "finit_module", "delete_module", "kexec_load",
        "kexec_file_load", "reboot", "swapon", "swapoff", "acct", "quotactl", "quotactl_fd",
        "syslog", "iopl", "ioperm",
    ),
}
DENIED_SYSCALLS: tuple[str, ...] = tuple(name for group in DENIED_GROUPS.values() for name in group)
"""Syscalls that always fail with EPERM under the filter (besides socket, clone and clone3)."""

NAMESPACE_CLONE_FLAGS: dict[str, int] = {
    "CLONE_NEWNS": 0x00020000,
    "CLONE_NEWCGROUP": 0x02000000,
    "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000,
    "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}
"""``clone()`` fails with EPERM when its flags contain any of these."""

AF_INET, AF_INET6 = 2, 10
ALLOWED_FAMILIES_WITH_NETWORK = (AF_INET, AF_INET6)
"""The only ``socket()`` families allowed when ``network`` is True."""


class SeccompError(RuntimeError):
    """The seccomp filter could not be built or loaded; the message says why and what to do."""


@functools.cache
def _pyseccomp() -> tuple[Any, str]:
    """(the pyseccomp module, "") or (None, why it cannot be used). Imported lazily: importing
    it loads libseccomp and runs ``ldconfig`` to find it, so do it (``filter_support()``)
    before dropping privileges and setting rlimits."""
    try:
        import pyseccomp
    except ImportError as exc:
        if exc.name == "pyseccomp":
            return None, f"pyseccomp is not installed (pip install pyseccomp): {exc}"
        return None, f"pyseccomp cannot be imported: {exc!r}"
    except Exception as exc:  # noqa: BLE001 - pyseccomp raises RuntimeError without libseccomp
        return None, f"libseccomp cannot be loaded (install libseccomp2): {exc}"
    return pyseccomp, ""


def _resolve(sc: Any, names: tuple[str, ...]) -> tuple[dict[str, int], list[str]]:
    """Native syscall numbers of ``names``, and the names with no syscall on this arch."""
    known: dict[str, int] = {}
    skipped: list[str] = []
    for name in names:
        number = sc.resolve_syscall(sc.Arch.NATIVE, name)
        if number < 0:  # -1: unknown to libseccomp; below: not a syscall on this arch
            skipped.append(name)
        else:
            known[name] = number
    return known, skipped


def skipped_syscalls() -> tuple[str, ...]:
    """Names from the profile that libseccomp does not know on this architecture (not filtered).

    Example:
        >>> "ptrace" in skipped_syscalls()
        False
    """
    sc, _why = _pyseccomp()
    if sc is None:
        return ()
    names = (*DENIED_SYSCALLS, "socket", "clone", "clone3")
    return tuple(_resolve(sc, names)[1])


def _build(sc: Any, network: bool) -> Any:
    eperm, enosys = sc.ERRNO(errno.EPERM), sc.ERRNO(errno.ENOSYS)
    flt = sc.SyscallFilter(sc.ALLOW)
    flt.set_attr(sc.Attr.CTL_NNP, 1)
    flt.set_attr(sc.Attr.ACT_BADARCH, enosys)
    try:
        flt.set_attr(sc.Attr.CTL_TSYNC, 1)  # every thread of the caller, not only this one
    except OSError:
        pass  # old libseccomp or kernel: the fork server's child is single-threaded anyway
    known, _skipped = _resolve(sc, (*DENIED_SYSCALLS, "socket", "clone", "clone3"))
    for name in DENIED_SYSCALLS:
        if name in known:
            flt.add_rule(eperm, known[name])
    if "socket" in known:
        if not network:
            flt.add_rule(eperm, known["socket"])
        else:  # allow exactly AF_INET (2) and AF_INET6 (10), compared as 64-bit values
            flt.add_rule(eperm, known["socket"], sc.Arg(0, sc.LT, AF_INET))
            for family in range(AF_INET + 1, AF_INET6):
                flt.add_rule(eperm, known["socket"], sc.Arg(0, sc.EQ, family))
            flt.add_rule(eperm, known["socket"], sc.Arg(0, sc.GT, AF_INET6))
    if "clone" in known:
        # s390 passes the stack first and the flags second
        flags_arg = 1 if sc.system_arch() in (sc.Arch.S390, sc.Arch.S390X) else 0
        for flag in NAMESPACE_CLONE_FLAGS.values():
            flt.add_rule(eperm, known["clone"], sc.Arg(flags_arg, sc.MASKED_EQ, flag, flag))
    if "clone3" in known:
        flt.add_rule(enosys, known["clone3"])
    return flt


@functools.cache
def prepared_filter(network: bool) -> Any:
    """The profile built (not loaded) once per process: the fork server builds both, so a
    forked child only loads it. Raises SeccompError when it cannot be built."""
    sc, why = _pyseccomp()
    if sc is None:
        raise SeccompError(f"cannot load the sandbox seccomp filter: {why}")
    try:
        return _build(sc, network)
    except OSError as exc:
        raise SeccompError(f"libseccomp cannot build the sandbox seccomp filter: {exc}") from exc


def load_filter(network: bool) -> None:
    """Install the profile on the calling process and all its future children (irreversible).

    Call it in the forked child that will run untrusted code, after everything that needs a
    denied call (namespaces, mounts, rlimits, dropping privileges) and just before the code
    runs. ``network``: ``Limits.network``. Raises SeccompError when pyseccomp or libseccomp
    is missing or the kernel refuses the filter. Call ``filter_support()`` in the parent (the
    fork server) first: it answers whether to call this at all, and imports pyseccomp there,
    which a child with rlimits and an unused uid may not be able to do.

    Example:
        >>> import os
        >>> if os.fork() == 0:                                # doctest: +SKIP
        ...     load_filter(network=False)
    """
    flt = prepared_filter(network)
    try:
        flt.load()
    except OSError as exc:
        hint = "" if _kernel_has_seccomp() else " (this kernel has no seccomp support)"
        raise SeccompError(f"the kernel refused the sandbox seccomp filter: {exc}{hint}") from exc


def _kernel_has_seccomp() -> bool:
    try:
        with open("/proc/self/status") as fh:
            return any(line.startswith("Seccomp:") for line in fh)
    except OSError:
        return True  # cannot tell


def _probe_child(write_fd: int) -> None:
    """In a forked child: load the filter and check that it denies socket()."""
    import socket

    try:
        load_filter(network=False)
        try:
            socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
            message = "the filter loaded but socket() was still allowed"
        except PermissionError:
            message = ""
    except SeccompError as exc:
        message = str(exc)
    os.write(write_fd, b"done:" + message.encode(errors="replace")[:4000])


@functools.cache
def filter_support() -> tuple[bool, str]:
    """Whether ``load_filter`` works here: (True, "") or (False, why). Probed once per process
    in a forked child (loading a filter is irreversible), then cached; forked children (the
    fork server's runs) inherit the answer and the imported pyseccomp.

    Example:
        >>> ok, why = filter_support()
        >>> isinstance(ok, bool) and (ok or why != "")
        True
    """
    sc, why = _pyseccomp()
    if sc is None:
        return False, why
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError as exc:
        os.close(read_fd)
        os.close(write_fd)
        return False, f"cannot fork a child to probe seccomp: {exc}"
    if pid == 0:  # the probe child: never returns to the caller's code
        try:
            os.close(read_fd)
            _probe_child(write_fd)
        finally:
            os._exit(0)
    os.close(write_fd)
    with open(read_fd, "rb") as pipe:
        reply = pipe.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    if not reply.startswith("done:"):
        return False, f"the seccomp probe child died ({_describe_status(status)})"
    message = reply[len("done:"):]
    return (not message), message


def _describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


__all__ = [
    "DENIED_GROUPS", "DENIED_SYSCALLS", "NAMESPACE_CLONE_FLAGS", "SeccompError",
    "filter_support", "load_filter", "skipped_syscalls",
]

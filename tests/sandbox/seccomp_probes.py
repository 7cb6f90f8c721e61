"""Probes for the seccomp filter tests: each operation runs in its own forked child, so the
filter is never loaded into the test process. As root the child first enters throwaway mount,
UTS, IPC and network namespaces, so an unfiltered probe changes nothing on the host.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable

from dspy_coder.sandbox import isolation
from dspy_coder.sandbox import seccomp_filter as sf
from dspy_coder.sandbox.namespaces import MS_PRIVATE, MS_REC, mount, unshare

ROOT = os.geteuid() == 0
SCRATCH_NAMESPACES = sum(
    sf.NAMESPACE_CLONE_FLAGS[name] for name in ("CLONE_NEWNS", "CLONE_NEWUTS", "CLONE_NEWIPC",
                                                "CLONE_NEWNET")
)
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _nr(name: str) -> int:
    import pyseccomp  # the tests skip without it

    return pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, name)


def _check(rc: int) -> int:
    if rc == -1:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return rc


def _syscall(name: str, *args: int) -> int:
    return _check(_libc.syscall(ctypes.c_long(_nr(name)), *(ctypes.c_long(a) for a in args)))


# --- probes: each runs in a fresh child and raises OSError when the operation is refused ----


def socket_probe(family: int, kind: int = socket.SOCK_STREAM, proto: int = 0) -> Callable[[], None]:
    return lambda: socket.socket(family, kind, proto).close()


def raw_socket(family: int) -> Callable[[], None]:
    """socket() through syscall(2), so any 64-bit value can be passed as the family."""
    return lambda: os.close(_syscall("socket", family, socket.SOCK_DGRAM, 0))


def socketpair_probe() -> None:
    for sock in socket.socketpair():
        sock.close()


def resolve_localhost() -> None:
    assert socket.getaddrinfo("localhost", 80)


def _clone_with(flag: int) -> Callable[[], None]:
    def probe() -> None:
        pid = _syscall("clone", flag | signal.SIGCHLD, 0, 0, 0, 0)
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)

    return probe


def _clone3() -> None:
    _syscall("clone3", 0, 0)  # unfiltered: EINVAL (size 0); filtered: ENOSYS


def _ptrace_attach() -> None:
    target = os.fork()
    if target == 0:
        signal.pause()
        os._exit(0)
    try:
        _check(_libc.ptrace(ctypes.c_long(16), target, None, None))  # PTRACE_ATTACH
    finally:
        os.kill(target, signal.SIGKILL)
        os.waitpid(target, 0)


def _mount(target: str) -> Callable[[], None]:
    return lambda: mount("tmpfs", target, "tmpfs", 0, "size=1m")


def _sethostname() -> None:
    _check(_libc.sethostname(b"seccomp-probe", 13))


def _keyctl() -> None:
    _syscall("keyctl", 0, -2, 1)  # KEYCTL_GET_KEYRING_ID, KEY_SPEC_PROCESS_KEYRING, create


def _bpf() -> None:
    try:
        _syscall("bpf", 0, 0, 0)  # BPF_MAP_CREATE with no attributes
    except OSError as exc:
        if exc.errno != errno.EINVAL:  # the kernel got the call and rejected its arguments
            raise


def _thread() -> None:
    import threading

    box: list[int] = []
    thread = threading.Thread(target=lambda: box.append(6 * 7))
    thread.start()
    thread.join()
    assert box == [42]


def _fork() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 7


def _subprocess() -> None:
    import subprocess

    out = subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True, check=True)
    assert out.stdout.strip() == b"42"


def _pool() -> None:
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(2) as pool:
        assert pool.map(abs, [-1, -2]) == [1, 2]


def _queue_process() -> None:
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=queue.put, args=(42,))
    proc.start()
    assert queue.get(timeout=20) == 42
    proc.join()


def _process_pool() -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as ex:
        assert ex.submit(abs, -3).result(timeout=20) == 3


def _asyncio() -> None:
    import asyncio

    assert asyncio.run(asyncio.sleep(0, result=42)) == 42


def exec_child_socket() -> None:
    """A child that execs a new interpreter inherits the filter."""
    import subprocess

    code = "import socket; socket.socket(socket.AF_INET6)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True)
    if out.returncode != 0 and b"PermissionError" in out.stderr:
        raise PermissionError(errno.EPERM, "denied in the exec'd child")
    assert out.returncode == 0, out.stderr


def forked_child_socket() -> None:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            socket.socket(socket.AF_INET).close()
            os.write(write_fd, b"ok")
        except OSError as exc:
            os.write(write_fd, str(exc.errno).encode())
        os._exit(0)
    os.close(write_fd)
    reply = os.read(read_fd, 100)
    os.waitpid(pid, 0)
    if reply != b"ok":
        raise OSError(int(reply), os.strerror(int(reply)))


# --- running a probe in a forked child ----------------------------------------------------------


def _errno_name(exc: OSError) -> str:
    return errno.errorcode.get(exc.errno or 0, f"errno {exc.errno}")


def _outcome(probe: Callable[[], object]) -> object:
    """"ok" (or what the probe returned), or the errno name of the OSError it raised."""
    try:
        value = probe()
    except OSError as exc:
        return _errno_name(exc)
    return "ok" if value is None else value


def in_child(
    probes: dict[str, Callable[[], object]], *, filtered: bool, network: bool = False,
    uid: int | None = None,
) -> dict[str, object]:
    """Run each probe in its own forked child (as root: in throwaway mount, UTS, IPC and
    network namespaces, so an unfiltered probe changes nothing on the host), after loading the
    filter when ``filtered``; returns probe name -> outcome."""
    return {name: _one_child(probe, filtered, network, uid) for name, probe in probes.items()}


def _one_child(
    probe: Callable[[], object], filtered: bool, network: bool, uid: int | None
) -> object:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_fd)
            signal.alarm(60)
            if ROOT:
                unshare(SCRATCH_NAMESPACES)
                mount("none", "/", None, MS_REC | MS_PRIVATE)
            if uid is not None:
                isolation.drop_privileges(uid)
            if filtered:
                sf.load_filter(network)
            reply = {"outcome": _outcome(probe)}
        except BaseException:  # noqa: BLE001 - reported to the parent
            reply = {"error": traceback.format_exc()}
        try:
            os.write(write_fd, json.dumps(reply).encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    with open(read_fd, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert data, f"probe child died without a reply (wait status {status})"
    reply = json.loads(data)
    assert "error" not in reply, reply.get("error")
    return reply["outcome"]


# --- the profile --------------------------------------------------------------------------------


def _unshare_retrying(flag_name: str) -> Callable[[], object]:
    """unshare(flag), retried on EINVAL for up to a second. The unfiltered control failed with
    EINVAL now and then when other test modules ran first, and passed alone; the kernel gives
    EINVAL for CLONE_NEWUSER in a process that is not single-threaded, so the likely cause is a
    library loaded by an earlier test that starts a thread in forked children (not confirmed)."""

    def probe() -> object:
        for _ in range(20):
            try:
                return unshare(sf.NAMESPACE_CLONE_FLAGS[flag_name])
            except OSError as exc:
                if exc.errno != errno.EINVAL:
                    raise
                time.sleep(0.05)
        return unshare(sf.NAMESPACE_CLONE_FLAGS[flag_name])

    return probe


def denied_probes(tmp_path) -> dict[str, Callable[[], object]]:
    probes: dict[str, Callable[[], object]] = {
        "socket AF_INET": socket_probe(socket.AF_INET),
        "socket AF_INET6": socket_probe(socket.AF_INET6),
        "socket AF_UNIX": socket_probe(socket.AF_UNIX),
        "socket AF_NETLINK": socket_probe(socket.AF_NETLINK, socket.SOCK_RAW, 0),
        "socket AF_PACKET": socket_probe(socket.AF_PACKET, socket.SOCK_RAW),
        "unshare CLONE_NEWUSER": _unshare_retrying("CLONE_NEWUSER"),
        "unshare CLONE_NEWNET": _unshare_retrying("CLONE_NEWNET"),
        "mount tmpfs": _mount(str(tmp_path)),
        "ptrace attach": _ptrace_attach,
        "sethostname": _sethostname,
        "keyctl": _keyctl,
        "bpf": _bpf,
        "clone3": _clone3,
    }
    for flag_name, flag in sf.NAMESPACE_CLONE_FLAGS.items():
        probes[f"clone {flag_name}"] = _clone_with(flag)
    return probes


PYTHON_STILL_WORKS: dict[str, Callable[[], object]] = {
    "socketpair": socketpair_probe,
    "threading.Thread": _thread,
    "os.fork": _fork,
    "subprocess.run python": _subprocess,
    "multiprocessing Pool": _pool,
    "multiprocessing Queue + Process": _queue_process,
    "ProcessPoolExecutor": _process_pool,
    "asyncio.run": _asyncio,
}


def sweep() -> dict[str, str]:
    """Call every denied syscall with all arguments -1 (harmless should one ever run: each then
    fails on a bad flag, pointer or descriptor); syscall name -> outcome."""
    results = {}
    for name in sf.DENIED_SYSCALLS:
        if name not in sf.skipped_syscalls():
            results[name] = _outcome(lambda name=name: _syscall(name, -1, -1, -1, -1, -1, -1))
    return results

"""Linux namespace and mount primitives (ctypes wrappers) used to isolate a run.

Example:
    >>> from dspy_coder.sandbox.namespaces import blocked_ancestors
    >>> blocked_ancestors(["/usr/lib"])
    {}
"""

from __future__ import annotations

import ctypes
import os

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 16384, 1 << 18
MS_BIND, MS_MOVE, MS_RDONLY, MS_REMOUNT = 4096, 8192, 1, 32
PRIVATE_TMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")

_libc = ctypes.CDLL(None, use_errno=True)


def unshare(flags: int) -> None:
    """``unshare(2)``; raises OSError on failure."""
    if _libc.unshare(flags) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def mount(source: str, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    """``mount(2)``; raises OSError on failure."""
    rc = _libc.mount(
        source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
        data.encode() if data else None,
    )
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def private_tmp(size_mb: int, keep: list[str] | tuple[str, ...] = ()) -> None:
    """In a fresh mount namespace: stop propagation and put an empty tmpfs on every
    world-writable temp dir (/tmp, /var/tmp, /dev/shm, /run/lock), discarded with the namespace.
    Directories in ``keep`` (the interpreter's, e.g. a virtualenv under /tmp) stay visible
    there, read-only."""
    mount("none", "/", None, MS_REC | MS_PRIVATE)
    held = []
    for path in keep:  # hold each kept directory open: the tmpfs is about to cover its path
        try:
            held.append((path, os.open(path, os.O_PATH | os.O_DIRECTORY)))
        except OSError:
            continue
    try:
        for target in PRIVATE_TMP_DIRS:
            if os.path.isdir(target) and not os.path.islink(target):
                mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV,
                      f"size={size_mb}m,nr_inodes=8192,mode=1777")
        for path, fd in held:
            _make_dirs_0755(path)
            bind_read_only(f"/proc/self/fd/{fd}", path)
    finally:
        for _, fd in held:
            os.close(fd)


def bind_read_only(source: str, target: str) -> None:
    """Show the directory ``source`` at ``target`` (an existing directory), read-only for every
    process of this mount namespace, root included."""
    mount(source, target, None, MS_BIND | MS_REC)
    mount("none", target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _make_dirs_0755(path: str) -> None:
    """Create ``path`` and its missing parents, readable by every uid (on the fresh tmpfs)."""
    missing = []
    while not os.path.isdir(path):
        missing.append(path)
        path = os.path.dirname(path)
    for directory in reversed(missing):
        os.mkdir(directory, 0o755)
        os.chmod(directory, 0o755)


def paths_under_private_tmp(paths: list[str]) -> list[str]:
    """The outermost of ``paths`` that lie under a temp dir the run replaces with a tmpfs."""
    inside = [p for p in sorted(set(paths))
              if any(p.startswith(t.rstrip("/") + "/") for t in PRIVATE_TMP_DIRS)]
    return [p for p in inside if not any(p.startswith(q + "/") for q in inside if q != p)]


def interpreter_paths() -> list[str]:
    """Directories the child interpreter must be able to read (stdlib, site-packages, ...)."""
    import sys

    paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(sys.executable)]
    paths += [p for p in sys.path if p and os.path.isabs(p)]
    return sorted({os.path.realpath(p) for p in paths if os.path.exists(p)})


def blocked_ancestors(paths: list[str]) -> dict[str, list[str]]:
    """For paths below a directory other users cannot enter (e.g. /root, mode 0700), map that
    directory to the entries directly under it that lead to the paths."""
    blocked: dict[str, set[str]] = {}
    for path in paths:
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts)):
            ancestor = "/" + "/".join(parts[:depth])
            try:
                mode = os.stat(ancestor).st_mode
            except OSError:
                break
            if not mode & 0o001:
                blocked.setdefault(ancestor, set()).add(parts[depth])
                break
    return {k: sorted(v) for k, v in blocked.items()}


def expose_through(blocked: dict[str, list[str]], staging_root: str) -> None:
    """In a private mount namespace (root only): replace each blocked directory by an empty
    0755 tmpfs that contains only bind mounts of the needed entries, so an unprivileged uid can
    read the interpreter while everything else there stays hidden."""
    for index, (directory, entries) in enumerate(blocked.items()):
        staged = []
        for j, entry in enumerate(entries):
            source = os.path.join(directory, entry)
            stage = os.path.join(staging_root, f".stage-{index}-{j}")
            if os.path.isdir(source):
                os.mkdir(stage)
            else:
                open(stage, "w").close()  # noqa: SIM115
            mount(source, stage, None, MS_BIND | MS_REC)
            staged.append((entry, stage, os.path.isdir(source)))
        mount("tmpfs", directory, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
        for entry, stage, is_dir in staged:
            target = os.path.join(directory, entry)
            if is_dir:
                os.mkdir(target)
            else:
                open(target, "w").close()  # noqa: SIM115
            mount(stage, target, None, MS_MOVE)
            (os.rmdir if is_dir else os.remove)(stage)


def map_user_to_root() -> None:
    """Inside a fresh user namespace: map the caller's uid/gid to root."""
    uid, gid = os.getuid(), os.getgid()
    with open("/proc/self/setgroups", "w") as fh:
        fh.write("deny")
    with open("/proc/self/uid_map", "w") as fh:
        fh.write(f"0 {uid} 1")
    with open("/proc/self/gid_map", "w") as fh:
        fh.write(f"0 {gid} 1")

"""Library directories (a project environment's site-packages) that a run imports from, read-only.

With a mount namespace the supervisor opens each directory before the run's private ``/tmp``
covers the host's (``open_dirs``), then bind-mounts it read-only at
``/tmp/.dspy-coder-site-<i>`` (``mount_read_only``): the run sees only that directory, not its
parents (which may be closed to the run's uid, like ``/root``), and cannot write there even as
root inside the run. Without one the host paths are used as they are and only file permissions
keep them read-only. ``add_to_path`` puts them on ``sys.path`` just before the interpreter's
own site-packages, so the project's versions win. Long-lived workers (``spawn_isolated``) get
the same read-only mounts in a mount namespace of their own (``mount_for_worker``) and find
the paths in ``SITE_DIRS_ENV``. Stdlib only: the fork server imports it.

Example:
    >>> import sys
    >>> saved = list(sys.path)
    >>> sys.path[:] = ["/usr/lib/python3.11", "/venv/lib/python3.11/site-packages"]
    >>> add_to_path(["/tmp/.dspy-coder-site-0"])
    >>> sys.path
    ['/usr/lib/python3.11', '/tmp/.dspy-coder-site-0', '/venv/lib/python3.11/site-packages']
    >>> sys.path[:] = saved
"""

from __future__ import annotations

import os
import sys

from dspy_coder.sandbox.namespaces import (
    CLONE_NEWNS,
    MS_PRIVATE,
    MS_REC,
    bind_read_only,
    mount,
    unshare,
)

MOUNT_PREFIX = "/tmp/.dspy-coder-site-"
SITE_DIRS_ENV = "DSPY_CODER_SITE_DIRS"  # a worker's read-only library directories (os.pathsep)


def open_dirs(paths: list[str]) -> list[int]:
    """An ``O_PATH`` descriptor of each directory, which stays usable once a mount covers its
    path (a site-packages below /tmp)."""
    return [os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC) for path in paths]


def mount_read_only(fds: list[int], prefix: str = MOUNT_PREFIX) -> list[str]:
    """In the run's mount namespace (after its private /tmp): mount each directory read-only at
    ``<prefix><i>`` and close its descriptor; returns the paths the run imports from."""
    paths = []
    for index, fd in enumerate(fds):
        target = f"{prefix}{index}"
        os.mkdir(target, 0o755)
        try:
            bind_read_only(f"/proc/self/fd/{fd}", target)
        finally:
            os.close(fd)
        paths.append(target)
    return paths


def add_to_path(paths: list[str]) -> None:
    """Insert ``paths`` into ``sys.path`` before the first site-packages entry (at the end when
    there is none), keeping their order."""
    where = next((i for i, entry in enumerate(sys.path)
                  if os.path.basename(entry.rstrip("/")) in ("site-packages", "dist-packages")),
                 len(sys.path))
    sys.path[where:where] = [p for p in paths if p not in sys.path]


def mount_for_worker(mounts: list[tuple[str, str]]) -> None:
    """In a worker's child before it execs (root only): enter a mount namespace of its own,
    private so nothing propagates back to the host, and show each (source, target) directory
    read-only at its target."""
    unshare(CLONE_NEWNS)
    mount("none", "/", None, MS_REC | MS_PRIVATE)
    for source, target in mounts:
        bind_read_only(source, target)

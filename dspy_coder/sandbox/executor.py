"""``run``: execute generated code (and its tests) in the sandbox; the public entry point.

Example:
    >>> from dspy_coder.sandbox import Limits, run
    >>> r = run("def inc(x):\\n    return x + 2\\n",
    ...         tests="def check(candidate):\\n    assert candidate(1) == 2\\n",
    ...         entry_point="inc", limits=Limits(timeout_s=5))
    >>> r.status
    'failed'
    >>> print(r.tests[0].message)
    assert candidate(1) == 2
      candidate(1) returned 3
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Sequence

from dspy_coder.errors import UsageError
from dspy_coder.sandbox.forkserver import ForkServer
from dspy_coder.sandbox.isolation import active_layers, support
from dspy_coder.sandbox.limits import Limits
from dspy_coder.types import ExecutionResult

RESPONSE_GRACE_S = 15.0

_server: ForkServer | None = None
_server_lock = threading.Lock()


def _get_server() -> ForkServer:
    global _server
    with _server_lock:
        if _server is None:
            _server = ForkServer()
            atexit.register(shutdown)
        return _server


def shutdown() -> None:
    """Stop the warm fork server (it restarts on the next ``run``)."""
    global _server
    with _server_lock:
        if _server is not None:
            _server.close()
            _server = None


def run(
    code: str,
    tests: str | None = None,
    entry_point: str | None = None,
    limits: Limits | None = None,
    *,
    site_dirs: Sequence[str | os.PathLike[str]] = (),
) -> ExecutionResult:
    """Run ``code`` (a module's source) and optionally ``tests`` in an isolated process tree.

    ``tests`` holds pytest-style ``def test_*()`` functions, or a HumanEval ``def
    check(candidate)`` together with ``entry_point`` (the function in ``code`` passed as
    ``candidate``). Test code shares the module namespace of ``code`` (as if appended to it),
    and ``from solution import f`` also works. Without tests the module runs as ``__main__``.
    ``site_dirs``: directories of installed libraries (a project environment's site-packages)
    that the code and tests import from, read-only (see ``sandbox.site_dirs``).

    Failures of the code are data in the returned ExecutionResult; SandboxError is raised only
    when the sandbox itself fails, UsageError for invalid arguments.
    """
    if not isinstance(code, str):
        raise UsageError(f"code must be a str of Python source, got {type(code).__name__}")
    if tests is not None and not isinstance(tests, str):
        raise UsageError(f"tests must be a str of Python source or None, got {type(tests)}")
    if entry_point is not None and not (
        isinstance(entry_point, str) and entry_point.isidentifier()
    ):
        raise UsageError(f"entry_point must be a function name, got {entry_point!r}")
    if limits is None:
        limits = Limits()
    elif not isinstance(limits, Limits):
        raise UsageError("limits must be a dspy_coder.sandbox.Limits, e.g. Limits(timeout_s=5)")
    sup = support()
    request = {
        "code": code,
        "tests": tests,
        "entry_point": entry_point,
        "limits": {**limits.model_dump(), "cpu_seconds": limits.cpu_seconds()},
        "layers": active_layers(limits),
        "nice": os.getpriority(os.PRIO_PROCESS, 0),  # the code never runs at a higher priority
        "site_dirs": _checked_site_dirs(site_dirs),
        "support": {
            "root": sup.root,
            "pid_namespace": sup.pid_namespace,
            "net_namespace": sup.net_namespace,
            "mount_namespace": sup.mount_namespace,
            "ipc_namespace": sup.ipc_namespace,
            "uid_drop": sup.uid_drop,
        },
    }
    raw = _get_server().submit(request, timeout_s=limits.timeout_s + RESPONSE_GRACE_S)
    return ExecutionResult.model_validate(raw)


def _checked_site_dirs(site_dirs: Sequence[str | os.PathLike[str]]) -> list[str]:
    """The real paths of ``site_dirs``; UsageError for one that is not an existing directory."""
    if isinstance(site_dirs, str | os.PathLike):
        raise UsageError("site_dirs must be a list of directories, not one path")
    checked = []
    for entry in site_dirs:
        path = os.path.realpath(entry)
        if not os.path.isdir(path):
            raise UsageError(f"site_dirs: {entry!s} is not a directory (pass a site-packages "
                             "directory of a project environment)")
        checked.append(path)
    return checked

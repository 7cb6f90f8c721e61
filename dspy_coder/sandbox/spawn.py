"""``spawn_isolated``: a long-lived isolated process (e.g. the ProgramOfThought worker).

Import it from ``dspy_coder.sandbox.isolation`` (documented there) or from here.

Example:
    >>> import sys
    >>> from dspy_coder.sandbox import Limits
    >>> with spawn_isolated([sys.executable, "-c", "print(6 * 7)"], Limits()) as proc:
    ...     out, _ = proc.popen.communicate(timeout=10)
    >>> out.strip()
    b'42'
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from dspy_coder.errors import SandboxError
from dspy_coder.sandbox import isolation as iso
from dspy_coder.sandbox.site_dirs import SITE_DIRS_ENV, mount_for_worker

if TYPE_CHECKING:
    from dspy_coder.sandbox.limits import Limits


# ---------------------------------------------------------------------------------------------


@dataclass
class IsolatedProcess:
    """A process started by :func:`spawn_isolated`. ``kill()`` ends its whole tree."""

    popen: subprocess.Popen
    temp_dir: Path
    layers: list[str]

    @property
    def pid(self) -> int:
        return self.popen.pid

    def kill(self) -> None:
        """Kill the process and all its descendants, then remove the temp dir."""
        if self.popen.poll() is None:
            iso.kill_tree(self.popen.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)
        for stream in (self.popen.stdin, self.popen.stdout, self.popen.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        iso.remove_temp_dir(self.temp_dir)

    def __enter__(self) -> IsolatedProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()


def spawn_isolated(
    argv: list[str],
    limits: Limits,
    *,
    stdin: int | IO[Any] | None = subprocess.PIPE,
    stdout: int | IO[Any] | None = subprocess.PIPE,
    stderr: int | IO[Any] | None = subprocess.PIPE,
    pass_fds: tuple[int, ...] = (),
    env_extra: dict[str, str] | None = None,
    baseline_mb: int = 256,
    site_dirs: Sequence[str] = (),
) -> IsolatedProcess:
    """Start ``argv`` isolated: own PID + net namespace, unused uid, rlimits, scrubbed env.

    ``limits.timeout_s`` is *not* enforced here (a worker is long-lived): the caller enforces
    its own per-request timeouts and calls ``kill()``. RLIMIT_AS is ``baseline_mb +
    limits.memory_mb`` because a fresh interpreter needs room for itself. ``site_dirs``
    (a project environment's site-packages): as root they are bind-mounted read-only into
    the process's temp dir in a mount namespace of its own (elsewhere passed as they are);
    the paths it sees are in its ``DSPY_CODER_SITE_DIRS`` for the worker to import from.
    Raises SandboxError if the process cannot be started.
    """
    sup = iso.support()
    # a worker runs its own loop (no per-run harness): no stdin/output cap, and no seccomp
    # filter, which cannot sit in front of the `unshare` tool that starts it
    layers = [x for x in iso.active_layers(limits)
              if x not in ("stdin_closed", "output_cap", "seccomp")]
    uid = iso.allocate_uid() if (sup.uid_drop and limits.drop_privileges) else None
    temp_dir = iso.make_temp_dir(uid)
    prefix: list[str] = []
    tool = shutil.which("unshare", path=iso.SAFE_PATH)
    want_net = not limits.network and sup.net_namespace
    if tool and (sup.pid_namespace or want_net or sup.ipc_namespace):
        prefix = [tool] if sup.root else [tool, "--user", "--map-root-user"]
        if sup.pid_namespace:
            prefix += ["--pid", "--fork", "--kill-child=SIGKILL"]
        if want_net:
            prefix.append("--net")
        if sup.ipc_namespace:
            prefix.append("--ipc")
        prefix.append("--")
    if uid is not None:
        setpriv = shutil.which("setpriv", path=iso.SAFE_PATH)
        if setpriv is None:
            iso.remove_temp_dir(temp_dir)
            raise SandboxError("util-linux `setpriv` is missing: apt-get install util-linux")
        prefix += [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]
    run_uid = uid if uid is not None else os.getuid()
    mounts = _site_mounts(site_dirs, temp_dir, sup)
    if site_dirs:
        seen = [target for _, target in mounts] if mounts else [str(p) for p in site_dirs]
        env_extra = {**(env_extra or {}), SITE_DIRS_ENV: os.pathsep.join(seen)}

    def _preexec() -> None:
        iso.set_pdeathsig(signal.SIGKILL)
        if mounts:
            mount_for_worker(mounts)
        iso.apply_rlimits(limits, baseline_mb * iso.MIB, run_uid=run_uid)

    try:
        popen = subprocess.Popen(
            [*prefix, *argv],
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            pass_fds=pass_fds,
            cwd=temp_dir,
            env=iso.scrubbed_env(temp_dir, env_extra),
            start_new_session=True,
            preexec_fn=_preexec,
        )
    except (OSError, subprocess.SubprocessError) as exc:  # the latter: preexec_fn failed
        iso.remove_temp_dir(temp_dir)
        raise SandboxError(
            f"could not start isolated process {argv[0]!r}: {exc}. Check that the program "
            "exists and is readable by other users (the sandbox runs it as an unused uid)."
        ) from exc
    return IsolatedProcess(popen=popen, temp_dir=temp_dir, layers=layers)


def _site_mounts(site_dirs: Sequence[str], temp_dir: Path,
                 sup: iso.IsolationSupport) -> list[tuple[str, str]]:
    """(host directory, mount point in the temp dir) per site dir when the process will get a
    mount namespace of its own (root), else none."""
    if not (site_dirs and sup.root and sup.mount_namespace):
        return []
    mounts = []
    for index, source in enumerate(site_dirs):
        target = temp_dir / f".site-{index}"
        target.mkdir(mode=0o755)
        mounts.append((os.path.realpath(source), str(target)))
    return mounts

"""A per-project virtual environment holding the libraries a project's requirements name:
built once, then reused, read-only.

``library_env(libraries)`` returns a ready ``LibraryEnv``. The environment lives at the given
``path`` or at ``~/.cache/dspy-coder/envs/<key>`` (the key hashes the library names and this
Python, so projects that name the same libraries share one). It is reused when it holds them
already; otherwise it is made with ``python -m venv --without-pip`` and filled by this
interpreter's pip (``pip --python``), so it holds just the libraries and their dependencies.
A lock file beside it keeps two runs from building it at once, a marker written last tells a
finished build from a broken one, and a finished build's files are made read-only (the sandbox
also mounts it read-only). A failed install raises what ``task.pip_failure`` says.

Example:
    >>> env = library_env([Library(name="tomli-w")])           # doctest: +SKIP
    >>> env.installed, env.site_packages.name                   # doctest: +SKIP
    ({'tomli-w': '1.2.0'}, 'site-packages')
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import shutil
import stat
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from dspy_coder.durable_files import exclusive_lock
from dspy_coder.errors import SetupError, UsageError
from dspy_coder.task.library_check import distribution_name, missing_libraries
from dspy_coder.task.pip_failure import last_lines, pip_failure
from dspy_coder.task.project_requirements import Library

logger = logging.getLogger(__name__)

MARKER = "dspy-coder-env.json"


@dataclass(frozen=True)
class LibraryEnv:
    """A ready project environment: where it is, where its libraries are, and their versions."""

    path: Path
    site_packages: Path
    installed: dict[str, str]


def default_envs_dir() -> Path:
    """Where project environments live unless a path is given: ``~/.cache/dspy-coder/envs``."""
    return Path.home() / ".cache" / "dspy-coder" / "envs"


def _python_tag() -> str:
    """This Python, as far as an environment made from it depends on it."""
    return "-".join((sys.implementation.cache_tag, platform.machine(),
                     os.path.realpath(sys.base_prefix)))


def _names(libraries: list[Library]) -> list[str]:
    return sorted({library.name.lower().replace("_", "-") for library in libraries})


def env_key(libraries: list[Library]) -> str:
    """The cache key of an environment with ``libraries`` for this Python."""
    text = json.dumps({"libraries": _names(libraries), "python": _python_tag()})
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def site_packages(path: Path) -> Path:
    """The site-packages directory of the environment at ``path``."""
    base = str(path)
    return Path(sysconfig.get_path("purelib", "venv", vars={"base": base, "platbase": base}))


def library_env(libraries: list[Library], path: Path | None = None) -> LibraryEnv:
    """The environment at ``path`` (default: the shared cache, see the module docstring) with
    ``libraries`` installed, built or topped up first when it lacks them. A ``path`` that
    exists must be empty or an environment this function made (UsageError otherwise)."""
    if not libraries:
        raise UsageError("A project environment needs at least one library (--lib NAME).")
    chosen = path is not None
    path = Path(path).absolute() if path is not None else default_envs_dir() / env_key(libraries)
    ready = _ready(path, libraries)
    if ready is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(path.parent / f".{path.name}.lock"):
            ready = _ready(path, libraries)  # another run may have built it while we waited
            if ready is None:
                return _build(path, libraries, chosen)
    logger.info("Project environment %s has %s: reusing it", path, _versions(ready))
    return ready


def _versions(env: LibraryEnv) -> str:
    return ", ".join(f"{name} {version}" for name, version in env.installed.items())


def _marker(path: Path) -> dict | None:
    try:
        marker = json.loads((path / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def _ready(path: Path, libraries: list[Library]) -> LibraryEnv | None:
    """The environment at ``path`` if a finished build for this Python holds ``libraries``."""
    marker = _marker(path)
    site = site_packages(path)
    if (marker is None or marker.get("python") != _python_tag() or not site.is_dir()
            or missing_libraries(libraries, site)):
        return None
    installed = {}
    for library in libraries:
        found = next(iter(metadata.distributions(name=distribution_name(library.name),
                                                 path=[str(site)])))
        installed[library.name] = found.version
    return LibraryEnv(path=path, site_packages=site, installed=installed)


def _build(path: Path, libraries: list[Library], chosen: bool) -> LibraryEnv:
    """Make (or top up) the environment at ``path``; on failure leave it as it was."""
    marker = _marker(path)
    ours = marker is not None and marker.get("python") == _python_tag()
    if path.exists() and not ours:
        if chosen and any(path.iterdir()) and marker is None:
            raise UsageError(f"{path} exists and is not an environment dspy-coder made: pass a "
                             "new or empty directory to --project-env.")
        _remove(path)  # ours, but half-built or for another Python
    fresh = not ours
    missing = missing_libraries(libraries, site_packages(path)) if ours else [
        library.name for library in libraries]
    started = time.perf_counter()
    logger.info("%s the project environment %s: pip install %s (once; later runs reuse it)",
                "Building" if fresh else "Adding to", path, " ".join(missing))
    try:
        if fresh:
            _run([sys.executable, "-m", "venv", "--without-pip", str(path)], "python -m venv",
                 missing)
        else:
            _set_writable(path, True)
        _run([sys.executable, "-m", "pip", "--python", str(path / "bin" / "python"), "install",
              "--no-input", "--disable-pip-version-check", *missing], "pip", missing)
        known = marker.get("libraries", []) if ours and marker else []
        (path / MARKER).write_text(json.dumps({
            "python": _python_tag(), "libraries": sorted(set(known) | set(_names(libraries)))},
            indent=2), encoding="utf-8")
    except BaseException:
        if fresh:
            _remove(path)
        else:
            _set_writable(path, False)
        raise
    _set_writable(path, False)
    ready = _ready(path, libraries)
    if ready is None:
        raise SetupError(f"pip reported success but {path} still lacks "
                         f"{', '.join(missing_libraries(libraries, site_packages(path)))}.")
    logger.info("Project environment %s ready in %.1fs: %s (its files are read-only)", path,
                time.perf_counter() - started, _versions(ready))
    return ready


def _run(command: list[str], what: str, packages: list[str]) -> None:
    """Run a set-up command; raise what its failure means (see ``task.pip_failure``)."""
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, check=False)
    except OSError as exc:
        raise SetupError(f"Could not run {what} ({command[0]}): {exc}") from exc
    for line in done.stdout.splitlines():
        logger.debug("%s: %s", what, line)
    if done.returncode == 0:
        return
    if what == "pip":
        raise pip_failure(done.stdout, packages)
    raise SetupError(f"{what} failed (exit {done.returncode}) making the project environment "
                     f"for {', '.join(packages)}:\n{last_lines(done.stdout)}")


def _set_writable(path: Path, writable: bool) -> None:
    """Give the owner write permission on every file and directory under ``path``, or take it
    (and everyone's) away; symbolic links (the env's python) are left alone."""
    def change(entry: str) -> None:
        if not os.path.islink(entry):
            mode = stat.S_IMODE(os.lstat(entry).st_mode)
            os.chmod(entry, mode | stat.S_IWUSR if writable else mode & ~0o222)

    change(str(path))
    for root, dirs, files in os.walk(path):
        for name in (*dirs, *files):
            change(os.path.join(root, name))


def _remove(path: Path) -> None:
    if path.exists():
        _set_writable(path, True)
        shutil.rmtree(path)



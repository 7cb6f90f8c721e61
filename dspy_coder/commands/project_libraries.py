"""The libraries a project's requirements name, made importable for its sandboxed runs.

By default they must be installed where dspy-coder runs (a missing one stops the run before
any LM call, naming the pip command). With ``--install-libs`` they are installed into a
project environment (``task.library_env``: built once, reused, read-only) whose site-packages
the sandbox mounts read-only for every run of the project's code (module tests, integration
tests, ProgramOfThought's interpreter, the profiler); ``--project-env DIR`` chooses where that
environment lives.

Example:
    >>> runners = sandbox_runners(())
    >>> runners
    {}
"""

from __future__ import annotations

import argparse
import functools
import logging
from pathlib import Path
from typing import Any

from dspy_coder.task.project_requirements import Library

logger = logging.getLogger(__name__)


def add_library_options(parser: argparse.ArgumentParser) -> None:
    """``--install-libs`` and ``--project-env DIR``."""
    group = parser.add_argument_group("libraries (--lib)")
    group.add_argument(
        "--install-libs", action="store_true",
        help="install the --lib libraries into a project environment (built once under "
        "~/.cache/dspy-coder/envs, then reused) that the sandboxed runs import from, "
        "read-only; without it they must already be installed where dspy-coder runs")
    group.add_argument(
        "--project-env", type=Path, metavar="DIR",
        help="the project environment to create or reuse (a new or empty directory, or one "
        "made by an earlier run); implies --install-libs")


def library_site_dirs(args: argparse.Namespace, libraries: list[Library]) -> tuple[str, ...]:
    """The site directories the sandboxed runs import the libraries from: none when they are
    installed here (SetupError when they are not), else the project environment's, built
    first when needed."""
    if not (args.install_libs or args.project_env):
        from dspy_coder.task.library_check import require_libraries

        require_libraries(libraries)
        return ()
    if not libraries:
        logger.info("No --lib libraries: no project environment is needed")
        return ()
    from dspy_coder.task.library_env import library_env

    return (str(library_env(libraries, args.project_env).site_packages),)


def sandbox_runners(site_dirs: tuple[str, ...]) -> dict[str, Any]:
    """The sandbox runners of ``Coder`` (keyword arguments: module runs, ProgramOfThought's
    interpreter, the profiler) whose runs import from ``site_dirs``; empty (its defaults)
    when there are none. ``ProjectCoder`` takes the ``executor`` for integration runs."""
    if not site_dirs:
        return {}
    from dspy_coder.judge.measurement import complexity_profiler
    from dspy_coder.sandbox import SandboxInterpreter, run

    return {"executor": functools.partial(run, site_dirs=site_dirs),
            "interpreter_factory": functools.partial(SandboxInterpreter, site_dirs=site_dirs),
            "profiler": complexity_profiler(site_dirs=site_dirs)}

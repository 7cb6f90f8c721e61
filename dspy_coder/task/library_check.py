"""Whether the libraries a project's requirements name can be imported where its code runs.

The sandbox runs generated code with the interpreter dspy-coder runs in, so a library is
usable when its distribution is installed here. A missing one stops the run before any LM call
with ``SetupError`` naming the package and the command that installs it.

Example:
    >>> missing_libraries([Library(name="pydantic"), Library(name="no-such-dist-xyz")])
    ['no-such-dist-xyz']
"""

from __future__ import annotations

import re
import sys
from importlib import metadata

from dspy_coder.errors import SetupError
from dspy_coder.task.project_requirements import Library


def _distribution(name: str) -> str:
    return re.sub(r"\[.*\]$", "", name)  # 'uvicorn[standard]' -> 'uvicorn'


def missing_libraries(libraries: list[Library]) -> list[str]:
    """The names of ``libraries`` whose distribution is not installed."""
    missing = []
    for library in libraries:
        try:
            metadata.distribution(_distribution(library.name))
        except metadata.PackageNotFoundError:
            missing.append(library.name)
    return missing


def require_libraries(libraries: list[Library]) -> None:
    """Raise ``SetupError`` naming every missing library and how to install it."""
    missing = missing_libraries(libraries)
    if missing:
        raise SetupError(
            f"The requirements use {', '.join(missing)}, not installed where the generated code "
            f"runs ({sys.executable}). Install it with: {sys.executable} -m pip install "
            f"{' '.join(missing)} (or drop it from the requirements).")

"""Whether the libraries a project's requirements name can be imported where its code runs.

By default the sandbox runs generated code with the interpreter dspy-coder runs in, so a
library is usable when its distribution is installed here; with a project environment
(``task.library_env``) it is usable when it is installed there. Without one, a missing library
stops the run before any LM call with ``SetupError`` naming the package and the command that
installs it.

Example:
    >>> missing_libraries([Library(name="pydantic"), Library(name="no-such-dist-xyz")])
    ['no-such-dist-xyz']
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from dspy_coder.errors import SetupError
from dspy_coder.task.project_requirements import Library


def distribution_name(name: str) -> str:
    """The distribution a library name refers to: 'uvicorn[standard]' -> 'uvicorn'."""
    return re.sub(r"\[.*\]$", "", name)


def import_names(name: str, site_dirs: Sequence[str] = ()) -> list[str]:
    """What code imports to use library ``name``: the top-level modules its distribution
    installs (in ``site_dirs``, then where this interpreter imports from), read from its
    ``top_level.txt`` or its file list; ``name`` with '-' as '_' when it is installed in
    neither ('tomli-w' -> ['tomli_w'], 'PyYAML' -> ['yaml'])."""
    found = (next(iter(metadata.distributions(name=distribution_name(name), **where)), None)
             for where in ({"path": list(site_dirs)}, {}))  # {}: this interpreter's sys.path
    dist = next((d for d in found if d is not None), None)
    names: set[str] = set()
    if dist is not None:
        names = set((dist.read_text("top_level.txt") or "").split())
        for file in (dist.files or []) if not names else []:
            top, *rest = Path(str(file)).parts
            if top.endswith((".dist-info", ".egg-info", ".data")) or top in ("..", "__pycache__"):
                continue
            if (not rest and top.endswith(".py")) or (len(rest) == 1 and rest[0].endswith(".py")):
                names.add(top.removesuffix(".py"))  # a module, or a package with code in it
    public = sorted(n for n in names if n.isidentifier() and not n.startswith("_"))
    return public or [guessed_import_name(name)]


def guessed_import_name(name: str) -> str:
    """The import name a library's own name suggests: 'tomli-w' -> 'tomli_w'."""
    return distribution_name(name).replace("-", "_").lower()


def missing_libraries(libraries: list[Library], site_dir: Path | None = None) -> list[str]:
    """The names of ``libraries`` whose distribution is not installed (in ``site_dir`` when
    given, else where this interpreter imports from)."""
    where = {"path": [str(site_dir)]} if site_dir is not None else {}  # default: sys.path
    return [library.name for library in libraries
            if next(iter(metadata.distributions(name=distribution_name(library.name), **where)),
                    None) is None]


def require_libraries(libraries: list[Library]) -> None:
    """Raise ``SetupError`` naming every missing library and how to install it."""
    missing = missing_libraries(libraries)
    if missing:
        raise SetupError(
            f"The requirements use {', '.join(missing)}, not installed where the generated code "
            f"runs ({sys.executable}). Install it with: {sys.executable} -m pip install "
            f"{' '.join(missing)}, or pass --install-libs to install it into a project "
            "environment (or drop it from the requirements).")

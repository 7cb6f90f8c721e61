"""Repository-wide pytest set-up.

The modules that moved in the re-layout (issue #16) keep a shim at their old path for one
release: a file that makes the old name refer to the moved module. pytest runs the package's
docstring examples (``--doctest-modules``) and collects ``test_*.py``, so it would import each
shim as a module of its own and fail on the file-name mismatch; the moved module's own file
already runs its examples. ``tests/test_moved_modules.py`` checks every shim.
"""

from __future__ import annotations

import linecache
from pathlib import Path

SHIM_MARK = "this alias stays for one release."
_PACKAGE = Path(__file__).parent / "dspy_coder"


def _is_shim(path: Path) -> bool:
    if path.is_dir():
        path = path / "__init__.py"
    if path.suffix != ".py" or not path.is_file():
        return False
    with path.open(encoding="utf-8") as handle:
        return SHIM_MARK in handle.readline()


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    """Skip the shims at the old module paths (None: let pytest decide as usual)."""
    if _PACKAGE in collection_path.parents and _is_shim(collection_path):
        return True
    return None


def pytest_collection_modifyitems(config, items) -> None:
    """Run the Ray tests last, a precaution: importing Ray loads gRPC, whose threads and fork
    handlers stay in the test process after ``ray.shutdown()``, and the sandbox tests fork that
    process under a seccomp filter. (In one full run the seccomp fork test hung after the Ray
    tests; run together in isolation they pass either way.) The bench itself never forks a
    process that imported Ray: the sandbox starts its processes from a fresh interpreter."""
    items.sort(key=lambda item: item.get_closest_marker("ray") is not None)


_checkcache = linecache.checkcache


def _checkcache_tolerating_removals(filename: str | None = None) -> None:
    """``linecache.checkcache`` that survives an entry removed while it loops: SQLAlchemy puts
    the ``__init__`` it generates for a mapped class (MLflow's ``SqlRun``) into the cache and
    takes it out when the class is collected, which can happen mid-loop. Every doctest runs
    ``checkcache()`` (doctest's debugger resets itself), and in one full run the doctest of
    ``dspy_coder.bench.progress.bar`` failed with ``KeyError: '<sqlalchemy generated __init__
    for class ...SqlRun>'`` after the MLflow tests. Python 3.11's loop reads ``cache[name]``."""
    for _ in range(5):
        try:
            return _checkcache(filename)
        except KeyError:
            continue  # the entry is gone: check the rest again
    return _checkcache(filename)


def pytest_configure(config) -> None:
    linecache.checkcache = _checkcache_tolerating_removals

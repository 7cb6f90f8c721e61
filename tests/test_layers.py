"""Imports go one way (README, Architecture): ``pipeline`` uses ``judge``, ``judge`` uses
``sandbox``, and ``task`` and ``code`` use only the shared ``types``, ``errors``,
``durable_files`` and ``daemon_pool``. Nothing but the aliases themselves uses a module's
pre-re-layout path."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.test_moved_modules import MOVED, SHIM_MARK

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dspy_coder"
SHARED = {"types", "errors", "durable_files", "daemon_pool"}
ALLOWED = {
    "task": SHARED | {"task"},
    "code": SHARED | {"code"},
    "sandbox": SHARED | {"sandbox"},
    "judge": SHARED | {"judge", "task", "code", "sandbox"},
    "pipeline": SHARED | {"pipeline", "judge", "task", "code", "sandbox"},
}


def _imports(path: Path) -> set[str]:
    """The dspy_coder modules ``path`` imports (at any depth in the file)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name.startswith("dspy_coder")}


def _is_shim(path: Path) -> bool:
    return SHIM_MARK in path.read_text(encoding="utf-8").split("\n", 1)[0]


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_below_it(layer: str):
    wrong = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (PACKAGE / layer).rglob("*.py")
        for name in _imports(path)
        if name != "dspy_coder" and name.split(".")[1] not in ALLOWED[layer]
    }
    assert not wrong


def test_only_the_aliases_use_the_old_module_paths():
    sources = [p for folder in ("dspy_coder", "tests", "benchmarks")
               for p in (ROOT / folder).rglob("*.py")]
    users = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in sources
        if not _is_shim(path) and path.name != "test_moved_modules.py"
        for name in _imports(path)
        if name in MOVED
    }
    assert not users

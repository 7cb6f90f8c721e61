"""The modules moved in the re-layout (issue #16) still import by their old paths, for one
release: each old name is the moved module itself, so ``from old import X`` and monkeypatching
through the old path work unchanged, and pytest collects no shim (no doctest runs twice)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dspy_coder"
SHIM_MARK = "this alias stays for one release."

MOVED = {
    "dspy_coder.tasks": "dspy_coder.task.build",
    "dspy_coder.examples": "dspy_coder.task.doc_examples",
    "dspy_coder.example_forms": "dspy_coder.task.example_forms",
    "dspy_coder.example_calls": "dspy_coder.task.example_calls",
    "dspy_coder.example_values": "dspy_coder.task.example_values",
    "dspy_coder.code_extraction": "dspy_coder.code.extraction",
    "dspy_coder.program_identity": "dspy_coder.code.identity",
    "dspy_coder.test_parsing": "dspy_coder.code.generated_tests",
    "dspy_coder.parametrize_expansion": "dspy_coder.code.parametrize",
    "dspy_coder.evaluation": "dspy_coder.judge.evaluation",
    "dspy_coder.scoring": "dspy_coder.judge.scoring",
    "dspy_coder.vetting": "dspy_coder.judge.vetting",
    "dspy_coder.feedback": "dspy_coder.judge.feedback",
    "dspy_coder.failure_hints": "dspy_coder.judge.failure_hints",
    "dspy_coder.measurement": "dspy_coder.judge.measurement",
    "dspy_coder.reporting": "dspy_coder.judge.reporting",
    "dspy_coder.usage": "dspy_coder.judge.usage",
    "dspy_coder.program": "dspy_coder.pipeline.coder",
    "dspy_coder.generation": "dspy_coder.pipeline.generation",
    "dspy_coder.resampling": "dspy_coder.pipeline.resampling",
    "dspy_coder.redrawing": "dspy_coder.pipeline.redrawing",
    "dspy_coder.refinement": "dspy_coder.pipeline.refinement",
    "dspy_coder.test_generation": "dspy_coder.pipeline.write_tests",
    "dspy_coder.salvaging_adapter": "dspy_coder.pipeline.salvaging_adapter",
    "dspy_coder.pipeline_choices": "dspy_coder.pipeline.choices",
    "dspy_coder.baseline": "dspy_coder.pipeline.baseline",
    "dspy_coder.signatures": "dspy_coder.pipeline.signatures",
    "dspy_coder.optimizers.programs": "dspy_coder.pipeline.programs",
    **{
        f"dspy_coder.signatures.{name}": f"dspy_coder.pipeline.signatures.{name}"
        for name in (
            "assessor", "function_writer", "generator", "planner", "refiner", "rewriter", "tests"
        )
    },
}


def _shim_files() -> set[str]:
    """Module names of the files in the package that are shims."""
    names = set()
    for path in PACKAGE.rglob("*.py"):
        with path.open(encoding="utf-8") as handle:
            if SHIM_MARK in handle.readline():
                parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
                names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


@pytest.mark.parametrize(("old", "new"), sorted(MOVED.items()))
def test_the_old_path_is_the_moved_module(old: str, new: str):
    assert importlib.import_module(old) is importlib.import_module(new)
    assert sys.modules[old] is sys.modules[new]


def test_every_shim_is_listed_and_names_its_target():
    shims = _shim_files()
    assert shims == {old for old in MOVED if not old.startswith("dspy_coder.signatures.")}
    for old in shims:
        path = PACKAGE.parent.joinpath(*old.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        assert f"Moved to {MOVED[old]};" in path.read_text(encoding="utf-8")


def test_names_imported_and_patched_through_an_old_path_are_the_moved_ones(monkeypatch):
    from dspy_coder.judge import scoring
    from dspy_coder.pipeline.coder import Coder
    from dspy_coder.program import Coder as OldCoder
    from dspy_coder.scoring import score_execution

    assert OldCoder is Coder and score_execution is scoring.score_execution
    old_signature = importlib.import_module("dspy_coder.signatures.tests").TestGenerator
    assert old_signature is importlib.import_module("dspy_coder.pipeline.signatures").TestGenerator
    monkeypatch.setattr("dspy_coder.scoring.BROKEN_STATUSES", frozenset())
    assert scoring.BROKEN_STATUSES == frozenset()


def test_old_paths_imported_first_in_a_fresh_interpreter_load_each_file_once():
    """The old signatures submodules are the moved ones even when nothing imported the new
    paths before (a file loaded twice would give two different signature classes)."""
    code = (
        "import importlib, sys\n"
        f"moved = {MOVED!r}\n"
        "for old in moved:\n"
        "    importlib.import_module(old)\n"
        "for old, new in moved.items():\n"
        "    assert sys.modules[old] is sys.modules[new], old\n"
        "files = [getattr(m, '__file__', None) for n, m in sys.modules.items()\n"
        "         if n.startswith('dspy_coder.')]\n"
        "assert not any('dspy_coder/signatures/' in (f or '') for f in files)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PACKAGE.parent,
    )
    assert result.returncode == 0, result.stderr


def test_pytest_collects_no_shim_so_no_docstring_example_runs_twice():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         str(PACKAGE)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=PACKAGE.parent,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    collected = [line for line in result.stdout.splitlines() if "::" in line]
    files = {line.split("::")[0] for line in collected}
    shim_files = {
        path.relative_to(PACKAGE.parent).as_posix()
        for path in PACKAGE.rglob("*.py")
        if SHIM_MARK in path.read_text(encoding="utf-8").splitlines()[0]
    }
    assert collected and not files & shim_files
    names = [line.split("::")[1] for line in collected]
    assert len(set(names)) == len(names)
    # a doctest collected through a shim would reappear under the old module's name
    assert not [n for n in names if any(n == old or n.startswith(old + ".") for old in MOVED)]

"""A project's unit-test files keep every test the run wrote: those that judged the module as
they ran, and those that did not count skipped with the reason, so plain pytest passes exactly
when the counted tests pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dspy_coder.judge.project_report import ProjectReport
from dspy_coder.pipeline.project_files import package_files
from dspy_coder.task.project_plan import ModuleSpec, ProjectPlan
from dspy_coder.task.project_requirements import Requirements
from dspy_coder.types import (
    Attempt,
    DevelopmentReport,
    ExecutionResult,
    Task,
    TestCase,
    TestOutcome,
)

CODE = "def double(x):\n    return 2 * x\n"
COUNTED = TestCase(name="test_double", code="def test_double():\n    assert double(2) == 4\n",
                   source="generated", vetted=True)
UNCONFIRMED = TestCase(name="test_wrong", code="def test_wrong():\n    assert double(2) == 5\n",
                       source="generated", vetted=False)


def _report(tests: list[TestCase]) -> ProjectReport:
    outcomes = [TestOutcome(name=t.name, passed=t is COUNTED) for t in tests]
    module = DevelopmentReport(
        task=Task(prompt="double a number"), status="success", code=CODE, tests=tests,
        best_iteration=1, attempts=[Attempt(iteration=1, code=CODE, tests=tests, execution=(
            ExecutionResult(status="failed", tests=outcomes)))])
    plan = ProjectPlan(package="calc", modules=[ModuleSpec(
        name="arith", purpose="Arithmetic.", interface=["def double(x: int) -> int"])])
    return ProjectReport(requirements=Requirements(goal="a calculator"), status="success",
                         plan=plan, build_order=["arith"], modules={"arith": module})


def _pytest(files: dict[str, str], where: Path) -> subprocess.CompletedProcess:
    for path, text in files.items():
        (where / path).parent.mkdir(parents=True, exist_ok=True)
        (where / path).write_text(text)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=where, capture_output=True, text=True, timeout=120, check=False)


def test_uncounted_tests_are_kept_skipped_with_the_reason(tmp_path: Path):
    files = package_files(_report([COUNTED, UNCONFIRMED]))
    unit = files["tests/test_arith.py"]
    assert "def test_double():" in unit and "def test_wrong():" in unit
    assert ("@pytest.mark.skip(reason='unvetted: the independently written candidates did not "
            "agree on it, so it did not count; the answer fails it')\ndef test_wrong():") in unit
    run = _pytest(files, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed, 1 skipped" in run.stdout


def test_a_module_with_only_unconfirmed_tests_still_gets_its_test_file(tmp_path: Path):
    files = package_files(_report([UNCONFIRMED]))
    assert "0 judged it; 1 did not count" in files["tests/test_arith.py"]
    run = _pytest(files, tmp_path)
    assert run.returncode == 0 and "1 skipped" in run.stdout, run.stdout + run.stderr


def test_no_tests_written_means_no_test_file():
    assert "tests/test_arith.py" not in package_files(_report([]))
    assert not any(path.startswith("tests/") for path in package_files(_report([])))


def test_each_test_of_the_package_runs_in_an_empty_directory_of_its_own(tmp_path: Path):
    writes = [TestCase(name=f"test_writes_{i}", source="generated", vetted=True, code=(
        f"def test_writes_{i}():\n    import os\n    assert os.listdir() == []\n"
        "    open('state.db', 'w').close()\n")) for i in range(2)]
    files = package_files(_report(writes))
    assert "monkeypatch.chdir(tmp_path)" in files["tests/conftest.py"]
    run = _pytest(files, tmp_path)
    assert run.returncode == 0 and "2 passed" in run.stdout, run.stdout + run.stderr


def test_a_counted_test_reaching_its_module_through_the_package_name_passes_plain_pytest(
        tmp_path: Path):
    # the TOML project at 1f2db36: its counted tests called
    # toml_config_writer.config_builder.build_config(...) with no import; they ran in the
    # sandbox and failed under plain pytest with NameError
    dotted = TestCase(name="test_double", source="generated", vetted=True,
                      code="def test_double():\n    assert calc.arith.double(2) == 4\n")
    run = _pytest(package_files(_report([dotted])), tmp_path)
    assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout + run.stderr

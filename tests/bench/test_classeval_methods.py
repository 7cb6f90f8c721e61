"""benchmarks/classeval_methods.py sorts a ClassEval answer's methods by what its examples
checked and grades each against its hidden test class, through the real sandbox."""

from __future__ import annotations

import json

import pytest

from dspy_coder.classeval import CLASSEVAL_FILE
from dspy_coder.datasets import load_problems
from dspy_coder.shared_datasets import DEFAULT_DATASETS_DIR
from dspy_coder.task.build import build_task
from tests.benchmark_scripts import load_benchmark_script

DATA = DEFAULT_DATASETS_DIR / CLASSEVAL_FILE


@pytest.fixture(scope="module")
def script():
    return load_benchmark_script("classeval_methods")


def test_methods_are_sorted_by_their_examples_and_graded_by_their_test_class(script):
    if not DATA.is_file():
        pytest.skip(f"ClassEval data not found at {DATA} (the shared datasets folder)")
    problem = next(p for p in load_problems("classeval") if p.task_id == "ClassEval_0")
    methods = next(r for r in json.loads(DATA.read_text())
                   if r["task_id"] == "ClassEval_0")["methods_info"]
    examples = build_task(problem.prompt, problem.entry_point).examples
    code = problem.reference_code()
    passing = {"code": code, "attempts": [{"code": code, "execution": {"tests": [
        {"name": f"test_docstring_example_{n}", "passed": True}
        for n in range(1, len(examples) + 1)]}}]}
    rows = script.method_rows(problem, methods, code, passing)
    assert {row for _, row, _ in rows} == {"examples pass", "no example"}
    assert all(hidden for _, _, hidden in rows)  # the reference passes every test class
    broken = code.replace("def filter(self, request):",
                          "def filter(self, request):\n        return None", 1)
    rows = dict((name, (row, hidden)) for name, row, hidden in
                script.method_rows(problem, methods, broken, {}))
    assert rows["filter"] == ("examples fail", False)  # no outcome recorded: not passed

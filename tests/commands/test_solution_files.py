"""``test_solution.py``: the tests that judged the answer, runnable with plain pytest next to
``solution.py``; the generated tests that did not count are there, skipped with the reason;
a file without a counted test says why nothing checked the answer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dspy_coder.code.generated_tests import read_generated_tests
from dspy_coder.commands.solution_files import render_test_module, write_outputs
from dspy_coder.sandbox import Limits, run
from dspy_coder.task.doc_examples import doc_example_tests
from dspy_coder.types import (
    Attempt,
    DevelopmentReport,
    DocExample,
    DroppedTest,
    Task,
    TestCase,
)

RIGHT = "def add(a, b):\n    return a + b\n"
WRONG = "def add(a, b):\n    return a - b\n"
ANSWER = '''
import unittest

class TestAdd(unittest.TestCase):
    def test_zero(self):
        self.assertEqual(add(0, 0), 0)

    def test_negative(self):
        self.assertEqual(add(-1, -1), -2)

def test_wrong_expectation():
    assert add(2, 2) == 5

def test_unrelated():
    assert sub(1, 1) == 0
'''


def _report(code: str, unvetted: set[str], rejected: set[str]) -> DevelopmentReport:
    """A report as the pipeline makes one, with the answer run in the real sandbox."""
    read = read_generated_tests(ANSWER, "add")
    ran = doc_example_tests([DocExample(call="add(1, 2)", expected="3")]) + read.tests
    execution = run(code, tests="\n\n\n".join(t.code for t in ran),
                    limits=Limits(timeout_s=10, memory_mb=512))
    kept = [t.model_copy(update={"vetted": t.source == "docstring" or t.name not in unvetted})
            for t in ran if t.name not in rejected]
    drops = read.dropped + [
        DroppedTest(name=t.name, reason="fewer than 2 of the 4 candidates pass it", code=t.code)
        for t in ran if t.name in rejected
    ]
    return DevelopmentReport(
        task=Task(prompt="add", entry_point="add",
                  examples=[DocExample(call="add(1, 2)", expected="3")]),
        status="success",
        code=code,
        tests=kept,
        score=1.0,
        best_iteration=1,
        attempts=[Attempt(iteration=1, code=code, tests=ran, execution=execution)],
        generated_tests_raw=ANSWER,
        dropped_tests=drops,
    )


def _pytest(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "--rootdir",
         str(folder), str(folder / "test_solution.py")],
        cwd=folder, capture_output=True, text=True, timeout=120, check=False,
    )


def test_counted_tests_run_and_the_others_are_skipped_with_their_reason(tmp_path: Path):
    report = _report(RIGHT, unvetted={"test_TestAdd_test_negative"},
                     rejected={"test_generated_1"})
    write_outputs(tmp_path, report)
    module = (tmp_path / "test_solution.py").read_text()
    text = " ".join(module.replace("#", " ").split())

    assert "2 test(s) judged the answer" in text and "passed 2 of them" in text
    assert "2 generated test(s) did not count and are marked skip" in text
    assert "#   test_unrelated: it does not use `add`" in module
    result = _pytest(tmp_path)
    assert result.returncode == 0, result.stdout
    assert "2 passed, 2 skipped" in result.stdout
    assert "unvetted: no candidate that passes the docstring examples passed it, so it did " \
           "not count; the answer passes it" in result.stdout
    assert "rejected: fewer than 2 of the 4 candidates pass it; the answer fails it" \
           in result.stdout


def test_plain_pytest_fails_when_the_answer_fails_a_counted_test(tmp_path: Path):
    write_outputs(tmp_path, _report(WRONG, unvetted=set(), rejected=set()))
    result = _pytest(tmp_path)
    assert result.returncode == 1
    assert "3 failed, 1 passed" in result.stdout  # add(0, 0) == 0 holds for a - b too


def test_a_file_without_a_counted_test_says_nothing_checked_the_answer_and_why(tmp_path: Path):
    every = {"test_TestAdd_test_zero", "test_TestAdd_test_negative", "test_generated_1"}
    report = _report(RIGHT, unvetted=set(), rejected=every)
    report = report.model_copy(update={
        "tests": [], "status": "partial", "score": 0.7,
        "attempts": [a.model_copy(update={"tests": a.tests[1:]}) for a in report.attempts],
    })
    write_outputs(tmp_path, report)
    module = (tmp_path / "test_solution.py").read_text()

    assert module.startswith(
        "# Tests of solution.py, written by dspy-coder (status partial, score 0.70). Run: pytest\n"
        "#\n# No test checked what this answer does: the task gives no examples, and"
    )
    assert "rejected (the reasons are below)" in " ".join(module.replace("#", " ").split())
    result = _pytest(tmp_path)
    assert result.returncode == 0 and "3 skipped" in result.stdout


def test_without_any_test_the_file_is_the_import_and_the_reason():
    silent = DevelopmentReport(task=Task(prompt="add"), status="partial", code=RIGHT,
                               generated_tests_raw="I would test it with some numbers.")
    module = render_test_module(silent)
    text = " ".join(module.replace("#", " ").split())
    assert "the test writer's answer held no test that could be read" in text
    assert module.endswith("from solution import *  # noqa: F403\n")
    assert "import pytest" not in module
    single_shot = silent.model_copy(update={
        "generated_tests_raw": "", "notes": ["single-shot program: no tests were run"]})
    assert "a single-shot program runs no tests" in " ".join(
        render_test_module(single_shot).replace("#", " ").split())


def test_an_unverified_answer_is_written_with_its_score_said_as_unknown(tmp_path: Path):
    """An unverified report has no score (None): the files are still written (a crash here
    once lost the whole report of a real run)."""
    from dspy_coder.task.requirements import requirement_tests, stated_requirements

    names = requirement_tests(stated_requirements("Write add(a, b).", None))
    unverified = DevelopmentReport(task=Task(prompt="add"), status="unverified", code=RIGHT,
                                   score=None, tests=names)
    write_outputs(tmp_path, unverified)
    module = (tmp_path / "test_solution.py").read_text()
    assert module.startswith("# Tests of solution.py, written by dspy-coder (status "
                             "unverified, score n/a). Run: pytest")
    # a check that the code defines add counts, but it is not a test of what add does
    text = " ".join(module.replace("#", " ").split())
    assert "No test checked what this answer does" in text
    assert "1 static check(s) of the names the task asks for and the code uses" in text
    assert "judged the answer" not in text
    assert (tmp_path / "report.json").is_file() and (tmp_path / "solution.py").is_file()


def test_without_examples_the_skip_reason_is_disagreement_and_properties_run(tmp_path: Path):
    """A task without examples: unconfirmed tests are those the candidates did not agree on,
    and a stated property (idempotence) runs under plain pytest like any counted test."""
    from dspy_coder.task.properties import property_tests, stated_properties

    code = "def normalize(s):\n    return s.strip().lower()\n"
    generated = read_generated_tests(
        "def test_a():\n    assert normalize(' A ') == 'a'\n\n"
        "def test_b():\n    assert normalize('B') == 'B'\n", "normalize").tests
    ran = property_tests(stated_properties("Write normalize(s).", None),
                         [t.code for t in generated]) + generated
    execution = run(code, tests="\n\n\n".join(t.code for t in ran))
    report = DevelopmentReport(
        task=Task(prompt="Write normalize(s).", entry_point="normalize"), status="unverified",
        code=code, score=None, best_iteration=1,
        tests=[t.model_copy(update={"vetted": t.name != "test_generated_2"}) for t in ran],
        attempts=[Attempt(iteration=1, code=code, tests=ran, execution=execution)])
    write_outputs(tmp_path, report)
    result = _pytest(tmp_path)
    assert result.returncode == 0, result.stdout
    assert "2 passed, 1 skipped" in result.stdout
    assert "the independently written candidates did not agree on it" in result.stdout
    assert "test_property_idempotent_normalize" in (tmp_path / "test_solution.py").read_text()


def test_tests_writing_the_same_file_pass_under_plain_pytest_as_in_the_sandbox(tmp_path: Path):
    code = ("class Log:\n    def __init__(self, path):\n        self.path = path\n"
            "    def add(self, line):\n        with open(self.path, 'a') as f:\n"
            "            f.write(line + '\\n')\n"
            "    def lines(self):\n        with open(self.path) as f:\n"
            "            return f.read().split()\n")
    tests = [TestCase(name=f"test_log_{i}", source="generated", vetted=True,
                      code=f"def test_log_{i}():\n    log = Log('log.txt')\n    log.add('x{i}')\n"
                           f"    assert log.lines() == ['x{i}']\n") for i in range(2)]
    execution = run(code, tests="\n\n\n".join(t.code for t in tests))
    assert execution.status == "passed"  # the sandbox: a fresh directory per test
    report = DevelopmentReport(
        task=Task(prompt="a log", entry_point="Log"), status="success", code=code, tests=tests,
        score=1.0, best_iteration=1,
        attempts=[Attempt(iteration=1, code=code, tests=tests, execution=execution)])
    write_outputs(tmp_path, report)
    result = _pytest(tmp_path)
    assert result.returncode == 0 and "2 passed" in result.stdout, result.stdout
    assert not (tmp_path / "log.txt").exists()

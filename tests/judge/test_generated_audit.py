"""What became of the test writer's answer: raw text and every dropped test, with why."""

from __future__ import annotations

from dspy_coder.code.generated_tests import parse_generated_tests
from dspy_coder.judge.generated_audit import GeneratedTestAudit, rejected_during_run
from dspy_coder.judge.vetting import screen_generated, screen_generated_tests
from dspy_coder.types import Attempt, DevelopmentReport, DocExample, Task, TestCase

ANSWER = """```python
import pytest

def test_right():
    assert add(1, 2) == 3

def test_contradicts():
    assert add(2, 2) == 5

def test_other():
    assert sub(1, 1) == 0

def test_fixture(tmp_path):
    assert add(0, 0) == 0
```"""
EXAMPLES = [DocExample(call="add(2, 2)", expected="4")]


def test_a_contradicting_test_is_dropped_with_the_values_and_its_code():
    tests = parse_generated_tests(ANSWER, "add")
    kept, drops = screen_generated_tests(tests, EXAMPLES)
    assert [t.name for t in kept] == ["test_generated_1"]
    assert [(d.name, d.reason) for d in drops] == [
        ("test_generated_2", "it asserts add(2, 2) == 5, but the docstring example gives 4")
    ]
    assert drops[0].code == tests[1].code
    assert screen_generated(tests, EXAMPLES) == (kept, [
        "Rejected test_generated_2: it contradicts a docstring example (it asserts "
        "add(2, 2) == 5, but the docstring example gives 4)."
    ])


def test_the_audit_keeps_the_answer_and_the_drops_of_reading_and_screening():
    audit = GeneratedTestAudit()
    kept, notes = audit.screen(ANSWER, parse_generated_tests(ANSWER, "add"), "add", EXAMPLES)
    assert [t.name for t in kept] == ["test_generated_1"] and len(notes) == 1
    report = audit.attach(DevelopmentReport(task=Task(prompt="add"), status="partial"))
    assert report.generated_tests_raw == ANSWER
    assert [(d.name, d.reason) for d in report.dropped_tests] == [
        ("test_other", "it does not use `add`"),
        ("test_fixture", "it needs pytest's built-in fixture `tmp_path`, which is not supplied"),
        ("test_generated_2", "it asserts add(2, 2) == 5, but the docstring example gives 4"),
    ]


def test_tests_rejected_during_the_run_carry_the_reason_of_their_note():
    ran = [TestCase(name=f"test_generated_{i}", code=f"def test_generated_{i}():\n    pass",
                    source="generated") for i in (1, 2, 10)]
    report = DevelopmentReport(
        task=Task(prompt="add"),
        status="partial",
        tests=[ran[2]],
        attempts=[Attempt(iteration=1, code="x = 1", tests=ran)],
        notes=["Rejected test_generated_1, test_generated_2: fewer than 2 of the 4 "
               "independently written candidates pass it."],
    )
    assert [(d.name, d.reason, d.code) for d in rejected_during_run(report)] == [
        (t.name, "fewer than 2 of the 4 independently written candidates pass it", t.code)
        for t in ran[:2]
    ]
    unexplained = report.model_copy(update={"notes": []})
    assert {d.reason for d in rejected_during_run(unexplained)} == {"rejected during the run"}

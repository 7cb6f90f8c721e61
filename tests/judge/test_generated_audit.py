"""What became of the test writer's answer: raw text and every dropped test, with why."""

from __future__ import annotations

from dspy_coder.code.generated_tests import parse_generated_tests
from dspy_coder.judge.generated_audit import GeneratedTestAudit
from dspy_coder.judge.vetting import screen_generated_tests
from dspy_coder.types import DevelopmentReport, DocExample, Task

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


def test_a_test_reads_the_code_when_it_reads_a_name_it_neither_defines_nor_imports():
    from dspy_coder.judge.generated_audit import reads_code

    mock = ("def test_mock():\n    import threading\n\n    class MockCache:\n"
            "        def get(self, key):\n            with threading.Lock():\n"
            "                return [k for k in key]\n\n    assert MockCache().get('a') == ['a']\n")
    assert not reads_code(mock)
    # the 1.5B's store test: the class comes from the package, its methods are attributes
    store = ("def test_get():\n    from cache.cache import Cache\n\n    def cache():\n"
             "        return Cache()\n    c = cache()\n    c.set('a', 1)\n"
             "    assert c.get('a') == 1\n")
    assert reads_code(store)
    assert reads_code("def test_f():\n    assert validate_email('a@b.co')\n")
    assert reads_code("def test_f():\n    from .solution import f\n    assert f()\n")

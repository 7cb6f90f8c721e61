"""The one docstring-example checker, run in-process (the sandbox runs the same program)."""

from __future__ import annotations

import pytest

from dspy_coder.task.doc_examples import doc_example_tests
from dspy_coder.task.example_check import EXAMPLES_FAILED, example_check_program, is_crash
from dspy_coder.types import DocExample


def _error(code: str, examples: list[DocExample], entry_point: str | None = "f") -> str | None:
    """The check's error text (exception type and message), or None when it passes."""
    try:
        exec(example_check_program(code, entry_point, examples), {})
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.mark.parametrize(
    ("returned", "expected"),
    [("1e9 + 0.5", "1000000000.0"), ("1", "1.0000001"), ("0.1 + 0.2", "0.3"), ("True", "1.0")],
)
def test_numbers_agree_by_the_scorers_rule(returned: str, expected: str):
    code = f"def f():\n    return {returned}\n"
    assert _error(code, [DocExample(call="f()", expected=expected)]) is None


def test_a_value_the_comparison_cannot_take_is_a_wrong_value_not_a_crash():
    """``math.isclose('x', 0.5)`` raises inside the scorer's test: the call itself returned."""
    error = _error("def f():\n    return 'x'\n", [DocExample(call="f()", expected="0.5")])
    assert error == f"AssertionError: {EXAMPLES_FAILED}\nf() returned 'x', expected 0.5"
    assert not is_crash(error)


def test_an_assertion_inside_the_code_is_a_call_that_raised():
    code = "def f(x):\n    assert x > 1, 'too small'\n    return x\n"
    examples = [DocExample(call="f(1)", expected="1"), DocExample(call="f(2)", expected="3")]
    error = _error(code, examples)
    assert error == (
        f"AssertionError: {EXAMPLES_FAILED}\n"
        "f(1) raised AssertionError: too small\n"
        "f(2) returned 2, expected 3"
    )
    assert is_crash(error)


def test_code_without_the_entry_point_or_that_does_not_load_fails_before_any_example():
    example = [DocExample(call="f()", expected="1")]
    assert _error("def g():\n    return 1\n", example) == (
        "NameError: The code must define a function named f."
    )
    assert _error("import no_such_module\n", example, None).startswith("ModuleNotFoundError")
    assert _error("x = 1\n", [], None) is None


def test_the_check_runs_the_scorers_test_source_unchanged():
    examples = [DocExample(call="f('a\\'b')", expected="[1.5, 'x']")]
    program = example_check_program("def f(s):\n    return s\n", "f", examples)
    (test,) = doc_example_tests(examples)
    assert repr(test.code) in program

"""The CodeGenerator step's own check: run the code with the docstring examples in the sandbox."""

from __future__ import annotations

import warnings

from dspy_coder.pipeline.generation import GenerateCode
from dspy_coder.sandbox import Limits, run
from dspy_coder.sandbox.interpreter import SandboxInterpreter
from dspy_coder.task.doc_examples import doc_example_tests
from dspy_coder.task.example_check import is_crash
from dspy_coder.types import DocExample

WRONG_ORDER = "def top(xs, k):\n    return sorted(xs, reverse=True)[:k]\n"
EXAMPLE = DocExample(call="top([-3, -4, 5], 3)", expected="[-4, -3, 5]")


def test_the_check_names_the_failed_example_with_a_hint_and_passes_right_code():
    step = GenerateCode(SandboxInterpreter)
    with SandboxInterpreter() as interpreter:
        error = step._check(interpreter, WRONG_ORDER, "top", [EXAMPLE])
        fixed = step._check(interpreter, "def top(xs, k):\n    return sorted(xs)[-k:]\n", "top",
                            [EXAMPLE])
    assert error is not None
    assert "top([-3, -4, 5], 3) returned [5, -3, -4], expected [-4, -3, 5]" in error
    assert "(hint: the expected value is your result sorted in ascending order)" in error
    assert fixed is None


def test_the_check_masks_object_addresses_so_a_regeneration_prompt_is_the_same_every_run():
    step = GenerateCode(SandboxInterpreter)
    crashing = "def top(xs, k):\n    raise TypeError(repr(object()))\n"
    errors = set()
    for _run in range(2):  # each forward has its own interpreter (cell numbers start again)
        with SandboxInterpreter() as interpreter:
            errors.add(step._check(interpreter, crashing, "top", [EXAMPLE]))
    assert len(errors) == 1
    (error,) = errors
    assert "<object object at 0x...>" in error, error


LARGE = DocExample(call="scale(1)", expected="1000000000.0")
WITHIN_RELATIVE = "def scale(n):\n    return 1e9 + 0.5\n"  # rel 5e-10, abs 0.5


def test_a_float_within_the_relative_tolerance_passes_the_scorer_and_the_check_alike():
    """One rule for both: the in-step check runs the scorer's own test functions."""
    tests = "\n\n\n".join(test.code for test in doc_example_tests([LARGE]))
    scored = run(WITHIN_RELATIVE, tests, "scale", Limits(timeout_s=10, memory_mb=512))
    step = GenerateCode(SandboxInterpreter)
    with SandboxInterpreter() as interpreter:
        checked = step._check(interpreter, WITHIN_RELATIVE, "scale", [LARGE])
        too_far = step._check(interpreter, "def scale(n):\n    return 1e9 + 5000\n", "scale",
                              [LARGE])
    assert scored.status == "passed", scored
    assert checked is None
    assert too_far is not None
    assert "scale(1) returned 1000005000.0, expected 1000000000.0" in too_far


def test_the_check_reports_wrong_values_and_raising_calls_in_one_error_and_names_a_crash():
    step = GenerateCode(SandboxInterpreter)
    examples = [EXAMPLE, DocExample(call="top([1], 1)", expected="[1]")]
    mixed = "def top(xs, k):\n    if k > 1:\n        return xs\n    return 1 / 0\n"
    with SandboxInterpreter() as interpreter:
        error = step._check(interpreter, mixed, "top", examples)
        missing = step._check(interpreter, "def other():\n    pass\n", "top", examples)
    assert error is not None and missing is not None
    assert error.endswith(
        "AssertionError: Docstring examples failed:\n"
        "top([-3, -4, 5], 3) returned [-3, -4, 5], expected [-4, -3, 5] (hint: the expected "
        "value is your result sorted in ascending order)\n"
        "top([1], 1) raised ZeroDivisionError: division by zero"
    )
    assert is_crash(error)
    assert missing.endswith("NameError: The code must define a function named top.")
    assert is_crash(missing)


def test_the_error_the_model_reads_is_unchanged_by_running_the_scorers_tests():
    """The check program's final ``raise`` stays on line 19, so a regeneration prompt for a
    wrong answer is the one recorded before the check ran the scorer's test functions."""
    step = GenerateCode(SandboxInterpreter)
    with SandboxInterpreter() as interpreter:
        error = step._check(interpreter, WRONG_ORDER, "top", [EXAMPLE])
    assert error == (
        "Traceback (most recent call last):\n"
        '  File "<cell 1>", line 19, in <module>\n'
        "    raise AssertionError('Docstring examples failed:' + \"\\n\" + \"\\n\".join("
        "__failures))\n"
        "AssertionError: Docstring examples failed:\n"
        "top([-3, -4, 5], 3) returned [5, -3, -4], expected [-4, -3, 5] (hint: the expected "
        "value is your result sorted in ascending order)"
    )


def test_the_steps_keep_their_names_and_prompts_without_dspy_program_of_thought():
    """Saved programs load by these names, and the prompts are the ones ProgramOfThought sent;
    building the step warns of no deprecated DSPy API."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        step = GenerateCode(SandboxInterpreter, max_tokens=900)
    assert not any(cls.__module__ == "dspy.predict.program_of_thought"
                   for cls in type(step).__mro__)
    assert [name for name, _ in step.named_predictors()] == [
        "code_generate.predict", "code_regenerate.predict", "first_draft"
    ]
    regenerate = step.code_regenerate.predict
    assert regenerate.config == {"max_tokens": 900}
    assert regenerate.signature.instructions == (
        "The previous code (`previous_code`) failed when executed; `error` says how. Find the "
        "cause and respond with the complete corrected Python source in `generated_code`, "
        "defining the same function."
    )
    assert {name: field.json_schema_extra["desc"]  # reasoning is ChainOfThought's own
            for name, field in regenerate.signature.fields.items() if name != "reasoning"} == {
        "task": "Function signature with docstring, or a free-text goal",
        "plan": "Implementation plan (may be empty)",
        "previous_code": "previously-generated python code that errored",
        "error": "error message from previously-generated python code",
        "generated_code": "python code that answers the question",
    }
    generate = step.code_generate.predict.signature
    assert list(generate.fields) == ["task", "plan", "generated_code"]
    assert generate.instructions.endswith(
        "\n\nRespond with `generated_code`: the complete Python source. It is executed and the "
        "task's docstring examples are checked."
    )

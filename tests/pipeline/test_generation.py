"""The CodeGenerator step's own check: run the code with the docstring examples in the sandbox."""

from __future__ import annotations

from dspy_coder.pipeline.generation import GenerateCode
from dspy_coder.sandbox.interpreter import SandboxInterpreter
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

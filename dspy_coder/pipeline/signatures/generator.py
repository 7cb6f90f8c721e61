"""CodeGenerator: task + plan (+ feedback) -> a complete Python implementation.

Run in ProgramOfThought's loop (``pipeline/program_of_thought.py``, ``pipeline/generation.py``):
the generated code is executed in the sandbox together with the task's docstring examples,
and code that does not run or fails its own examples is regenerated inside the step.
"""

import dspy


class CodeGenerator(dspy.Signature):
    """Write a complete, correct Python implementation of the task.

    Define the requested function with exactly the given name and parameters, with all imports
    and helper functions it needs, at module level. Handle the edge cases in the plan. Do not
    print, read input, or add example usage or tests."""

    task: str = dspy.InputField(desc="Function signature with docstring, or a free-text goal")
    plan: str = dspy.InputField(desc="Implementation plan (may be empty)")
    code: str = dspy.OutputField(desc="Complete Python source of the implementation")

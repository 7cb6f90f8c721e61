"""ComplexityAssessor: route a task to the fast path or the full plan/test/refine loop."""

from typing import Literal

import dspy


class ComplexityAssessor(dspy.Signature):
    """Decide how much process a Python coding task needs.

    Answer "simple" when the task is a short, well-specified function whose docstring examples
    pin the behaviour down (string/list manipulation, arithmetic, a single loop).
    Answer "complex" when it needs an algorithm with tricky edge cases, a data structure,
    several interacting parts, a performance requirement, or when the specification is vague."""

    task: str = dspy.InputField(desc="Function signature with docstring, or a free-text goal")
    route: Literal["simple", "complex"] = dspy.OutputField(desc="simple or complex")
    reason: str = dspy.OutputField(desc="One sentence explaining the choice")

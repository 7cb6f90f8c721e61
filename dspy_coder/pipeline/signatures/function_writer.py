"""FunctionWriter: prompt -> a complete function, in one call.

The single-shot ``baseline`` is exactly this call, and the pipeline's first draft of a task
without a plan is the same call, so the pipeline starts from the baseline's answer and only
spends more when that answer fails the task's docstring examples.
"""

import dspy


class FunctionWriter(dspy.Signature):
    """Complete the Python function described by the prompt. Return the whole function
    (signature and body) plus any imports and helpers it needs, as plain Python source."""

    prompt: str = dspy.InputField(desc="Function signature with docstring, or a task description")
    code: str = dspy.OutputField(desc="Complete Python source implementing the function")

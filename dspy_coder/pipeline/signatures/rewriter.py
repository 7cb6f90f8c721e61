"""CodeRewriter: task + the failures of earlier attempts -> a fresh implementation.

The refinement counterpart of resampling: the small local models, shown their own failing
code, tend to return it unchanged. Without the old code to anchor on, and with the concrete
failures as the only hint, they write a new implementation instead.
"""

import dspy


class CodeRewriter(dspy.Signature):
    """Write a new, correct Python implementation of the task from scratch.

    Earlier implementations failed the checks listed in `failures`. Read what each call
    returned and what was expected, work out what the specification really asks for, and
    write the complete implementation (the whole function with its imports and helpers, same
    name and parameters) so that every check gives the expected result. Do not print, read
    input, or add example usage or tests."""

    task: str = dspy.InputField(desc="Function signature with docstring, or a free-text goal")
    failures: str = dspy.InputField(
        desc="Checks that earlier implementations failed: the call, what it returned, "
        "what was expected"
    )
    new_code: str = dspy.OutputField(desc="Complete Python source of the new implementation")

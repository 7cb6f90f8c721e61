"""CodeRefiner: code + concrete failures + metrics + history -> improved code (via dspy.Refine)."""

import dspy


class CodeRefiner(dspy.Signature):
    """Fix the Python implementation so that every failing test passes.

    Read each failure: the call, the expected and the actual value, or the exception. Find the
    mistake in the code, then return the complete corrected implementation (the whole function
    with its imports and helpers, same name and parameters), not a diff. Keep what already
    works. Do not change the tests."""

    task: str = dspy.InputField(desc="Function signature with docstring, or a free-text goal")
    code: str = dspy.InputField(desc="Current implementation")
    failures: str = dspy.InputField(desc="Concrete test failures and errors of the current code")
    metrics: str = dspy.InputField(desc="Measured score, tests passed, time and memory")
    history: str = dspy.InputField(desc="Summary of earlier attempts and their scores")
    fixed_code: str = dspy.OutputField(desc="Complete corrected Python source")

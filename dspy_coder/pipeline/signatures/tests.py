"""TestGenerator: task + plan -> pytest tests and a size-parameterised input generator."""

import dspy


class TestGenerator(dspy.Signature):
    """Write pytest tests for the function described by the task.

    Write 4 to 8 test functions named test_*, each with one assert that calls the function on
    concrete literal inputs and compares with the exact expected result. Work each expected
    value out carefully from the specification; cover the edge cases in the plan. Also write
    make_input(n): a function returning a tuple of arguments whose size grows with n, used to
    measure how the running time grows."""

    __test__ = False  # tests import it: without this pytest warns it cannot collect it

    task: str = dspy.InputField(desc="Function signature with docstring, or a free-text goal")
    plan: str = dspy.InputField(desc="Implementation plan with edge cases (may be empty)")
    test_code: str = dspy.OutputField(
        desc="Python source: pytest functions def test_*(): assert ..."
    )
    make_input: str = dspy.OutputField(
        desc="Python source: def make_input(n): return (args...) as a tuple, size growing with n"
    )

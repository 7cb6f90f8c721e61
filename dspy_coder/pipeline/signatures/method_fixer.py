"""MethodFixer: one failing method of a class, given the class and its failures."""

import dspy


class MethodFixer(dspy.Signature):
    """Fix one method of a Python class so that its failing tests pass.

    You see the whole class, the name of the method to fix, and the test failures (calls with
    expected and actual values, or exceptions and where they were raised). Find the mistake in
    that method and write only its complete corrected definition (the def line and the whole
    body), same name and parameters, using the class's fields and the other methods."""

    class_code: str = dspy.InputField(desc="The whole class as it is now")
    method: str = dspy.InputField(desc="The name of the method to fix")
    failures: str = dspy.InputField(desc="Concrete test failures and errors of the class")
    method_code: str = dspy.OutputField(desc="Python source of that one method: def ...")

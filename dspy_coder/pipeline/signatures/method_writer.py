"""MethodWriter: one method of a class, given the class as written so far."""

import dspy


class MethodWriter(dspy.Signature):
    """Implement one method of a Python class.

    You see the class as written so far: its docstring, constructor and method signatures
    with docstrings, and the methods already implemented. Write only the requested method:
    its complete definition (the def line and a working body) that does what its docstring
    says, using the class's fields and the other methods."""

    class_code: str = dspy.InputField(desc="The class so far")
    method: str = dspy.InputField(desc="The name of the method to implement")
    method_code: str = dspy.OutputField(desc="Python source of that one method: def ...")

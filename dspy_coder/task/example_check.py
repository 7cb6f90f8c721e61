"""The one docstring-example checker: the scorer's test functions, run as a single program.

The scorer judges a candidate with the tests ``doc_example_tests`` renders; the in-step check
of the CodeGenerator (``pipeline/generation.py``) runs those very functions, so both accept
the same answers (one rule for floats: ``math.isclose`` with ``rel_tol=abs_tol=1e-6``). The
check program runs in any namespace (the sandbox interpreter's session, or ``exec`` in tests)
and reports every example that fails in one error for the model.

Example:
    >>> from dspy_coder.types import DocExample
    >>> check = example_check_program("def f(x):\\n    return 1e9 + 0.5\\n", "f",
    ...                               [DocExample(call="f(1)", expected="1e9")])
    >>> exec(check, {})  # passes: within rel_tol of the expected value
"""

from __future__ import annotations

from dspy_coder.task.doc_examples import doc_example_tests
from dspy_coder.types import DocExample

# The header of the error that lists wrong examples; ``is_crash`` tells it apart from code
# that does not run.
EXAMPLES_FAILED = "Docstring examples failed:"

# A failing test function tells a call that raised (``_result`` was never bound) from a wrong
# value (its locals hold both values) through its frame. Lines 3, 5 and 19 hold the statements
# that can end the program, and the error text the model sees quotes them with their line
# numbers, so they keep the places they had before this checker ran the scorer's tests.
_CHECK_TEMPLATE = """
__ns = {{"__name__": "solution"}}
exec(compile({code!r}, "solution.py", "exec"), __ns)
if {entry_point!r} and {entry_point!r} not in __ns:
    raise NameError("The code must define a function named {entry_point}.")
__failures = []
for __name, __call, __source in {tests!r}:
    exec(compile(__source, "<docstring examples>", "exec"), __ns)
    try:
        __ns[__name]()
    except Exception as __exc:
        __seen = __exc.__traceback__.tb_next.tb_frame.f_locals  # the test function's frame
        if "_result" not in __seen:
            __failures.append(f"{{__call}} raised {{type(__exc).__name__}}: {{__exc}}")
        else:
            __failures.append(f"{{__call}} returned {{__seen['_result']!r}}, "
                              f"expected {{__seen['_expected']!r}}")
if __failures:
    raise AssertionError({examples_failed!r} + "\\n" + "\\n".join(__failures))
"""


def example_check_program(code: str, entry_point: str | None, examples: list[DocExample]) -> str:
    """Source that runs ``code`` in a fresh namespace, then the scorer's test of every example;
    it raises ``AssertionError`` listing the wrong examples, or the error that stopped ``code``.
    """
    tests = [
        (test.name, example.call, test.code)
        for example, test in zip(examples, doc_example_tests(examples), strict=True)
    ]
    return _CHECK_TEMPLATE.format(
        code=code, entry_point=entry_point or "", tests=tests, examples_failed=EXAMPLES_FAILED
    )


def is_crash(error: str) -> bool:
    """True when a check failed because the code does not run (it did not load, timed out, or
    a call raised), not because it returned wrong values."""
    if EXAMPLES_FAILED not in error:
        return True
    return any(" raised " in line for line in error.splitlines())

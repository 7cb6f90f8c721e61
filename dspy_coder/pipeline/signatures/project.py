"""Project mode's signatures: plan a package, and write its integration tests."""

import dspy

from dspy_coder.task.project_plan import ModuleSpec


class ProjectPlanner(dspy.Signature):
    """Plan a small Python package that meets the requirements.

    Split it into 1 to 5 modules, each with one purpose and at most 100 lines: every part the
    requirements name gets a module of its own (a request for "a validator, a normaliser and a
    CLI" is three modules, the CLI a main(argv) function that uses the other two). For each module
    give its public interface as Python signatures ("def name(args) -> type" or
    "class Name(args)"), the other modules of the plan it uses (depends_on; no loops), and the
    behaviours its unit tests should check. Then list behaviours that need several modules
    working together (integration tests), and a target time complexity for public functions
    where it matters. If feedback names problems of an earlier plan, fix every one of them."""

    requirements: str = dspy.InputField(desc="What to build")
    feedback: str = dspy.InputField(desc="Problems of the previous plan to fix (may be empty)")
    package: str = dspy.OutputField(desc="The package's import name, snake_case")
    modules: list[ModuleSpec] = dspy.OutputField(desc="The modules, each used module first")
    integration_tests: list[str] = dspy.OutputField(
        desc="Behaviours that need several modules together"
    )
    performance: dict[str, str] = dspy.OutputField(
        desc="Public function name -> target time complexity, e.g. {'get': 'O(1)'}"
    )


class IntegrationTestWriter(dspy.Signature):
    """Write pytest integration tests for a Python package: each test uses several of its
    modules together and asserts concrete expected values. Write 3 to 6 functions named
    test_*, and import what each uses from the package's modules."""

    __test__ = False  # tests import it: without this pytest warns it cannot collect it

    requirements: str = dspy.InputField(desc="What the package is for")
    interfaces: str = dspy.InputField(desc="Each module's import path and public signatures")
    behaviours: list[str] = dspy.InputField(desc="What the integration tests should check")
    integration_test_code: str = dspy.OutputField(
        desc="Python source: pytest functions def test_*()"
    )

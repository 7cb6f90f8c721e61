"""CodePlanner: task -> a short, concrete implementation plan with performance targets."""

import dspy


class CodePlanner(dspy.Signature):
    """Plan the implementation of a Python function before writing it.

    Be brief and concrete: name the algorithm, list the steps, list the edge cases the tests
    must cover (empty input, single element, negatives, duplicates, ...), and state the time
    complexity a good solution reaches, e.g. "O(n log n)"."""

    task: str = dspy.InputField(desc="Function signature with docstring, or a free-text goal")
    approach: str = dspy.OutputField(desc="The algorithm in one or two sentences")
    steps: list[str] = dspy.OutputField(desc="Implementation steps, at most 6")
    edge_cases: list[str] = dspy.OutputField(desc="Edge cases to handle and test, at most 6")
    time_complexity: str = dspy.OutputField(desc='Target time complexity, e.g. "O(n)"')

"""The senior's signatures: a minimal spec for the junior, and the reviews at checkpoints
(progressive disclosure: debugging, then strategy or test criteria)."""

import dspy


class MinimalSpec(dspy.Signature):
    """You are a senior developer handing a task to a junior developer. Write a minimal
    specification: analyse the problem and state what the function must do and return. Do
    not give the approach, edge cases, tests or code."""

    task: str = dspy.InputField()
    analysis: str = dspy.OutputField(desc="What the problem is, in two or three sentences.")
    must_do: str = dspy.OutputField(desc="What the function must do and what it returns.")


class DebugReview(dspy.Signature):
    """You are a senior developer reviewing a junior developer's failed attempts at a task.
    Trace the root cause of the failures through the code and propose a fix."""

    task: str = dspy.InputField()
    attempts: str = dspy.InputField(desc="The attempts: code, pass rate and failing tests.")
    root_cause: str = dspy.OutputField(desc="Why the code fails, traced through the code.")
    proposed_fix: str = dspy.OutputField(desc="What to change.")
    edge_cases: list[str] = dspy.OutputField(desc="Edge cases to verify after the fix.")


class StrategyGuidance(dspy.Signature):
    """You are a senior developer guiding a junior developer whose attempts at a task keep
    failing. Give strategic guidance: the approach to take, and the pitfalls the failures
    show."""

    task: str = dspy.InputField()
    attempts: str = dspy.InputField(desc="The attempts: code, pass rate and failing tests.")
    approach: str = dspy.OutputField(desc="The approach, in a few sentences.")
    pitfalls: list[str] = dspy.OutputField(desc="Pitfalls evident in the failures.")


class TestCriteria(dspy.Signature):
    """You are a senior developer writing acceptance criteria for a junior developer's
    function. Give specific inputs and the exact expected result, each as one Python assert
    statement that calls the function, e.g. assert f(2) == 4."""

    task: str = dspy.InputField()
    attempts: str = dspy.InputField(desc="The attempts: code, pass rate and failing tests.")
    entry_point: str = dspy.InputField(desc="The function the asserts call.")
    asserts: list[str] = dspy.OutputField(desc="At most six one-line assert statements.")

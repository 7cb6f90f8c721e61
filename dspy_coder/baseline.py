"""Single-shot programs to compare the pipeline against: ``dspy.Predict`` and ChainOfThought.

They take the same inputs as ``Coder`` (``prompt``, ``entry_point``) and return a
``dspy.Prediction`` with ``code``: a complete module defining the entry point.

Example:
    >>> program = SingleShot()                     # doctest: +SKIP
    >>> program(prompt=problem.prompt, entry_point=problem.entry_point).code  # doctest: +SKIP
"""

from __future__ import annotations

import dspy

from dspy_coder.code_extraction import assemble_solution


class WriteFunction(dspy.Signature):
    """Complete the Python function described by the prompt. Return the whole function
    (signature and body) plus any imports and helpers it needs, as plain Python source."""

    prompt: str = dspy.InputField(desc="Function signature with docstring, or a task description")
    code: str = dspy.OutputField(desc="Complete Python source implementing the function")


class SingleShot(dspy.Module):
    """One LM call, no tests, no refinement: the `baseline` variant."""

    def __init__(self, chain_of_thought: bool = False) -> None:
        super().__init__()
        self.write = (
            dspy.ChainOfThought(WriteFunction) if chain_of_thought else dspy.Predict(WriteFunction)
        )

    def forward(self, prompt: str, entry_point: str | None = None, **_: object) -> dspy.Prediction:
        prediction = self.write(prompt=prompt)
        code = assemble_solution(prediction.code, prompt, entry_point)
        return dspy.Prediction(code=code, raw=prediction.code)

"""Single-shot programs to compare the pipeline against: ``dspy.Predict`` and ChainOfThought.

They take the same inputs as ``Coder`` (``prompt``, ``entry_point``) and return a
``dspy.Prediction`` with ``code``: a complete module defining the entry point.

Example:
    >>> program = SingleShot()                     # doctest: +SKIP
    >>> program(prompt=problem.prompt, entry_point=problem.entry_point).code  # doctest: +SKIP
"""

from __future__ import annotations

import dspy

from dspy_coder.code.extraction import assemble_solution
from dspy_coder.pipeline.signatures.function_writer import FunctionWriter


class SingleShot(dspy.Module):
    """One LM call, no tests, no refinement: the `baseline` variant."""

    def __init__(self, chain_of_thought: bool = False) -> None:
        super().__init__()
        module = dspy.ChainOfThought if chain_of_thought else dspy.Predict
        self.write = module(FunctionWriter)

    def forward(self, prompt: str, entry_point: str | None = None, **_: object) -> dspy.Prediction:
        prediction = self.write(prompt=prompt)
        code = assemble_solution(prediction.code, prompt, entry_point)
        return dspy.Prediction(code=code, raw=prediction.code)

"""The TestGenerator step: generated pytest tests plus a ``make_input(n)`` generator."""

from __future__ import annotations

import dspy

from dspy_coder.code.generated_tests import parse_generated_tests, parse_make_input
from dspy_coder.pipeline.salvaging_adapter import salvaging_adapter
from dspy_coder.pipeline.signatures.tests import TestGenerator
from dspy_coder.types import TestCase


class GenerateTests(dspy.Module):
    """Task + plan -> individual ``TestCase`` records (unvetted) and make_input source."""

    def __init__(self, max_tokens: int | None = None) -> None:
        super().__init__()
        config = {"max_tokens": max_tokens} if max_tokens else {}
        self.write = dspy.Predict(TestGenerator, **config)

    def forward(self, task: str, plan: str, entry_point: str | None) -> dspy.Prediction:
        with dspy.context(adapter=salvaging_adapter(required=("test_code",))):
            prediction = self.write(task=task, plan=plan)
        tests: list[TestCase] = parse_generated_tests(prediction.test_code, entry_point)
        return dspy.Prediction(
            tests=tests,
            make_input=parse_make_input(prediction.make_input),
            raw=prediction.test_code,
        )

"""The TestGenerator step: generated pytest tests plus a ``make_input(n)`` generator."""

from __future__ import annotations

import dspy

from dspy_coder.code.generated_tests import parse_generated_tests, parse_make_input
from dspy_coder.judge.generated_audit import reads_code
from dspy_coder.pipeline.redrawing import redraw_while
from dspy_coder.pipeline.salvaging_adapter import salvaging_adapter
from dspy_coder.pipeline.signatures.tests import TestGenerator
from dspy_coder.types import TestCase

NO_TEST_READ = "the test writer's answer held no test that could be read"
NO_TEST_OF_CODE = "the test writer's tests read nothing of the code, only mocks of their own"


class GenerateTests(dspy.Module):
    """Task + plan -> individual ``TestCase`` records (unvetted) and make_input source.

    ``redraws``: how many more times to draw, with another seed, when an answer holds no test
    that can be read (the 1.5B sometimes writes the function instead of its tests) or, for a
    task without an entry point, only tests of mocks of their own. ``answers``: every answer
    drawn, the one the tests come from last. ``restated``: the names the task asks the code
    to define; the answer's own definitions of them are left out of its tests."""

    def __init__(self, max_tokens: int | None = None) -> None:
        super().__init__()
        config = {"max_tokens": max_tokens} if max_tokens else {}
        self.write = dspy.Predict(TestGenerator, **config)

    def forward(self, task: str, plan: str, entry_point: str | None,
                redraws: int = 0, restated: tuple[str, ...] = ()) -> dspy.Prediction:
        answers: list[str] = []
        own = frozenset(restated)  # the names the task asks the code to define

        def draw(_rejected_before: int) -> tuple[dspy.Prediction, list[TestCase]]:
            with dspy.context(adapter=salvaging_adapter(required=("test_code",))):
                prediction = self.write(task=task, plan=plan)
            answers.append(prediction.test_code or "")
            return prediction, parse_generated_tests(prediction.test_code, entry_point,
                                                     restated=own)

        def rejection(drawn: tuple[dspy.Prediction, list[TestCase]]) -> str | None:
            tests = drawn[1]
            if not tests:
                return NO_TEST_READ
            if entry_point is None and not any(reads_code(t.code) for t in tests):
                return NO_TEST_OF_CODE
            return None

        own_lm = self.write.lm
        try:
            (prediction, tests), redrawn = redraw_while(self, draw, rejection, redraws)
        finally:
            self.write.lm = own_lm  # a redraw's seeded copy is for that draw only
        return dspy.Prediction(
            tests=tests,
            make_input=parse_make_input(prediction.make_input),
            raw=answers[-1],
            answers=answers,
            redrawn=redrawn,
        )

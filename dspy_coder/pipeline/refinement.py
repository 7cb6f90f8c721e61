"""The refinement steps, wrapped in ``dspy.Refine`` with the sandbox score as reward.

``RefineStep`` repairs the current code (CodeRefiner); ``RewriteStep`` writes a fresh
implementation from the task and the failures alone (CodeRewriter). Both take the same inputs
and return ``fixed_code``, so the program can alternate them round by round.
Each is the module ``dspy.Refine`` re-runs (with different rollout ids at
temperature 1.0, and advice from earlier rollouts); the reward function runs each candidate
in the sandbox and records it as an ``Attempt``, so every rollout is kept in the audit trail.
``DistinctRefinement`` wraps either so that a repeat of a program already tried is drawn again
(from the rewrite step: a model that repeats the code it was shown would repeat it again).

Example:
    >>> refine = dspy.Refine(module=RefineStep(), N=2, reward_fn=reward,
    ...                      threshold=0.95)                          # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable

import dspy

from dspy_coder.pipeline.draw import Draw
from dspy_coder.pipeline.redrawing import redraw_while
from dspy_coder.pipeline.signatures.refiner import CodeRefiner
from dspy_coder.pipeline.signatures.rewriter import CodeRewriter


class RefineStep(dspy.Module):
    """One refinement: the current code and its concrete failures -> corrected code."""

    stage = "refine"  # how its attempts are labelled in the report

    def __init__(self, max_tokens: int | None = None) -> None:
        super().__init__()
        config = {"max_tokens": max_tokens} if max_tokens else {}
        self.fix = dspy.ChainOfThought(CodeRefiner, **config)

    def forward(
        self, task: str, code: str, failures: str, metrics: str, history: str
    ) -> dspy.Prediction:
        prediction = self.fix(
            task=task, code=code, failures=failures, metrics=metrics, history=history
        )
        return dspy.Prediction(
            fixed_code=prediction.fixed_code, reasoning=prediction.reasoning
        )


class RewriteStep(dspy.Module):
    """One fresh attempt: the task and the failures so far -> new code (the old code unseen)."""

    stage = "rewrite"

    def __init__(self, max_tokens: int | None = None) -> None:
        super().__init__()
        config = {"max_tokens": max_tokens} if max_tokens else {}
        self.write = dspy.Predict(CodeRewriter, **config)

    def forward(
        self, task: str, code: str, failures: str, metrics: str, history: str
    ) -> dspy.Prediction:
        del code, metrics, history  # unseen on purpose: no anchor on the failing code
        prediction = self.write(task=task, failures=failures)
        return dspy.Prediction(fixed_code=prediction.new_code, reasoning="")


class DistinctRefinement(dspy.Module):
    """A refinement step whose answer must be a new program.

    A small model shown its failing code often returns it unchanged, at any temperature.
    A stub or a repeat of a program already tried is therefore drawn again from ``redraw``
    (the rewrite step, which does not see the failing code) with another seed
    (``redrawing``), up to ``redraws`` times. The prediction's ``draw`` says why and which
    step wrote the answer."""

    def __init__(
        self,
        step: dspy.Module,
        rejection: Callable[[str], str | None],
        redraw: dspy.Module | None = None,
        redraws: int = 2,
    ) -> None:
        super().__init__()
        self.step = step
        self.redraw = redraw if redraw is not None else step
        self.rejection = rejection
        self.redraws = redraws

    def forward(
        self, task: str, code: str, failures: str, metrics: str, history: str
    ) -> dspy.Prediction:
        def draw(rejected_before: int) -> tuple[dspy.Prediction, str]:
            step = self.step if rejected_before == 0 else self.redraw
            prediction = step(task=task, code=code, failures=failures, metrics=metrics,
                              history=history)
            return prediction, step.stage

        (prediction, stage), redrawn = redraw_while(
            self, draw, lambda drawn: self.rejection(drawn[0].fixed_code), self.redraws
        )
        prediction.draw = Draw(
            code=prediction.fixed_code,
            stage=stage,
            reasoning=prediction.reasoning or "",
            redraw_reasons=tuple(redrawn),
        )
        return prediction

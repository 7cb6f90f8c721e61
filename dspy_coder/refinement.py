"""The refinement steps, wrapped in ``dspy.Refine`` with the sandbox score as reward.

``RefineStep`` repairs the current code (CodeRefiner); ``RewriteStep`` writes a fresh
implementation from the task and the failures alone (CodeRewriter). Both take the same inputs
and return ``fixed_code``, so the program can alternate them round by round.
Each is the module ``dspy.Refine`` re-runs (with different rollout ids at
temperature 1.0, and advice from earlier rollouts); the reward function runs each candidate
in the sandbox and records it as an ``Attempt``, so every rollout is kept in the audit trail.
``DistinctRefinement`` wraps either so that a repeat of a program already tried is drawn again.

Example:
    >>> refine = dspy.Refine(module=RefineStep(), N=2, reward_fn=reward,
    ...                      threshold=0.95)                          # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable

import dspy

from dspy_coder.redrawing import redraw_while
from dspy_coder.signatures.refiner import CodeRefiner
from dspy_coder.signatures.rewriter import CodeRewriter


class RefineStep(dspy.Module):
    """One refinement: the current code and its concrete failures -> corrected code."""

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
            fixed_code=prediction.fixed_code, reasoning=getattr(prediction, "reasoning", "")
        )


class RewriteStep(dspy.Module):
    """One fresh attempt: the task and the failures so far -> new code (the old code unseen)."""

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

    The 1.5B model asked to repair HumanEval/128 returned its failing code unchanged, and the
    run stopped as stalled. A stub or a repeat of a program already tried is drawn again with
    another seed (``redrawing``), up to ``redraws`` times; the prediction says why
    (``redrawn``)."""

    def __init__(
        self,
        step: dspy.Module,
        rejection: Callable[[str], str | None],
        redraws: int = 2,
    ) -> None:
        super().__init__()
        self.step = step
        self.rejection = rejection
        self.redraws = redraws

    def forward(
        self, task: str, code: str, failures: str, metrics: str, history: str
    ) -> dspy.Prediction:
        prediction, redrawn = redraw_while(
            self,
            lambda: self.step(task=task, code=code, failures=failures, metrics=metrics,
                              history=history),
            lambda drawn: self.rejection(drawn.fixed_code),
            self.redraws,
        )
        prediction.redrawn = redrawn
        return prediction

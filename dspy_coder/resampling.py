"""Fresh drafts when the first one fails its checks: sampled again, guided by the plan if any.

A small model shown its failing code tends to return the same code, and a refinement prompt
is a harder task than the original one. A fresh sample of the very call that wrote the first
draft, at temperature 1.0, is often right where the greedy answer was not (pass@k is well
above pass@1 for small code models). A task with a plan (the complex route) is sampled from
the CodeGenerator on the task and the plan instead: a second opinion the plan steers.
``dspy.BestOfN`` re-runs ``DraftStep`` with distinct rollout ids (with a seeded local model
each rollout has its own reproducible seed); the
reward runs every candidate in the sandbox against the run's tests (the docstring examples
and any vetted generated tests) and records it as an ``Attempt``, and the first candidate
that reaches the threshold ends the round. This is filtering by the task's own examples, as
in CodeT; the hidden benchmark tests are never involved.

Example:
    >>> sampler = dspy.BestOfN(module=DraftStep(coder.generate), N=4,
    ...                        reward_fn=reward, threshold=0.95)           # doctest: +SKIP
    >>> sampler(task=task_text, plan="").fixed_code                     # doctest: +SKIP
"""

from __future__ import annotations

import dspy

from dspy_coder.generation import GenerateCode


class DraftStep(dspy.Module):
    """One fresh draft (``GenerateCode.sample``), from the compiled predictors if any."""

    def __init__(self, generate: GenerateCode) -> None:
        super().__init__()
        self.generate = generate

    def forward(self, task: str, plan: str) -> dspy.Prediction:
        raw, reasoning = self.generate.sample(task, plan)
        return dspy.Prediction(fixed_code=raw, reasoning=reasoning)

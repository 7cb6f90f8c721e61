"""Fresh drafts when the first one fails its checks: sampled again, guided by the plan if any.

A small model shown its failing code tends to return the same code, and a refinement prompt
is a harder task than the original one. A fresh sample of the very call that wrote the first
draft, at temperature 1.0, is often right where the greedy answer was not (pass@k is well
above pass@1 for small code models). A task with a plan (the complex route) is sampled from
the CodeGenerator on the task and the plan instead: a second opinion the plan steers. Without
docstring examples (``plan_free_odd_slots``) every other sample is drawn from the task alone:
candidates that all follow one plan share its reading of the task, and their agreement then
vouches for the plan, not for the code (Mbpp/16: the plan's "a lowercase letter followed by an
underscore" in all four samples outvoted the right first draft).
``dspy.BestOfN`` re-runs ``DraftStep`` with distinct rollout ids (with a seeded local model
each rollout has its own reproducible seed); the
reward runs every candidate in the sandbox against the run's tests (the docstring examples
and any vetted generated tests) and records it as an ``Attempt``, and the first candidate
that reaches the threshold ends the round. This is filtering by the task's own examples, as
in CodeT; the hidden benchmark tests are never involved.

At temperature 1.0 a small model often just repeats the prompt's signature and docstring and
stops. Such a stub is not a candidate, and neither is a
repeat of a program already tried when the task has docstring examples (its outcome is
known): the step draws again with another rollout id (``redrawing``), up to ``redraws``
times, and says why. Without examples a repeat stays: the tests are the model's own, and
agreement among samples is what vets them, so a repeat is a vote. A sample that
crashes its docstring check (an undefined name, a syntax error, a call that raises; not a
wrong value) gets one regeneration with the error, as the first draft does inside
ProgramOfThought: a sample that is right but for one undefined name is worth a repair.

Example:
    >>> sampler = dspy.BestOfN(module=DraftStep(coder.generate), N=4,
    ...                        reward_fn=reward, threshold=0.95)           # doctest: +SKIP
    >>> sampler(task=text, plan="", prompt=prompt, entry_point="f").fixed_code  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import dspy

from dspy_coder.code.extraction import assemble_solution, has_empty_body, holds_no_program
from dspy_coder.code.identity import program_identity
from dspy_coder.judge.redefinitions import without_definitions
from dspy_coder.pipeline.draw import Draw
from dspy_coder.pipeline.generation import GenerateCode
from dspy_coder.pipeline.redrawing import redraw_while, rollout_slot
from dspy_coder.types import DocExample

STUB = "only repeated the signature and docstring"
NO_PROGRAM = "held no program (nothing defined, e.g. obj['new_code'])"
REPEAT = "repeated a program already tried"
COPY = "only copied the code it builds on"


def candidate_rejection(
    prompt: str, entry_point: str | None, tried: Callable[[], Collection[str]] | None,
    context_names: Collection[str] = (),
) -> Callable[[str], str | None]:
    """Why raw model output is no new candidate (``STUB``, ``NO_PROGRAM``, ``COPY``,
    ``REPEAT``), or None when it is.

    ``tried`` gives the ``program_identity`` of the programs already run (None: repeats are
    allowed); ``context_names``: what the code the task builds on defines (an answer that
    only redefines those is a ``COPY``: the 1.5B's toml_writer copied the config builder)."""

    def rejection(raw: str) -> str | None:
        code = assemble_solution(raw, prompt, entry_point)
        if has_empty_body(code, entry_point):
            return STUB
        if holds_no_program(code):
            return NO_PROGRAM
        if context_names and holds_no_program(without_definitions(code, set(context_names))[0]):
            return COPY
        if tried is not None and program_identity(code) in tried():
            return REPEAT
        return None

    return rejection


class DraftStep(dspy.Module):
    """One fresh draft (``GenerateCode.sample``, or for a class under ``per_method`` its
    method-by-method draft), from the compiled predictors if any; the prediction's ``draw``
    says how it was drawn."""

    def __init__(
        self,
        generate: GenerateCode,
        redraws: int = 2,
        repair_crashes: bool = True,
        tried: Callable[[], Collection[str]] | None = None,
        plan_free_odd_slots: bool = False,
        context_names: Collection[str] = (),
    ) -> None:
        super().__init__()
        self.generate = generate
        self.redraws = redraws
        self.repair_crashes = repair_crashes
        self.tried = tried
        self.plan_free_odd_slots = plan_free_odd_slots
        self.context_names = tuple(context_names)

    def forward(
        self,
        task: str,
        plan: str,
        prompt: str = "",
        entry_point: str | None = None,
        examples: list[DocExample] | None = None,
    ) -> dspy.Prediction:
        rejection = candidate_rejection(prompt or task, entry_point, self.tried,
                                        self.context_names)
        without_plan = (bool(plan.strip()) and self.plan_free_odd_slots
                        and rollout_slot(self) % 2 == 1)
        if without_plan:
            plan = ""
        by_method = self.generate.drafts_by_method(prompt, entry_point)
        (raw, reasoning), redrawn = redraw_while(
            self,
            (lambda _: (self.generate.class_drafter(prompt=prompt, class_name=entry_point).code,
                        "")) if by_method else (lambda _: self.generate.sample(task, plan)),
            lambda drawn: rejection(drawn[0]),
            self.redraws,
        )
        repaired = None
        if self.repair_crashes and not by_method:  # a class's failures are fixed by method
            repaired = self.generate.repair_crash(
                task, plan, raw, prompt or task, entry_point, examples or []
            )
            if repaired is not None:
                raw, reasoning = repaired
        draw = Draw(
            code=raw,
            stage="sample",
            reasoning=reasoning or "",
            redraw_reasons=tuple(redrawn),
            crash_repaired=repaired is not None,
            without_plan=without_plan,
        )
        return dspy.Prediction(fixed_code=raw, reasoning=reasoning, draw=draw)

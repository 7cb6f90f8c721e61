"""A dev set weighted toward problems whose first draft fails (``optimize --dev-focus failing``).

A dev set that the first draft already solves cannot tell compiled later steps (sampling,
refinement, test writing) from uncompiled ones: they never run. ``focused_dev`` takes a share
of the dev problems from those whose first draft fails the prompt's own examples
(``first_drafts.py``; never the hidden tests), the rest from the others, walking the seeded dev
order and asking for outcomes only until both quotas are met.

Example:
    >>> from dspy_coder.datasets import Problem
    >>> dev = [Problem(task_id=f"T/{k}", prompt="def f():\\n", entry_point="f", test="")
    ...        for k in range(6)]
    >>> fails = {"T/1", "T/4", "T/5"}
    >>> outcome = lambda p: "fails" if p.task_id in fails else "passes"
    >>> [p.task_id for p in focused_dev(dev, 4, 0.75, outcome)]
    ['T/0', 'T/1', 'T/4', 'T/5']
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import dspy

from dspy_coder.datasets import Problem
from dspy_coder.errors import UsageError
from dspy_coder.optimizers.first_drafts import FirstDraftChecks, Outcome, first_draft_checker
from dspy_coder.optimizers.pool import ProblemPool

logger = logging.getLogger(__name__)

FOCUS_CHOICES = ("none", "failing")


def check_share(share: float) -> float:
    if not 0.0 < share <= 1.0:
        raise UsageError(f"--dev-focus-share must be > 0 and <= 1, got {share}.")
    return share


def focused_dev(candidates: Sequence[Problem], size: int, share: float,
                outcome_of: Callable[[Problem], Outcome]) -> list[Problem]:
    """``size`` problems of ``candidates`` (the dev split in its seeded order): ``round(share *
    size)`` whose first draft fails, the rest from the others; a group that runs short is
    topped up from the other one. The result keeps the candidates' order."""
    check_share(share)
    if size < 1:
        raise UsageError("The dev set needs at least one problem.")
    want_failing = round(share * size)
    failing: list[Problem] = []
    others: list[Problem] = []
    for problem in candidates:
        if len(failing) >= want_failing and len(others) >= size - want_failing:
            break
        (failing if outcome_of(problem) == "fails" else others).append(problem)
    chosen = failing[:want_failing] + others[:size - want_failing]
    spare = failing[want_failing:] + others[size - want_failing:]
    chosen += spare[:size - len(chosen)]
    if len(failing) < want_failing:
        logger.warning("Only %d of the %d dev problems whose first draft fails were found; the "
                       "dev set is topped up with others.", len(failing), want_failing)
    ids = {p.task_id for p in chosen}
    return [p for p in candidates if p.task_id in ids]


def draft_program_kind(kind: str) -> str:
    """The program whose answer is ``kind``'s first draft: the pipeline drafts with the
    single-shot call (the same call as ``baseline``), the others are their own first draft."""
    return "baseline" if kind == "coder" else kind


def choose_focused_dev(pool: ProblemPool, *, kind: str, size: int, share: float, seed: int,
                       checks_path: Path, lm: Any, lm_spec: str, runner: Any = None,
                       limits: Any = None) -> tuple[list[str], dict[str, Any]]:
    """The dev task ids ``focused_dev`` picks from ``pool``'s dev split, drafting with the student
    LM where ``checks_path`` has no outcome yet, and what the sidecar records about it."""
    from dspy_coder.optimizers.progress import LMCallCounter
    from dspy_coder.pipeline.programs import make_program

    program_kind = draft_program_kind(kind)
    checks = FirstDraftChecks(checks_path, lm=lm_spec, program=program_kind)
    outcome_of = first_draft_checker(checks, make_program(program_kind), lm, runner, limits)
    counter = LMCallCounter()
    with dspy.context(callbacks=[*(dspy.settings.callbacks or []), counter]):
        chosen = focused_dev(pool.split("dev", seed), size, share, outcome_of)
    outcomes = {p.task_id: checks.get(p) for p in chosen}
    failing = sum(outcome == "fails" for outcome in outcomes.values())
    logger.info("Dev set: %d of %d problems whose first draft fails its own examples (%d new "
                "drafts, outcomes in %s)", failing, len(chosen), counter.total, checks_path)
    info = {"focus": "failing", "share": share, "first_drafts": str(checks_path),
            "draft_program": program_kind, "draft_lm_calls": counter.total,
            "failing": failing, "outcomes": outcomes}
    return [p.task_id for p in chosen], info

"""Training data for compiling: DSPy examples built from the train (or dev) split only.

The hidden tests of a benchmark may grade training candidates on the splits used for
optimisation (``train``; ``dev`` for candidate selection), never on the held-out ``test``
split. ``build_split`` refuses ``"test"`` outright, and the tests live in a ``SplitData``
lookup owned by the metric, not in the ``dspy.Example`` objects, so they cannot reach a demo.
Several problem sets (``ProblemPool``: HumanEval plus MBPP) are split each on its own.

Example:
    >>> from dspy_coder.datasets import load_problems
    >>> train = build_split(load_problems("humaneval"), "train", limit=8)
    >>> len(train.dspy_examples), train.dspy_examples[0].inputs().keys()  # doctest: +SKIP
    (8, dict_keys(['prompt', 'entry_point', 'task_id']))
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import dspy

from dspy_coder.datasets import DEFAULT_SPLIT_SEED, Problem
from dspy_coder.errors import UsageError
from dspy_coder.optimizers.pool import ProblemPool, as_pool

logger = logging.getLogger(__name__)

OPTIMIZATION_SPLITS = ("train", "dev")
INPUT_KEYS = ("prompt", "entry_point", "task_id")


@dataclass(frozen=True)
class SplitData:
    """Examples of one optimisation split plus the hidden tests the metric may use for them."""

    split: str
    seed: int
    dspy_examples: list[dspy.Example]
    tests: dict[str, str] = field(repr=False)
    problems: list[Problem] = field(repr=False)

    @property
    def task_ids(self) -> list[str]:
        return [example.task_id for example in self.dspy_examples]

    def __len__(self) -> int:
        return len(self.dspy_examples)


def to_dspy_example(problem: Problem, *, with_reference: bool = False) -> dspy.Example:
    """A ``dspy.Example`` with the program's inputs (and optionally the reference code label).

    The hidden ``test`` is never put into the example: it stays in ``SplitData.tests``.
    """
    data: dict[str, str] = {
        "prompt": problem.prompt,
        "entry_point": problem.entry_point,
        "task_id": problem.task_id,
    }
    reference = problem.reference_code() if with_reference else None
    if reference:
        data["code"] = reference
    return dspy.Example(**data).with_inputs(*INPUT_KEYS)


def build_split(
    problems: Sequence[Problem] | ProblemPool,
    split: str,
    *,
    seed: int = DEFAULT_SPLIT_SEED,
    limit: int | None = None,
    with_reference: bool = False,
    task_ids: Sequence[str] | None = None,
) -> SplitData:
    """Examples of ``split`` ("train" or "dev"), in the fixed seeded order of the split (only
    ``task_ids`` of it, in that order, when given: e.g. a dev set chosen by ``dev_focus``).

    Raises ``UsageError`` for ``"test"``: the held-out split can never feed a compile.
    ``problems`` must be the full problem set (or a pool of full sets) so the seeded split
    assignment is the same one ``dspy-coder bench --split test`` uses.
    """
    if split not in OPTIMIZATION_SPLITS:
        raise UsageError(
            f"Cannot build optimisation data from split {split!r}: compiling may only use "
            f"{' or '.join(OPTIMIZATION_SPLITS)} (the test split is held out for evaluation)."
        )
    pool = as_pool(problems)
    selected = pool.split(split, seed)  # type: ignore[arg-type]
    if not selected:
        raise UsageError(
            f"The {split} split is empty; the problem set has {len(pool.problems)} problems."
        )
    if task_ids is not None:
        by_id = {p.task_id: p for p in selected}
        outside = [task_id for task_id in task_ids if task_id not in by_id]
        if outside:
            raise UsageError(f"Not in the {split} split: {', '.join(outside[:10])}.")
        selected = [by_id[task_id] for task_id in task_ids]
    if limit is not None:
        if limit < 1:
            raise UsageError("Example limits must be >= 1.")
        selected = selected[:limit]
    held_out = {p.task_id for p in pool.held_out(seed)}
    leaked = [p.task_id for p in selected if p.task_id in held_out]
    if leaked:  # defensive: select_problems guarantees this, keep the guard explicit
        raise UsageError(f"Refusing test-split problems in {split} data: {', '.join(leaked)}")
    dspy_examples = [to_dspy_example(p, with_reference=with_reference) for p in selected]
    tests = {p.task_id: p.test for p in selected}
    logger.debug("Built %d %s examples (seed %d)", len(dspy_examples), split, seed)
    return SplitData(
        split=split, seed=seed, dspy_examples=dspy_examples, tests=tests, problems=selected
    )


def held_out_problems(
    problems: Sequence[Problem] | ProblemPool, seed: int = DEFAULT_SPLIT_SEED
) -> list[Problem]:
    """The held-out problems (of every set of a pool), for auditing artifacts (never for
    building training data)."""
    return as_pool(problems).held_out(seed)

"""The problem sets a compile draws its train and dev problems from (``optimize --train-data``).

Each set keeps its own fixed, seeded train/dev/test split (``datasets.split_assignment`` over
that set alone), so a set's held-out problems are exactly what ``dspy-coder bench --dataset
NAME --split test`` runs, whatever else a compile is given. Train and dev are the union of the
sets' train (dev) splits in one seeded order, so a budget's first N problems mix the sets.

Example:
    >>> pool = load_pool("humaneval")
    >>> [len(pool.split("train")), len(pool.held_out())]
    [66, 65]
    >>> sizes = load_pool("humaneval,mbpp-evalplus").split_sizes()   # doctest: +SKIP
    >>> sizes["mbpp-evalplus"]["test"]                              # doctest: +SKIP
    171
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dspy_coder.datasets import DEFAULT_SPLIT_SEED, Problem, SplitName, select_problems
from dspy_coder.errors import UsageError

SINGLE_SOURCE = "problems"  # the name of a plain problem list passed where a pool is expected


@dataclass(frozen=True)
class ProblemPool:
    """Named problem sets, each split on its own; see the module docstring."""

    sources: dict[str, list[Problem]]

    def __post_init__(self) -> None:
        if not self.sources or not all(self.sources.values()):
            raise UsageError("A compile needs at least one non-empty problem set.")
        owner: dict[str, str] = {}
        for name, problems in self.sources.items():
            for problem in problems:
                if problem.task_id in owner:
                    raise UsageError(
                        f"{problem.task_id} is in both {owner[problem.task_id]} and {name}: "
                        "give each problem set once (mbpp and mbpp-evalplus are the same "
                        "problems with other prompts)."
                    )
                owner[problem.task_id] = name

    @property
    def names(self) -> list[str]:
        return list(self.sources)

    @property
    def problems(self) -> list[Problem]:
        """Every problem of every set, in set order."""
        return [p for problems in self.sources.values() for p in problems]

    def split(self, split: SplitName, seed: int = DEFAULT_SPLIT_SEED) -> list[Problem]:
        """The problems of ``split`` in every set; one set keeps its own order (what ``bench``
        lists), several are mixed in one order seeded by ``seed`` and the split's name."""
        per_source = [select_problems(problems, split=split, seed=seed)
                      for problems in self.sources.values()]
        if len(per_source) == 1:
            return per_source[0]
        mixed = [p for selected in per_source for p in selected]
        random.Random(f"{seed}/{split}/{'+'.join(self.sources)}").shuffle(mixed)
        return mixed

    def held_out(self, seed: int = DEFAULT_SPLIT_SEED) -> list[Problem]:
        """Every set's test split: what no compile may see and every save is scanned for."""
        return [p for problems in self.sources.values()
                for p in select_problems(problems, split="test", seed=seed)]

    def split_sizes(self, seed: int = DEFAULT_SPLIT_SEED) -> dict[str, dict[str, int]]:
        """``{set: {"train": n, "dev": n, "test": n}}``."""
        return {name: {split: len(select_problems(problems, split=split, seed=seed))
                       for split in ("train", "dev", "test")}
                for name, problems in self.sources.items()}


def as_pool(problems: Sequence[Problem] | ProblemPool) -> ProblemPool:
    """``problems`` as a pool: a plain list is one set, split as ``bench`` splits it."""
    if isinstance(problems, ProblemPool):
        return problems
    return ProblemPool({SINGLE_SOURCE: list(problems)})


def parse_train_data(value: str) -> list[str]:
    """The set names of ``--train-data`` (comma-separated, each at most once)."""
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        raise UsageError("--train-data needs at least one problem set, e.g. "
                         "humaneval,mbpp-evalplus.")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise UsageError(f"--train-data names {', '.join(repeated)} more than once.")
    return names


def load_pool(value: str, datasets_dir: Path | None = None) -> ProblemPool:
    """The pool of ``--train-data`` (``humaneval``, ``mbpp``, ``mbpp-evalplus`` or JSONL paths,
    comma-separated), each set loaded in full so its split is the one ``bench`` uses."""
    from dspy_coder.datasets import load_problems

    return ProblemPool({name: load_problems(name, datasets_dir=datasets_dir)
                        for name in parse_train_data(value)})

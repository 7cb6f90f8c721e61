"""Which of the pipeline's predictors GEPA reflects on next: one that ran, on a failure.

GEPA's default selector takes the program's predictors in turn. The pipeline has eight, and
most problems run only two or three of them (the assessor is skipped when docstring examples
pin the task down, the planner runs on the complex route, the refiner and the rewriter only
after a failure). Turning to a predictor that did not run on the minibatch leaves GEPA nothing
to reflect on ("No valid predictions found for any module"), and the iteration and its metric
calls are spent for nothing: in the `light` compile of the pipeline at dce4bc2 this happened
on a minibatch whose failing problem had gone through generate and refine.

``PredictorsThatRan`` picks, for each iteration, the predictor that has been picked least for
this candidate among those that ran on an example scoring below ``perfect_score``; if no
failing example ran any, among those that ran at all. A new candidate starts from its parents'
picks, as GEPA's own turn-taking starts a child where its parents left off; counted afresh, the
child of the pipeline's GEPA compile (f6aa754) reflected again on the step its parent had just
been changed in. It matches trace entries to predictor names the way GEPA builds its
reflective dataset: by signature, with the candidate's instruction.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from dspy.signatures.signature import Signature

logger = logging.getLogger(__name__)


class PredictorsThatRan:
    """A GEPA ``component_selector``: one predictor per iteration, chosen from those that ran.

    Args:
        signatures: the student's predictor signatures by name (``named_predictors()``).
        perfect_score: an example scoring at least this ran without a failure to learn from.
    """

    def __init__(self, signatures: Mapping[str, type[Signature]], perfect_score: float = 1.0):
        if not signatures:
            raise ValueError("PredictorsThatRan needs the student's predictor signatures")
        self._signatures = dict(signatures)
        self._perfect_score = perfect_score
        self._picks: dict[int, Counter[str]] = {}

    def __call__(self, state: Any, trajectories: list[dict[str, Any]] | None,
                 subsample_scores: list[float], candidate_idx: int,
                 candidate: dict[str, str]) -> list[str]:
        names = [name for name in self._signatures if name in candidate]
        runs = list(trajectories or [])
        on_failures = self._names_that_ran(
            (run for run in runs if _score(run) < self._perfect_score), names, candidate)
        pool = on_failures or self._names_that_ran(runs, names, candidate) or names
        if candidate_idx not in self._picks:
            self._picks[candidate_idx] = self._inherited(state, candidate_idx)
        picks = self._picks[candidate_idx]
        chosen = min(pool, key=lambda name: picks[name])  # ties: the program's order
        picks[chosen] += 1
        logger.info("GEPA reflects on %s (ran on a failure: %s)", chosen,
                    ", ".join(on_failures) or "none")
        return [chosen]

    def _inherited(self, state: Any, candidate_idx: int) -> Counter[str]:
        """The most picks of each predictor among the candidate's parents (GEPA's state lists
        them; none for the seed program or a state without them)."""
        lineage = getattr(state, "parent_program_for_candidate", None) or []
        parents = lineage[candidate_idx] if candidate_idx < len(lineage) else []
        inherited: Counter[str] = Counter()
        for parent in parents:
            inherited |= self._picks.get(parent, Counter())  # per name, the larger count
        return inherited

    def _names_that_ran(self, runs: Iterable[dict[str, Any]], names: list[str],
                        candidate: dict[str, str]) -> list[str]:
        ran_signatures = [entry[0].signature for run in runs for entry in run.get("trace", [])]
        return [name for name in names
                if any(ran.equals(self._signatures[name].with_instructions(candidate[name]))
                       for ran in ran_signatures)]


def _score(run: dict[str, Any]) -> float:
    score = run.get("score")
    score = getattr(score, "score", score)
    return float(score) if isinstance(score, (int, float)) else 0.0

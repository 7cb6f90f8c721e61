"""The teleprompters dspy-coder can compile with, each configured from a ``Budget``.

Every builder takes an ``OptimizerSetup`` and returns the teleprompter plus the keyword
arguments for its ``compile`` call. Demos are only ever *bootstrapped* from runs that pass
all of the train example's tests (``metric_threshold=1.0``); labelled demos are off.

Example:
    >>> sorted(OPTIMIZERS)
    ['bootstrap', 'gepa', 'mipro', 'random-search', 'simba']
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dspy

from dspy_coder.errors import SetupError, UsageError
from dspy_coder.optimizers.budgets import Budget
from dspy_coder.optimizers.general_proposer import (
    REFUSED_FILE,
    GeneralInstructionProposer,
    LessonProposer,
)
from dspy_coder.optimizers.gepa_selector import PredictorsThatRan

logger = logging.getLogger(__name__)


@dataclass
class OptimizerSetup:
    """What a builder needs: the metric (already tracked), data, LMs and budget."""

    metric: Callable[..., Any]
    feedback_metric: Callable[..., Any]
    trainset: list[dspy.Example]
    devset: list[dspy.Example]
    budget: Budget
    student_lm: Any
    teacher_lm: Any | None
    threads: int
    seed: int
    log_dir: Path | None
    program_source_chars: int = 0
    predictor_signatures: dict[str, type[dspy.Signature]] = field(default_factory=dict)
    gepa_proposer: str = "rewrite"  # GEPA_PROPOSERS: how GEPA's reflection LM changes a step

    @property
    def proposer_sees_the_source(self) -> bool:
        """MIPROv2's instruction proposer puts the program's whole source in every proposal
        prompt. The pipeline's source is about 9k tokens once demos are added, over the local
        models' 8192-token window (the 1.5B teacher failed on it): shown only when it takes at
        most a quarter of the prompt LM's window (remote LMs: assumed large enough)."""
        window = getattr(getattr(self.prompt_lm, "engine", None), "n_ctx", None)
        if not isinstance(window, int):
            return True
        return self.program_source_chars / CHARS_PER_TOKEN <= window / 4

    @property
    def teacher_settings(self) -> dict[str, Any]:
        return {"lm": self.teacher_lm} if self.teacher_lm is not None else {}

    @property
    def prompt_lm(self) -> Any:
        return self.teacher_lm if self.teacher_lm is not None else self.student_lm


Built = tuple[Any, dict[str, Any]]

# A rough count for Python source with an English docstring: enough to size a prompt.
CHARS_PER_TOKEN = 3.5


def _bootstrap(s: OptimizerSetup) -> Built:
    optimizer = dspy.BootstrapFewShot(
        metric=s.metric,
        metric_threshold=1.0,
        teacher_settings=s.teacher_settings,
        max_bootstrapped_demos=s.budget.max_demos,
        max_labeled_demos=0,
        max_rounds=s.budget.max_rounds,
    )
    return optimizer, {"trainset": s.trainset}


def _random_search(s: OptimizerSetup) -> Built:
    optimizer = dspy.BootstrapFewShotWithRandomSearch(
        metric=s.metric,
        metric_threshold=1.0,
        teacher_settings=s.teacher_settings,
        max_bootstrapped_demos=max(1, s.budget.max_demos),
        max_labeled_demos=0,
        max_rounds=s.budget.max_rounds,
        num_candidate_programs=s.budget.num_candidates,
        num_threads=s.threads,
    )
    # Seed -2 ("labels only") is pointless without labelled demos: skip it.
    restrict = [-3, -1, *range(s.budget.num_candidates)]
    return optimizer, {"trainset": s.trainset, "valset": s.devset, "restrict": restrict}


def _mipro(s: OptimizerSetup) -> Built:
    try:
        import optuna  # noqa: F401
    except ImportError as exc:
        raise SetupError("MIPROv2 needs optuna. Run: pip install 'optuna>=3.6'") from exc
    optimizer = dspy.MIPROv2(
        metric=s.metric,
        prompt_model=s.prompt_lm,
        task_model=s.student_lm,
        teacher_settings=s.teacher_settings,
        max_bootstrapped_demos=s.budget.max_demos,
        max_labeled_demos=0,
        auto=None,
        num_candidates=s.budget.num_candidates,
        num_threads=s.threads,
        seed=s.seed,
        metric_threshold=1.0,
        verbose=False,
    )
    program_aware = s.proposer_sees_the_source
    if not program_aware:
        logger.info("MIPROv2's proposer will not see the program's source (%d chars): it does "
                    "not fit the prompt LM's context window.", s.program_source_chars)
    kwargs = {
        "program_aware_proposer": program_aware,
        "trainset": s.trainset,
        "valset": s.devset,
        "num_trials": s.budget.trials,
        "minibatch": False,
        "view_data_batch_size": min(10, len(s.trainset)),
    }
    return optimizer, kwargs


def _gepa(s: OptimizerSetup) -> Built:
    try:
        import gepa  # noqa: F401
    except ImportError as exc:
        raise SetupError("GEPA needs the gepa package. Run: pip install gepa") from exc
    gepa_dir = s.log_dir / "gepa" if s.log_dir else None
    optimizer = dspy.GEPA(
        metric=s.feedback_metric,
        max_metric_calls=s.budget.gepa_metric_calls,
        reflection_minibatch_size=min(s.budget.gepa_minibatch, len(s.trainset)),
        reflection_lm=s.prompt_lm,
        num_threads=s.threads,
        track_stats=True,
        log_dir=str(gepa_dir) if gepa_dir else None,
        seed=s.seed,
        component_selector=(PredictorsThatRan(s.predictor_signatures)
                            if s.predictor_signatures else "round_robin"),
        # the 1.5B reflection LM wrote one training problem's statement as an instruction
        instruction_proposer=gepa_proposer(
            s.gepa_proposer, gepa_dir / REFUSED_FILE if gepa_dir else None),
        # GEPA resumes from log_dir by itself; its evaluation cache would also keep every
        # (candidate, example) result, but only where it cannot mix the two sets up
        gepa_kwargs={"cache_evaluation": gepa_cache_keeps_sets_apart()},
    )
    return optimizer, {"trainset": s.trainset, "valset": s.devset}


GEPA_PROPOSERS = ("rewrite", "lesson")


def gepa_proposer(name: str, record_to: Path | None) -> GeneralInstructionProposer:
    """``rewrite``: a new instruction per step (DSPy's proposer, held to general ones);
    ``lesson``: one general lesson added to the step's instruction."""
    if name not in GEPA_PROPOSERS:
        raise UsageError(f"Unknown GEPA proposer {name!r}; use one of: "
                         f"{', '.join(GEPA_PROPOSERS)}.")
    proposer = LessonProposer if name == "lesson" else GeneralInstructionProposer
    return proposer(record_to=record_to)


def gepa_cache_keeps_sets_apart() -> bool:
    """Whether GEPA's evaluation cache tells a train example from a dev example.

    gepa 0.1.4 keys it by (candidate, position in its set), so dev example i is answered with
    train example i's result when that candidate ran it on a reflection minibatch
    (gepa-ai/gepa#424, fixed by #425: a ``split`` in every lookup). It gave the seed program a
    dev score of 0.861 made of training scores, against its real 0.662, and GEPA returned it.
    Without the fix the cache stays off: a candidate run again replays its LM calls from the
    compile's own cache (``resume.replay_cache``), so it costs sandbox runs, not LM calls.
    """
    import inspect

    from gepa.core.state import EvaluationCache

    apart = "split" in inspect.signature(EvaluationCache.get).parameters
    if not apart:
        logger.info("GEPA's evaluation cache is off: this gepa keys it by an example's position "
                    "alone, so dev scores could be served from training runs (gepa-ai/gepa#424).")
    return apart


def _simba(s: OptimizerSetup) -> Built:
    optimizer = dspy.SIMBA(
        metric=s.metric,
        bsize=min(s.budget.simba_batch, len(s.trainset)),
        num_candidates=s.budget.num_candidates,
        max_steps=max(1, s.budget.trials // 2),
        max_demos=s.budget.max_demos,
        prompt_model=s.prompt_lm,
        teacher_settings=s.teacher_settings or None,
        num_threads=s.threads,
    )
    return optimizer, {"trainset": s.trainset, "seed": s.seed}


OPTIMIZERS: dict[str, Callable[[OptimizerSetup], Built]] = {
    "bootstrap": _bootstrap,
    "random-search": _random_search,
    "mipro": _mipro,
    "gepa": _gepa,
    "simba": _simba,
}

ALIASES = {
    "bootstrapfewshot": "bootstrap",
    "bootstrapfewshotwithrandomsearch": "random-search",
    "miprov2": "mipro",
}

DSPY_NAMES = {
    "bootstrap": "BootstrapFewShot",
    "random-search": "BootstrapFewShotWithRandomSearch",
    "mipro": "MIPROv2",
    "gepa": "GEPA",
    "simba": "SIMBA",
}


def resolve_optimizer(name: str) -> str:
    """Canonical optimizer name for ``name`` (DSPy class names are accepted too)."""
    key = name.strip().lower().replace("_", "-")
    key = ALIASES.get(key.replace("-", ""), key)
    if key not in OPTIMIZERS:
        raise UsageError(
            f"Unknown optimizer {name!r}; use one of: {', '.join(OPTIMIZERS)} "
            "(or the DSPy names BootstrapFewShot, BootstrapFewShotWithRandomSearch, MIPROv2, "
            "GEPA, SIMBA)."
        )
    return key


def build_optimizer(name: str, setup: OptimizerSetup) -> Built:
    """The configured teleprompter for ``name`` and its ``compile`` keyword arguments."""
    return OPTIMIZERS[resolve_optimizer(name)](setup)

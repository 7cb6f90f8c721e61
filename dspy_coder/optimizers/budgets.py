"""Compile budgets sized for 2 CPU cores and local models.

A budget fixes how many train/dev problems a compile sees and each optimizer's knobs. What
dominates the cost is the number of *program runs* (one program call on one problem, plus its
sandbox scoring): about 20 s for the single-shot baseline with the local 1.5B model, and about
1-3 min for the full ``coder`` pipeline (several LM calls per problem).

=========  =====  ===  ===========================================================================
budget     train  dev  optimizer settings (approximate program runs)
=========  =====  ===  ===========================================================================
light        6     6   bootstrap: 2 demos, 1 round (<=6) | random-search: 2 candidate sets (~30)
                       mipro: 2 candidates, 3 trials (~35) | gepa: 30 metric calls
                       simba: batch 3, 2 candidates, 2 steps, 1 demo (~40)
medium      16    12   bootstrap: 3 demos, 2 rounds (<=32) | random-search: 4 sets (~110)
                       mipro: 4 candidates, 8 trials (~140) | gepa: 120 calls
                       simba: batch 4, 3 candidates, 4 steps, 2 demos (~150)
heavy       40    24   bootstrap: 4 demos, 3 rounds (<=120) | random-search: 8 sets (~330)
                       mipro: 6 candidates, 16 trials (~480) | gepa: 400 calls
                       simba: batch 8, 4 candidates, 6 steps, 3 demos (~580)
=========  =====  ===  ===========================================================================

So a ``light`` compile of the baseline with the 1.5B model takes roughly 2-15 minutes, and of
the ``coder`` pipeline roughly 10-90 minutes; ``medium`` is ~4x light and ``heavy`` ~12x.
The final train/dev evaluation of the compiled program adds ``train + dev`` runs (skip it with
``--no-final-eval``). ``--trials``, ``--train-size``, ``--dev-size`` and ``--max-demos``
override single knobs.

Example:
    >>> budget_for("light").train_size
    6
    >>> budget_for("light", trials=5).trials
    5
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from dspy_coder.errors import UsageError

BUDGET_NAMES = ("light", "medium", "heavy")


@dataclass(frozen=True)
class Budget:
    """Every knob a budget fixes. ``trials`` means: candidate sets (random search), trials
    (MIPROv2), steps (SIMBA); GEPA is bounded by ``gepa_metric_calls``."""

    name: str
    train_size: int
    dev_size: int
    max_demos: int
    max_rounds: int
    trials: int
    num_candidates: int
    gepa_metric_calls: int
    gepa_minibatch: int
    simba_batch: int

    def as_params(self) -> dict[str, object]:
        return {f"budget.{key}": value for key, value in asdict(self).items()}


_BUDGETS: dict[str, Budget] = {
    "light": Budget("light", train_size=6, dev_size=6, max_demos=2, max_rounds=1, trials=3,
                    num_candidates=2, gepa_metric_calls=30, gepa_minibatch=2, simba_batch=3),
    "medium": Budget("medium", train_size=16, dev_size=12, max_demos=3, max_rounds=2, trials=8,
                     num_candidates=4, gepa_metric_calls=120, gepa_minibatch=3, simba_batch=4),
    "heavy": Budget("heavy", train_size=40, dev_size=24, max_demos=4, max_rounds=3, trials=16,
                    num_candidates=6, gepa_metric_calls=400, gepa_minibatch=4, simba_batch=8),
}


def budget_for(
    name: str,
    *,
    trials: int | None = None,
    train_size: int | None = None,
    dev_size: int | None = None,
    max_demos: int | None = None,
) -> Budget:
    """The named budget with optional single-knob overrides."""
    if name not in _BUDGETS:
        raise UsageError(f"Unknown budget {name!r}; use one of: {', '.join(BUDGET_NAMES)}.")
    overrides = {
        key: value
        for key, value in dict(
            trials=trials, train_size=train_size, dev_size=dev_size, max_demos=max_demos
        ).items()
        if value is not None
    }
    for key, value in overrides.items():
        if value < (0 if key == "max_demos" else 1):
            minimum = 0 if key == "max_demos" else 1
            raise UsageError(f"--{key.replace('_', '-')} must be >= {minimum}.")
    return replace(_BUDGETS[name], **overrides)

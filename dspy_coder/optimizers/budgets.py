"""Compile budgets sized for 2 CPU cores and local models.

A budget fixes how many train/dev problems a compile sees and each optimizer's knobs. What
dominates the cost is the number of *program runs* (one program call on one problem, plus its
sandbox scoring): about 20 s for the single-shot baseline with the local 1.5B model on 2 idle
cores (~8 s with the 0.5B), and about 1-3 min for the full ``coder`` pipeline (several LM calls
per problem). Upper bounds of program runs per compile, from the knobs below
(``estimate.run_bound``, which ``dspy-coder optimize`` logs with a duration before it starts):

=========  ===========================================  ========  ======  =====  ====  =====
budget     knobs                                        bootstrap random  mipro  gepa  simba
=========  ===========================================  ========  ======  =====  ====  =====
light      train 6, dev 6, demos 2, rounds 1, trials 3,    6         42     36    30     27
           candidates 2, GEPA 30 metric calls,
           SIMBA batch 3 x 1 step
medium     train 16, dev 12, demos 3, rounds 2,           32        232    172   120    224
           trials 8, candidates 4, GEPA 120 calls,
           SIMBA batch 4 x 4 steps
heavy      train 40, dev 24, demos 4, rounds 3,          120       1032    648   400   1112
           trials 16, candidates 6, GEPA 400 calls,
           SIMBA batch 8 x 8 steps
=========  ===========================================  ========  ======  =====  ====  =====

GEPA stops at its metric-call budget (30 / 120 / 400 runs). Bootstrap (and the bootstrapping
inside random search and MIPROv2) stops as soon as it has ``demos`` passing traces, so it
usually needs far fewer runs than its bound. Knob meanings:
``trials`` = MIPROv2 trials (each scores a candidate on the dev problems) and twice the SIMBA
steps; ``candidates`` = random-search candidate demo sets, MIPROv2 instruction/demo candidates,
SIMBA candidates per step; demos are bootstrapped only from runs passing all of the train
problem's tests. Labelled demos are never used.

Wall time, ``light``: the 1.5B baseline takes ~2 min (bootstrap) to ~25 min (random search);
the ``coder`` pipeline ~10 min (bootstrap) to ~80 min (random search/MIPROv2). ``medium`` is
roughly 5x light and ``heavy`` 15-40x. The final train/dev evaluation of the compiled program
adds ``train + dev`` runs (skip it with ``--no-final-eval``). ``--trials``, ``--train-size``,
``--dev-size`` and ``--max-demos`` override single knobs.

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

from __future__ import annotations

import pytest

from dspy_coder.errors import UsageError
from dspy_coder.optimizers.budgets import BUDGET_NAMES, budget_for


def test_budgets_grow_from_light_to_heavy():
    light, medium, heavy = (budget_for(name) for name in BUDGET_NAMES)
    for knob in ("train_size", "dev_size", "trials", "gepa_metric_calls"):
        assert getattr(light, knob) < getattr(medium, knob) < getattr(heavy, knob)


def test_overrides_replace_single_knobs():
    budget = budget_for("light", trials=7, train_size=3, dev_size=2, max_demos=0)
    assert (budget.trials, budget.train_size, budget.dev_size, budget.max_demos) == (7, 3, 2, 0)
    assert budget.gepa_metric_calls == budget_for("light").gepa_metric_calls


@pytest.mark.parametrize("kwargs", [{"trials": 0}, {"train_size": -1}, {"max_demos": -1}])
def test_invalid_overrides_are_usage_errors(kwargs):
    with pytest.raises(UsageError):
        budget_for("light", **kwargs)


def test_unknown_budget_is_a_usage_error():
    with pytest.raises(UsageError, match="light, medium, heavy"):
        budget_for("huge")

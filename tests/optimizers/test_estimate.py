"""The duration estimate logged before a compile: each optimizer's bound on program runs for a
budget, times measured (or given) seconds per run."""

from __future__ import annotations

import pytest

from dspy_coder.errors import UsageError
from dspy_coder.optimizers.budgets import budget_for
from dspy_coder.optimizers.estimate import MEASURED, estimate, run_bound, seconds_per_run

# the table in budgets.py's docstring
TABLE = {
    "light": {"bootstrap": 6, "random-search": 42, "mipro": 36, "gepa": 30, "simba": 27},
    "medium": {"bootstrap": 32, "random-search": 232, "mipro": 172, "gepa": 120, "simba": 224},
    "heavy": {"bootstrap": 120, "random-search": 1032, "mipro": 648, "gepa": 400, "simba": 1112},
}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_run_bounds_match_the_budget_table(name):
    budget = budget_for(name)
    for optimizer, runs in TABLE[name].items():
        assert run_bound(optimizer, budget, train=budget.train_size, dev=budget.dev_size) == runs


def test_fewer_problems_than_the_budget_bound_fewer_runs():
    budget = budget_for("light")
    assert run_bound("bootstrap", budget, train=2, dev=1) == 2
    assert run_bound("simba", budget, train=2, dev=1) < TABLE["light"]["simba"]
    with pytest.raises(UsageError, match="No run estimate"):
        run_bound("adam", budget, train=2, dev=1)


def test_seconds_per_run_come_from_a_committed_benchmark_or_the_flag():
    seconds, source = seconds_per_run("coder", "local:qwen2.5-coder-1.5b")
    assert seconds == MEASURED[("coder", "qwen2.5-coder-1.5b")][0] == 111.2
    assert "humaneval-all-coder" in source
    assert seconds_per_run("cot", "local:qwen2.5-coder-0.5b")[0] == 12.9  # the baseline's
    assert seconds_per_run("coder", "openai/gpt-4o-mini")[0] is None
    assert seconds_per_run("coder", "openai/gpt-4o-mini", 4.0) == (4.0, "--seconds-per-call")
    with pytest.raises(UsageError, match="--seconds-per-call must be > 0"):
        seconds_per_run("coder", "x", 0.0)


def test_the_estimate_adds_the_evaluations_and_says_how_long():
    found = estimate("mipro", budget_for("light"), kind="baseline",
                     lm_spec="local:qwen2.5-coder-1.5b", train=6, dev=6, uncompiled_eval=True)
    assert (found.compile_runs, found.extra_runs) == (36, 18)
    assert found.total_seconds == pytest.approx(54 * 19.3)
    assert "at most 36 program runs to compile + 18 to evaluate" in found.describe()
    assert "= at most about 17 min" in found.describe()
    unknown = estimate("gepa", budget_for("heavy"), kind="coder", lm_spec="openai/x", train=40,
                       dev=24, final_eval=False)
    assert unknown.total_seconds is None and "pass --seconds-per-call" in unknown.describe()
    hours = estimate("gepa", budget_for("heavy"), kind="coder", lm_spec="local:qwen2.5-coder-1.5b",
                     train=40, dev=24)
    assert hours.describe().endswith("= at most about 14.3 h, plus teacher/proposer calls.")

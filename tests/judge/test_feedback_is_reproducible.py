"""The same code and failures give the refiner the same words in every run."""

from __future__ import annotations

from dspy_coder.judge.feedback import essence, format_failures, format_metrics
from dspy_coder.types import Attempt, ExecutionResult, PerformanceMetrics, TestOutcome


def _attempt(time_s: float, memory_mb: float, performance: float, passed: int = 1) -> Attempt:
    tests = [TestOutcome(name=f"t{i}", passed=i < passed, message="" if i < passed else "wrong")
             for i in range(2)]
    return Attempt(iteration=1, code="def f(): ...",
                   execution=ExecutionResult(status="failed", tests=tests),
                   metrics=PerformanceMetrics(execution_time_s=time_s, peak_memory_mb=memory_mb),
                   score=0.5, performance_score=performance)


def test_measured_time_and_memory_within_budget_stay_out_of_the_prompt():
    fast, slower = _attempt(0.003, 21.4, 1.0), _attempt(0.009, 23.8, 1.0)
    assert format_metrics(fast) == format_metrics(slower)
    assert format_metrics(fast) == "score 0.50, tests passed 1/2, performance within budget"


def test_the_figures_are_shown_when_performance_costs_score():
    slow = _attempt(7.5, 300.0, 0.66)
    assert "time 7500 ms" in format_metrics(slow) and "peak memory 300 MB" in format_metrics(slow)


def test_code_that_passes_nothing_gets_no_performance_figures():
    assert format_metrics(_attempt(0.1, 20, 0.0, passed=0)) == "score 0.50, tests passed 0/2"


def test_object_addresses_are_masked_in_failure_messages():
    one = "assert <generator object f.<locals>.<genexpr> at 0x7f3a2c1b9e40> == [1, 2]"
    two = one.replace("0x7f3a2c1b9e40", "0x7f88aa01d2c0")
    assert essence(one) == essence(two) and "0x7f" not in essence(one)
    results = [ExecutionResult(status="failed", tests=[TestOutcome(name="t", passed=False,
                                                                  message=m)]) for m in (one, two)]
    assert format_failures(results[0], {"t"}) == format_failures(results[1], {"t"})


def test_an_error_before_any_test_ran_is_masked_too():
    errors = ["TypeError: <object object at 0x7f3a2c1b9e40> is not iterable",
              "TypeError: <object object at 0x7f88aa01d2c0> is not iterable"]
    results = [ExecutionResult(status="error", error=e) for e in errors]
    assert format_failures(results[0], set()) == format_failures(results[1], set())
    assert "<object object at 0x...> is not iterable" in format_failures(results[0], set())

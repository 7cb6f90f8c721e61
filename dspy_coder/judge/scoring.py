"""ExecutionResult -> score: 0.7 x tests passed + 0.3 x performance (weights configurable).

Code that no counted test checked has no test score (None) and a score of 0: running without
an error is not evidence that it does what was asked.

The performance score compares measured time, memory and complexity with the plan's targets.
Speed of code that does not work is worth nothing: broken code (an error, timeout, memory
blow-up or crash) scores 0 on performance, and the performance part counts in proportion to
the test pass rate (code failing every test scores 0, however fast it fails).

Example:
    >>> from dspy_coder.types import ExecutionResult, TestOutcome
    >>> result = ExecutionResult(status="failed", tests=[TestOutcome(name="a", passed=True),
    ...                                                  TestOutcome(name="b", passed=False)])
    >>> score_execution(result, {"a", "b"}).test_score
    0.5
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from dspy_coder.types import (
    COMPLEXITY_ORDER,
    ExecutionResult,
    PerformanceMetrics,
    PerformanceTargets,
)

BROKEN_STATUSES = frozenset({"error", "timeout", "memory", "crashed"})


class ScoreWeights(BaseModel):
    tests: float = 0.7
    performance: float = 0.3


class Score(BaseModel):
    score: float
    test_score: float | None = Field(
        description="Fraction of counted tests passed; None when no test counted (unchecked)."
    )
    performance_score: float


def test_pass_rate(result: ExecutionResult, counted: set[str]) -> float | None:
    """Fraction of counted tests passed; None without counted tests: code that no test
    checked has no test score (an import that did not fail is no evidence it works)."""
    outcomes = [t.passed for t in result.tests if t.name in counted]
    if outcomes:
        return sum(outcomes) / len(outcomes)
    if counted:  # expected tests never ran: module-level failure
        return 0.0
    return None




def complexity_rank(label: str | None) -> int | None:
    """Position of a label like 'O(n log n)' in COMPLEXITY_ORDER (tolerant of spelling)."""
    if not label:
        return None
    text = re.sub(r"\s+", "", label.lower()).replace("**", "^").replace("²", "^2")
    aliases = {
        "o(1)": 0,
        "o(logn)": 1,
        "o(log(n))": 1,
        "o(n)": 2,
        "o(nlogn)": 3,
        "o(nlog(n))": 3,
        "o(n^2)": 4,
        "o(n^3)": 5,
        "o(2^n)": 6,
    }
    if text in aliases:
        return aliases[text]
    return next(
        (i for i, c in enumerate(COMPLEXITY_ORDER) if c.lower().replace(" ", "") == text), None
    )


def performance_score(
    result: ExecutionResult,
    metrics: PerformanceMetrics,
    targets: PerformanceTargets | None,
    timeout_s: float,
) -> float:
    """1.0 when time, memory and complexity meet the targets; lower as they miss."""
    if result.status in BROKEN_STATUSES:
        return 0.0
    parts: list[float] = []
    elapsed = metrics.execution_time_s
    if elapsed is not None:
        budget = targets.max_time_s if targets and targets.max_time_s else timeout_s / 2
        parts.append(min(1.0, budget / elapsed) if elapsed > 0 else 1.0)
    if targets and targets.max_memory_mb and metrics.peak_memory_mb:
        parts.append(min(1.0, targets.max_memory_mb / metrics.peak_memory_mb))
    target_rank = complexity_rank(targets.time_complexity if targets else None)
    measured_rank = complexity_rank(metrics.time_complexity)
    if target_rank is not None and measured_rank is not None:
        parts.append(max(0.0, 1.0 - 0.34 * max(0, measured_rank - target_rank)))
    return sum(parts) / len(parts) if parts else 1.0


def score_execution(
    result: ExecutionResult,
    counted: set[str],
    metrics: PerformanceMetrics | None = None,
    targets: PerformanceTargets | None = None,
    weights: ScoreWeights | None = None,
    timeout_s: float = 10.0,
) -> Score:
    """Combine the test pass rate and the performance score."""
    weights = weights or ScoreWeights()
    metrics = metrics or PerformanceMetrics(
        execution_time_s=result.duration_s, peak_memory_mb=result.peak_memory_mb
    )
    tests = test_pass_rate(result, counted)
    performance = performance_score(result, metrics, targets, timeout_s)
    if tests is None:  # nothing checked it: no score to speak of
        return Score(score=0.0, test_score=None, performance_score=round(performance, 4))
    total = (weights.tests * tests + weights.performance * performance * tests) / (
        weights.tests + weights.performance
    )
    return Score(
        score=round(total, 4), test_score=round(tests, 4), performance_score=round(performance, 4)
    )

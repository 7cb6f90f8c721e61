"""Evaluate a candidate: run it with the tests in the sandbox, measure, vet, score, record.

``RunState`` is the per-call record of one ``Coder`` run (attempts are appended, never
replaced); ``CandidateEvaluator`` turns code into a scored ``Attempt``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from dspy.utils.usage_tracker import UsageTracker

from dspy_coder.judge.feedback import ALL_PASSED, format_failures
from dspy_coder.judge.scoring import ScoreWeights, score_execution
from dspy_coder.judge.usage import usage_by_lm, usage_delta
from dspy_coder.judge.vetting import counted_tests
from dspy_coder.types import (
    Attempt,
    ExecutionResult,
    LMUsage,
    PerformanceMetrics,
    Plan,
    Task,
    TestCase,
)

logger = logging.getLogger(__name__)

NO_CODE_FEEDBACK = "No code was produced."


class Executor(Protocol):
    """Runs code with tests; ``dspy_coder.sandbox.run`` is the real one."""

    def __call__(
        self,
        code: str,
        tests: str | None = None,
        entry_point: str | None = None,
        limits: object | None = None,
    ) -> ExecutionResult: ...


Profiler = Callable[[str, str, str], PerformanceMetrics | None]
"""(code, entry_point, make_input source) -> measured metrics incl. complexity, or None."""


@dataclass
class RunState:
    """Everything one ``Coder`` call has seen so far."""

    task: Task
    tracker: UsageTracker
    route: str = "complex"
    plan: Plan | None = None
    tests: list[TestCase] = field(default_factory=list)
    make_input: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    counted: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop_reason: str = ""
    _usage_snapshot: dict[str, LMUsage] = field(default_factory=dict)

    def take_usage(self) -> LMUsage:
        """LM usage since the previous call (attributed to the attempt being recorded)."""
        now = usage_by_lm(self.tracker)
        delta = usage_delta(self._usage_snapshot, now)
        self._usage_snapshot = now
        return delta

    def best(self) -> Attempt | None:
        """Highest score; ties go to more tests passed, then to an attempt with code over one
        without, then to the earlier attempt."""
        if not self.attempts:
            return None
        ranked = max(
            enumerate(self.attempts),
            key=lambda pair: (
                pair[1].score, pair[1].test_score, bool(pair[1].code.strip()), -pair[0]
            ),
        )
        return ranked[1]

    def iteration_bests(self) -> list[float]:
        """Best score reached by the end of each iteration (non-decreasing)."""
        history: list[float] = []
        best = 0.0
        for iteration in sorted({a.iteration for a in self.attempts}):
            scores = [a.score for a in self.attempts if a.iteration == iteration]
            best = max(best, *scores)
            history.append(round(best, 4))
        return history


class CandidateEvaluator:
    """Sandbox run -> metrics -> vetting -> score -> ``Attempt``."""

    def __init__(
        self,
        executor: Executor,
        limits: object,
        timeout_s: float,
        weights: ScoreWeights,
        profiler: Profiler | None = None,
    ) -> None:
        self.executor = executor
        self.limits = limits
        self.timeout_s = timeout_s
        self.weights = weights
        self.profiler = profiler

    def _metrics(
        self, state: RunState, code: str, result: ExecutionResult, all_counted_pass: bool
    ) -> PerformanceMetrics:
        metrics = PerformanceMetrics(
            execution_time_s=round(result.duration_s, 4),
            peak_memory_mb=round(result.peak_memory_mb, 2),
        )
        wants_profile = (
            self.profiler
            and state.route == "complex"
            and state.make_input
            and state.task.entry_point
            and all_counted_pass
        )
        if wants_profile:
            try:
                measured = self.profiler(code, state.task.entry_point, state.make_input)
            except Exception as exc:  # a broken make_input must not sink the attempt
                state.notes.append(f"Complexity profiling failed: {type(exc).__name__}: {exc}")
                measured = None
            if measured is not None:
                metrics = metrics.model_copy(
                    update={
                        "time_complexity": measured.time_complexity,
                        "complexity_fit": measured.complexity_fit,
                        "space_complexity": measured.space_complexity,
                    }
                )
        return metrics

    def rescore(self, state: RunState) -> None:
        """Re-apply the current vetted set to every attempt so scores stay comparable.

        An attempt without code scores 0 whatever its run said: with no tests to fail, an
        empty module runs cleanly, and nothing must read that as a result."""
        targets = state.plan.performance if state.plan else None
        for attempt in state.attempts:
            if attempt.execution is None:
                continue
            if not attempt.code.strip():
                attempt.score = attempt.test_score = attempt.performance_score = 0.0
                feedback = format_failures(attempt.execution, state.counted)
                # the failing tests, if any; never "All tests passed." for no code
                attempt.feedback = NO_CODE_FEEDBACK if feedback == ALL_PASSED else feedback
                continue
            score = score_execution(
                attempt.execution,
                state.counted,
                attempt.metrics,
                targets,
                self.weights,
                self.timeout_s,
            )
            attempt.score, attempt.test_score = score.score, score.test_score
            attempt.performance_score = score.performance_score
            attempt.feedback = format_failures(attempt.execution, state.counted)

    def evaluate(
        self,
        state: RunState,
        code: str,
        iteration: int,
        stage: str,
        reasoning: str = "",
        error: str = "",
    ) -> Attempt:
        """Run ``code`` against the run's tests and append the scored attempt."""
        started = time.perf_counter()
        test_source = "\n\n\n".join(t.code for t in state.tests) or None
        result = self.executor(code, tests=test_source, entry_point=None, limits=self.limits)
        counted = counted_tests(state.tests, [a.execution for a in state.attempts] + [result])
        outcomes = {t.name: t.passed for t in result.tests}
        all_pass = bool(counted) and all(outcomes.get(name, False) for name in counted)
        metrics = self._metrics(state, code, result, all_pass or not state.tests)
        attempt = Attempt(
            iteration=iteration,
            stage=stage,
            code=code,
            reasoning=reasoning or "",
            tests=state.tests,
            execution=result,
            metrics=metrics,
            error=error,
            usage=state.take_usage(),
            duration_s=round(time.perf_counter() - started, 3),
        )
        state.attempts.append(attempt)
        state.counted = counted
        self.rescore(state)
        logger.info(
            "iteration %d (%s): %d/%d tests passed, score %.2f",
            iteration,
            stage,
            result.tests_passed,
            result.tests_total,
            attempt.score,
        )
        return attempt

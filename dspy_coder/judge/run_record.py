"""``RunRecord``: everything one ``Coder`` call has seen, changed only through its methods.

Attempts are appended, never replaced; adding an attempt or rejecting a test rescores every
attempt against the current counted tests, so scores stay comparable across the run. Readers
(the loop, the report) get tuples and values; nothing outside this class changes it.

Example:
    >>> record = RunRecord(task, tracker, AttemptScoring())        # doctest: +SKIP
    >>> record.add_attempt(evaluator.evaluate(record, code, draw))  # doctest: +SKIP
    >>> record.best().score                                         # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from dspy.utils.usage_tracker import UsageTracker

from dspy_coder.code.identity import program_identity
from dspy_coder.judge.feedback import ALL_PASSED, format_failures
from dspy_coder.judge.scoring import ScoreWeights, score_execution
from dspy_coder.judge.usage import usage_by_lm, usage_delta
from dspy_coder.judge.vetting import counted_tests
from dspy_coder.types import Attempt, LMUsage, Plan, Task, TestCase

NO_CODE_FEEDBACK = "No code was produced."


@dataclass(frozen=True)
class AttemptScoring:
    """How an attempt's run becomes a score: the weights and the run's time limit."""

    weights: ScoreWeights = field(default_factory=ScoreWeights)
    timeout_s: float = 10.0


class RunRecord:
    """The per-call record of one ``Coder`` run."""

    def __init__(self, task: Task, tracker: UsageTracker, scoring: AttemptScoring) -> None:
        self.task = task
        self._tracker = tracker
        self._scoring = scoring
        self._route = "complex"
        self._plan: Plan | None = None
        self._tests: list[TestCase] = []
        self._make_input: str | None = None
        self._attempts: list[Attempt] = []
        self._counted: set[str] = set()
        self._notes: list[str] = []
        self._errors: list[str] = []
        self._stop_reason = ""
        self._usage_snapshot: dict[str, LMUsage] = {}

    # -- reading -------------------------------------------------------------------------------

    route = property(lambda self: self._route)
    plan = property(lambda self: self._plan)
    make_input = property(lambda self: self._make_input)
    stop_reason = property(lambda self: self._stop_reason)

    @property
    def tests(self) -> tuple[TestCase, ...]:
        return tuple(self._tests)

    @property
    def attempts(self) -> tuple[Attempt, ...]:
        return tuple(self._attempts)

    @property
    def counted(self) -> frozenset[str]:
        """Names of the tests that may fail a candidate (docstring tests and vetted ones)."""
        return frozenset(self._counted)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(self._notes)

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(self._errors)

    def best(self) -> Attempt | None:
        """Highest score; ties go to more tests passed, then to an attempt with code over one
        without, then to the earlier attempt."""
        if not self._attempts:
            return None
        ranked = max(
            enumerate(self._attempts),
            key=lambda pair: (
                pair[1].score, pair[1].test_score, bool(pair[1].code.strip()), -pair[0]
            ),
        )
        return ranked[1]

    def iteration_bests(self) -> list[float]:
        """Best score reached by the end of each iteration (non-decreasing)."""
        history: list[float] = []
        best = 0.0
        for iteration in sorted({a.iteration for a in self._attempts}):
            scores = [a.score for a in self._attempts if a.iteration == iteration]
            best = max(best, *scores)
            history.append(round(best, 4))
        return history

    def tried_programs(self) -> set[str]:
        """The ``program_identity`` of every candidate run so far."""
        return {program_identity(attempt.code) for attempt in self._attempts}

    # -- changing ------------------------------------------------------------------------------

    def take_usage(self) -> LMUsage:
        """LM usage since the previous call (attributed to the attempt being recorded)."""
        now = usage_by_lm(self._tracker)
        delta = usage_delta(self._usage_snapshot, now)
        self._usage_snapshot = now
        return delta

    def choose_route(self, route: str) -> None:
        self._route = route

    def set_plan(self, plan: Plan | None) -> None:
        self._plan = plan

    def set_tests(self, tests: Iterable[TestCase], make_input: str | None = None) -> None:
        """The run's tests (docstring tests first), fixed before the first attempt runs."""
        self._tests = list(tests)
        self._make_input = make_input

    def note(self, text: str) -> None:
        self._notes.append(text)

    def error(self, text: str) -> None:
        self._errors.append(text)

    def stop(self, reason: str) -> None:
        self._stop_reason = reason

    def add_attempt(self, attempt: Attempt) -> Attempt:
        """Append ``attempt`` (its tests were the run's tests), update which tests count, and
        rescore every attempt; returns it scored."""
        self._attempts.append(attempt)
        self._counted = counted_tests(self._tests, [a.execution for a in self._attempts])
        self._rescore()
        return attempt

    def reject_tests(self, names: Collection[str], note: str) -> None:
        """Drop the generated tests ``names`` (they may no longer fail a candidate), rescore
        every attempt, and say why in the notes."""
        self._tests = [t for t in self._tests if t.name not in names]
        self._counted = counted_tests(self._tests, [a.execution for a in self._attempts])
        self._rescore()
        self._notes.append(note)

    def _rescore(self) -> None:
        """Re-apply the current counted set to every attempt so scores stay comparable.

        An attempt without code scores 0 whatever its run said: with no tests to fail, an
        empty module runs cleanly, and nothing must read that as a result."""
        targets = self._plan.performance if self._plan else None
        for attempt in self._attempts:
            if attempt.execution is None:
                continue
            feedback = format_failures(attempt.execution, self._counted)
            if not attempt.code.strip():
                attempt.score = attempt.test_score = attempt.performance_score = 0.0
                # the failing tests, if any; never "All tests passed." for no code
                attempt.feedback = NO_CODE_FEEDBACK if feedback == ALL_PASSED else feedback
                continue
            score = score_execution(
                attempt.execution,
                self._counted,
                attempt.metrics,
                targets,
                self._scoring.weights,
                self._scoring.timeout_s,
            )
            attempt.score, attempt.test_score = score.score, score.test_score
            attempt.performance_score = score.performance_score
            attempt.feedback = feedback

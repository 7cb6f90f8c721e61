"""Evaluate a candidate: run it with the run's tests in the sandbox and measure it; the names
the task calls for are checked from its source.

``CandidateEvaluator.evaluate`` returns an ``Attempt``; the ``RunRecord`` scores it when it
is added (``RunRecord.add_attempt``), against every test that counts by then.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from dspy_coder.code.module_functions import top_level_bindings
from dspy_coder.code.package_imports import strip_context_imports
from dspy_coder.judge.differential import outputs_of
from dspy_coder.judge.run_record import RunRecord
from dspy_coder.judge.vetting import counted_tests
from dspy_coder.task.build import runnable_code
from dspy_coder.task.module_attributes import RUN_WITH_CANDIDATE
from dspy_coder.task.requirements import (
    DEFINED_NAMES_TEST,
    REQUIREMENT_PREFIX,
    TOP_LEVEL_PREFIX,
    defined_names,
    requirement_message,
    top_level_message,
    undefined_message,
    undefined_names,
)
from dspy_coder.types import (
    Attempt,
    ExecutionResult,
    PerformanceMetrics,
    Task,
    TestCase,
    TestOutcome,
)

logger = logging.getLogger(__name__)


def _runnable(task: Task, code: str) -> str:
    """What runs for ``code``: the task's context first, and the answer without its imports of
    what that context stands for (``Task.context_imports``)."""
    return runnable_code(task, strip_context_imports(code, task.context_imports))


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


class CandidateEvaluator:
    """Sandbox run -> metrics (and, on the complex route, measured complexity) -> ``Attempt``."""

    def __init__(
        self, executor: Executor, limits: object, profiler: Profiler | None = None
    ) -> None:
        self.executor = executor
        self.limits = limits
        self.profiler = profiler

    def evaluate(
        self,
        record: RunRecord,
        code: str,
        iteration: int,
        stage: str,
        reasoning: str = "",
        error: str = "",
    ) -> Attempt:
        """Run ``code`` against the record's tests; the unscored ``Attempt`` (add it to the
        record to score it). Its LM usage is what was spent since the previous attempt."""
        started = time.perf_counter()
        tests = record.tests
        runnable = _runnable(record.task, code)
        result = self.run_tests(record, code)
        counted = counted_tests(
            list(tests), [a.execution for a in record.attempts] + [result], record.consensus
        )
        outcomes = {t.name: t.passed for t in result.tests}
        all_pass = bool(counted) and all(outcomes.get(name, False) for name in counted)
        outputs = None
        if record.probe and code.strip() and result.status in ("passed", "failed"):
            probed = outputs_of(self.executor(runnable, tests=record.probe, entry_point=None,
                                              limits=self.limits))
            outputs = list(probed) if probed else None
        attempt = Attempt(
            iteration=iteration,
            stage=stage,
            code=code,
            reasoning=reasoning or "",
            tests=list(tests),
            execution=result,
            metrics=self._metrics(record, runnable, result, all_pass or not tests),
            error=error,
            outputs=outputs,
            usage=record.take_usage(),
            duration_s=round(time.perf_counter() - started, 3),
        )
        logger.info(
            "iteration %d (%s): %d/%d tests passed",
            iteration, stage, result.tests_passed, result.tests_total,
        )
        return attempt

    def run_tests(self, record: RunRecord, code: str) -> ExecutionResult:
        """Run ``code`` against the record's tests (requirements checked on its source)."""
        tests = record.tests
        imports = record.task.context_imports
        # a requirement that can be decided only where the code runs is run there, in the form
        # written for this candidate; the others are decided from the source below
        run_here = [t for t in tests if not t.is_static_check] + [
            RUN_WITH_CANDIDATE[t.name](code, imports) for t in tests
            if t.is_static_check and t.name in RUN_WITH_CANDIDATE]
        # a project module's tests import it from its package, which the sandbox does not have:
        # the module and what it builds on are already in the namespace the tests run in
        test_source = "\n\n\n".join(strip_context_imports(t.code, imports)
                                    for t in run_here) or None
        runnable = _runnable(record.task, code)
        result = self.executor(runnable, tests=test_source, entry_point=None, limits=self.limits)
        return _with_requirements(result, code, runnable,
                                  [t for t in tests if t.is_static_check
                                   and t.name not in RUN_WITH_CANDIDATE])

    def _metrics(
        self, record: RunRecord, code: str, result: ExecutionResult, all_counted_pass: bool
    ) -> PerformanceMetrics:
        metrics = PerformanceMetrics(
            execution_time_s=round(result.duration_s, 4),
            peak_memory_mb=round(result.peak_memory_mb, 2),
        )
        wants_profile = (
            self.profiler
            and record.route == "complex"
            and record.make_input
            and record.task.entry_point
            and all_counted_pass
        )
        if not wants_profile:
            return metrics
        try:
            measured = self.profiler(code, record.task.entry_point, record.make_input)
        except Exception as exc:  # a broken make_input must not sink the attempt
            record.note(f"Complexity profiling failed: {type(exc).__name__}: {exc}")
            return metrics
        if measured is None:
            return metrics
        return metrics.model_copy(
            update={
                "time_complexity": measured.time_complexity,
                "complexity_fit": measured.complexity_fit,
                "space_complexity": measured.space_complexity,
            }
        )


def _required_name(test_name: str) -> str:
    return test_name.removeprefix(TOP_LEVEL_PREFIX).removeprefix(REQUIREMENT_PREFIX)


def _with_requirements(
    result: ExecutionResult, code: str, runnable: str, requirements: list[TestCase]
) -> ExecutionResult:
    """``result`` with one outcome per name the task calls for, decided from the source (a
    missing name fails however the tests went; nothing of the candidate runs for it). The
    names must be in ``code``; a name it uses may be defined in the context it runs after
    (``runnable``). Code that failed to load passes none of them: a source that does not
    parse, or whose import fails, has not been checked."""
    if not requirements:
        return result
    if result.status == "error" and not result.tests:  # it failed before any test ran
        unchecked = "Not checked: the code failed before any test ran (see the error above)."
        outcomes = [TestOutcome(name=t.name, passed=False, message=unchecked)
                    for t in requirements]
        return result.model_copy(update={"tests": outcomes})
    # one parse of the source for every name (and one more when some must be top-level)
    defined = defined_names(code)
    at_top = top_level_bindings(code) if any(
        t.name.startswith(TOP_LEVEL_PREFIX) for t in requirements) else set()
    outcomes = []
    for test in requirements:
        name = _required_name(test.name)
        if test.name == DEFINED_NAMES_TEST:
            undefined = undefined_names(runnable)
            message = undefined_message(undefined) if undefined else ""
        elif test.name.startswith(TOP_LEVEL_PREFIX):
            message = "" if name in at_top else top_level_message(name, name in defined)
        else:
            message = "" if name in defined else requirement_message(name)
        outcomes.append(TestOutcome(name=test.name, passed=not message, message=message))
    failed = any(not outcome.passed for outcome in outcomes)
    status = "failed" if failed and result.status == "passed" else result.status
    return result.model_copy(update={"tests": [*result.tests, *outcomes], "status": status})

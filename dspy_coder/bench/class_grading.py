"""Grade an answer to a class-level problem (ClassEval) with its hidden unittest classes.

The program run in the sandbox is built as ClassEval's own evaluator builds it: the task's
import statements (``Problem.grading_prelude``), the answer, the hidden test module; then
``class_runner`` runs each of ``Problem.test_classes`` with ``unittest`` on its own, with a
CPU-time limit per class, and prints one marked line per class. The address-space limit is
raised for these runs (``CLASS_MEMORY_MB``: the libraries the tasks import map far more than
they use). The verdict:

- ``passed`` (class level): every test class ran its tests and none failed or raised;
- ``test_classes_passed`` of ``test_classes_total`` (method level: ClassEval has about one
  test class per method, plus one that uses the methods together);
- ``status``: ``passed``, ``failed``, ``no_code``, the sandbox's status when the program did
  not run to the end (``error`` when the answer or the tests do not load, ``timeout``,
  ``memory``, ``crashed``), or ``missing_data`` when a test class failed because it needs
  NLTK data that is not installed: no machine here can download it, so the answer cannot be
  judged here. Such an answer is not passed, and the message says what is missing.

Unlike HumanEval's ``check``, the test classes run in the answer's own process: they build
instances, read attributes and write files, which the sandbox's data-only proxies between its
code and test processes do not carry. The runner's lines carry a nonce drawn for each run,
but an answer written to attack the grader could still find it in its own module; benchmark
answers are generated code, not adversaries, and this is the price of running ClassEval's tests
as written.

Example:
    >>> grade = grade_class_answer(problem, problem.canonical_solution)  # doctest: +SKIP
    >>> grade.passed, grade.test_classes_passed, grade.test_classes_total  # doctest: +SKIP
    (True, 4, 4)
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from dataclasses import dataclass, field

from dspy_coder.bench.class_runner import MARK, runner_call, runner_source, stdout_guard
from dspy_coder.bench.grading import Grade
from dspy_coder.bench.store import MISSING_DATA_STATUS
from dspy_coder.datasets import Problem
from dspy_coder.sandbox.exception_text import MAX_REPR
from dspy_coder.types import ExecutionResult

logger = logging.getLogger(__name__)

DEFAULT_PER_CLASS_S = 10.0  # CPU s; ClassEval's evaluator allows 5 s (wall clock) per class
STARTUP_S = 30.0  # importing nltk or gensim takes seconds on a busy machine
# The sandbox caps address space (RLIMIT_AS), not resident memory. Importing nltk maps about
# 600 MB (200 MB resident) and pandas, nltk, gensim and bs4 together about 650 MB: under the
# default 512 MB the latter always fails and ClassEval_52's reference failed once in eight.
CLASS_MEMORY_MB = 1536
_ERROR_CHARS = 600
_FUTURE = re.compile(r"^from\s+__future__\s+import\b.*$", re.M)
_NLTK_RESOURCE = re.compile(
    r"Resource\s+(?:\x1b\[[0-9;]*m|['\"])?([\w./-]+?)"
    r"(?:\x1b\[[0-9;]*m|['\"])?\s+not found"
)


@dataclass(frozen=True)
class ClassReport:
    """How one test class went, as the runner reported it."""

    name: str
    run: int = 0
    failures: int = 0
    errors: int = 0
    problems: list[str] = field(default_factory=list)
    missing_data: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """ClassEval's rule: at least one test ran, and none failed or raised."""
        return self.run > 0 and self.failures == 0 and self.errors == 0


def grading_program(problem: Problem, code: str, nonce: str, per_class_s: float) -> str:
    """The program the sandbox runs: the answer's ``from __future__`` imports (they must come
    first), the stdout guard, the task's imports, the answer, the test module, the runner."""
    future = _FUTURE.findall(code)
    body = _FUTURE.sub("", code) if future else code
    parts = [
        *future,
        stdout_guard(),
        problem.grading_prelude or "",
        body,
        problem.test,
        runner_source(),
        runner_call(list(problem.test_classes or []), nonce, per_class_s),
    ]
    return "\n".join(part.rstrip("\n") for part in parts if part) + "\n"


def parse_reports(stdout: str, nonce: str, names: list[str]) -> dict[str, ClassReport]:
    """The runner's report of each class in ``names``, from its marked lines (the first line
    per class counts; lines without this run's nonce are ignored)."""
    prefix = f"{MARK} {nonce} "
    reports: dict[str, ClassReport] = {}
    for line in stdout.splitlines():
        start = line.find(prefix)
        if start < 0:
            continue
        try:
            data = json.loads(line[start + len(prefix):])
            report = ClassReport(
                name=str(data["class"]),
                run=int(data["run"]),
                failures=int(data["failures"]),
                errors=int(data["errors"]),
                problems=[str(p) for p in data.get("problems", [])],
                missing_data=[str(m) for m in data.get("missing_data", [])],
            )
        except (ValueError, KeyError, TypeError):
            logger.warning("unreadable test-class report line: %.200s", line)
            continue
        if report.name in names and report.name not in reports:
            reports[report.name] = report
    return reports


def grade_class_answer(
    problem: Problem, code: str, per_class_s: float = DEFAULT_PER_CLASS_S
) -> Grade:
    """Run ``code`` with the problem's test classes in the sandbox and return the verdict."""
    names = list(problem.test_classes or [])
    if not names:
        raise ValueError(f"{problem.task_id} is not a class-level problem (no test_classes)")
    total = len(names)
    if not code or not code.strip():
        return Grade(passed=False, status="no_code", error="The program returned no code.",
                     test_classes_passed=0, test_classes_total=total)
    started = time.perf_counter()
    result, reports = run_test_classes(problem, code, per_class_s)
    elapsed = time.perf_counter() - started
    passed = sum(reports[name].passed for name in names if name in reports)
    missing = _missing_data(reports, result.error)
    stopped = _stop_reason(result.status, result.error)
    if missing:
        status = MISSING_DATA_STATUS
    elif passed == total:
        status = "passed"
    else:
        status = "failed" if result.status == "passed" else result.status
    return Grade(
        passed=status == "passed",
        status=status,
        error=_describe(names, reports, passed, missing, stopped),
        duration_s=elapsed,
        test_classes_passed=passed,
        test_classes_total=total,
    )


def run_test_classes(
    problem: Problem, code: str, per_class_s: float = DEFAULT_PER_CLASS_S
) -> tuple[ExecutionResult, dict[str, ClassReport]]:
    """Run ``code`` with the problem's test classes in the sandbox: the run, and a report per
    test class that ran (by name)."""
    from dspy_coder.sandbox import Limits, run

    names = list(problem.test_classes or [])
    nonce = secrets.token_hex(8)
    limits = Limits(timeout_s=STARTUP_S + per_class_s * len(names), memory_mb=CLASS_MEMORY_MB)
    result = run(grading_program(problem, code, nonce, per_class_s), limits=limits)
    return result, parse_reports(result.stdout, nonce, names)


def _missing_data(reports: dict[str, ClassReport], module_error: str) -> list[str]:
    """NLTK resources that failing classes (or the module itself) looked for and lacked."""
    found = [item for report in reports.values() if not report.passed
             for item in report.missing_data]
    if "LookupError" in (module_error or ""):  # e.g. a lemmatizer used at import time
        found += _NLTK_RESOURCE.findall(module_error)
    return list(dict.fromkeys(found))


def _stop_reason(status: str, error: str) -> str:
    """Why the program did not run to its end ('' if it did), in a few lines."""
    if status == "passed":
        return ""
    lines = [line.strip() for line in (error or "").strip().splitlines() if line.strip()]
    return " ".join(lines[:3])[:MAX_REPR] or status


def _describe(
    names: list[str],
    reports: dict[str, ClassReport],
    passed: int,
    missing: list[str],
    stopped: str,
) -> str:
    """What went wrong, for the results row: the missing data first, the count, each failing
    class with its first problems, then the classes that never ran and why."""
    if passed == len(names) and not missing:
        return ""
    parts = []
    if missing:
        listed = ", ".join(repr(item) for item in missing)
        parts.append(f"needs nltk data {listed}, not available offline (the answer could not "
                      "be graded on this machine)")
    parts.append(f"{passed}/{len(names)} test classes passed")
    for name in names:
        report = reports.get(name)
        if report is not None and not report.passed:
            parts.append(f"{name}: {'; '.join(report.problems) or 'ran no test'}")
    never = [name for name in names if name not in reports]
    if never:
        reason = stopped or "the program ended before they ran"
        parts.append(f"not run ({reason}): {', '.join(never)}")
    return "\n".join(parts)[:_ERROR_CHARS]

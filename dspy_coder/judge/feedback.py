"""Concrete feedback for the refiner: failing calls, expected vs actual, exceptions.

"Tests failed" is not feedback. Every line here names a test and what went wrong, taken from
the sandbox's per-test messages; unconfirmed generated tests are flagged as possibly wrong.

Example:
    >>> from dspy_coder.types import ExecutionResult, TestOutcome
    >>> r = ExecutionResult(status="failed", tests=[TestOutcome(name="t", passed=False,
    ...                     message="f(1) returned 3, expected 2")])
    >>> print(format_failures(r, {"t"}))
    1 of 1 tests failed.
    FAILED t: f(1) returned 3, expected 2 (hint: off by one)
"""

from __future__ import annotations

import re

from dspy_coder.judge.failure_hints import with_hints
from dspy_coder.types import Attempt, ExecutionResult

MAX_FEEDBACK_CHARS = 2000
MAX_MESSAGE_CHARS = 400
# Object addresses in reprs (``<generator object f at 0x7f3a...>``) differ from run to run.
ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
ALL_PASSED = "All tests passed."  # the feedback when no test failed


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 15] + " ...[truncated]"


# A class example's calls before its own, and any hint after them: what names the method to blame
CALLS_BEFORE_TAIL = re.compile(r" \(after [^\n]*$")


def _clip_message(text: str, limit: int) -> str:
    """``text`` clipped to ``limit``; a class example's ``(after ...)`` tail is kept whole (when
    under half the limit) and the values before it are clipped instead."""
    text = text.strip()
    tail = CALLS_BEFORE_TAIL.search(text)
    if len(text) <= limit or not tail or len(tail.group()) > limit // 2:
        return _clip(text, limit)
    return _clip(text[: tail.start()], limit - len(tail.group())) + tail.group()


def mask_addresses(text: str) -> str:
    """``text`` with object addresses replaced by ``0x...``, so the same failure reads the same
    in every run.

    >>> mask_addresses("<object object at 0x7f3a2c1b9e40>")
    '<object object at 0x...>'
    """
    return ADDRESS.sub("0x...", text)


def essence(message: str) -> str:
    """An assertion's own message when it has one (``message: f(1) returned 3, expected 2``),
    without the assert source and locals around it; otherwise the whole text. Wrong values
    get a plain-words hint (``dspy_coder.judge.failure_hints``); object addresses are masked, so the
    same failure reads the same in every run."""
    message = mask_addresses(message)
    for line in message.splitlines():
        if line.strip().startswith("message: "):
            return with_hints(line.strip()[len("message: ") :])
    return with_hints(message)


def format_failures(result: ExecutionResult, counted: set[str]) -> str:
    """The failures of one run, counted tests first, as the LM will read them."""
    lines: list[str] = []
    loaded = result.status != "error"  # "error": it failed to load; only static checks ran
    if result.status in {"timeout", "memory", "crashed"} or (
            result.error and (not result.tests or not loaded)):
        reason = {
            "timeout": "The code did not finish in time (infinite loop or too slow).",
            "memory": "The code used too much memory.",
            "crashed": "The process crashed.",
        }.get(result.status, "The code failed before any test ran.")
        lines.append(reason)
        if result.error:
            lines.append(_clip(mask_addresses(result.error), MAX_MESSAGE_CHARS * 2))
    failing = [t for t in result.tests if not t.passed]
    confirmed = [t for t in failing if t.name in counted]
    unconfirmed = [t for t in failing if t.name not in counted]
    relevant = [t for t in result.tests if t.name in counted] or result.tests
    if failing:
        lines.insert(0, f"{len(confirmed)} of {len(relevant)} tests failed.")
    for test in confirmed:
        lines.append(
            f"FAILED {test.name}: "
            f"{_clip_message(essence(test.message or 'assertion failed'), MAX_MESSAGE_CHARS)}"
        )
    for test in unconfirmed:
        lines.append(
            f"UNCONFIRMED {test.name} (a generated test that may itself be wrong; fix the code "
            f"only if the specification agrees): "
            f"{_clip_message(essence(test.message), MAX_MESSAGE_CHARS)}"
        )
    if not lines:
        return ALL_PASSED
    return _clip("\n".join(lines), MAX_FEEDBACK_CHARS)


def format_metrics(attempt: Attempt) -> str:
    """Score, tests passed and, only when performance cost score, the measured figures.

    Measured time and memory differ from run to run. Within budget they do not change the
    score, and putting them in the prompt made greedy decoding give different repairs for the
    same code and failures, so runs did not repeat. They are shown when they cost score, which
    is when the refiner can act on them.
    """
    result = attempt.execution
    passed = f"{result.tests_passed}/{result.tests_total}" if result else "n/a"
    metrics = attempt.metrics
    parts = [f"score {attempt.score:.2f}", f"tests passed {passed}"]
    if not result or not result.tests_passed:  # the speed of code that passes nothing
        return ", ".join(parts)
    if attempt.performance_score >= 1.0:
        return ", ".join([*parts, "performance within budget"])
    if metrics.execution_time_s is not None:
        parts.append(f"time {metrics.execution_time_s * 1000:.0f} ms")
    if metrics.peak_memory_mb:
        parts.append(f"peak memory {metrics.peak_memory_mb:.0f} MB")
    if metrics.time_complexity:
        parts.append(f"measured complexity {metrics.time_complexity}")
    return ", ".join(parts)


def format_history(attempts: list[Attempt], last: int = 4) -> str:
    """One line per earlier attempt so the refiner does not repeat a failed idea."""
    if not attempts:
        return "No earlier attempts."
    lines = []
    for attempt in attempts[-last:]:
        first_failure = (
            attempt.feedback.splitlines()[1] if "\n" in attempt.feedback else attempt.feedback
        )
        lines.append(
            f"attempt {attempt.iteration} ({attempt.stage}): score {attempt.score:.2f}; "
            f"{_clip(first_failure, 200)}"
        )
    return "\n".join(lines)

"""The DSPy metric for compiling: run the produced code against the example's own tests.

``SandboxMetric`` scores a prediction by the pass rate of the per-assert results of the
training example's tests in the sandbox (a float in [0, 1]). With ``feedback=True`` (GEPA) it
returns ``dspy.Prediction(score=..., feedback=...)`` carrying the concrete failures.

It only knows the tests of the ``SplitData`` it was built from (train/dev), so it cannot score
a test-split example: it raises ``UsageError`` instead.

``call_penalty`` p (``optimize --call-penalty``, 0 <= p < 1) also rewards fewer LM calls: the
score is ``pass_rate * (1 - p) ** (calls - 1)``, still in [0, 1], so a one-call solve scores 1
and, at p = 0.1, a three-call solve 0.81. Demo bootstrapping (a call with a trace, outside
GEPA) keeps the plain pass rate, so a demo is still any run that passes all its tests.

Example:
    >>> metric = SandboxMetric(build_split(problems, "train"))            # doctest: +SKIP
    >>> metric(example, dspy.Prediction(code="def f(): return 1"))         # doctest: +SKIP
    0.5
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

import dspy

from dspy_coder.errors import UsageError
from dspy_coder.optimizers.data import SplitData
from dspy_coder.optimizers.journals import SandboxMemo
from dspy_coder.optimizers.run_calls import lm_calls_of
from dspy_coder.types import ExecutionResult

logger = logging.getLogger(__name__)

MAX_FAILURES_IN_FEEDBACK = 5
MAX_MESSAGE_CHARS = 400


class Runner(Protocol):
    """The sandbox entry point: ``run(code, tests=..., entry_point=..., limits=...)``."""

    def __call__(
        self, code: str, *, tests: str, entry_point: str | None, limits: Any = None
    ) -> ExecutionResult: ...


def default_runner() -> Runner:
    """The real sandbox (imported lazily so unit tests can inject a fake)."""
    from dspy_coder.sandbox import run

    return run  # type: ignore[return-value]


def _clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_result(result: ExecutionResult) -> str:
    """Concrete feedback text: pass counts, module-level error, the first failing tests."""
    lines = [f"Passed {result.tests_passed}/{result.tests_total} of the task's tests "
             f"(status: {result.status})."]
    if result.error:
        lines.append(f"Error: {_clip(result.error)}")
    failures = [t for t in result.tests if not t.passed]
    for outcome in failures[:MAX_FAILURES_IN_FEEDBACK]:
        lines.append(f"- {outcome.name}: {_clip(outcome.message) or 'failed'}")
    if len(failures) > MAX_FAILURES_IN_FEEDBACK:
        lines.append(f"... and {len(failures) - MAX_FAILURES_IN_FEEDBACK} more failing tests.")
    if result.passed:
        lines.append("All tests pass: keep this behaviour.")
    return "\n".join(lines)


class SandboxMetric:
    """Pass rate of the produced ``code`` on the example's tests, via the sandbox.

    Args:
        data: one or more ``SplitData`` (train, dev) whose hidden tests may be used.
        runner: the sandbox ``run`` function (default: ``dspy_coder.sandbox.run``).
        limits: sandbox limits passed through to ``runner``.
        feedback: return ``dspy.Prediction(score, feedback)`` (for GEPA) instead of a float.
        call_penalty: the share of the score each LM call after the first costs (see above).
        memo: sandbox results kept on disk (a resumed compile does not run them again).
    """

    def __init__(
        self,
        *data: SplitData,
        runner: Runner | Callable[..., ExecutionResult] | None = None,
        limits: Any = None,
        feedback: bool = False,
        call_penalty: float = 0.0,
        memo: SandboxMemo | None = None,
    ) -> None:
        if not 0.0 <= call_penalty < 1.0:
            raise UsageError(f"--call-penalty must be >= 0 and < 1, got {call_penalty}.")
        if not data:
            raise UsageError("SandboxMetric needs the SplitData of the train (and dev) split.")
        self._tests: dict[str, tuple[str, str]] = {}
        for split_data in data:
            if split_data.split not in ("train", "dev"):
                raise UsageError(f"A metric cannot be built from the {split_data.split!r} split.")
            for example in split_data.dspy_examples:
                self._tests[example.task_id] = (split_data.tests[example.task_id], split_data.split)
        self._runner = runner
        self._limits = limits
        self.feedback = feedback
        self.call_penalty = call_penalty
        self.memo = memo
        self._cache: dict[str, ExecutionResult] = {}
        self._lock = threading.Lock()
        self.calls = 0

    @property
    def task_ids(self) -> set[str]:
        return set(self._tests)

    def with_feedback(self) -> SandboxMetric:
        """A copy that returns ``dspy.Prediction(score=..., feedback=...)`` (for GEPA)."""
        clone = object.__new__(SandboxMetric)
        clone.__dict__.update(self.__dict__)
        clone.feedback = True
        return clone

    def _check(self, example: dspy.Example) -> str:
        task_id = getattr(example, "task_id", None)
        if task_id not in self._tests:
            raise UsageError(
                f"Example {task_id!r} is not in this metric's train/dev data; the metric never "
                "scores held-out problems."
            )
        return task_id

    def execute(self, example: dspy.Example, code: str) -> ExecutionResult:
        """Run ``code`` on the example's tests (cached by code and task, on disk with a memo)."""
        task_id = self._check(example)
        test, _ = self._tests[task_id]
        key = hashlib.sha256(f"{task_id}\0{code}".encode()).hexdigest()
        with self._lock:
            self.calls += 1
            cached = self._cache.get(key) or (self.memo.get(key) if self.memo else None)
        if cached is not None:
            return cached
        if self._runner is None:
            self._runner = default_runner()
        result = self._runner(
            code, tests=test, entry_point=example.entry_point, limits=self._limits
        )
        with self._lock:
            self._cache[key] = result
        if self.memo is not None:
            self.memo.put(key, result)
        return result

    def pass_rate(self, gold: dspy.Example, pred: Any) -> tuple[float, str]:
        """The share of the example's tests ``pred.code`` passes, and the feedback text."""
        code = getattr(pred, "code", None) if pred is not None else None
        if not isinstance(code, str) or not code.strip():
            self._check(gold)
            return 0.0, "The program returned no code."
        result = self.execute(gold, code)
        score = float(result.pass_rate) if result.status != "error" or result.tests else 0.0
        return score, describe_result(result)

    def solved(self, gold: dspy.Example, pred: Any) -> bool:
        """Whether ``pred`` passes all of the example's tests (whatever its calls cost)."""
        return self.pass_rate(gold, pred)[0] >= 1.0

    def __call__(
        self,
        gold: dspy.Example,
        pred: Any,
        trace: Any = None,
        pred_name: str | None = None,
        pred_trace: Any = None,
    ) -> float | dspy.Prediction:
        score, text = self.pass_rate(gold, pred)
        if self.call_penalty and (self.feedback or trace is None):
            calls = run_calls(pred)
            score *= (1.0 - self.call_penalty) ** max(calls - 1, 0)
            text += (f"\nThe program made {calls} LM call(s); each call after the first costs "
                     f"{self.call_penalty:.0%} of the score (score {score:.3f}).")
        logger.debug("metric %s -> %.3f", getattr(gold, "task_id", "?"), score)
        if self.feedback:
            return dspy.Prediction(score=score, feedback=text)
        return score


def run_calls(pred: Any) -> int:
    """The LM calls of the run behind ``pred``: counted by ``RunCallCounter`` if it watched the
    run, else the pipeline report's fresh calls, else one (a single-call program)."""
    counted = lm_calls_of(pred)
    if counted is not None:
        return counted
    report = getattr(pred, "report", None)
    calls = getattr(getattr(report, "cost", None), "lm_calls", None)
    return calls if isinstance(calls, int) and calls > 0 else 1

"""The senior tier: a stronger model that writes the junior's minimal spec, reviews the
junior's failed attempts at checkpoints, and may take the task over.

Progressive disclosure: checkpoint 1 gives debugging and strategy, checkpoint 2 debugging
and test criteria (which become candidate tests, vetted like generated ones), later ones
debugging only.
"""

from __future__ import annotations

import ast
import logging

import dspy

from dspy_coder.errors import UsageError
from dspy_coder.judge.feedback import ALL_PASSED
from dspy_coder.pipeline.signatures.senior import (
    DebugReview,
    MinimalSpec,
    StrategyGuidance,
    TestCriteria,
)
from dspy_coder.types import Attempt, Cost, LMUsage, TestCase, TierCost

logger = logging.getLogger(__name__)

SENIOR_MAX_TOKENS = 400  # a review is a few sentences; a small senior rambles past that
MAX_CRITERIA = 6
SHOWN_ATTEMPTS = 2  # the latest failed attempts the senior reads, code and failures


def disclosed_at(number: int) -> tuple[str, ...]:
    """What checkpoint ``number`` (1-based) gives the junior."""
    if number == 1:
        return ("debugging", "strategy")
    if number == 2:
        return ("debugging", "tests")
    return ("debugging",)


class Senior(dspy.Module):
    """The senior's predictors and its LM: a ``dspy.LM`` (``dspy_coder.make_lm`` builds the
    embedded ones) or a LiteLLM model string."""

    def __init__(self, lm: dspy.LM | str) -> None:
        super().__init__()
        if isinstance(lm, str) and (lm.startswith("local:") or lm.endswith(".gguf")):
            raise UsageError(f"Coder(senior={lm!r}): build the embedded model first, "
                             f"Coder(senior=make_lm({lm!r})).")
        self._lm = lm
        self.write_spec = dspy.Predict(MinimalSpec, max_tokens=SENIOR_MAX_TOKENS)
        self.debug = dspy.Predict(DebugReview, max_tokens=SENIOR_MAX_TOKENS)
        self.strategy = dspy.Predict(StrategyGuidance, max_tokens=SENIOR_MAX_TOKENS)
        self.criteria = dspy.Predict(TestCriteria, max_tokens=SENIOR_MAX_TOKENS)

    @property
    def lm(self) -> dspy.LM:
        if isinstance(self._lm, str):
            self._lm = dspy.LM(self._lm)
        return self._lm

    @property
    def name(self) -> str:
        return str(getattr(self.lm, "model", self.lm))


def spec_text(answer: dspy.Prediction | None) -> str:
    if answer is None:
        return ""
    return (f"Problem analysis: {str(answer.analysis).strip()}\n"
            f"What it must do and return: {str(answer.must_do).strip()}")


def attempts_summary(attempts: list[Attempt]) -> str:
    """The latest failed attempts as the senior reads them: pass rate, failures, code."""
    failed = [a for a in attempts if a.code.strip()][-SHOWN_ATTEMPTS:]
    parts = []
    for attempt in failed:
        execution = attempt.execution
        rate = (f"{execution.tests_passed}/{execution.tests_total} tests passed"
                if execution else "not run")
        failures = attempt.feedback if attempt.feedback != ALL_PASSED else "none shown"
        parts.append(f"Attempt {attempt.iteration} ({attempt.stage}), {rate}.\nFailures:\n"
                     f"{failures[:1500]}\nCode:\n{attempt.code.strip()[:3000]}")
    return "\n\n".join(parts) or "No attempt produced code."


def guidance_text(number: int, debug: dspy.Prediction | None,
                  strategy: dspy.Prediction | None, tests: list[TestCase]) -> str:
    """The checkpoint's review as the junior reads it in its next rounds."""
    lines = [f"A senior developer reviewed your failed attempts (checkpoint {number})."]
    if debug is not None:
        lines += [f"Root cause: {str(debug.root_cause).strip()}",
                  f"Proposed fix: {str(debug.proposed_fix).strip()}"]
        edge = [str(e) for e in (debug.edge_cases or [])][:5]
        if edge:
            lines.append("Edge cases to verify: " + "; ".join(edge))
    if strategy is not None:
        lines.append(f"Approach: {str(strategy.approach).strip()}")
        pitfalls = [str(p) for p in (strategy.pitfalls or [])][:5]
        if pitfalls:
            lines.append("Pitfalls: " + "; ".join(pitfalls))
    if tests:
        lines.append("Acceptance criteria: " + "; ".join(
            t.code.splitlines()[1].strip() for t in tests))
    return "\n".join(lines)


def criteria_tests(asserts: list[str] | None, entry_point: str | None,
                   number: int) -> list[TestCase]:
    """The senior's assert lines as candidate tests: one line each, valid Python, calling
    the entry point; vetted later like generated tests."""
    tests = []
    for line in (asserts or [])[:MAX_CRITERIA]:
        line = str(line).strip().rstrip(";")
        if not line.startswith("assert ") or (entry_point and f"{entry_point}(" not in line):
            continue
        try:
            ast.parse(line)
        except SyntaxError:
            continue
        name = f"test_senior_{number}_{len(tests) + 1}"
        tests.append(TestCase(name=name, code=f"def {name}():\n    {line}\n",
                              source="generated", vetted=False))
    return tests


def tier_costs(cost: Cost, senior_name: str, senior: LMUsage,
               senior_seconds: float) -> dict[str, TierCost]:
    """Calls, tokens, wall time and money per tier: the senior's as measured around its
    calls (the same model may serve both tiers), the junior's the rest."""
    junior = LMUsage(calls=cost.lm_calls - senior.calls,
                     prompt_tokens=cost.prompt_tokens - senior.prompt_tokens,
                     completion_tokens=cost.completion_tokens - senior.completion_tokens)
    junior_name = ", ".join(cost.per_lm) or "junior"
    if senior.calls and len(cost.per_lm) > 1:
        junior_name = ", ".join(n for n in cost.per_lm if n != senior_name)
    return {
        "junior": _tier(junior_name, junior, max(0.0, cost.wall_time_s - senior_seconds)),
        "senior": _tier(senior_name, senior, senior_seconds),
    }


def _tier(name: str, usage: LMUsage, seconds: float) -> TierCost:
    return TierCost(lm=name, calls=usage.calls, prompt_tokens=usage.prompt_tokens,
                    completion_tokens=usage.completion_tokens, wall_time_s=round(seconds, 3),
                    cost_usd=money(name, usage))


def money(model: str, usage: LMUsage) -> float | None:
    """The price of ``usage`` from LiteLLM's cost map; None when it has no price for the
    model (local ones). Looked up first: LiteLLM prints to stdout for a model it does not
    know."""
    import litellm

    known = model in litellm.model_cost or model.split("/", 1)[-1] in litellm.model_cost
    if not known:
        return None
    try:
        prompt, completion = litellm.cost_per_token(
            model=model, prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens)
    except Exception:  # a priced name LiteLLM still cannot map to a provider
        return None
    return round(prompt + completion, 6)

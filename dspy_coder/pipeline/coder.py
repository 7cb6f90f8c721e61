"""``Coder``: the dspy-coder pipeline as one ``dspy.Module``.

assess -> plan -> generate (ProgramOfThought in the sandbox) -> generate and vet tests ->
run -> score -> stop (threshold, ``max_iterations``, stall) or sample fresh drafts
(``dspy.BestOfN``, first round) / refine (``dspy.Refine``) -> ...
and return the best attempt with the full audit trail.

Example:
    >>> import dspy
    >>> from dspy_coder import Coder, make_lm
    >>> dspy.configure(lm=make_lm("local:qwen2.5-coder-1.5b"))        # doctest: +SKIP
    >>> prediction = Coder(max_iterations=3)(prompt=humaneval_prompt)   # doctest: +SKIP
    >>> prediction.report.status, prediction.code                       # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import dspy
from dspy.primitives.code_interpreter import CodeInterpreter

from dspy_coder.code.extraction import assemble_solution
from dspy_coder.code.identity import program_identity
from dspy_coder.errors import LMUnavailableError, UsageError
from dspy_coder.judge.evaluation import CandidateEvaluator, Executor, Profiler, RunState
from dspy_coder.judge.feedback import format_history, format_metrics
from dspy_coder.judge.reporting import build_report
from dspy_coder.judge.scoring import ScoreWeights
from dspy_coder.judge.usage import cost_from
from dspy_coder.judge.vetting import (
    AGREEING_CANDIDATES,
    counted_tests,
    rejected_without_agreement,
    screen_generated,
)
from dspy_coder.pipeline.choices import REFINE_STRATEGIES, ROUTINGS, RefineStrategy, Routing
from dspy_coder.pipeline.generation import GenerateCode
from dspy_coder.pipeline.refinement import DistinctRefinement, RefineStep, RewriteStep
from dspy_coder.pipeline.resampling import DraftStep, candidate_rejection
from dspy_coder.pipeline.salvaging_adapter import salvaging_adapter
from dspy_coder.pipeline.signatures import CodePlanner, ComplexityAssessor
from dspy_coder.pipeline.write_tests import GenerateTests
from dspy_coder.task.build import build_task, task_text
from dspy_coder.task.doc_examples import doc_example_tests
from dspy_coder.types import PerformanceTargets, Plan, Task

logger = logging.getLogger(__name__)


# Output budgets per step (tokens): bounded so a rambling small model cannot stall a run.
STEP_MAX_TOKENS = {
    "assess": 96, "plan": 600, "generate": 900, "tests": 700, "refine": 1000, "rewrite": 900,
}
_LM_FAILURES = (
    "APIConnectionError",
    "ServiceUnavailableError",
    "Timeout",
    "APITimeoutError",
    "InternalServerError",
    "RateLimitError",
    "LMUnavailableError",
)


def _is_lm_failure(exc: BaseException) -> bool:
    return isinstance(exc, LMUnavailableError) or type(exc).__name__ in _LM_FAILURES


def _tried_programs(state: RunState) -> Callable[[], set[str]]:
    """The ``program_identity`` of every candidate run so far, read when asked."""
    return lambda: {program_identity(attempt.code) for attempt in state.attempts}


def _describe_redraws(reasons: list[str], stage: str) -> str:
    counts = Counter(reasons)
    told = ", ".join(f"{count} that {reason}" for reason, count in counts.items())
    return f"a {stage} drew again {len(reasons)} time(s) with another seed: {told}."


def _render_plan(plan: Plan | None) -> str:
    if plan is None:
        return ""
    parts = [f"Approach: {plan.approach}"]
    parts += [f"{i}. {step}" for i, step in enumerate(plan.steps, start=1)]
    if plan.edge_cases:
        parts.append("Edge cases: " + "; ".join(plan.edge_cases))
    if plan.performance.time_complexity:
        parts.append(f"Target time complexity: {plan.performance.time_complexity}")
    return "\n".join(parts)


class Coder(dspy.Module):
    """Iterative, test-driven code generation. Returns ``Prediction(code=..., report=...)``.

    Args:
        max_iterations: circuit breaker: 1 generation + at most ``max_iterations - 1`` refine
            rounds (each round is a ``dspy.Refine`` of ``refine_attempts`` rollouts).
        threshold: stop when the best score reaches it (score = 0.7 tests + 0.3 performance).
        patience: stop when the best score has not improved for this many rounds.
        routing: "auto" takes the fast path for a short task (``simple_prompt_chars``) pinned
            down by docstring examples and asks the ComplexityAssessor otherwise; "simple"
            always takes the fast path
            (generate, verify with the docstring examples, refine only on failure); "complex"
            always plans, writes tests and profiles.
        use_plan / use_tests / use_refine: ablation switches (without refinement there are
            no further rounds at all, sampling included).
        drafts: when the first answer fails its tests, the first refinement round samples up
            to this many fresh candidates at temperature 1.0 (``dspy.BestOfN``): the first
            draft's own call again, or the CodeGenerator on task and plan when there is a
            plan. It stops at the first that passes; later rounds refine. 0 makes every
            round a refinement round. Default 4, the pipeline measured on all of HumanEval
            (README, Results); it costs nothing where the first answer passes its tests.
        refine_attempts: rollouts per ``dspy.Refine`` round. With more than one, Refine asks the
            LM for advice between rollouts (a ~3k-token prompt, about a minute on 2 CPU cores).
        reason_first: let the first generation reason before writing code (ChainOfThought);
            off by default because the small local models write better code directly.
        refine_strategy: what a refinement round does. "repair" shows the refiner the failing
            code (CodeRefiner); "rewrite" asks for a fresh implementation from the task and the
            failures only (CodeRewriter), because small models shown their code tend to repeat
            it; "alternate" rewrites in the first round, then alternates. "repair" is the
            default: on HumanEval's every-8th subset with the 1.5B model it solved 18/21 where
            "alternate" solved 17/21 (a rewrite passed /128's weak examples with a wrong
            program; a repair of the nearly right program fixed it). One problem, chosen after
            seeing the subset: not yet evidence, and the full-set run is the test.
        executor: runs code with tests (default: ``dspy_coder.sandbox.run``).
        interpreter_factory: the CodeInterpreter for ProgramOfThought (default: the sandbox's).
        profiler: measures complexity for the complex route (default: the sandbox profiler).
    """

    def __init__(
        self,
        max_iterations: int = 4,
        threshold: float = 0.95,
        patience: int = 2,
        routing: Routing = "auto",
        use_plan: bool = True,
        use_tests: bool = True,
        use_refine: bool = True,
        refine_attempts: int = 1,
        generate_max_iters: int = 3,
        reason_first: bool = False,
        refine_strategy: RefineStrategy = "repair",
        drafts: int = 4,
        weights: ScoreWeights | None = None,
        timeout_s: float = 10.0,
        memory_mb: int = 1024,
        executor: Executor | None = None,
        interpreter_factory: Callable[[], CodeInterpreter] | None = None,
        profiler: Profiler | None = None,
        simple_prompt_chars: int = 1200,
        lm_retries: int = 3,
        retry_backoff_s: float = 2.0,
    ) -> None:
        super().__init__()
        if max_iterations < 1:
            raise UsageError("max_iterations must be at least 1.")
        if not 0.0 <= threshold <= 1.0:
            raise UsageError("threshold must be between 0 and 1.")
        if routing not in ROUTINGS:
            raise UsageError(f"routing must be one of {', '.join(ROUTINGS)}.")
        if drafts < 0:
            raise UsageError("drafts must be 0 (no sampling round) or more.")
        if refine_strategy not in REFINE_STRATEGIES:
            raise UsageError(f"refine_strategy must be one of {', '.join(REFINE_STRATEGIES)}.")
        self.config = dict(
            max_iterations=max_iterations,
            threshold=threshold,
            patience=patience,
            routing=routing,
            use_plan=use_plan,
            use_tests=use_tests,
            use_refine=use_refine,
            refine_attempts=refine_attempts,
            reason_first=reason_first,
            refine_strategy=refine_strategy,
            drafts=drafts,
        )
        self.max_iterations, self.threshold, self.patience = max_iterations, threshold, patience
        self.routing, self.refine_attempts = routing, refine_attempts
        self.refine_strategy, self.drafts = refine_strategy, drafts
        self.use_plan, self.use_tests, self.use_refine = use_plan, use_tests, use_refine
        self.lm_retries, self.retry_backoff_s = lm_retries, retry_backoff_s
        self.simple_prompt_chars = simple_prompt_chars
        if executor is None:
            from dspy_coder.sandbox import run as executor  # starts the fork server lazily
        if interpreter_factory is None:
            from dspy_coder.sandbox.interpreter import SandboxInterpreter as interpreter_factory
        if profiler is None:
            from dspy_coder.judge.measurement import complexity_profiler

            profiler = complexity_profiler()
        limits = _make_limits(timeout_s, memory_mb)
        self.evaluator = CandidateEvaluator(
            executor, limits, timeout_s, weights or ScoreWeights(), profiler
        )
        budget = STEP_MAX_TOKENS
        self.assess = dspy.Predict(ComplexityAssessor, max_tokens=budget["assess"])
        self.planner = dspy.Predict(CodePlanner, max_tokens=budget["plan"])
        self.generate = GenerateCode(interpreter_factory, max_iters=generate_max_iters,
                                     max_tokens=budget["generate"], reason_first=reason_first)
        self.write_tests = GenerateTests(max_tokens=budget["tests"])
        self.refine_step = RefineStep(max_tokens=budget["refine"])
        self.rewrite_step = RewriteStep(max_tokens=budget["rewrite"])

    # -- LM steps ------------------------------------------------------------------------------

    def _call(self, state: RunState, step: str, module: Callable[..., Any], **kwargs: Any) -> Any:
        """Call an LM step; retry LM outages with backoff; bad model output -> None (recorded)."""
        logger.info("%s: %s ...", state.task.task_id or "task", step)
        for attempt in range(1, self.lm_retries + 1):
            try:
                return module(**kwargs)
            except KeyboardInterrupt:
                raise
            except Exception as exc:
                if not _is_lm_failure(exc):
                    state.errors.append(f"{step}: {type(exc).__name__}: {str(exc)[:300]}")
                    logger.warning("%s step failed: %s", step, exc)
                    return None
                if attempt == self.lm_retries:
                    raise LMUnavailableError(
                        f"The LM failed {attempt} times during '{step}': {exc}. Check that the "
                        "model server is running (or use --lm local:...), then retry."
                    ) from exc
                delay = self.retry_backoff_s * 2 ** (attempt - 1)
                logger.warning("LM error in %s (%s); retrying in %.0fs", step, exc, delay)
                time.sleep(delay)
        return None

    def _route(self, state: RunState, text: str) -> str:
        if self.routing != "auto":
            return self.routing
        task = state.task
        if task.examples and len(task.prompt) <= self.simple_prompt_chars:
            # A short task whose docstring examples pin it down needs no LM to classify it.
            state.notes.append(f"Routed simple without an LM call: a short task with "
                               f"{len(task.examples)} docstring example(s).")
            return "simple"
        decision = self._call(state, "assess", self.assess, task=text)
        route = getattr(decision, "route", None)
        return route if route in ("simple", "complex") else "complex"

    def _plan(self, state: RunState, text: str) -> Plan | None:
        with dspy.context(adapter=salvaging_adapter(required=("approach",))):
            result = self._call(state, "plan", self.planner, task=text)
        if result is None:
            return None
        return Plan(
            approach=str(result.approach),
            steps=list(result.steps or [])[:6],
            edge_cases=list(result.edge_cases or [])[:6],
            performance=PerformanceTargets(time_complexity=str(result.time_complexity)),
        )

    def _tests(self, state: RunState, text: str, plan_text: str) -> None:
        state.tests = doc_example_tests(state.task.examples)
        wants_generated = self.use_tests and (state.route == "complex" or not state.tests)
        if not wants_generated:
            return
        result = self._call(
            state,
            "tests",
            self.write_tests,
            task=text,
            plan=plan_text,
            entry_point=state.task.entry_point,
        )
        if result is None:
            return
        kept, notes = screen_generated(result.tests, state.task.examples)
        state.tests += kept
        state.notes += notes
        state.make_input = result.make_input
        if not state.task.examples and kept:
            state.notes.append(
                "The task has no docstring examples; generated tests count "
                "unvetted because there is nothing to vet them against."
            )

    def _sandbox_reward(
        self, state: RunState, iteration: int, stage: str
    ) -> Callable[[dict, dspy.Prediction], float]:
        """Reward for Refine/BestOfN: run the candidate, record it as an Attempt, score it."""
        task = state.task

        def sandbox_reward(_inputs: dict, prediction: dspy.Prediction) -> float:
            code = assemble_solution(prediction.fixed_code, task.prompt, task.entry_point)
            redrawn = getattr(prediction, "redrawn", None)
            if redrawn:
                state.notes.append(f"iteration {iteration}: {_describe_redraws(redrawn, stage)}")
                if getattr(prediction, "stage", stage) != stage:
                    state.notes.append(
                        f"iteration {iteration}: the {stage} gave no new program, so the "
                        f"answer was drawn from the {prediction.stage} step, which does not "
                        "see the failing code."
                    )
            if getattr(prediction, "crash_repaired", False):
                state.notes.append(
                    f"iteration {iteration}: a sample crashed its docstring check and was "
                    "regenerated once with the error."
                )
            attempt = self.evaluator.evaluate(
                state, code, iteration, getattr(prediction, "stage", stage),
                getattr(prediction, "reasoning", ""),
            )
            return attempt.score

        return sandbox_reward

    def _sample_round(self, state: RunState, iteration: int, text: str, plan_text: str) -> None:
        produced = len(state.attempts)
        # Without docstring examples the tests are the model's own: a sample that passes them
        # may just share their mistake, so every sample is drawn and agreement decides.
        # With examples a repeat of a tried program is known to fail, so it is drawn again.
        tried = _tried_programs(state) if state.task.examples else None
        sampler = dspy.BestOfN(
            module=DraftStep(self.generate, tried=tried),
            N=self.drafts,
            reward_fn=self._sandbox_reward(state, iteration, "sample"),
            threshold=self.threshold if state.task.examples else float("inf"),
        )
        self._call(state, "sample", sampler, task=text, plan=plan_text,
                   prompt=state.task.prompt, entry_point=state.task.entry_point,
                   examples=state.task.examples)
        if len(state.attempts) == produced:
            state.errors.append(f"iteration {iteration}: sampling produced no candidate")
        if not state.task.examples:
            self._reject_tests_without_agreement(state)

    def _reject_tests_without_agreement(self, state: RunState) -> None:
        """Without docstring examples, drop the generated tests that fewer than two of the
        independently written candidates (first draft and samples) pass, and rescore (see
        ``vetting``)."""
        independent = [a for a in state.attempts if a.stage in ("generate", "sample")]
        rejected = rejected_without_agreement(state.tests, [a.execution for a in independent])
        if not rejected:
            return
        state.tests = [t for t in state.tests if t.name not in rejected]
        state.counted = counted_tests(state.tests, [a.execution for a in state.attempts])
        self.evaluator.rescore(state)
        state.notes.append(
            f"Rejected {', '.join(sorted(rejected))}: fewer than {AGREEING_CANDIDATES} of "
            f"the {len(independent)} independently written candidates pass it, and the task "
            "has no docstring examples to vet it against."
        )

    def _refine_round(self, state: RunState, iteration: int, text: str) -> None:
        best = state.best()
        produced = len(state.attempts)
        step = self._refine_module(iteration)
        stage = step.stage
        rejection = candidate_rejection(
            state.task.prompt, state.task.entry_point, _tried_programs(state)
        )
        refine = dspy.Refine(
            module=DistinctRefinement(step, rejection, redraw=self.rewrite_step),
            N=self.refine_attempts,
            reward_fn=self._sandbox_reward(state, iteration, stage),
            threshold=self.threshold,
        )
        self._call(
            state,
            stage,
            refine,
            task=text,
            code=best.code,
            failures=best.feedback,
            metrics=format_metrics(best),
            history=format_history(state.attempts),
        )
        if len(state.attempts) == produced:
            state.errors.append(f"iteration {iteration}: refinement produced no candidate")

    def _refine_module(self, iteration: int) -> dspy.Module:
        """Round ``iteration`` (2 is the first refinement): rewrite or repair per the strategy."""
        if self.refine_strategy == "repair":
            return self.refine_step
        if self.refine_strategy == "rewrite" or iteration % 2 == 0:
            return self.rewrite_step
        return self.refine_step

    # -- the loop ------------------------------------------------------------------------------

    def _develop(self, state: RunState) -> None:
        text = task_text(state.task)
        state.route = self._route(state, text)
        if state.route == "complex" and self.use_plan:
            state.plan = self._plan(state, text)
        plan_text = _render_plan(state.plan)
        generated = self._call(
            state,
            "generate",
            self.generate,
            task=text,
            plan=plan_text,
            prompt=state.task.prompt,
            entry_point=state.task.entry_point,
            examples=state.task.examples,
        )
        self._tests(state, text, plan_text)
        code = generated.code if generated is not None else ""
        errors = "; ".join(generated.errors) if generated is not None else "no code produced"
        self.evaluator.evaluate(
            state, code, 1, "generate", getattr(generated, "reasoning", ""), error=errors
        )
        iteration, best_so_far, stalled_rounds = 1, state.best().score, 0
        while True:
            best = state.best()
            if best.score >= self.threshold and best.test_score >= 1.0:
                state.stop_reason = "threshold"
                return
            if iteration >= self.max_iterations:
                state.stop_reason = "max_iterations"
                return
            if stalled_rounds >= self.patience:
                state.stop_reason = "stalled"
                return
            if not self.use_refine:
                state.stop_reason = "refinement disabled"
                return
            iteration += 1
            if iteration == 2 and self.drafts:
                self._sample_round(state, iteration, text, plan_text)
            else:
                self._refine_round(state, iteration, text)
            new_best = state.best().score
            stalled_rounds = 0 if new_best > best_so_far + 1e-9 else stalled_rounds + 1
            best_so_far = max(best_so_far, new_best)

    def forward(
        self,
        prompt: str | None = None,
        entry_point: str | None = None,
        task_id: str | None = None,
        task: Task | str | None = None,
    ) -> dspy.Prediction:
        """Develop code for ``prompt`` (or ``task``); returns ``Prediction(code, report)``."""
        if isinstance(task, Task):
            the_task = task
        else:
            the_task = build_task(task if task is not None else prompt, entry_point, task_id)
        started = time.perf_counter()
        with dspy.track_usage() as tracker:
            state = RunState(task=the_task, tracker=tracker)
            try:
                self._develop(state)
            except KeyboardInterrupt:
                state.stop_reason = "interrupted"
                state.errors.append(
                    "Interrupted by the user; the report holds the attempts so far."
                )
            except LMUnavailableError as exc:
                state.stop_reason = "lm_unavailable"
                state.errors.append(str(exc))
            report = build_report(
                state, self.threshold, cost_from(tracker, time.perf_counter() - started)
            )
        return dspy.Prediction(code=report.code, report=report)


def _make_limits(timeout_s: float, memory_mb: int) -> object:
    from dspy_coder.sandbox import Limits

    return Limits(timeout_s=timeout_s, memory_mb=memory_mb)

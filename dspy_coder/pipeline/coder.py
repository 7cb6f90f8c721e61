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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import dspy
from dspy.primitives.code_interpreter import CodeInterpreter

from dspy_coder.code.extraction import assemble_solution
from dspy_coder.code.identity import program_identity
from dspy_coder.errors import LMRejectedError, LMUnavailableError
from dspy_coder.judge.differential import probe_source
from dspy_coder.judge.evaluation import CandidateEvaluator, Executor, Profiler
from dspy_coder.judge.feedback import format_history, format_metrics
from dspy_coder.judge.generated_audit import GeneratedTestAudit
from dspy_coder.judge.method_coverage import declared_methods
from dspy_coder.judge.redefinitions import defined_at_top
from dspy_coder.judge.reporting import build_report
from dspy_coder.judge.run_record import AttemptScoring, RunRecord
from dspy_coder.judge.usage import cost_from, usage_delta
from dspy_coder.judge.vetting import AGREEING_CANDIDATES, Consensus
from dspy_coder.pipeline.approval import Approval, ApprovalSourceError, rejected_code_feedback
from dspy_coder.pipeline.class_draft import ClassDrafter
from dspy_coder.pipeline.class_repair import MethodRepairStep
from dspy_coder.pipeline.concurrent_best_of_n import ConcurrentBestOfN, beside
from dspy_coder.pipeline.config import STEP_MAX_TOKENS, CoderConfig
from dspy_coder.pipeline.draw import Draw
from dspy_coder.pipeline.events import emit
from dspy_coder.pipeline.example_gate import asks_for_examples, confirm_examples
from dspy_coder.pipeline.generation import GenerateCode
from dspy_coder.pipeline.lm_failures import LM_ERRORS, TRANSIENT_LM_ERRORS, UNUSABLE_ANSWER_ERRORS
from dspy_coder.pipeline.question_gate import ask_questions, open_questions_note, probe_inputs
from dspy_coder.pipeline.refinement import DistinctRefinement, RefineStep, RewriteStep
from dspy_coder.pipeline.resampling import DraftStep, candidate_rejection
from dspy_coder.pipeline.review_gates import ReviewGates
from dspy_coder.pipeline.salvaging_adapter import salvaging_adapter
from dspy_coder.pipeline.senior import (
    Senior,
    attempts_summary,
    criteria_tests,
    disclosed_at,
    guidance_text,
    spec_text,
    tier_costs,
)
from dspy_coder.pipeline.signatures import CodePlanner, ComplexityAssessor
from dspy_coder.pipeline.snapshots import offer
from dspy_coder.pipeline.stop_requests import stop_requested
from dspy_coder.pipeline.write_tests import GenerateTests
from dspy_coder.task.build import build_task, task_text
from dspy_coder.task.doc_examples import doc_example_tests
from dspy_coder.task.properties import describe, property_tests, stated_properties
from dspy_coder.task.requirements import (
    StatedRequirements,
    requirement_tests,
    stated_requirements,
)
from dspy_coder.types import Attempt, Checkpoint, PerformanceTargets, Plan, Task, TestCase

logger = logging.getLogger(__name__)

__all__ = ["STEP_MAX_TOKENS", "Coder"]


def _describe_redraws(reasons: tuple[str, ...], stage: str) -> str:
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


CLASS_SAMPLES = 2  # per-method drafts sampled for a class without examples (per_method)
# more draws of the test writer, without docstring examples, while its answer holds no test
TEST_WRITER_REDRAWS = 1
PROBE_INPUTS = 8  # generated tests' inputs differential testing compares candidates on
ASSESSOR_ROUTED = "Routed {route} by the assessor"
ASSESSOR_FAILED = "The assessor gave no usable route, so the run took the complex one."


def _describe_consensus(consensus: Consensus) -> str:
    if not consensus.tests:
        return ("Dual agreement: no generated test is passed by any independently written "
                "candidate, so nothing is checked.")
    told = (f"Dual agreement: {consensus.candidates} independently written candidate(s) pass "
            f"{', '.join(sorted(consensus.tests))} together")
    if consensus.decisive:
        return told + f" ({consensus.candidates} of {consensus.independent}); those tests count."
    if consensus.agreed:
        return told + (f"; those tests count, but only {consensus.candidates} of "
                       f"{consensus.independent} candidates agree, so passing them is no verdict.")
    return told + f", but fewer than {AGREEING_CANDIDATES} agree, so nothing is checked."


class _RoundReward:
    """The reward of one ``BestOfN``/``Refine`` round: run a candidate in the sandbox, record
    it as an ``Attempt``, return its score.

    A round retried after an LM outage replays the candidates its earlier try recorded (the
    same program gets its recorded score) instead of recording them twice."""

    def __init__(self, coder: Coder, record: RunRecord, iteration: int, stage: str) -> None:
        self.coder, self.record, self.iteration, self.stage = coder, record, iteration, stage
        self._this_try: list = []
        self._replay: dict[str, list] = {}

    def restart(self) -> None:
        """Called before the round is tried again."""
        for attempt in self._this_try:
            self._replay.setdefault(program_identity(attempt.code), []).append(attempt)
        self._this_try = []

    def __call__(self, _inputs: dict, prediction: dspy.Prediction) -> float:
        draw: Draw = prediction.draw
        record, iteration = self.record, self.iteration
        code = assemble_solution(draw.code, record.task.prompt, record.task.entry_point)
        earlier = self._replay.get(program_identity(code))
        if earlier:
            return earlier.pop(0).score
        if draw.redraw_reasons:
            record.note(f"iteration {iteration}: "
                        f"{_describe_redraws(draw.redraw_reasons, self.stage)}")
            if draw.stage != self.stage:
                record.note(
                    f"iteration {iteration}: the {self.stage} gave no new program, so the "
                    f"answer was drawn from the {draw.stage} step, which does not "
                    "see the failing code."
                )
        if draw.without_plan:
            record.note(f"iteration {iteration}: candidate {len(record.attempts) + 1} was "
                        "drawn from the task alone, without the plan, so that agreement among "
                        "candidates is not just agreement with the plan.")
        if draw.crash_repaired:
            record.note(
                f"iteration {iteration}: a sample crashed its docstring check and was "
                "regenerated once with the error."
            )
        attempt = self.coder._record(record, code, iteration, draw.stage, draw.reasoning)
        self._this_try.append(attempt)
        return max([attempt.score, *self._parts(prediction, attempt, draw.stage)])

    def _parts(self, prediction: dspy.Prediction, whole: Attempt, stage: str) -> list[float]:
        """The scores of a method repair's ``single_changes`` (the class with one rewritten
        method each) and ``alternatives`` (other draws of one method), each run and recorded
        unless the whole repair passed or it was tried."""
        record = self.record
        if record.passed_checks(whole, self.coder.config.threshold):
            return []
        scores = []
        parts = [(part, "One method of the repair above, alone.")
                 for part in getattr(prediction, "single_changes", None) or []]
        parts += getattr(prediction, "alternatives", None) or []
        for part, reasoning in parts:
            code = assemble_solution(part, record.task.prompt, record.task.entry_point)
            if program_identity(code) in record.tried_programs():
                continue
            attempt = self.coder._record(record, code, self.iteration, stage, reasoning)
            self._this_try.append(attempt)
            scores.append(attempt.score)
        return scores


class Coder(dspy.Module):
    """Iterative, test-driven code generation. Returns ``Prediction(code=..., report=...)``.

    Settings come from a ``CoderConfig`` (``config``) and/or its field names as keywords
    (``Coder(max_iterations=3)``); the config owns their defaults, checks and meaning. The
    main ones:

    - ``max_iterations``: circuit breaker: 1 generation + at most ``max_iterations - 1``
      rounds; ``threshold``: stop when the best score reaches it (0.7 tests + 0.3
      performance); ``patience``: stop after this many rounds without a better score.
    - ``routing``: "auto" takes the fast path (generate, verify with the docstring examples,
      refine only on failure) for a short task pinned down by docstring examples and asks
      the ComplexityAssessor otherwise; "complex" always plans, writes tests and profiles.
    - ``drafts``: when the first answer fails its tests, the first round samples up to this
      many fresh candidates at temperature 1.0 (``dspy.BestOfN``), stopping at the first
      that passes; 0 makes every round a refinement round.
    - ``refine_strategy``: "repair" shows the refiner the failing code (CodeRefiner),
      "rewrite" asks for a fresh implementation from the task and the failures only
      (CodeRewriter), "alternate" rewrites first, then alternates; ``refine_attempts``:
      rollouts per ``dspy.Refine`` round (more than one adds an advice call between them).
    - ``use_plan`` / ``use_tests`` / ``use_refine``: ablation switches.

    Args:
        config: the settings (default ``CoderConfig()``); keyword settings override it.
        executor: runs code with tests (default: ``dspy_coder.sandbox.run``).
        interpreter_factory: the CodeInterpreter for ProgramOfThought (default: the sandbox's).
        profiler: measures complexity for the complex route (default: the sandbox profiler).
        senior: a stronger LM (or LM string) that writes the junior's minimal spec, reviews
            its failed attempts every ``checkpoint_interval`` unsuccessful iterations and,
            with ``escalate``, takes the task over when the junior runs out (``senior``).
        approval: ask a person at the plan and/or before the result is accepted
            (``pipeline.approval``); a rejection comes back as a re-plan or a refinement round
            with the reason. None (the default) accepts automatically.
    """

    def __init__(
        self,
        config: CoderConfig | None = None,
        *,
        executor: Executor | None = None,
        interpreter_factory: Callable[[], CodeInterpreter] | None = None,
        profiler: Profiler | None = None,
        approval: Approval | None = None,
        senior: dspy.LM | str | None = None,
        **settings: Any,
    ) -> None:
        super().__init__()
        self.gates = ReviewGates(approval)
        if senior is not None:
            self.senior = Senior(senior)
        self.config = (config or CoderConfig()).replace(**settings)
        if executor is None:
            from dspy_coder.sandbox import run as executor  # starts the fork server lazily
        if interpreter_factory is None:
            from dspy_coder.sandbox.interpreter import SandboxInterpreter as interpreter_factory
        if profiler is None:
            from dspy_coder.judge.measurement import complexity_profiler

            profiler = complexity_profiler()
        config = self.config
        self.scoring = AttemptScoring(config.weights, config.timeout_s)
        self.evaluator = CandidateEvaluator(
            executor, _make_limits(config.timeout_s, config.memory_mb), profiler
        )
        budget = config.step_max_tokens
        self.assess = dspy.Predict(ComplexityAssessor, max_tokens=budget["assess"])
        self.planner = dspy.Predict(CodePlanner, max_tokens=budget["plan"])
        drafter = (ClassDrafter(max_tokens=budget["generate"])
                   if config.class_strategy == "per_method" else None)
        self.generate = GenerateCode(interpreter_factory, max_iters=config.generate_max_iters,
                                     max_tokens=budget["generate"],
                                     reason_first=config.reason_first, class_drafter=drafter)
        self.write_tests = GenerateTests(max_tokens=budget["tests"])
        self.refine_step = RefineStep(max_tokens=budget["refine"])
        self.rewrite_step = RewriteStep(max_tokens=budget["rewrite"])
        if config.class_strategy == "per_method":  # else the default program is unchanged
            self.method_repair = MethodRepairStep(max_tokens=budget["refine"],
                                                  samples=config.method_samples)
            self.method_rewrite = MethodRepairStep(max_tokens=budget["refine"], fresh=True,
                                                   samples=config.method_samples)

    # -- LM steps ------------------------------------------------------------------------------

    def _call(
        self,
        record: RunRecord,
        step: str,
        module: Callable[..., Any],
        on_retry: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call an LM step. An unreachable LM is retried with backoff (``on_retry`` runs
        before each retry) and then stops the run, as does an LM that refuses the request; an
        unusable answer (unparseable output, a prompt over the context window) is recorded
        and gives None. Any other exception is a bug and propagates."""
        logger.info("%s: %s ...", record.task.task_id or "task", step)
        emit("step_started", "INFO", f"{step} ...", task_id=record.task.task_id, step=step)
        started = time.perf_counter()
        result = self._call_with_retries(record, step, module, on_retry, **kwargs)
        emit("step_finished", "INFO", f"{step} done", task_id=record.task.task_id, step=step,
             data={"duration_s": round(time.perf_counter() - started, 3),
                   "answered": result is not None})
        return result

    def _call_with_retries(
        self,
        record: RunRecord,
        step: str,
        module: Callable[..., Any],
        on_retry: Callable[[], None] | None,
        **kwargs: Any,
    ) -> Any:
        tries = self.config.lm_retries
        for attempt in range(1, tries + 1):
            try:
                return module(**kwargs)
            except UNUSABLE_ANSWER_ERRORS as exc:
                record.error(f"{step}: {type(exc).__name__}: {str(exc)[:300]}")
                logger.warning("%s step failed: %s", step, exc)
                return None
            except TRANSIENT_LM_ERRORS as exc:
                if attempt == tries:
                    raise LMUnavailableError(
                        f"The LM failed {attempt} times during '{step}': {exc}. Check that the "
                        "model server is running (or use --lm local:...), then retry."
                    ) from exc
                delay = self.config.retry_backoff_s * 2 ** (attempt - 1)
                logger.warning("LM error in %s (%s); retrying in %.0fs", step, exc, delay)
                time.sleep(delay)
                if on_retry is not None:
                    on_retry()
            except LM_ERRORS as exc:
                raise LMRejectedError(
                    f"The LM refused the '{step}' request ({type(exc).__name__}: "
                    f"{str(exc).splitlines()[0][:300]}). Check the model name, its provider "
                    "prefix, the API key and --api-base, or use --lm local:qwen2.5-coder-1.5b."
                ) from exc
        return None

    def _route(self, record: RunRecord, text: str, stated: StatedRequirements) -> str:
        if self.config.routing != "auto":
            return self.config.routing
        task = record.task
        if stated.time_complexity:
            # a stated complexity is only met on the route that plans for it and measures it
            record.note("Routed complex without an LM call: the task asks for "
                        f"{stated.time_complexity}.")
            return "complex"
        if task.examples and len(task.prompt) <= self.config.simple_prompt_chars:
            # A short task whose docstring examples pin it down needs no LM to classify it.
            record.note(f"Routed simple without an LM call: a short task with "
                        f"{len(task.examples)} docstring example(s).")
            return "simple"
        decision = self._call(record, "assess", self.assess, task=text)
        route = getattr(decision, "route", None)  # None when the step gave no answer
        if route in ("simple", "complex"):
            reason = " ".join(str(getattr(decision, "reason", "") or "").split())
            record.note(f"{ASSESSOR_ROUTED.format(route=route)}: {reason or 'no reason given'}")
            return route
        record.note(ASSESSOR_FAILED)
        return "complex"

    def _plan(self, record: RunRecord, text: str, stated: StatedRequirements) -> Plan | None:
        with dspy.context(adapter=salvaging_adapter(required=("approach",))):
            result = self._call(record, "plan", self.planner, task=text)
        if result is None:
            return None
        return Plan(
            approach=str(result.approach),
            steps=list(result.steps or [])[:6],
            edge_cases=list(result.edge_cases or [])[:6],
            performance=PerformanceTargets(
                # the user's own words over the planner's guess
                time_complexity=stated.time_complexity or str(result.time_complexity)
            ),
        )

    def _tests(
        self, record: RunRecord, text: str, plan_text: str, stated: StatedRequirements
    ) -> None:
        task = record.task
        # without examples (or with a class's, which leave methods unrun) nothing runs the
        # code's every line: a name it never defines is caught from its source (ClassEval_0's
        # get_jwt_user called an undefined jwt)
        tests = doc_example_tests(task.examples) + requirement_tests(
            stated, defined_names_test=not task.examples or bool(
                declared_methods(task.prompt, task.entry_point))
        )
        if stated.names:
            record.note(f"The task calls for {', '.join(stated.names)}: a candidate that does "
                        "not define each of them fails that requirement.")
        wants_generated = self.config.use_tests and (
            record.route == "complex" or not task.examples
        )
        result = None
        if wants_generated:
            # Without examples the tests are what candidates are judged by, so their writer
            # must not share the plan's reading of the task: the 1.5B's plan for Mbpp/738
            # gave "geometric_sum(3) is 3", and tests and candidates agreed on it (AgentCoder
            # keeps its test designer apart from the programmer for this reason).
            shown_plan = plan_text if task.examples else ""
            if plan_text and not shown_plan:
                record.note("The tests were written from the task alone, without the plan, so "
                            "that they check the plan's reading of the task too.")
            result = self._call(record, "tests", self.write_tests, task=text, plan=shown_plan,
                                entry_point=task.entry_point,
                                redraws=0 if task.examples else TEST_WRITER_REDRAWS,
                                restated=stated.names)
        if result is None:
            record.set_tests(tests)
            return
        if result.redrawn:
            # stripped HumanEval/128: the 1.5B wrote the function instead of its tests
            record.note("The test writer was drawn again with another seed, because "
                        f"{'; then '.join(result.redrawn)}. Every answer is kept in the "
                        "report's generated_tests_raw.")
        audit = GeneratedTestAudit()
        kept, notes = audit.screen(
            result.raw, result.tests, task.entry_point, task.examples,
            must_read_code=not task.entry_point, earlier_answers=result.answers[:-1],
            restated=frozenset(stated.names))
        record.set_test_audit(audit)
        stated_props = stated_properties(task.prompt, task.entry_point)
        properties = property_tests(stated_props, [t.code for t in [*tests, *kept]])
        if properties:
            record.note("The task states properties every answer must keep, checked on the "
                        f"generated tests' inputs: {describe(stated_props, properties)}.")
        record.set_tests(tests + properties + kept, result.make_input,
                         self._probe(task, kept, result.make_input))
        for note in notes:
            record.note(note)
        if not task.examples and kept:
            record.note(
                "The task gives no examples: the generated tests count only once "
                f"independently written candidates agree on them (at least {AGREEING_CANDIDATES}"
                " pass the same tests)."
            )

    def _record(
        self, record: RunRecord, code: str, iteration: int, stage: str, reasoning: str = "",
        error: str = "",
    ):
        """Run ``code`` in the sandbox and add the scored attempt to the record."""
        attempt = self.evaluator.evaluate(record, code, iteration, stage, reasoning, error=error)
        attempt.tier = "senior" if record.escalated else "junior"
        attempt = record.add_attempt(attempt)
        offer(record.task.task_id or "task", record.snapshot)
        score = f"{attempt.score:.2f}" if attempt.checked else "n/a (no checked test yet)"
        scored = f"iteration {iteration} ({stage}): score {score}"
        logger.info("%s", scored)
        execution = attempt.execution
        emit("attempt_scored", "PROGRESS", scored,
             task_id=record.task.task_id, step=stage, iteration=iteration,
             progress=round(min(1.0, iteration / self.config.max_iterations), 3),
             data={"score": attempt.score, "test_score": attempt.test_score,
                   "checked": attempt.checked,
                   "tests_passed": execution.tests_passed if execution else 0,
                   "tests_total": execution.tests_total if execution else 0})
        return attempt

    def _sample_round(self, record: RunRecord, iteration: int, text: str,
                      plan_text: str) -> None:
        task = record.task
        produced = len(record.attempts)
        # Without docstring examples the tests are the model's own: a sample that passes them
        # may just share their mistake, so every sample is drawn and agreement decides.
        # With examples a repeat of a tried program is known to fail, so it is drawn again.
        tried = record.tried_programs if task.examples else None
        reward = _RoundReward(self, record, iteration, "sample")
        sampler = ConcurrentBestOfN(
            module=DraftStep(self.generate, tried=tried,
                             plan_free_odd_slots=not task.examples,
                             context_names=defined_at_top(task.context_code)),
            # a class drafted by method costs a call per method, and needs only a second
            # and third independent candidate for its tests to be vetted by agreement
            N=min(self.config.drafts, CLASS_SAMPLES) if self._repairs_by_method(task)
            else self.config.drafts,
            reward_fn=reward,
            threshold=self.config.threshold if task.examples else float("inf"),
            concurrency=self._draw_concurrency(),
        )
        self._call(record, "sample", sampler, on_retry=reward.restart, task=text,
                   plan=plan_text, prompt=task.prompt, entry_point=task.entry_point,
                   examples=task.examples)
        if len(record.attempts) == produced:
            record.error(f"iteration {iteration}: sampling produced no candidate")
        consensus = record.consensus
        if not task.examples and consensus is not None:
            record.note(_describe_consensus(consensus))
        groups = record.behaviour_groups()
        if groups:
            record.note(f"Differential testing: the {sum(groups)} independent candidates that "
                        "ran the probe inputs return the same outputs in groups of "
                        f"{', '.join(map(str, groups))}.")

    def _draw_concurrency(self) -> int:
        """``concurrent_draws``, or as many answers as the LM decodes together."""
        if self.config.concurrent_draws is not None:
            return self.config.concurrent_draws
        lm = dspy.settings.lm
        return int(getattr(getattr(lm, "engine", None), "parallel", 1) or 1)

    def _refine_round(self, record: RunRecord, iteration: int, text: str,
                      base: Attempt | None = None, review: str = "", guidance: str = "") -> None:
        """Refine the best attempt (or ``base``, which a reviewer rejected for ``review``);
        ``guidance``: the latest senior checkpoint's review."""
        best = base or record.best()
        failures = rejected_code_feedback(review, best.feedback) if base else best.feedback
        if guidance:
            failures = f"{guidance}\n\n{failures}"
        produced = len(record.attempts)
        step = self._refine_module(iteration, record.task)
        rejection = candidate_rejection(
            record.task.prompt, record.task.entry_point, record.tried_programs,
            defined_at_top(record.task.context_code),
        )
        reward = _RoundReward(self, record, iteration, step.stage)
        refine = dspy.Refine(
            # a repeat is drawn again from a step that does not see the failing code: for a
            # class repaired by method, its failing methods rewritten from their docstrings
            # (a whole class in one answer is what the 1.5B gets wrong)
            module=DistinctRefinement(step, rejection, redraw=(
                self.method_rewrite if self._repairs_by_method(record.task)
                else self.rewrite_step)),
            N=self.config.refine_attempts,
            reward_fn=reward,
            threshold=self.config.threshold,
        )
        self._call(
            record,
            step.stage,
            refine,
            on_retry=reward.restart,
            task=text,
            code=best.code,
            failures=failures,
            metrics=format_metrics(best),
            history=format_history(list(record.attempts)),
        )
        if len(record.attempts) == produced:
            record.error(f"iteration {iteration}: refinement produced no candidate")

    def _repairs_by_method(self, task: Task) -> bool:
        """A class skeleton under ``class_strategy="per_method"``: every round after the draft
        repairs failing methods one at a time. With docstring examples its sample round is
        skipped (ClassEval_0: four whole-class samples, each worse than the per-method draft);
        without, it samples ``CLASS_SAMPLES`` more per-method drafts, because only candidates
        written independently can vet the model's own tests (dual agreement)."""
        return self.generate.drafts_by_method(task.prompt, task.entry_point)

    def _refine_module(self, iteration: int, task: Task) -> dspy.Module:
        """Round ``iteration`` (2 is the first refinement): rewrite or repair per the strategy;
        a class skeleton under ``class_strategy="per_method"`` is repaired method by method."""
        if self._repairs_by_method(task):
            return self.method_repair
        strategy = self.config.refine_strategy
        if strategy == "repair":
            return self.refine_step
        if strategy == "rewrite" or iteration % 2 == 0:
            return self.rewrite_step
        return self.refine_step

    def _asked_questions(self, record: RunRecord) -> bool:
        """The questions gate after the sampling round; True when its answers became the
        task's examples (the probe inputs are the generated tests', as ``_probe`` took them)."""
        if not self.gates.asks("questions") or record.task.entry_point is None:
            return False
        return ask_questions(record, self.gates, self._probe_inputs(record),
                             lambda attempt: self.evaluator.run_tests(record, attempt.code))

    @staticmethod
    def _probe_inputs(record: RunRecord) -> list[tuple]:
        """The literal inputs differential testing compared the candidates on."""
        generated = [t.code for t in record.tests if t.source == "generated"]
        return probe_inputs(generated, record.task.entry_point or "", PROBE_INPUTS)

    def _note_open_questions(self, record: RunRecord) -> None:
        """Where the candidates of a task without examples still disagree, said in the report
        (the questions gate's question, for a person reading the result)."""
        note = open_questions_note(record, self._probe_inputs(record))
        if note:
            record.note(note)

    @staticmethod
    def _probe(task: Task, generated: list[TestCase], make_input: str | None) -> str | None:
        """Without examples, the probe that differential testing runs every candidate with:
        the generated tests' literal inputs and ``make_input``'s."""
        if task.examples or not task.entry_point:
            return None
        inputs = probe_inputs([t.code for t in generated], task.entry_point, PROBE_INPUTS)
        if not inputs and not make_input:
            return None
        return probe_source(task.entry_point, inputs, make_input)

    # -- the loop ------------------------------------------------------------------------------

    def _develop(self, record: RunRecord) -> None:
        if asks_for_examples(self.gates, record):
            confirm_examples(record, self.gates, lambda text: self._call(
                record, "examples", self.write_tests, task=text, plan="",
                entry_point=record.task.entry_point, redraws=TEST_WRITER_REDRAWS))
        config, task = self.config, record.task
        text, tests_text = task_text(task), task_text(task, audience="tests")
        stated = stated_requirements(task.prompt, task.entry_point)
        record.choose_route(self._route(record, text, stated))
        if self._senior() is not None:
            spec = spec_text(self._senior_call(record, "spec", self._senior().write_spec,
                                               task=text))
            record.set_spec(spec)
            if spec:
                specified = f"\n\nA senior developer's specification:\n{spec}"
                text, tests_text = text + specified, tests_text + specified
        if stated.time_complexity:
            record.set_stated_targets(PerformanceTargets(time_complexity=stated.time_complexity))
        if config.use_plan and (record.route == "complex" or self.gates.asks("plan")):
            plan = self.gates.review_plan(
                record, self._plan(record, text, stated), _render_plan,
                lambda feedback: self._plan(record, f"{text}\n\n{feedback}", stated))
            record.set_plan(plan)
            if record.stop_reason:
                return
        plan_text = _render_plan(record.plan)
        generated = beside(
            lambda: self._call(
                record,
                "generate",
                self.generate,
                task=text,
                plan=plan_text,
                prompt=task.prompt,
                entry_point=task.entry_point,
                examples=task.examples,
                follow_plan=self.gates.asks("plan") and bool(plan_text),
            ),
            lambda: self._tests(record, tests_text, plan_text, stated),
            together=self._draw_concurrency() > 1,
        )
        if generated is None:
            self._record(record, "", 1, "generate", error="no code produced")
        else:
            self._record(record, generated.code, 1, "generate", generated.reasoning,
                         error="; ".join(generated.errors))
        iteration, best_so_far, stalled_rounds = 1, record.best().score, 0
        guidance = ""
        while True:
            if stop_requested():
                record.stop("stop_requested")
                record.note("Stopped on request after iteration "
                            f"{iteration}; the best attempt so far is the answer.")
                return
            stop = self._stop_reason(record, iteration, stalled_rounds)
            if stop in ("max_iterations", "stalled") and self._escalates(record):
                self._escalate(record, stop, iteration)
                stop, stalled_rounds = "", 0
            if stop:
                review = self.gates.review_result(record, stop)
                if review is None or review.out_of_rounds:
                    record.stop("rejected" if review else stop)
                    return
                iteration += 1
                if review.edited:
                    self._record(record, review.edited, iteration, "edit")
                else:
                    # the reason stays with every later round, not just the next one
                    reviewer = f"A reviewer rejected an earlier answer: {review.reason}"
                    with self._tier(record):
                        self._refine_round(record, iteration, text, review.attempt,
                                           review.reason, guidance=guidance)
                    guidance = f"{guidance}\n\n{reviewer}".strip()
                continue
            if self._senior() is not None and not record.escalated and (
                    iteration % config.checkpoint_interval == 0):
                guidance = self._checkpoint(record, iteration, text) or guidance
            iteration += 1
            with self._tier(record):
                if iteration == 2 and config.drafts and (
                        not task.examples or not self._repairs_by_method(task)):
                    self._sample_round(record, iteration, text,
                                       f"{plan_text}\n\n{guidance}".strip())
                else:
                    self._refine_round(record, iteration, text, guidance=guidance)
            if iteration == 2 and config.drafts and self._asked_questions(record):
                text = text.replace(task.prompt, record.task.prompt, 1)
                task = record.task
            new_best = record.best().score
            stalled_rounds = 0 if new_best > best_so_far + 1e-9 else stalled_rounds + 1
            best_so_far = max(best_so_far, new_best)

    # -- the senior ----------------------------------------------------------------------------

    def _senior(self) -> Senior | None:
        return getattr(self, "senior", None)

    def _senior_call(self, record: RunRecord, step: str, module: Callable[..., Any],
                     **kwargs: Any) -> Any:
        with self._as_senior(record):
            return self._call(record, f"senior {step}", module, **kwargs)

    @contextmanager
    def _as_senior(self, record: RunRecord) -> Iterator[None]:
        """Calls in the block are the senior's: its LM; its time and usage are counted."""
        started, before = time.perf_counter(), record.usage_now()
        try:
            with dspy.context(lm=self._senior().lm):
                yield
        finally:
            record.spend_senior(time.perf_counter() - started,
                                usage_delta(before, record.usage_now()))

    @contextmanager
    def _tier(self, record: RunRecord) -> Iterator[None]:
        """Rounds after an escalation are the senior's: its LM, its wall time."""
        if not record.escalated:
            yield
            return
        with self._as_senior(record):
            yield

    def _escalates(self, record: RunRecord) -> bool:
        return (self._senior() is not None and self.config.escalate
                and self.config.senior_iterations > 0 and not record.escalated)

    def _escalate(self, record: RunRecord, why: str, iteration: int) -> None:
        record.escalate(iteration)
        junior = "ran out of iterations" if why == "max_iterations" else "stalled"
        told = (f"Escalated: the junior {junior}; the senior takes the task over for up to "
                f"{self.config.senior_iterations} iteration(s).")
        record.note(told)
        emit("escalated", "WARN", told, task_id=record.task.task_id)

    def _checkpoint(self, record: RunRecord, iteration: int, text: str) -> str:
        """A senior review of the failed attempts so far; returns its guidance text."""
        senior, task = self._senior(), record.task
        number = len(record.checkpoints) + 1
        disclosed = disclosed_at(number)
        summary = attempts_summary(list(record.attempts))
        debug = self._senior_call(record, "debug", senior.debug, task=text, attempts=summary)
        strategy = (self._senior_call(record, "strategy", senior.strategy, task=text,
                                      attempts=summary) if "strategy" in disclosed else None)
        tests = []
        if "tests" in disclosed and task.entry_point:
            answer = self._senior_call(record, "tests", senior.criteria, task=text,
                                       attempts=summary, entry_point=task.entry_point)
            tests = criteria_tests(getattr(answer, "asserts", None), task.entry_point, number)
            if tests:
                record.add_tests(tests, lambda attempt: self.evaluator.run_tests(
                    record, attempt.code))
        if debug is None and strategy is None and not tests:
            record.note(f"Checkpoint {number}: the senior gave no usable review.")
            return ""
        guidance = guidance_text(number, debug, strategy, tests)
        record.add_checkpoint(Checkpoint(number=number, iteration=iteration,
                                         disclosed=list(disclosed), guidance=guidance,
                                         tests=[t.name for t in tests]))
        emit("checkpoint", "INFO", f"checkpoint {number} after iteration {iteration}: "
             f"{', '.join(disclosed)}", task_id=task.task_id, iteration=iteration)
        return guidance

    def _stop_reason(self, record: RunRecord, iteration: int, stalled_rounds: int) -> str:
        """Why the loop stops now, or "" to go on."""
        config = self.config
        if record.passed_checks(record.best(), config.threshold):
            return "threshold"
        limit = (record.escalated_at + config.senior_iterations if record.escalated
                 else config.max_iterations)
        if iteration >= limit:
            return "max_iterations"
        if stalled_rounds >= config.patience:
            return "stalled"
        if not config.use_refine:
            return "refinement disabled"
        return ""

    def forward(
        self,
        prompt: str | None = None,
        entry_point: str | None = None,
        task_id: str | None = None,
        task: Task | str | None = None,
        context_code: str = "",
        feedback: str = "",
        context_imports: list[str] | None = None,
    ) -> dspy.Prediction:
        """Develop code for ``prompt`` (or ``task``); returns ``Prediction(code, report)``.
        ``context_code``, ``context_imports`` and ``feedback``: see ``Task``."""
        if isinstance(task, Task):
            the_task = task
        else:
            the_task = build_task(task if task is not None else prompt, entry_point, task_id,
                                  context_code, feedback, context_imports)
        started = time.perf_counter()
        emit("run_started", "INFO", f"developing {the_task.task_id or 'the task'}",
             task_id=the_task.task_id, data={"max_iterations": self.config.max_iterations})
        with dspy.track_usage() as tracker:
            record = RunRecord(the_task, tracker, self.scoring)
            try:
                self._develop(record)
            except KeyboardInterrupt:
                record.stop("interrupted")
                record.error("Interrupted by the user; the report holds the attempts so far.")
            except LMUnavailableError as exc:
                record.stop("lm_unavailable")
                record.error(str(exc))
            except LMRejectedError as exc:
                record.stop("lm_rejected")
                record.error(str(exc))
            except ApprovalSourceError as exc:
                record.stop("approval_failed")
                record.error(str(exc))
            self._note_open_questions(record)
            report = build_report(
                record, self.config.threshold, cost_from(tracker, time.perf_counter() - started)
            )
            if self._senior() is not None:
                report.tiers = tier_costs(report.cost, self._senior().name,
                                          record.senior_usage, record.senior_seconds)
        emit("run_finished", "ERROR" if report.status == "failed" else "INFO",
             f"{report.status} (stopped: {report.stop_reason or 'n/a'})",
             task_id=the_task.task_id, progress=1.0,
             data={"status": report.status, "score": report.score,
                   "stop_reason": report.stop_reason, "errors": len(report.error_trail),
                   "lm_calls": report.cost.lm_calls})
        return dspy.Prediction(code=report.code, report=report)


def _make_limits(timeout_s: float, memory_mb: int) -> object:
    from dspy_coder.sandbox import Limits

    return Limits(timeout_s=timeout_s, memory_mb=memory_mb)

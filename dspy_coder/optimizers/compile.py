"""Compile a dspy-coder program with a DSPy teleprompter: one function for every optimizer.

``compile_program`` builds the train/dev data (never the test split), the sandbox metric, the
teleprompter for the budget, runs the compile with progress, LM-call counting and a
best-so-far checkpoint, survives Ctrl-C (returning the best program found so far), and scores
the result on train and dev.

Example:
    >>> result = compile_program(                                   # doctest: +SKIP
    ...     "baseline", optimizer="bootstrap", budget=budget_for("light"),
    ...     problems=load_problems("humaneval"), student_lm=lm)
    >>> result.program, result.dev_score, result.lm_calls           # doctest: +SKIP
"""

from __future__ import annotations

import io
import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dspy
from dspy.propose.utils import get_dspy_source_code

from dspy_coder.datasets import DEFAULT_SPLIT_SEED, Problem
from dspy_coder.errors import RunError
from dspy_coder.optimizers.budgets import Budget
from dspy_coder.optimizers.data import build_split
from dspy_coder.optimizers.journals import SandboxMemo, ScoreJournal
from dspy_coder.optimizers.metric import SandboxMetric
from dspy_coder.optimizers.pool import ProblemPool
from dspy_coder.optimizers.progress import CandidateTracker, LMCallCounter, TrackedMetric
from dspy_coder.optimizers.registry import OptimizerSetup, build_optimizer, resolve_optimizer
from dspy_coder.optimizers.run_calls import RunCallCounter
from dspy_coder.pipeline.programs import make_program

logger = logging.getLogger(__name__)


@dataclass
class CompileResult:
    """The compiled program and everything the sidecar and MLflow record about the compile."""

    program: dspy.Module
    program_kind: str
    program_options: dict[str, Any]
    optimizer: str
    budget: Budget
    seed: int
    train_ids: list[str]
    dev_ids: list[str]
    compile_seconds: float
    lm_calls: dict[str, int]
    interrupted: bool = False
    salvaged_from: str = ""
    train_score: float | None = None
    train_solved: float | None = None
    dev_score: float | None = None
    dev_solved: float | None = None
    baseline_dev_score: float | None = None
    baseline_dev_solved: float | None = None
    eval_lm_calls: int = 0
    trial_scores: list[dict[str, Any]] = field(default_factory=list)
    optimizer_trials: list[dict[str, Any]] = field(default_factory=list)

    @property
    def lm_calls_total(self) -> int:
        return sum(self.lm_calls.values())


class _InterruptFlag:
    """Remembers a Ctrl-C even when DSPy's thread pool turns it into another exception."""

    def __init__(self) -> None:
        self.set = False

    @contextmanager
    def watch(self):
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = signal.getsignal(signal.SIGINT)

        def handler(signum, frame):  # noqa: ANN001
            self.set = True
            if callable(previous):
                previous(signum, frame)
            else:
                raise KeyboardInterrupt

        signal.signal(signal.SIGINT, handler)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)


def evaluate(program: dspy.Module, dspy_examples: list[dspy.Example], metric: Callable[..., Any],
             threads: int) -> tuple[float | None, float | None]:
    """(mean metric, fraction fully solved) of ``program`` over ``dspy_examples`` (solved: all
    tests pass, whatever a call penalty took off the score)."""
    if not dspy_examples:
        return None, None
    evaluator = dspy.Evaluate(devset=dspy_examples, metric=metric, num_threads=threads,
                              display_progress=True, display_table=False,
                              max_errors=len(dspy_examples))
    results = evaluator(program).results
    scores = [float(score) for _, _, score in results]
    solved_by = getattr(metric, "solved", None)
    solved = [solved_by(example, prediction) if solved_by else score >= 1.0
              for (example, prediction, _), score in zip(results, scores, strict=True)]
    return sum(scores) / len(scores), sum(solved) / len(solved)


def _fraction(score: float) -> float:
    """A score as a fraction: ``dspy.Evaluate`` reports percentages (88.89 for 8/9)."""
    return score / 100.0 if score > 1.0 else score


def _optimizer_trials(program: Any) -> list[dict[str, Any]]:
    """Per-trial scores (fractions, 0 to 1) the optimizer attached to its result, if any."""
    trials: list[dict[str, Any]] = []
    for index, entry in enumerate(getattr(program, "candidate_programs", None) or []):
        if isinstance(entry, dict) and "score" in entry:
            trials.append({"trial": index, "score": _fraction(float(entry["score"])),
                           "source": "candidate_programs",
                           **({"seed": entry["seed"]} if "seed" in entry else {})})
    for index, log in sorted((getattr(program, "trial_logs", None) or {}).items(),
                             key=lambda kv: str(kv[0])):
        if isinstance(log, dict):
            score = log.get("full_eval_score", log.get("mb_score", log.get("train_score")))
            if isinstance(score, int | float):
                trials.append({"trial": index, "score": _fraction(float(score)),
                               "source": "trial_logs"})
    details = getattr(program, "detailed_results", None)
    for index, score in enumerate(getattr(details, "val_aggregate_scores", None) or []):
        trials.append({"trial": index, "score": float(score), "source": "gepa"})
    return trials


def _salvage(optimizer: Any, tracker: CandidateTracker, kind: str, options: dict[str, Any]
             ) -> tuple[dspy.Module, str]:
    """The best program an interrupted compile had: BootstrapFewShot's collected demos, else
    the tracker's best-scoring candidate, else the uncompiled program."""
    traces = getattr(optimizer, "name2traces", None)
    if isinstance(optimizer, dspy.BootstrapFewShot) and traces and any(traces.values()):
        optimizer.validation = []
        return optimizer._train(), "bootstrapped demos collected so far"
    best = tracker.best()
    program = make_program(kind, options)
    if best is not None:
        program.load_state(best.state)
        return program, f"best tracked candidate {best.fingerprint} ({len(best.scores)} runs)"
    return program, "nothing scored yet: uncompiled program"


def _source_chars(program: dspy.Module) -> int:
    """The length of the source MIPROv2's proposer would show for ``program`` (DSPy's helper
    prints each signature as it goes; that output is dropped)."""
    with redirect_stdout(io.StringIO()):
        return len(get_dspy_source_code(program))


def compile_program(
    kind: str,
    *,
    optimizer: str,
    budget: Budget,
    problems: Sequence[Problem] | ProblemPool,
    student_lm: Any,
    teacher_lm: Any | None = None,
    program_options: dict[str, Any] | None = None,
    threads: int = 1,
    seed: int = DEFAULT_SPLIT_SEED,
    runner: Any = None,
    limits: Any = None,
    log_dir: Path | None = None,
    checkpoint: Callable[[dspy.Module], None] | None = None,
    final_eval: bool = True,
    baseline_eval: bool = False,
    on_progress: Callable[[int, float, float], None] | None = None,
    call_penalty: float = 0.0,
    dev_ids: Sequence[str] | None = None,
    memo: SandboxMemo | None = None,
    journal: ScoreJournal | None = None,
    program_factory: Callable[[str, dict[str, Any]], dspy.Module] | None = None,
    gepa_proposer: str = "rewrite",
) -> CompileResult:
    """Compile a fresh ``kind`` program with ``optimizer`` under ``budget``.

    ``student_lm`` is configured for the whole compile; ``teacher_lm`` (if given) produces
    bootstrapped demos and proposes instructions (GEPA's reflection LM). ``checkpoint`` is
    called with the best program so far whenever it changes. ``call_penalty`` makes the metric
    reward fewer LM calls (``SandboxMetric``); ``dev_ids`` picks the dev problems (of the dev
    split, e.g. from ``focused_dev``) instead of the split's first ``budget.dev_size``.
    ``memo`` and ``journal`` keep sandbox verdicts and candidate scores on disk for a resumed
    compile (``resume.py``). ``program_factory`` builds the program to compile (default
    ``make_program``, looked up at call time; ``optimize --ray``: one whose runs are Ray tasks,
    see ``ray_runs``). ``gepa_proposer``: how GEPA changes a step (``registry.gepa_proposer``).
    """
    program_factory = program_factory or make_program
    name = resolve_optimizer(optimizer)
    options = dict(program_options or {})
    train = build_split(problems, "train", seed=seed, limit=budget.train_size)
    dev = build_split(problems, "dev", seed=seed, limit=budget.dev_size, task_ids=dev_ids)
    metric = SandboxMetric(train, dev, runner=runner, limits=limits, call_penalty=call_penalty,
                           memo=memo)
    student = program_factory(kind, options)
    run_calls = RunCallCounter(type(student))

    def save_state(state: dict[str, Any]) -> None:
        if checkpoint is not None:
            candidate = make_program(kind, options)
            candidate.load_state(state)
            checkpoint(candidate)

    tracker = CandidateTracker(type(student), student_lm, checkpoint=save_state,
                               on_score=on_progress, journal=journal)
    counter = LMCallCounter()
    setup = OptimizerSetup(
        metric=TrackedMetric(metric, tracker),
        feedback_metric=TrackedMetric(metric.with_feedback(), tracker),
        trainset=train.dspy_examples, devset=dev.dspy_examples, budget=budget,
        student_lm=student_lm, teacher_lm=teacher_lm, threads=threads, seed=seed, log_dir=log_dir,
        program_source_chars=_source_chars(student),
        predictor_signatures={name: predictor.signature
                              for name, predictor in student.named_predictors()},
        gepa_proposer=gepa_proposer,
    )
    teleprompter, compile_kwargs = build_optimizer(name, setup)
    logger.info("Compiling %s with %s (%s budget): %d train, %d dev problems", kind, name,
                budget.name, len(train), len(dev))

    eval_counter = LMCallCounter()
    callbacks = [*(dspy.settings.callbacks or []), run_calls]
    eval_callbacks = [*callbacks, eval_counter]
    baseline_dev: tuple[float | None, float | None] = (None, None)
    if baseline_eval:
        with dspy.context(lm=student_lm, callbacks=eval_callbacks):
            baseline_dev = evaluate(program_factory(kind, options), dev.dspy_examples, metric,
                                    threads)
    flag = _InterruptFlag()
    interrupted, salvaged_from = False, ""
    started = time.monotonic()
    with flag.watch(), dspy.context(lm=student_lm, callbacks=[*callbacks, counter, tracker]):
        try:
            compiled = teleprompter.compile(student, **compile_kwargs)
        except BaseException as exc:
            if not flag.set and not isinstance(exc, KeyboardInterrupt):
                if isinstance(exc, Exception) and not isinstance(exc, RunError):
                    raise RunError(f"{name} compile failed: {type(exc).__name__}: {exc}") from exc
                raise
            interrupted = True
            compiled, salvaged_from = _salvage(teleprompter, tracker, kind, options)
            logger.warning("Compile interrupted; keeping %s.", salvaged_from)
    compile_seconds = time.monotonic() - started

    result = CompileResult(
        program=compiled, program_kind=kind, program_options=options, optimizer=name,
        budget=budget, seed=seed, train_ids=train.task_ids, dev_ids=dev.task_ids,
        compile_seconds=compile_seconds, lm_calls=dict(counter.calls), interrupted=interrupted,
        salvaged_from=salvaged_from, baseline_dev_score=baseline_dev[0],
        baseline_dev_solved=baseline_dev[1],
        trial_scores=tracker.trial_scores(), optimizer_trials=_optimizer_trials(compiled),
    )
    if final_eval and not interrupted:
        try:
            with flag.watch(), dspy.context(lm=student_lm, callbacks=eval_callbacks):
                result.train_score, result.train_solved = evaluate(
                    compiled, train.dspy_examples, metric, threads)
                result.dev_score, result.dev_solved = evaluate(
                    compiled, dev.dspy_examples, metric, threads)
        except BaseException:
            if not flag.set:
                raise
            logger.warning("Final evaluation interrupted; the compiled program is kept unscored.")
            result.interrupted = True
    result.eval_lm_calls = eval_counter.total
    return result

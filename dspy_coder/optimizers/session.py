"""One tracked, saved compile: what ``dspy-coder optimize`` runs.

``run_optimization`` opens an MLflow run (``dspy_coder.tracking``) with DSPy autolog of
compiles and evaluations, compiles with ``compile_program``, checkpoints the best program so
far to ``OUT/checkpoint/``, saves ``OUT/program.json`` + ``OUT/program.meta.json`` (also after
Ctrl-C, with ``"interrupted": true``), and logs params, scores, per-trial scores and the
program as artifacts. Before it starts it logs an estimate of its duration (``estimate.py``);
rerun with the same ``out_dir`` it continues a stopped compile (``resume.py`` says how far).

Example:
    >>> request = OptimizeRequest(kind="baseline", optimizer="bootstrap",   # doctest: +SKIP
    ...     budget=budget_for("light"), out_dir=Path("runs/bfs"), student_spec="local:...")
    >>> sidecar = run_optimization(request, problems=problems, student_lm=lm)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import platform
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import dspy

from dspy_coder.datasets import DEFAULT_SPLIT_SEED, Problem
from dspy_coder.optimizers.artifacts import git_commit, save_program, utc_now
from dspy_coder.optimizers.budgets import Budget
from dspy_coder.optimizers.compile import CompileResult, compile_program
from dspy_coder.optimizers.dev_focus import choose_focused_dev
from dspy_coder.optimizers.estimate import estimate
from dspy_coder.optimizers.journals import SandboxMemo, ScoreJournal
from dspy_coder.optimizers.leaks import scan_for
from dspy_coder.optimizers.pool import ProblemPool, as_pool
from dspy_coder.optimizers.registry import DSPY_NAMES
from dspy_coder.optimizers.resume import ResumeState, replay_cache

logger = logging.getLogger(__name__)

FIRST_DRAFTS_FILE = "first_drafts.json"


@dataclass
class OptimizeRequest:
    """Everything one compile needs besides the LM objects."""

    kind: str
    optimizer: str
    budget: Budget
    out_dir: Path
    student_spec: str
    teacher_spec: str | None = None
    dataset: str = "humaneval"
    program_options: dict[str, Any] = field(default_factory=dict)
    threads: int = 1
    seed: int = DEFAULT_SPLIT_SEED
    final_eval: bool = True
    baseline_eval: bool = False
    tracking_uri: str | None = None
    track: bool = True
    command: str = ""
    lm_cache: bool = False  # whether DSPy's cache could answer calls (then costs undercount)
    call_penalty: float = 0.0  # the metric's charge per LM call after the first (metric.py)
    gepa_proposer: str = "rewrite"  # how GEPA changes a step (registry.gepa_proposer)
    dev_focus_share: float | None = None  # share of dev problems whose first draft fails
    first_drafts: Path | None = None  # their outcomes' JSON file (default OUT/first_drafts.json)
    seconds_per_call: float | None = None  # for the duration estimate (else a measured figure)
    resume: bool = True  # keep OUT/resume/ and continue from it (resume.py)
    restart: bool = False  # discard OUT/resume/ and GEPA's state first
    lm_settings: dict[str, Any] = field(default_factory=dict)  # sampling: temperature, seed...

    def resume_settings(self) -> dict[str, Any]:
        """What must match for a rerun on the same --out to continue this compile."""
        return {"program": self.kind, "options": self.program_options,
                "optimizer": self.optimizer, "budget": asdict(self.budget),
                "lm": self.student_spec, "teacher_lm": self.teacher_spec,
                "train_data": self.dataset, "split_seed": self.seed,
                "call_penalty": self.call_penalty, "dev_focus_share": self.dev_focus_share,
                "lm_settings": self.lm_settings,
                # only when not the default, so compiles begun before the option still resume
                **({"gepa_proposer": self.gepa_proposer}
                   if self.gepa_proposer != "rewrite" else {})}


class _Progress:
    """Logs scored runs at most every few seconds (done, candidate mean, best so far)."""

    def __init__(self, every_s: float = 10.0) -> None:
        import time

        self._time = time.monotonic
        self._last = 0.0
        self.every_s = every_s

    def __call__(self, runs: int, candidate_mean: float, best: float) -> None:
        now = self._time()
        if now - self._last >= self.every_s:
            self._last = now
            logger.info("compile progress: %d scored runs, this candidate %.3f, best so far %.3f",
                        runs, candidate_mean, best)


def build_sidecar(request: OptimizeRequest, result: CompileResult,
                  problems: Sequence[Problem] | ProblemPool) -> dict[str, Any]:
    """The ``program.meta.json`` content."""
    by_source = as_pool(problems).split_sizes(request.seed)
    counts = {split: sum(sizes[split] for sizes in by_source.values())
              for split in ("train", "dev", "test")}
    return {
        "program": request.kind,
        "options": result.program_options,
        "optimizer": result.optimizer,
        "optimizer_class": DSPY_NAMES[result.optimizer],
        "budget": asdict(result.budget),
        "lm": request.student_spec,
        "teacher_lm": request.teacher_spec or request.student_spec,
        "dataset": request.dataset,
        **({"gepa_proposer": request.gepa_proposer} if request.optimizer == "gepa" else {}),
        "metric": {"name": "pass rate" if not request.call_penalty else
                   "pass rate x (1 - call_penalty) ** (LM calls - 1)",
                   "call_penalty": request.call_penalty},
        "split": {"seed": request.seed, "sizes": counts, "sizes_by_set": by_source,
                  "train_used": result.train_ids, "dev_used": result.dev_ids},
        "scores": {"train": result.train_score, "train_solved": result.train_solved,
                   "dev": result.dev_score, "dev_solved": result.dev_solved,
                   "uncompiled_dev": result.baseline_dev_score,
                   "uncompiled_dev_solved": result.baseline_dev_solved},
        "compile_seconds": round(result.compile_seconds, 1),
        "lm_calls": {"compile": result.lm_calls_total, "compile_by_lm": result.lm_calls,
                     "final_eval": result.eval_lm_calls},
        "lm_cache": request.lm_cache,
        "interrupted": result.interrupted,
        "salvaged_from": result.salvaged_from,
        "trial_scores": result.trial_scores,
        "optimizer_trials": result.optimizer_trials,
        "threads": request.threads,
        "git_commit": git_commit(),
        "date": utc_now(),
        "machine": f"{platform.node()} {platform.machine()} ({_cpu_count()} CPUs)",
        "dspy_version": dspy.__version__,
        "command": request.command,
    }


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


def _metrics(result: CompileResult) -> dict[str, float]:
    values = {
        "compile_seconds": result.compile_seconds, "lm_calls": result.lm_calls_total,
        "train_score": result.train_score, "train_solved": result.train_solved,
        "dev_score": result.dev_score, "dev_solved": result.dev_solved,
        "uncompiled_dev_score": result.baseline_dev_score,
        "uncompiled_dev_solved": result.baseline_dev_solved,
        "candidates": len(result.trial_scores), "interrupted": float(result.interrupted),
    }
    return {k: float(v) for k, v in values.items() if v is not None}


class _NoReplay:
    hits = None  # DSPy's own cache (--lm-cache) or none: replayed calls are not counted


@contextmanager
def _replaying(state: ResumeState | None, request: OptimizeRequest, lms: Sequence[Any]
               ) -> Iterator[Any]:
    """The compile's own replay cache, unless it is not resumable or uses DSPy's (--lm-cache)."""
    if state is None or request.lm_cache:
        yield _NoReplay()
        return
    with replay_cache(state.lm_cache_dir, lms) as cache:
        yield cache


def log_estimate(request: OptimizeRequest, pool: ProblemPool) -> dict[str, Any]:
    """Log how long the compile will take at most; returns it for the sidecar."""
    train = min(request.budget.train_size, len(pool.split("train", request.seed)))
    dev = min(request.budget.dev_size, len(pool.split("dev", request.seed)))
    found = estimate(request.optimizer, request.budget, kind=request.kind,
                     lm_spec=request.student_spec, train=train, dev=dev,
                     final_eval=request.final_eval, uncompiled_eval=request.baseline_eval,
                     given_seconds=request.seconds_per_call)
    logger.info(found.describe())
    return {"program_runs": found.compile_runs, "evaluation_runs": found.extra_runs,
            "seconds_per_run": found.seconds, "source": found.source,
            "seconds": found.total_seconds}


def run_optimization(request: OptimizeRequest, *, problems: Sequence[Problem] | ProblemPool,
                     student_lm: Any, teacher_lm: Any | None = None, runner: Any = None,
                     limits: Any = None,
                     program_factory: Callable[[str, dict[str, Any]], dspy.Module] | None = None,
                     ) -> dict[str, Any]:
    """Compile, save and track; returns the sidecar dict (also written next to the program).
    ``runner`` and ``program_factory``: see ``compile_program``."""
    out = Path(request.out_dir)
    pool = as_pool(problems)
    scan = scan_for(pool, request.seed)
    state = (ResumeState.open(out, request.resume_settings(), restart=request.restart)
             if request.resume else None)
    planned = log_estimate(request, pool)

    def checkpoint(program: dspy.Module) -> None:
        save_program(program, out / "checkpoint",
                     {"program": request.kind, "options": request.program_options,
                      "checkpoint": True, "lm": request.student_spec}, **scan)

    def compile_and_save(run_id: str | None) -> dict[str, Any]:
        with _replaying(state, request, [student_lm, teacher_lm]) as cache:
            dev_ids, dev_focus = None, None
            if request.dev_focus_share is not None:
                dev_ids, dev_focus = choose_focused_dev(
                    pool, kind=request.kind, size=request.budget.dev_size,
                    share=request.dev_focus_share, seed=request.seed,
                    checks_path=request.first_drafts or out / FIRST_DRAFTS_FILE, lm=student_lm,
                    lm_spec=request.student_spec, runner=runner, limits=limits)
            result = compile_program(
                request.kind, optimizer=request.optimizer, budget=request.budget,
                problems=pool, student_lm=student_lm, teacher_lm=teacher_lm,
                program_options=request.program_options, threads=request.threads,
                seed=request.seed, runner=runner, limits=limits,
                log_dir=out / "optimizer_logs", checkpoint=checkpoint,
                final_eval=request.final_eval, baseline_eval=request.baseline_eval,
                on_progress=_Progress(), call_penalty=request.call_penalty, dev_ids=dev_ids,
                memo=SandboxMemo(state.sandbox_file) if state else None,
                journal=ScoreJournal(state.scores_file) if state else None,
                program_factory=program_factory, gepa_proposer=request.gepa_proposer,
            )
        sidecar = build_sidecar(request, result, pool)
        sidecar["dev_focus"] = dev_focus
        sidecar["estimate"] = planned
        sidecar["lm_calls"]["replayed"] = cache.hits
        sidecar["resume"] = (state.finish_attempt(result.compile_seconds, cache.hits or 0,
                                                  result.interrupted) if state else None)
        if run_id:
            sidecar["mlflow_run_id"] = run_id
        program_path, sidecar_path = save_program(result.program, out, sidecar, **scan)
        if run_id:
            _log_run(run_id, result, program_path, sidecar_path)
        return json.loads(sidecar_path.read_text(encoding="utf-8"))

    if not request.track:
        return compile_and_save(None)
    from dspy_coder import tracking

    params = {"program": request.kind, "optimizer": request.optimizer, "lm": request.student_spec,
              "teacher_lm": request.teacher_spec or request.student_spec,
              "threads": request.threads, "split_seed": request.seed,
              "train_data": request.dataset, "call_penalty": request.call_penalty,
              "options": request.program_options, **request.budget.as_params()}
    with tracking.tracking_run(f"optimize-{request.optimizer}-{request.kind}", params=params,
                               tags={"kind": "optimize"}, tracking_uri=request.tracking_uri) as run:
        tracking.enable_dspy_autolog(log_compiles=True, log_evals=True, log_traces=False)
        try:
            return compile_and_save(run.run_id)
        finally:
            tracking.disable_dspy_autolog()


def _log_run(run_id: str, result: CompileResult, program_path: Path, sidecar_path: Path) -> None:
    from dspy_coder import tracking

    tracking.log_metrics(_metrics(result), run_id=run_id)
    for step, trial in enumerate(result.trial_scores):
        tracking.log_metrics({"candidate_mean_score": trial["mean"]}, step=step, run_id=run_id)
    for step, trial in enumerate(result.optimizer_trials):
        tracking.log_metrics({"optimizer_trial_score": trial["score"]}, step=step, run_id=run_id)
    tracking.log_artifact(program_path, artifact_path="program", run_id=run_id)
    tracking.log_artifact(sidecar_path, artifact_path="program", run_id=run_id)

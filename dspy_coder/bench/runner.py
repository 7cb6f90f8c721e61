"""Run program variants over problems, grade every answer with the hidden tests, store results.

Data flow per unit of work (problem x variant x sample): the program sees only the Task
(prompt, entry point, task id); its code is graded with ``Problem.test`` in the sandbox; a
:class:`ResultRecord` is appended to the results JSONL. Units already in the file are skipped.

Generation runs on ``workers`` threads (a local model decodes up to three answers together);
grading runs on its own threads, so the sandbox overlaps with the next generation. With a
``RayTarget`` each unit runs as a Ray task instead (``ray_executor``); either way the rows are
stored here, by one :class:`~dspy_coder.bench.collector.Collector`.

Example:
    >>> config = BenchConfig(variants=[resolve_variant("baseline")], problems=problems,
    ...                      lm_label="local:qwen2.5-coder-0.5b")          # doctest: +SKIP
    >>> outcome = run_benchmark(config, lm, Path("benchmarks/results/demo"))  # doctest: +SKIP
    >>> outcome.progress.pass_rate                                          # doctest: +SKIP
    0.5
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dspy

from dspy_coder.bench.collector import REPORTS_FILE, Collector, save_report_line
from dspy_coder.bench.grading import DEFAULT_GRADE_TIMEOUT_S, Grade, Grader, make_grader
from dspy_coder.bench.harness import HARNESS_STATUS, describe, grade_unit
from dspy_coder.bench.progress import Progress
from dspy_coder.bench.store import (
    RecordCost,
    ResultKey,
    ResultRecord,
    ResultsStore,
    make_key,
)
from dspy_coder.bench.usage import combine_with_report, usage_from_history
from dspy_coder.bench.variants import VariantSpec, program_fingerprint
from dspy_coder.daemon_pool import DaemonPool
from dspy_coder.datasets import Problem
from dspy_coder.errors import RunError, SandboxError, SetupError, UsageError
from dspy_coder.tracking import last_trace_id

if TYPE_CHECKING:
    from dspy_coder.bench.ray_cluster import RayTarget
    from dspy_coder.bench.shards import Shard

logger = logging.getLogger(__name__)

RESULTS_FILE = "results.jsonl"
__all__ = ["REPORTS_FILE", "RESULTS_FILE", "BenchConfig", "run_benchmark"]
GRADE_GRACE_S = 5.0  # beyond the grading timeout, for a stop to wait for answers in grading


@dataclass
class BenchConfig:
    """What to run. ``lm_label`` is the LM's identity in result keys (e.g. its spec string)."""

    variants: list[VariantSpec]
    problems: list[Problem]
    lm_label: str
    samples: int = 1
    temperature: float = 0.0
    seed: int | None = 0
    workers: int = 1
    grade_timeout_s: float = DEFAULT_GRADE_TIMEOUT_S
    retry_errors: bool = False
    save_reports: bool = True

    def validate(self) -> None:
        if not self.variants:
            raise UsageError("Choose at least one --variant (or --program).")
        if not self.problems:
            raise UsageError("The problem selection is empty; check --ids/--split/--limit.")
        if self.samples < 1:
            raise UsageError("--samples must be >= 1.")
        if self.samples > 1 and self.temperature <= 0:
            raise UsageError(
                "--samples > 1 needs --temperature > 0 (e.g. 0.8), or every sample "
                "would be the same answer."
            )
        if self.workers < 1:
            raise UsageError("--workers must be >= 1.")


@dataclass(frozen=True)
class Job:
    problem: Problem
    variant: VariantSpec
    label: str
    fingerprint: str
    program: Any
    sample: int


@dataclass
class Generated:
    job: Job
    code: str = ""
    report: Any = None
    error: str = ""
    harness_error: str = ""
    fatal: BaseException | None = None
    cost: RecordCost = field(default_factory=RecordCost)
    trace_id: str | None = None


@dataclass
class BenchOutcome:
    """Records of this run's units (old and new) and the session's progress."""

    records: list[ResultRecord]
    progress: Progress
    fingerprints: dict[str, str]


def plan_jobs(config: BenchConfig) -> tuple[list[Job], dict[str, str]]:
    """Build each variant once, fingerprint it, and list every unit of work.

    Problem by problem, every variant in turn: a run stopped early still compares the
    variants on the same problems.
    """
    built = []
    fingerprints: dict[str, str] = {}
    for spec in config.variants:
        program = spec.build()
        fp = program_fingerprint(spec, program)
        if spec.label in fingerprints:
            raise UsageError(f"Variant {spec.label!r} was given twice.")
        fingerprints[spec.label] = fp
        built.append((spec, fp, program))
    jobs = [
        Job(p, spec, spec.label, fp, program, s)
        for p in config.problems
        for spec, fp, program in built
        for s in range(config.samples)
    ]
    return jobs, fingerprints


def _job_lm(lm: Any, config: BenchConfig, sample: int) -> Any:
    if config.samples == 1:
        return lm.copy()
    seed = None if config.seed is None else config.seed + sample
    return lm.copy(rollout_id=sample, temperature=config.temperature, seed=seed)


def generate(job: Job, lm: Any, config: BenchConfig) -> Generated:
    """Run the program on the job's Task (never its hidden test) and measure the cost."""
    task = job.problem.to_task()
    program = job.program if config.workers == 1 else job.program.deepcopy()
    job_lm = _job_lm(lm, config, job.sample)
    out = Generated(job=job)
    trace_before = last_trace_id()
    started = time.perf_counter()
    try:
        with dspy.context(lm=job_lm, track_usage=True):
            prediction = program(
                prompt=task.prompt, entry_point=task.entry_point, task_id=task.task_id
            )
        trace = last_trace_id()  # this call's MLflow trace, when autolog records traces
        out.trace_id = trace if trace != trace_before else None
        out.code = str(getattr(prediction, "code", "") or "")
        out.report = getattr(prediction, "report", None)
    except SandboxError as exc:  # the program's sandbox broke: this unit only, see harness.py
        logger.warning(
            "%s %s sample %d: the sandbox failed while the program ran: %s",
            job.problem.task_id, job.label, job.sample, exc,
        )
        out.harness_error = describe(exc)
    except (SetupError, RunError, UsageError) as exc:
        out.fatal = exc
    except Exception as exc:  # the program failed on this problem: data, not a crash
        logger.warning(
            "%s %s sample %d: program raised %s: %s",
            job.problem.task_id,
            job.label,
            job.sample,
            type(exc).__name__,
            exc,
        )
        out.error = f"{type(exc).__name__}: {exc}"[:1000]
    wall = time.perf_counter() - started
    usage = combine_with_report(
        usage_from_history(getattr(job_lm, "history", []) or []),
        getattr(out.report, "cost", None),
    )
    out.cost = RecordCost(
        lm_calls=usage.calls,
        cached_calls=usage.cached_calls,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        wall_time_s=round(wall, 3),
        iterations=int(getattr(out.report, "iterations_used", 0) or 1),
    )
    return out


def class_counts(problem: Problem, grade: Grade) -> tuple[int | None, int | None]:
    """Test classes passed and in all, for a class-level problem (an answer that was not
    graded, for want of code or of a working sandbox, passed none); (None, None) otherwise."""
    if not problem.test_classes:
        return None, None
    total = grade.test_classes_total or len(problem.test_classes)
    return grade.test_classes_passed or 0, total


def to_record(generated: Generated, grade: Grade, config: BenchConfig) -> ResultRecord:
    job, report = generated.job, generated.report
    cost = generated.cost.model_copy(update={"grade_time_s": round(grade.duration_s, 3)})
    classes_passed, classes_total = class_counts(job.problem, grade)
    return ResultRecord(
        task_id=job.problem.task_id,
        variant=job.label,
        program_fingerprint=job.fingerprint,
        lm=config.lm_label,
        sample=job.sample,
        passed=grade.passed,
        grade_status=grade.status,
        grade_error=grade.error,
        program_error=generated.error,
        harness_error=generated.harness_error
        or (grade.error if grade.status == HARNESS_STATUS else ""),
        code=generated.code,
        cost=cost,
        temperature=config.temperature,
        report_status=str(getattr(report, "status", "") or ""),
        stop_reason=str(getattr(report, "stop_reason", "") or ""),
        best_iteration=getattr(report, "best_iteration", None),
        score=getattr(report, "score", None),
        score_history=list(getattr(report, "score_history", []) or []),
        test_classes_passed=classes_passed,
        test_classes_total=classes_total,
        trace_id=generated.trace_id,
    )


def run_benchmark(
    config: BenchConfig,
    lm: Any,
    out_dir: Path,
    grader: Grader | None = None,
    on_record: Callable[[ResultRecord, Progress], None] | None = None,
    *,
    ray: RayTarget | None = None,
    shard: Shard | None = None,
) -> BenchOutcome:
    """Run every unfinished unit, appending results to ``out_dir/results.jsonl``.

    ``ray`` runs each unit as a Ray task (see ``ray_executor``); the results file is still
    written here only. ``shard`` keeps the units of one shard of the run (see ``shards``).
    """
    config.validate()
    grader = grader or make_grader(config.grade_timeout_s)
    store = ResultsStore(out_dir / RESULTS_FILE)
    jobs, fingerprints = plan_jobs(config)
    if shard is not None:
        jobs = [j for j in jobs if shard.owns(j.problem.task_id, j.label, j.sample)]

    def full_key(job: Job) -> ResultKey:
        return make_key(
            job.problem.task_id, job.label, job.fingerprint, config.lm_label, job.sample
        )

    wanted = {full_key(j) for j in jobs}
    previous = [r for r in store.records() if r.key in wanted]
    skip = {r.key for r in previous if config.retry_errors is False or not r.failed_to_run}
    todo = [j for j in jobs if full_key(j) not in skip]
    progress = Progress(total=len(jobs), already=[r for r in previous if r.key in skip])
    logger.info(
        "Benchmark: %d units (%d problems x %d variants x %d samples%s); %d already done, "
        "%d to run%s -> %s",
        len(jobs),
        len(config.problems),
        len(config.variants),
        config.samples,
        f", shard {shard}" if shard is not None else "",
        len(jobs) - len(todo),
        len(todo),
        " on Ray" if ray is not None else "",
        store.path,
    )
    collector = Collector(store, progress, on_record)
    if todo and ray is not None:
        from dspy_coder.bench.ray_executor import execute_on_ray

        execute_on_ray(todo, lm, config, grader, collector, out_dir, ray)
    elif todo:
        _execute(todo, lm, config, grader, collector, out_dir)
    final = {r.key: r for r in previous if r.key in skip}
    final.update({r.key: r for r in collector.records})
    return BenchOutcome(records=list(final.values()), progress=progress, fingerprints=fingerprints)


def _execute(
    todo: list[Job],
    lm: Any,
    config: BenchConfig,
    grader: Grader,
    collector: Collector,
    out_dir: Path,
) -> None:
    results: queue.Queue[ResultRecord | BaseException] = queue.Queue()
    # Daemon threads, so Ctrl-C/SIGTERM need not wait for the problem in progress: once the
    # pools are stopped, an abandoned job drops its result (it is redone on resume). Answers
    # already generated are still graded and kept (grading takes seconds, generation minutes).
    gen_pool = DaemonPool(config.workers, "bench-gen")
    grade_pool = DaemonPool(config.workers, "bench-grade")
    grading = _Counter()

    def grade_and_queue(generated: Generated) -> None:
        try:
            results.put(grade_generated(generated, grader, config))
        except BaseException as exc:  # a bug or Ctrl-C in grading: stop the run
            results.put(exc)
        finally:
            grading.add(-1)

    def generate_then_hand_off(job: Job) -> None:
        try:
            generated = generate(job, lm, config)
        except BaseException as exc:
            results.put(exc)
            return
        if gen_pool.stopped:  # the run was stopped while this job ran: abandon it
            return
        if generated.fatal is not None:
            results.put(generated.fatal)
            return
        line = report_line(generated) if config.save_reports else None
        if line is not None:
            save_report_line(out_dir, line)
        grading.add(1)
        grade_pool.submit(grade_and_queue, generated)

    for job in todo:
        gen_pool.submit(generate_then_hand_off, job)
    finished = False
    failed_in_worker = False
    kept_before = len(collector.records)
    try:
        while len(collector.records) - kept_before < len(todo):
            try:
                item = results.get(timeout=0.5)
            except queue.Empty:
                continue
            if isinstance(item, BaseException):
                failed_in_worker = True
                raise item
            collector.keep_checked(item)
        finished = True
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: keep what is already generated, then stop
        if not failed_in_worker:
            gen_pool.stop(0.0)
            _finish_grading(
                results, grading, collector.keep, config.grade_timeout_s + GRADE_GRACE_S
            )
        raise
    finally:
        # Finished: every thread is idle, let them end. Stopped (an error, Ctrl-C, SIGTERM):
        # drop the queued jobs and do not wait for the ones in progress.
        wait_s = 1.0 if finished else 0.0
        gen_pool.stop(wait_s)
        grade_pool.stop(wait_s)


def grade_generated(generated: Generated, grader: Grader, config: BenchConfig) -> ResultRecord:
    """Grade one generated answer with the hidden tests and make its result row."""
    job = generated.job
    grade = grade_unit(
        grader,
        job.problem,
        generated.code,
        program_error=generated.error,
        harness_error=generated.harness_error,
        unit=f"{job.problem.task_id} {job.label} sample {job.sample}",
    )
    return to_record(generated, grade, config)


class _Counter:
    """A thread-safe count (of answers handed to grading and not yet queued as results)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self, delta: int) -> None:
        with self._lock:
            self.value += delta


def _finish_grading(
    results: queue.Queue[ResultRecord | BaseException],
    grading: _Counter,
    keep: Callable[[ResultRecord], None],
    within_s: float,
) -> None:
    """On a stop: keep the answers being graded (at most ``within_s`` seconds) and those graded
    but not yet stored. A second Ctrl-C abandons them."""
    deadline = time.monotonic() + within_s
    while grading.value > 0 or not results.empty():
        if time.monotonic() > deadline:
            logger.warning("stopping without the %d answer(s) still in grading", grading.value)
            return
        try:
            item = results.get(timeout=0.1)
        except queue.Empty:
            continue
        if isinstance(item, ResultRecord):
            keep(item)


def report_line(generated: Generated) -> dict[str, Any] | None:
    """The ``reports.jsonl`` line of a generated answer (None when the program made no
    report), as plain JSON so it can travel back from a remote worker."""
    job, report = generated.job, generated.report
    if report is None:
        return None
    payload = (
        report.model_dump(mode="json") if hasattr(report, "model_dump") else {"repr": repr(report)}
    )
    return {
        "task_id": job.problem.task_id,
        "variant": job.label,
        "program_fingerprint": job.fingerprint,
        "sample": job.sample,
        "report": payload,
    }

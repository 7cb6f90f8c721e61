"""Run a benchmark's units as Ray tasks; the driver stays the only writer of the results.

Each unit (problem x variant x sample) is one Ray task that runs the program and then grades
its answer in the sandbox, both on the worker, and returns the graded row (and the full report)
to the driver, which appends it to ``results.jsonl`` as soon as it arrives. So resume, reports
and comparisons work as in one process. A unit whose worker dies (the process is killed, the
machine is lost) is retried once by Ray (``max_retries=1``); lost twice, it is recorded as a
harness failure (not passed; ``--retry-errors`` redoes it). Killing the driver loses no unit
already written; the units in flight are cancelled and redone on resume. With a tracking
server, each worker traces its unit's program call into the driver's MLflow run
(``RayTarget.tracing``), and the row carries the trace id, so the driver attaches the
hidden-test verdict to it as it does in one process.

Example:
    >>> execute_on_ray(todo, lm, config, grader, collector, out_dir,
    ...                RayTarget(num_cpus=2))     # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dspy_coder.bench.collector import Collector, save_report_line
from dspy_coder.bench.grading import Grade, Grader
from dspy_coder.bench.harness import HARNESS_STATUS
from dspy_coder.bench.ray_cluster import RayTarget, connected
from dspy_coder.bench.runner import (
    BenchConfig,
    Generated,
    Job,
    generate,
    grade_generated,
    report_line,
    to_record,
)
from dspy_coder.bench.store import ResultRecord
from dspy_coder.tracking import WorkerTracing, tracing_into

logger = logging.getLogger(__name__)

MAX_RETRIES = 1  # a unit lost with its worker is run once more
IN_FLIGHT_PER_CPU = 2  # units queued per cluster CPU: workers never wait, a stop cancels few
WAIT_S = 0.5  # how often the driver looks up from waiting (Ctrl-C lands within this)


@dataclass
class UnitOutcome:
    """What a worker sends back for one unit: its row and report line, or a fatal error."""

    record: ResultRecord | None = None
    report: dict[str, Any] | None = None
    fatal: BaseException | None = None


def run_unit(job: Job, lm: Any, config: BenchConfig, grader: Grader) -> UnitOutcome:
    """Generate and grade one unit (on a worker). Program and sandbox failures are rows; only
    the errors that stop a whole run (set-up, usage) come back as ``fatal``."""
    generated = generate(job, lm, config)
    if generated.fatal is not None:
        return UnitOutcome(fatal=generated.fatal)
    line = report_line(generated) if config.save_reports else None
    return UnitOutcome(record=grade_generated(generated, grader, config), report=line)


def _unit_task(
    job: Job, program: Any, shared: tuple[Any, BenchConfig, Grader, WorkerTracing | None]
) -> UnitOutcome:
    lm, config, grader, tracing = shared
    with tracing_into(tracing):  # the program call's trace, written before the row goes back
        return run_unit(dataclasses.replace(job, program=program), lm, config, grader)


def lost_unit_record(job: Job, config: BenchConfig, exc: BaseException) -> ResultRecord:
    """The row of a unit whose worker was lost on every try: a harness failure."""
    message = f"Ray worker lost twice ({type(exc).__name__}): {str(exc).splitlines()[0][:300]}"
    generated = Generated(job=job, harness_error=message)
    return to_record(generated, Grade(passed=False, status=HARNESS_STATUS, error=message), config)


def execute_on_ray(
    todo: list[Job],
    lm: Any,
    config: BenchConfig,
    grader: Grader,
    collector: Collector,
    out_dir: Path,
    target: RayTarget,
) -> None:
    """Run ``todo`` on Ray, handing each finished unit to ``collector`` as it arrives."""
    with connected(target) as ray:
        task = ray.remote(
            num_cpus=target.cpus_per_unit, max_retries=MAX_RETRIES, retry_exceptions=False
        )(_unit_task)
        # one copy of the LM, config, grader and of each program in the object store
        shared = ray.put((lm, dataclasses.replace(config, problems=[]), grader, target.tracing))
        programs = {job.label: job.program for job in todo}
        program_refs = {label: ray.put(program) for label, program in programs.items()}
        cpus = float(ray.cluster_resources().get("CPU", 1.0))
        window = max(2, int(IN_FLIGHT_PER_CPU * cpus / target.cpus_per_unit))
        jobs: Iterator[Job] = iter(todo)
        pending: dict[Any, Job] = {}

        def submit_more() -> None:
            while len(pending) < window:
                job = next(jobs, None)
                if job is None:
                    return
                ref = task.remote(
                    dataclasses.replace(job, program=None), program_refs[job.label], shared
                )
                pending[ref] = job

        def take(ref: Any) -> None:
            job = pending.pop(ref)
            outcome = _fetch(ray, ref, job, config)
            if outcome.fatal is not None:
                raise outcome.fatal
            if outcome.report is not None:
                save_report_line(out_dir, outcome.report)
            assert outcome.record is not None
            collector.keep_checked(outcome.record)

        logger.info("Ray: %d units, up to %d in flight", len(todo), window)
        try:
            submit_more()
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1, timeout=WAIT_S)
                for ref in ready:
                    take(ref)
                submit_more()
        except KeyboardInterrupt:  # Ctrl-C/SIGTERM: keep the units already finished, then stop
            ready, _ = ray.wait(list(pending), num_returns=len(pending), timeout=0)
            for ref in ready:
                try:
                    take(ref)
                except Exception as exc:  # a stop must not turn into another error
                    logger.warning("dropping a finished unit on stop: %s", exc)
            raise
        finally:
            for ref in pending:  # stopped early: the rest is redone on resume
                ray.cancel(ref, force=True)


def _fetch(ray: Any, ref: Any, job: Job, config: BenchConfig) -> UnitOutcome:
    """The unit's outcome; a worker lost beyond the retry is a harness-failure row, and an
    exception raised inside the task (a bug) is re-raised here as itself."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        raise exc.as_instanceof_cause() from None
    except ray.exceptions.RayError as exc:  # worker or node died, object lost, ...
        logger.warning(
            "%s %s sample %d: its Ray worker was lost again (%s); recorded as a harness "
            "failure (--retry-errors redoes it)",
            job.problem.task_id,
            job.label,
            job.sample,
            type(exc).__name__,
        )
        return UnitOutcome(record=lost_unit_record(job, config, exc))

"""One benchmark session end to end: manifest, MLflow run, runner, summary, table, plots.

A session that is interrupted or fails still writes the partial summary, table and plots
(marked INCOMPLETE) before the error propagates; rerunning the same command resumes, and
marks KILLED the MLflow runs that earlier sessions on the folder left RUNNING when their
process died.

Example:
    >>> result = run_session(config, lm, Path("benchmarks/results/demo"),
    ...                      tracking_uri="sqlite:///mlflow.db")   # doctest: +SKIP
    >>> result.rows[0].pass_at_1                                   # doctest: +SKIP
    0.5
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dspy_coder.bench.grading import Grader
from dspy_coder.bench.manifest import (
    check_dataset,
    finish_session,
    update_manifest,
    write_manifest,
)
from dspy_coder.bench.plots import write_plots
from dspy_coder.bench.progress import Progress
from dspy_coder.bench.report import VariantSummary, markdown_table, summarise, write_summary
from dspy_coder.bench.runner import RESULTS_FILE, BenchConfig, run_benchmark
from dspy_coder.bench.store import ResultRecord, read_records
from dspy_coder.errors import RunError

if TYPE_CHECKING:
    from dspy_coder.bench.ray_cluster import RayTarget
    from dspy_coder.bench.shards import Shard

logger = logging.getLogger(__name__)

EXPERIMENT = "dspy-coder-bench"
RESULTS_DIR_TAG = "results_dir_abs"  # the folder's absolute path: finds its sessions' runs
REFRESH_TABLE_EVERY = 10  # answers between rewrites of summary.json/table.md during a run


@dataclass
class SessionResult:
    out_dir: Path
    rows: list[VariantSummary]
    records: list[ResultRecord]
    complete: bool
    artifacts: list[Path] = field(default_factory=list)
    mlflow_run_id: str | None = None


def session_params(
    config: BenchConfig, dataset: str, selection: str, shard: Shard | None = None
) -> dict[str, Any]:
    extra = {"shard": str(shard)} if shard is not None else {}
    return {
        "lm": config.lm_label,
        "dataset": dataset,
        "selection": selection,
        "problems": len(config.problems),
        "samples": config.samples,
        "temperature": config.temperature,
        "seed": config.seed,
        "workers": config.workers,
        "grade_timeout_s": config.grade_timeout_s,
        "variants": ",".join(v.label for v in config.variants),
        **{f"variant.{v.label}": v.describe() for v in config.variants},
        **extra,
    }


def expected_units(config: BenchConfig, shard: Shard | None = None) -> int:
    """How many answers the run (or its shard) is made of."""
    if shard is None:
        return len(config.problems) * len(config.variants) * config.samples
    return sum(
        shard.owns(p.task_id, v.label, s)
        for p in config.problems
        for v in config.variants
        for s in range(config.samples)
    )


def run_session(
    config: BenchConfig,
    lm: Any,
    out_dir: Path,
    *,
    dataset: str = "humaneval",
    selection: str = "all",
    tracking_uri: str | None = None,
    grader: Grader | None = None,
    argv: list[str] | None = None,
    ray: RayTarget | None = None,
    shard: Shard | None = None,
) -> SessionResult:
    """Run (or resume) the benchmark in ``out_dir`` and write every report file.

    ``tracking_uri=None`` disables MLflow for this session; ``ray`` runs the units on a Ray
    cluster, ``shard`` only the units of that shard (see ``runner.run_benchmark``).
    """
    check_dataset(out_dir, dataset)
    params = session_params(config, dataset, selection, shard)
    expected = expected_units(config, shard)
    manifest = update_manifest(
        out_dir,
        name=out_dir.name,
        lm=config.lm_label,
        params=params,
        argv=argv,
        expected_units=expected,
        **({"run_units": expected_units(config)} if shard is not None else {}),
    )
    run_id: str | None = None
    outcome = None
    with ExitStack() as stack:
        if tracking_uri:
            from dspy_coder import tracking
            from dspy_coder.process_identity import process_tags

            _close_stale_runs(tracking_uri, out_dir)
            run = stack.enter_context(
                tracking.tracking_run(
                    name=f"{out_dir.name}#{len(manifest['sessions'])}",
                    params=params,
                    tags={
                        "commit": manifest["commit"],
                        "command": manifest["command"],
                        "results_dir": str(out_dir),
                        RESULTS_DIR_TAG: str(out_dir.resolve()),
                        **process_tags(),
                    },
                    tracking_uri=tracking_uri,
                    experiment=EXPERIMENT,
                )
            )
            run_id = run.run_id
            manifest["mlflow_run_id"] = manifest["sessions"][-1]["mlflow_run_id"] = run_id
            write_manifest(out_dir, manifest)  # findable even if this session is killed
            tracking.enable_dspy_autolog(log_traces=True)
            stack.callback(tracking.disable_dspy_autolog)
            if ray is not None:  # the workers trace their units into this run
                ray = replace(ray, tracing=tracking.worker_tracing(run))

        def on_record(record: ResultRecord, progress: Progress) -> None:
            if run_id is not None:
                from dspy_coder import tracking

                tracking.log_metrics(
                    {
                        "progress/pass_rate_so_far": progress.pass_rate,
                        "progress/done": progress.done,
                    },
                    step=progress.done,
                    run_id=run_id,
                )
                if record.trace_id:
                    _attach_verdict(record)
            if progress.session_done % REFRESH_TABLE_EVERY == 0:
                rows = summarise(_current_records(out_dir, config))
                write_summary(rows, out_dir, manifest=manifest, expected_units=expected)

        status = "complete"
        try:
            outcome = run_benchmark(
                config, lm, out_dir, grader=grader, on_record=on_record, ray=ray, shard=shard
            )
        except BaseException as exc:
            status = f"stopped: {type(exc).__name__}"
            raise
        finally:
            records = outcome.records if outcome is not None else _current_records(out_dir, config)
            finish_session(out_dir, manifest, answers=len(records), state=status)
            result = _finalise(out_dir, records, manifest, expected, run_id)
            if result is not None and run_id is not None:
                _log_to_mlflow(result, run_id, out_dir)
    if result is None:
        raise RunError(
            f"The benchmark finished but its report in {out_dir} could not be "
            "written (see the log); rerun with 'dspy-coder bench report'."
        )
    logger.info("Results in %s:\n%s", out_dir, markdown_table(result.rows))
    return result


def _attach_verdict(record: ResultRecord) -> None:
    """The hidden-test verdict as feedback on the answer's trace; never stops the bench."""
    from dspy_coder import tracking

    try:
        tracking.log_verdict(
            record.trace_id or "",
            record.passed,
            f"{record.grade_status}: {record.grade_error}" if record.grade_error else "",
        )
    except Exception as exc:
        logger.warning("Could not attach the verdict to trace %s (%s: %s)",
                       record.trace_id, type(exc).__name__, exc)


def _close_stale_runs(tracking_uri: str, out_dir: Path) -> None:
    """Mark KILLED the MLflow runs of earlier sessions on this folder whose process is gone (a
    ``kill -9`` or a lost machine leaves them RUNNING for ever). Never stops the bench."""
    from dspy_coder import tracking

    folder = out_dir.resolve()

    def belongs(tags: Mapping[str, str]) -> bool:
        if RESULTS_DIR_TAG in tags:
            return tags[RESULTS_DIR_TAG] == str(folder)
        # a run of an older version: it recorded the folder as given on its command line
        return "results_dir" in tags and Path(tags["results_dir"]).resolve() == folder

    try:
        tracking.close_stale_runs(tracking_uri, EXPERIMENT, belongs)
    except Exception as exc:  # a tracking problem must not stop the benchmark
        logger.warning("Could not close stale MLflow runs (%s: %s)", type(exc).__name__, exc)


def _current_records(out_dir: Path, config: BenchConfig) -> list[ResultRecord]:
    labels = {v.label for v in config.variants}
    ids = {p.task_id for p in config.problems}
    return [
        r
        for r in read_records(out_dir / RESULTS_FILE)
        if r.variant in labels and r.task_id in ids and r.lm == config.lm_label
    ]


def _finalise(
    out_dir: Path, records: list[ResultRecord], manifest: dict, expected: int, run_id: str | None
) -> SessionResult | None:
    """Write summary, table and plots; ``None`` (logged) if that fails, so an error in the
    report never hides the error that stopped the run."""
    rows = summarise(records)
    try:
        summary, table = write_summary(rows, out_dir, manifest=manifest, expected_units=expected)
        plots = write_plots(records, rows, out_dir / "plots")
    except Exception:
        logger.exception("Could not write the report files in %s", out_dir)
        return None
    complete = len(records) >= expected
    return SessionResult(
        out_dir=out_dir,
        rows=rows,
        records=records,
        complete=complete,
        artifacts=[summary, table, *plots],
        mlflow_run_id=run_id,
    )


def _log_to_mlflow(result: SessionResult, run_id: str, out_dir: Path) -> None:
    from dspy_coder import tracking

    metrics: dict[str, float] = {"answers": len(result.records), "complete": int(result.complete)}
    for row in result.rows:
        prefix = row.variant
        metrics.update({f"{prefix}/pass_at_{k}": v for k, v in row.pass_at.items()})
        metrics.update(
            {
                f"{prefix}/problems": row.problems,
                f"{prefix}/mean_lm_calls": row.mean_lm_calls,
                f"{prefix}/mean_prompt_tokens": row.mean_prompt_tokens,
                f"{prefix}/mean_completion_tokens": row.mean_completion_tokens,
                f"{prefix}/mean_wall_time_s": row.mean_wall_time_s,
                f"{prefix}/mean_iterations": row.mean_iterations,
                f"{prefix}/program_errors": row.program_errors,
                f"{prefix}/harness_errors": row.harness_errors,
            }
        )
        if row.method_level is not None:
            metrics[f"{prefix}/method_level_pass_at_1"] = row.method_level.pass_at_1
            metrics[f"{prefix}/missing_data_answers"] = row.method_level.missing_data_answers
    try:
        tracking.log_metrics(metrics, run_id=run_id)
        for path in [out_dir / RESULTS_FILE, out_dir / "manifest.json", *result.artifacts]:
            if path.is_file():
                folder = "plots" if path.suffix == ".png" else None
                tracking.log_artifact(path, artifact_path=folder, run_id=run_id)
    except Exception as exc:  # tracking must never lose a finished benchmark
        logger.warning(
            "Could not log results to MLflow (%s: %s); files are in %s",
            type(exc).__name__,
            exc,
            out_dir,
        )

"""MLflow tracking helpers: the only module in dspy-coder that imports ``mlflow``.

Benchmarks, optimizers and ``solve`` open one MLflow run per command with
:func:`tracking_run`, log numbers with :func:`log_metrics`, tags with :func:`set_tags` and
files with :func:`log_artifact` / :func:`log_artifacts`.
DSPy traces come from :func:`enable_dspy_autolog` (``mlflow.dspy.autolog``). The store is
local by default (``sqlite:///mlflow.db``); open it with
``mlflow ui --backend-store-uri sqlite:///mlflow.db --host 127.0.0.1``.

Every helper takes an explicit ``run_id`` (default: the run opened by :func:`tracking_run`),
so worker threads never create stray runs.

Example:
    >>> with tracking_run("bench-baseline", params={"lm": "local:qwen2.5-coder-0.5b"},
    ...                   tracking_uri="sqlite:///mlflow.db") as run:   # doctest: +SKIP
    ...     log_metrics({"pass_at_1": 0.42}, run_id=run.run_id)
    ...     log_artifact("benchmarks/results/x/table.md", run_id=run.run_id)
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dspy_coder import _env  # noqa: F401  (telemetry off before mlflow loads)
from dspy_coder.errors import SetupError, UsageError
from dspy_coder.uninterrupted import uninterrupted

logger = logging.getLogger(__name__)

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
DEFAULT_EXPERIMENT = "dspy-coder"
_MAX_PARAM_CHARS = 500  # MLflow rejects longer param values on some stores

_state = threading.local()


@dataclass
class TrackingRun:
    """Handle of an open MLflow run (what :func:`tracking_run` yields)."""

    run_id: str
    experiment_id: str
    tracking_uri: str
    name: str
    params: dict[str, str] = field(default_factory=dict)
    # how the run ends when its block returns: KILLED for a command stopped by a signal that
    # still returned what it had (``solve``)
    end_status: str = "FINISHED"


def _mlflow():
    try:
        import mlflow
    except ImportError as exc:  # pragma: no cover - mlflow is a hard dependency
        raise SetupError("MLflow is not installed. Run: pip install 'mlflow>=2.18'") from exc
    return mlflow


def _client(tracking_uri: str | None = None):
    mlflow = _mlflow()
    return mlflow.MlflowClient(tracking_uri=tracking_uri or mlflow.get_tracking_uri())


def flatten_params(params: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested mapping -> ``{"a.b": "value"}`` with values as (truncated) strings and keys
    MLflow accepts (see :func:`metric_name`).

    Example:
        >>> flatten_params({"lm": "x", "coder": {"max_iterations": 4}})
        {'lm': 'x', 'coder.max_iterations': '4'}
        >>> flatten_params({"variant": {"baseline@mipro-baseline": {"kind": "baseline"}}})
        {'variant.baseline_mipro-baseline.kind': 'baseline'}
    """
    flat: dict[str, str] = {}
    for key, value in params.items():
        name = metric_name(f"{prefix}{key}")
        if isinstance(value, Mapping):
            flat.update(flatten_params(value, prefix=f"{name}."))
            continue
        text = str(value)
        flat[name] = text if len(text) <= _MAX_PARAM_CHARS else text[: _MAX_PARAM_CHARS - 3] + "..."
    return flat


def _current_run_id(run_id: str | None) -> tuple[str, str | None]:
    if run_id is not None:
        return run_id, getattr(_state, "tracking_uri", None)
    current: TrackingRun | None = getattr(_state, "run", None)
    if current is None:
        raise UsageError(
            "No MLflow run is open: call inside `with tracking_run(...)` or pass run_id=."
        )
    return current.run_id, current.tracking_uri


@contextmanager
def tracking_run(
    name: str,
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    tracking_uri: str | None = None,
    experiment: str = DEFAULT_EXPERIMENT,
) -> Iterator[TrackingRun]:
    """Open an MLflow run for the duration of the block; mark it FAILED if the block raises
    (KILLED on Ctrl-C), else with the handle's ``end_status`` (FINISHED unless changed).

    ``tracking_uri`` defaults to ``sqlite:///mlflow.db`` (relative to the working directory).

    Example:
        >>> with tracking_run("optimize-mipro", params={"trainset": 60},
        ...                   tracking_uri="sqlite:///mlflow.db") as run:   # doctest: +SKIP
        ...     log_metrics({"dev_score": 0.61})
    """
    mlflow = _mlflow()
    uri = tracking_uri or DEFAULT_TRACKING_URI
    mlflow.set_tracking_uri(uri)
    try:
        _ensure_experiment(mlflow, experiment, uri)
        experiment_obj = mlflow.set_experiment(experiment)
    except Exception as exc:  # mlflow raises MlflowException, sqlalchemy errors, ...
        raise SetupError(
            f"Could not open the MLflow store {uri!r} ({type(exc).__name__}: {exc}). Check "
            "--tracking-uri (e.g. sqlite:///mlflow.db, a directory path, or http://host:5000)."
        ) from exc
    flat = flatten_params(params or {})
    with uninterrupted():
        run = mlflow.start_run(run_name=name, tags=dict(tags or {}))
    handle = TrackingRun(
        run_id=run.info.run_id,
        experiment_id=experiment_obj.experiment_id,
        tracking_uri=uri,
        name=name,
        params=flat,
    )
    previous = getattr(_state, "run", None)
    _state.run, _state.tracking_uri = handle, uri
    status = ""
    try:
        if flat:
            with uninterrupted():
                mlflow.log_params(flat)
        logger.info(
            "MLflow run %s (%s) in experiment %r at %s", name, handle.run_id, experiment, uri
        )
        yield handle
    except BaseException:
        status = "KILLED" if _is_interrupt() else "FAILED"
        raise
    finally:
        status = status or handle.end_status
        _flush_traces(mlflow)
        try:
            with uninterrupted():
                mlflow.end_run(status=status)
        except Exception as exc:  # e.g. sqlite locked by a write the interrupt cut short
            if status == "FINISHED":
                raise
            logger.warning(
                "Could not mark MLflow run %s %s (%s: %s); it stays RUNNING until the next "
                "bench session on the same folder marks it KILLED.",
                handle.run_id, status, type(exc).__name__, exc,
            )
        finally:
            _state.run = previous


def _flush_traces(mlflow: Any) -> None:
    """Traces are exported asynchronously; write them before the run ends."""
    try:
        mlflow.flush_trace_async_logging()
    except Exception as exc:  # older mlflow, or tracing disabled
        logger.debug("Could not flush MLflow traces: %s", exc)


def close_stale_runs(
    tracking_uri: str,
    experiment: str,
    belongs: Callable[[Mapping[str, str]], bool],
) -> list[str]:
    """Mark KILLED the runs of ``experiment`` left RUNNING by a process that is gone; return
    their ids.

    The candidates are the RUNNING runs whose tags ``belongs`` accepts (e.g. the bench's runs
    on one results folder, when a new session starts there). A run tagged with
    :func:`~dspy_coder.process_identity.process_tags` is stale when that process no longer
    exists on this machine; one from another machine is left alone. A run from an older
    version, without those tags, is taken as stale: ``belongs`` vouches that it is the
    caller's, and a wrong guess is undone when a live process ends its run (MLflow's
    ``end_run`` sets the final status).

    Example:
        >>> ours = lambda tags: tags.get("results_dir_abs") == "/abs/run"
        >>> close_stale_runs("sqlite:///mlflow.db", "dspy-coder-bench", ours)  # doctest: +SKIP
        ['3f1c...']
    """
    from dspy_coder.process_identity import PID, is_alive

    client = _client(tracking_uri)
    found = client.get_experiment_by_name(experiment)
    if found is None:
        return []
    running = client.search_runs(
        [found.experiment_id], filter_string="attributes.status = 'RUNNING'", max_results=1000
    )
    closed = []
    for run in running:
        tags = run.data.tags
        if not belongs(tags):
            continue
        recorded = PID in tags
        if recorded and is_alive(tags) is not False:  # alive, or on another machine
            continue
        run_id = run.info.run_id
        with uninterrupted():
            client.set_tag(run_id, "dspy_coder.closed_as_stale", _stale_reason(recorded))
            client.set_terminated(run_id, status="KILLED")
        closed.append(run_id)
        logger.info("MLflow run %s was left RUNNING by a stopped process: marked KILLED", run_id)
    return closed


def _stale_reason(recorded: bool) -> str:
    if recorded:
        return "its process was no longer running when a later session started"
    return "left RUNNING by a version that did not record its process; a later session started"


def artifact_root_for(tracking_uri: str) -> str | None:
    """For a sqlite store, artifacts live next to the database (``<dir>/mlartifacts``).

    Without this MLflow would write them to ``./mlruns`` under whatever directory the command
    ran in, and ``mlflow ui`` started elsewhere could not find them.

    Example:
        >>> artifact_root_for("sqlite:////tmp/x/mlflow.db")
        'file:///tmp/x/mlartifacts'
    """
    if not tracking_uri.startswith("sqlite:///"):
        return None
    db_path = Path(tracking_uri.removeprefix("sqlite:///")).resolve()
    return (db_path.parent / "mlartifacts").as_uri()


def _ensure_experiment(mlflow: Any, experiment: str, uri: str) -> None:
    client = mlflow.MlflowClient(tracking_uri=uri)
    if client.get_experiment_by_name(experiment) is None:
        client.create_experiment(experiment, artifact_location=artifact_root_for(uri))


def _is_interrupt() -> bool:
    import sys

    exc = sys.exc_info()[1]
    return isinstance(exc, KeyboardInterrupt)


def log_metrics(
    metrics: Mapping[str, Any], step: int | None = None, run_id: str | None = None
) -> dict[str, float]:
    """Log the finite numeric entries of ``metrics``; return what was logged.

    Non-numeric and non-finite values are skipped (with a debug message), so a summary dict can
    be passed as is. Metric names are sanitised to MLflow's allowed characters.

    Example:
        >>> log_metrics({"pass_at_1": 0.5, "note": "x"}, run_id="abc")   # doctest: +SKIP
        {'pass_at_1': 0.5}
    """
    _mlflow()
    from mlflow.entities import Metric

    rid, uri = _current_run_id(run_id)
    clean: dict[str, float] = {}
    for key, value in metrics.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            logger.debug("Not logging non-numeric metric %s=%r", key, value)
            continue
        if not math.isfinite(value):
            continue
        clean[metric_name(key)] = float(value)
    if clean:
        import time

        now = int(time.time() * 1000)
        batch = [Metric(k, v, now, step or 0) for k, v in clean.items()]
        with uninterrupted():  # cut partway, the SQLite store stays locked
            _client(uri).log_batch(rid, metrics=batch)
    return clean


def set_tags(tags: Mapping[str, Any], run_id: str | None = None) -> None:
    """Set ``tags`` (values as strings) on the run.

    Example:
        >>> set_tags({"status": "success"}, run_id="abc")   # doctest: +SKIP
    """
    rid, uri = _current_run_id(run_id)
    client = _client(uri)
    with uninterrupted():
        for key, value in tags.items():
            client.set_tag(rid, key, str(value))


def metric_name(name: str) -> str:
    """MLflow accepts alphanumerics, ``_ - . / :`` and spaces; replace anything else by ``_``.

    Example:
        >>> metric_name("pass@1/coder(no-tests)")
        'pass_1/coder_no-tests_'
    """
    return "".join(c if c.isalnum() or c in "_-./: " else "_" for c in name)


def log_artifact(
    path: str | Path, artifact_path: str | None = None, run_id: str | None = None
) -> None:
    """Upload one file to the run's artifacts."""
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"Cannot log artifact {file}: no such file.")
    rid, uri = _current_run_id(run_id)
    with uninterrupted():
        _client(uri).log_artifact(rid, str(file), artifact_path)


def log_artifacts(
    directory: str | Path, artifact_path: str | None = None, run_id: str | None = None
) -> None:
    """Upload every file under ``directory`` to the run's artifacts."""
    folder = Path(directory)
    if not folder.is_dir():
        raise UsageError(f"Cannot log artifacts from {folder}: no such directory.")
    rid, uri = _current_run_id(run_id)
    with uninterrupted():
        _client(uri).log_artifacts(rid, str(folder), artifact_path)


def enable_dspy_autolog(
    log_compiles: bool = False, log_evals: bool = False, log_traces: bool = True
) -> None:
    """Turn on ``mlflow.dspy.autolog``: a trace per program call (spans for modules, LM calls).

    ``log_compiles`` records optimizer compiles, ``log_evals`` records ``dspy.Evaluate`` runs.
    Traces go to the experiment of the active tracking URI.

    Example:
        >>> enable_dspy_autolog(log_traces=True)   # doctest: +SKIP
    """
    mlflow = _mlflow()
    try:
        import mlflow.dspy  # noqa: F401
    except ImportError as exc:  # pragma: no cover
        raise SetupError("mlflow.dspy is unavailable. Run: pip install 'mlflow>=2.18'") from exc
    mlflow.dspy.autolog(
        log_traces=log_traces,
        log_traces_from_compile=log_compiles,
        log_traces_from_eval=log_evals,
        log_compiles=log_compiles,
        log_evals=log_evals,
        silent=True,
    )


def disable_dspy_autolog() -> None:
    """Undo :func:`enable_dspy_autolog` (removes MLflow's DSPy callback)."""
    _mlflow()
    import mlflow.dspy

    mlflow.dspy.autolog(disable=True, silent=True)


def last_trace_id() -> str | None:
    """The id of the last trace finished in this thread, or None. Never imports MLflow: with
    tracking off there are no traces (and no MLflow import on the hot path)."""
    import sys

    mlflow = sys.modules.get("mlflow")
    if mlflow is None:
        return None
    try:
        return mlflow.get_last_active_trace_id(thread_local=True)
    except Exception as exc:  # a tracing problem must not cost the unit
        logger.debug("No last trace id: %s", exc)
        return None


def log_verdict(trace_id: str, passed: bool, rationale: str = "") -> None:
    """Attach a hidden-test verdict to a trace as MLflow feedback named ``hidden_tests``, so
    the Traces tab shows which program calls passed. From code, not a judge: source CODE."""
    mlflow = _mlflow()
    from mlflow.entities import AssessmentSource

    with uninterrupted():
        mlflow.log_feedback(
            trace_id=trace_id,
            name="hidden_tests",
            value=bool(passed),
            source=AssessmentSource(source_type="CODE", source_id="dspy-coder bench grader"),
            rationale=rationale[:500] or None,
        )


@dataclass(frozen=True)
class WorkerTracing:
    """Where a Ray worker records the DSPy traces of its units: the tracking server, and the
    experiment and run of the driver's session (see :func:`worker_tracing`)."""

    tracking_uri: str
    experiment_id: str
    run_id: str


def worker_tracing(run: TrackingRun) -> WorkerTracing | None:
    """What Ray workers need to trace into ``run``, or None (with a warning) when its store is
    not a tracking server: many processes must not write one SQLite file or file store."""
    if run.tracking_uri.startswith(("http://", "https://")):
        return WorkerTracing(run.tracking_uri, run.experiment_id, run.run_id)
    logger.warning(
        "--ray with the MLflow store %s: only this process writes it (the run, its metrics and "
        "artifacts), so the Ray workers record no traces and no hidden_tests feedback. For "
        "those, start a tracking server (mlflow server --backend-store-uri sqlite:///mlflow.db "
        "--workers 1) and pass --tracking-uri http://HOST:PORT.", run.tracking_uri)
    return None


_worker_lock = threading.Lock()
_worker_targets: dict[WorkerTracing, bool] = {}  # tried in this worker process: did it work
_worker_current: list[WorkerTracing] = []  # the one the process is set up for now


@contextmanager
def tracing_into(target: WorkerTracing | None) -> Iterator[None]:
    """On a Ray worker: DSPy program calls in the block are traced (``mlflow.dspy`` autolog)
    into ``target``'s experiment and linked to its run, and written before the block ends,
    so the driver can attach feedback to them. None, or a tracker this worker cannot reach
    (after MLflow's own retries; tried once per process): the block runs untraced, since a
    unit never fails for its trace."""
    if target is None:
        yield
        return
    mlflow = _mlflow()
    with _worker_lock:
        if _worker_targets.get(target, True) and _worker_current != [target]:
            try:
                mlflow.set_tracking_uri(target.tracking_uri)
                mlflow.set_experiment(experiment_id=target.experiment_id)
                enable_dspy_autolog(log_traces=True)
                _worker_targets[target] = True
                _worker_current[:] = [target]
            except Exception as exc:
                logger.warning("Could not trace into MLflow run %s at %s (%s: %s); this "
                               "worker's units run untraced.", target.run_id,
                               target.tracking_uri, type(exc).__name__, exc)
                _worker_targets[target] = False
                _worker_current.clear()
        traced = _worker_targets[target]
    if not traced:
        yield
        return
    try:
        with mlflow.tracing.context(metadata={"mlflow.sourceRun": target.run_id}):
            yield
    finally:
        _flush_traces(mlflow)

"""MLflow helpers against a throwaway local sqlite store."""

from __future__ import annotations

from pathlib import Path

import pytest

from dspy_coder import tracking
from dspy_coder.errors import UsageError


@pytest.fixture()
def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


def _client(uri: str):
    import mlflow

    return mlflow.MlflowClient(tracking_uri=uri)


def test_run_records_params_metrics_tags_and_artifacts(tmp_path: Path, store: str):
    table = tmp_path / "table.md"
    table.write_text("| a |\n")
    plots = tmp_path / "plots"
    plots.mkdir()
    (plots / "p.png").write_bytes(b"png")
    with tracking.tracking_run(
        "bench-x",
        params={"lm": "dummy", "coder": {"max_iterations": 2}},
        tags={"commit": "abc"},
        tracking_uri=store,
        experiment="test-exp",
    ) as run:
        logged = tracking.log_metrics(
            {"pass_at_1": 0.5, "note": "text", "nan": float("nan"), "pass@1/coder(x)": 1}
        )
        tracking.log_metrics({"progress": 0.25}, step=3)
        tracking.log_artifact(table)
        tracking.log_artifacts(plots, artifact_path="plots")
    assert logged == {"pass_at_1": 0.5, "pass_1/coder_x_": 1.0}
    client = _client(store)
    data = client.get_run(run.run_id)
    assert data.info.status == "FINISHED"
    assert data.info.run_name == "bench-x"
    assert data.data.params == {"lm": "dummy", "coder.max_iterations": "2"}
    assert data.data.metrics["pass_at_1"] == 0.5
    assert data.data.tags["commit"] == "abc"
    assert [m.step for m in client.get_metric_history(run.run_id, "progress")] == [3]
    artifacts = {a.path for a in client.list_artifacts(run.run_id)}
    assert artifacts == {"table.md", "plots"}
    assert [a.path for a in client.list_artifacts(run.run_id, "plots")] == ["plots/p.png"]


def test_a_failing_block_marks_the_run_failed(store: str):
    with pytest.raises(RuntimeError):
        with tracking.tracking_run("boom", tracking_uri=store) as run:
            raise RuntimeError("x")
    assert _client(store).get_run(run.run_id).info.status == "FAILED"


def test_logging_outside_a_run_is_a_usage_error(tmp_path: Path):
    with pytest.raises(UsageError, match="No MLflow run is open"):
        tracking.log_metrics({"x": 1.0})
    with pytest.raises(UsageError, match="no such file"):
        tracking.log_artifact(tmp_path / "missing.txt", run_id="abc")


def test_explicit_run_id_works_from_another_thread(store: str):
    import threading

    with tracking.tracking_run("threads", tracking_uri=store) as run:
        thread = threading.Thread(
            target=lambda: tracking.log_metrics({"from_thread": 2.0}, run_id=run.run_id)
        )
        thread.start()
        thread.join()
    assert _client(store).get_run(run.run_id).data.metrics["from_thread"] == 2.0


def test_dspy_autolog_records_a_trace_per_program_call(store: str):
    import dspy
    import mlflow
    from dspy.utils import DummyLM

    with tracking.tracking_run("traces", tracking_uri=store, experiment="trace-exp"):
        tracking.enable_dspy_autolog()
        try:
            with dspy.context(lm=DummyLM([{"answer": "4"}])):
                dspy.Predict("question -> answer")(question="2+2?")
        finally:
            tracking.disable_dspy_autolog()
    experiment = mlflow.get_experiment_by_name("trace-exp")
    traces = mlflow.search_traces(locations=[experiment.experiment_id], return_type="list")
    assert len(traces) >= 1
    assert any("Predict" in span.name for span in traces[0].data.spans)


def _dead_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # reaped: the pid names no process now
    return proc.pid


def test_runs_left_running_by_a_dead_process_are_marked_killed(tmp_path: Path, store: str):
    import socket

    from dspy_coder.process_identity import HOST, PID, STARTED, process_tags

    client = _client(store)
    experiment = client.create_experiment("bench-exp")
    folder = str(tmp_path / "run")
    dead = {HOST: socket.gethostname(), PID: str(_dead_pid()), STARTED: "1.00"}

    def running(**tags: str) -> str:
        return client.create_run(experiment, tags=tags).info.run_id  # RUNNING until ended

    killed_by_kill9 = running(folder=folder, **dead)
    pid_reused = running(folder=folder, **{**process_tags(), STARTED: "1.00"})
    still_alive = running(folder=folder, **process_tags())
    other_folder = running(folder=str(tmp_path / "other"), **dead)
    other_machine = running(folder=folder, **{**dead, HOST: "elsewhere"})
    older_version = running(folder=folder)  # recorded no process
    finished = running(folder=folder, **dead)
    client.set_terminated(finished, status="FINISHED")
    closed = tracking.close_stale_runs(
        store, "bench-exp", lambda tags: tags.get("folder") == folder
    )
    assert set(closed) == {killed_by_kill9, pid_reused, older_version}
    status = {
        run_id: client.get_run(run_id).info.status
        for run_id in [killed_by_kill9, pid_reused, still_alive, other_folder, other_machine,
                       older_version, finished]
    }
    assert status == {
        killed_by_kill9: "KILLED",
        pid_reused: "KILLED",
        still_alive: "RUNNING",
        other_folder: "RUNNING",
        other_machine: "RUNNING",
        older_version: "KILLED",
        finished: "FINISHED",
    }
    stale = client.get_run(killed_by_kill9)
    assert "no longer running" in stale.data.tags["dspy_coder.closed_as_stale"]
    assert stale.info.end_time is not None
    # a store without the experiment has nothing to close
    assert tracking.close_stale_runs(store, "no-such-exp", lambda tags: True) == []


def test_an_interrupt_survives_a_store_that_cannot_end_the_run(store: str, monkeypatch):
    import mlflow

    def locked(*args, **kwargs):
        raise RuntimeError("(sqlite3.OperationalError) database is locked")

    with pytest.raises(KeyboardInterrupt):
        with tracking.tracking_run("interrupted", tracking_uri=store):
            monkeypatch.setattr(mlflow, "end_run", locked)
            raise KeyboardInterrupt
    monkeypatch.undo()
    mlflow.end_run()  # the run that could not be ended
    with pytest.raises(RuntimeError, match="database is locked"):  # a clean end still reports
        with tracking.tracking_run("finished", tracking_uri=store):
            monkeypatch.setattr(mlflow, "end_run", locked)
    monkeypatch.undo()
    mlflow.end_run()


def test_a_block_that_returns_can_end_its_run_killed_and_set_tags(store: str):
    with tracking.tracking_run("stopped", tracking_uri=store) as run:
        tracking.set_tags({"status": "partial", "attempts": 3})
        run.end_status = "KILLED"  # stopped by a signal, but returned what it had
    data = _client(store).get_run(run.run_id)
    assert data.info.status == "KILLED"
    assert data.data.tags["status"] == "partial" and data.data.tags["attempts"] == "3"


@pytest.mark.parametrize(
    ("uri", "traced"),
    [("http://127.0.0.1:5055", True), ("https://mlflow.example", True),
     ("sqlite:///mlflow.db", False), ("/tmp/mlruns", False)],
)
def test_ray_workers_trace_only_into_a_tracking_server(uri: str, traced: bool, caplog):
    run = tracking.TrackingRun(run_id="r1", experiment_id="7", tracking_uri=uri, name="x")
    target = tracking.worker_tracing(run)
    assert (target == tracking.WorkerTracing(uri, "7", "r1")) if traced else target is None
    assert ("record no traces" in caplog.text) is not traced  # a file store: said, not silent


def test_a_worker_that_cannot_reach_the_tracker_runs_its_units_untraced(
    monkeypatch: pytest.MonkeyPatch, caplog
):
    import mlflow

    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    monkeypatch.setattr(tracking, "_worker_targets", {})
    monkeypatch.setattr(tracking, "_worker_current", [])
    previous = mlflow.get_tracking_uri()
    target = tracking.WorkerTracing("http://127.0.0.1:9", "1", "r1")  # nothing listens there
    ran = []
    try:
        for unit in range(2):
            with tracking.tracing_into(target):
                ran.append(unit)
    finally:
        mlflow.set_tracking_uri(previous)
    assert ran == [0, 1]
    assert caplog.text.count("run untraced") == 1  # tried once per worker process

"""A bench killed with ``kill -9`` leaves its MLflow run RUNNING; the next session on the same
results folder marks it KILLED and goes on (with a real MLflow sqlite store and a real kill)."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import mlflow

from dspy_coder.bench.runner import BenchConfig
from dspy_coder.bench.session import EXPERIMENT, run_session
from dspy_coder.bench.store import read_records
from dspy_coder.bench.variants import resolve_variant
from tests.bench.helpers import PROBLEMS, RIGHT, answers_lm, exec_grader
from tests.bench.test_interrupt import _start, _wait_for


def test_a_resume_marks_the_killed_sessions_run_killed(tmp_path: Path):
    proc, out, uri = _start(tmp_path)
    _wait_for(Path(str(out) + ".hanging").exists, 120, proc)  # mid-run, its MLflow run open
    proc.send_signal(signal.SIGKILL)  # no handler, no finally: nothing gets to close the run
    proc.communicate(timeout=60)
    client = mlflow.MlflowClient(tracking_uri=uri)
    (stale,) = client.search_runs([client.get_experiment_by_name(EXPERIMENT).experiment_id])
    stale_id = stale.info.run_id
    assert stale.info.status == "RUNNING"
    assert json.loads((out / "manifest.json").read_text())["mlflow_run_id"] == stale_id

    config = BenchConfig(
        variants=[resolve_variant("baseline")], problems=PROBLEMS, lm_label="dummy/slow"
    )
    # the killed session ran `bench --dataset toy.jsonl`: the resume is on the same dataset
    result = run_session(
        config, answers_lm(RIGHT), out, dataset="toy", tracking_uri=uri, grader=exec_grader
    )
    assert client.get_run(stale_id).info.status == "KILLED"
    assert client.get_run(result.mlflow_run_id).info.status == "FINISHED"
    assert result.complete and len(read_records(out / "results.jsonl")) == 3


def test_a_run_of_an_older_version_on_this_folder_is_closed_too(tmp_path: Path, monkeypatch):
    """Older versions tagged only ``results_dir`` (as given, maybe relative) and no process."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = mlflow.MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment(EXPERIMENT)
    monkeypatch.chdir(tmp_path)
    ours = client.create_run(experiment, tags={"results_dir": "run"}).info.run_id
    other = client.create_run(experiment, tags={"results_dir": "elsewhere"}).info.run_id
    config = BenchConfig(variants=[resolve_variant("baseline")], problems=PROBLEMS[:1],
                         lm_label="dummy")
    run_session(config, answers_lm(RIGHT), tmp_path / "run", tracking_uri=uri,
                grader=exec_grader)
    assert client.get_run(ours).info.status == "KILLED"
    assert client.get_run(other).info.status == "RUNNING"

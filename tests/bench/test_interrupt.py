"""``kill`` or Ctrl-C stops a bench run within seconds, even while the program is mid-problem:
finished answers are kept (one still being graded too), the answer being generated is
abandoned (redone on resume), the summary is written, the MLflow run is KILLED and the exit
code says which signal stopped it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dspy_coder.bench.store import read_records
from tests.bench.helpers import PROBLEMS

ROOT = Path(__file__).resolve().parents[2]
# The hanging answer would take 10 minutes; stopping includes writing the summary, plots and
# the MLflow status, which on a loaded 2-core CI machine can take tens of seconds.
STOP_WITHIN_S = 60.0


def _wait_for(condition, timeout_s: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"the run ended early: {proc.communicate()[1][-3000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"timed out: {proc.communicate()[1][-3000:]}")
        time.sleep(0.1)


def _start(tmp_path: Path, grade_delay_s: float = 0.0) -> tuple[subprocess.Popen, Path, str]:
    dataset = tmp_path / "toy.jsonl"
    dataset.write_text("".join(json.dumps(p.model_dump()) + "\n" for p in PROBLEMS))
    out = tmp_path / "run"
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.bench.slow_bench", str(dataset), str(out), uri,
         str(grade_delay_s)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, out, uri


def test_a_stop_keeps_the_answer_still_being_graded(tmp_path: Path):
    proc, out, _uri = _start(tmp_path, grade_delay_s=6.0)
    _wait_for(Path(str(out) + ".hanging").exists, 120, proc)
    results = out / "results.jsonl"
    graded = results.read_text().splitlines() if results.exists() else []
    assert len(graded) == 1  # the second answer is still in its 6-second grading
    proc.send_signal(signal.SIGINT)
    try:
        _, stderr = proc.communicate(timeout=STOP_WITHIN_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"still running {STOP_WITHIN_S:.0f} s after the signal: {proc.communicate()}")
    assert proc.returncode == 130, stderr[-3000:]
    assert sorted(r.task_id for r in read_records(results)) == ["Toy/double", "Toy/negate"]


@pytest.mark.parametrize(
    ("signum", "exit_code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["term", "int"]
)
def test_a_signal_stops_a_hanging_run_promptly_and_keeps_finished_answers(
    tmp_path: Path, signum: int, exit_code: int
):
    proc, out, uri = _start(tmp_path)
    hanging = Path(str(out) + ".hanging")
    _wait_for(hanging.exists, 120, proc)  # two answers generated, the third hangs for 10 minutes
    # the second answer is graded while the third is generated: wait until it is written too
    results = out / "results.jsonl"
    _wait_for(lambda: results.exists() and len(results.read_text().splitlines()) == 2, 60, proc)
    proc.send_signal(signum)
    sent = time.monotonic()
    try:
        _, stderr = proc.communicate(timeout=STOP_WITHIN_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"still running {STOP_WITHIN_S:.0f} s after the signal: {proc.communicate()}")
    took = time.monotonic() - sent
    assert proc.returncode == exit_code, stderr[-3000:]
    assert took < STOP_WITHIN_S

    lines = (out / "results.jsonl").read_text().splitlines()
    assert len(lines) == 2  # whole lines only, no torn tail
    assert sorted(r.task_id for r in read_records(out / "results.jsonl")) == [
        "Toy/double",
        "Toy/negate",
    ]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["complete"] is False and summary["answers"] == 2
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sessions"][-1]["state"].startswith("stopped")
    import mlflow

    run = mlflow.MlflowClient(tracking_uri=uri).get_run(manifest["mlflow_run_id"])
    assert run.info.status == "KILLED", stderr[-3000:]

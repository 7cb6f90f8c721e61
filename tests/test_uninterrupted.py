"""A stop signal inside an ``uninterrupted()`` section is held until the section ends, so an
MLflow write to SQLite is never cut partway (that left the store locked and the run RUNNING
instead of KILLED after Ctrl-C)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from dspy_coder.commands.interrupts import SignalInterrupt, stop_on_signals
from dspy_coder.uninterrupted import uninterrupted


def test_a_signal_inside_a_section_is_delivered_as_the_outermost_section_ends():
    steps: list[str] = []
    with pytest.raises(SignalInterrupt) as raised:
        with stop_on_signals() as stops:
            with uninterrupted():
                with uninterrupted():
                    os.kill(os.getpid(), signal.SIGTERM)
                    steps.append("inner section finished")
                steps.append("outer section finished")
            steps.append("after the sections")
    assert steps == ["inner section finished", "outer section finished"]
    assert raised.value.signum == signal.SIGTERM and stops.signum == signal.SIGTERM


def test_a_signal_outside_any_section_still_interrupts_at_once():
    with pytest.raises(SignalInterrupt):
        with stop_on_signals():
            with uninterrupted():
                pass
            os.kill(os.getpid(), signal.SIGINT)
            pytest.fail("the signal did not interrupt")


def test_a_stop_during_an_mlflow_write_still_marks_the_run_killed(tmp_path: Path):
    import mlflow
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from dspy_coder import tracking

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    armed = {"on": False}

    def stop_mid_write(conn, cursor, statement, *args) -> None:
        # Cut here, log_batch's session kept SQLite locked and end_run(KILLED) failed.
        if armed["on"] and statement.lstrip().startswith("SELECT runs"):
            armed["on"] = False
            os.kill(os.getpid(), signal.SIGINT)

    event.listen(Engine, "after_cursor_execute", stop_mid_write)
    try:
        with pytest.raises(SignalInterrupt):
            with stop_on_signals():
                with tracking.tracking_run("t", tracking_uri=uri, experiment="stop") as run:
                    armed["on"] = True
                    tracking.log_metrics({"a": 1.0}, step=0, run_id=run.run_id)
                    pytest.fail("the held signal was not delivered after the write")
    finally:
        event.remove(Engine, "after_cursor_execute", stop_mid_write)
    assert not armed["on"]  # the signal was sent inside the write
    client = mlflow.MlflowClient(tracking_uri=uri)
    assert client.get_run(run.run_id).info.status == "KILLED"
    assert [m.value for m in client.get_metric_history(run.run_id, "a")] == [1.0]

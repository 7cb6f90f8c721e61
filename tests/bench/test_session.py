"""A session stopped midway (Ctrl-C or SIGTERM) leaves a partial report and a resumable file."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from dspy_coder.bench.grading import Grade
from dspy_coder.bench.runner import BenchConfig
from dspy_coder.bench.session import run_session
from dspy_coder.bench.store import read_records
from dspy_coder.bench.variants import resolve_variant
from dspy_coder.commands.interrupts import SignalInterrupt, exit_code_for, stop_on_signals
from tests.bench.helpers import PROBLEMS, RIGHT, answers_lm, exec_grader


def test_interrupted_session_writes_partial_report_and_resumes(tmp_path: Path):
    graded: list[str] = []

    def interrupting_grader(problem, code) -> Grade:
        if problem.entry_point == "negate":
            raise KeyboardInterrupt
        graded.append(problem.task_id)
        return exec_grader(problem, code)

    config = BenchConfig(
        variants=[resolve_variant("baseline")], problems=PROBLEMS, lm_label="dummy"
    )
    out = tmp_path / "run"
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with pytest.raises(KeyboardInterrupt):
        run_session(config, answers_lm(RIGHT), out, tracking_uri=uri, grader=interrupting_grader)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["complete"] is False and summary["answers"] == 1
    assert "INCOMPLETE (1/3" in (out / "table.md").read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sessions"][-1]["state"] == "stopped: KeyboardInterrupt"
    import mlflow

    run = mlflow.MlflowClient(tracking_uri=uri).get_run(manifest["mlflow_run_id"])
    assert run.info.status == "KILLED"

    result = run_session(config, answers_lm(RIGHT), out, tracking_uri=None, grader=exec_grader)
    assert result.complete and len(read_records(out / "results.jsonl")) == 3
    assert graded.count("Toy/double") == 1  # not redone


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signals_become_keyboard_interrupts_only_inside_the_block(signum: int, code: int):
    previous = signal.getsignal(signum)
    with pytest.raises(KeyboardInterrupt) as raised:
        with stop_on_signals():
            os.kill(os.getpid(), signum)  # the handler runs before the next statement
            pytest.fail("the signal did not interrupt")
    assert isinstance(raised.value, SignalInterrupt) and raised.value.signum == signum
    assert exit_code_for(raised.value) == code
    assert exit_code_for(KeyboardInterrupt()) == 130  # a plain Ctrl-C elsewhere
    assert signal.getsignal(signum) == previous


class _StoppedWhileCollected:
    """Receives the signal inside ``__del__``, where Python ignores any exception raised."""

    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # the handler runs here and its interrupt is swallowed
            pass


def test_an_interrupt_swallowed_by_a_destructor_is_delivered_again():
    with pytest.raises(SignalInterrupt) as raised:
        with stop_on_signals() as stops:
            collected = _StoppedWhileCollected()
            del collected
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                time.sleep(0.01)
            pytest.fail("the stop was lost in __del__")
    assert raised.value.signum == signal.SIGTERM and stops.signum == signal.SIGTERM

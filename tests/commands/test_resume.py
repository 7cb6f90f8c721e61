"""Run directories and ``dspy-coder resume``: the command line and state kept as a run goes,
the LM journal answering a resumed run's earlier calls, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import dspy
import pytest

from dspy_coder import cli
from dspy_coder.commands.run_dir import RunDir, read_run
from dspy_coder.errors import UsageError


def test_a_run_directory_keeps_the_command_line_and_its_state(tmp_path: Path):
    run_dir = RunDir(tmp_path / "run")
    run_dir.start(["solve", "x", "--out", "o"])
    state = read_run(run_dir.path)
    assert (state["argv"], state["status"]) == (["solve", "x", "--out", "o"], "running")
    run_dir.end(False, "partial")
    reopened = RunDir(run_dir.path)
    reopened.reopen()
    assert read_run(run_dir.path)["status"] == "running"
    assert len(read_run(run_dir.path)["resumed"]) == 1
    reopened.end(True, "success")
    assert read_run(run_dir.path)["status"] == "finished"


def test_the_journal_answers_a_repeated_request_without_paying_for_it(tmp_path: Path):
    """The journal is DSPy's response cache on disk in the run directory: a second process
    (a resumed run) is answered from it."""
    from dspy.clients.cache import request_cache

    paid = []

    @request_cache()
    def complete(request: dict) -> str:
        paid.append(request["prompt"])
        return f"answer to {request['prompt']}"

    run_dir = RunDir(tmp_path / "run")
    run_dir.start(["solve", "x"])
    with run_dir.journal():
        assert complete({"prompt": "a"}) == "answer to a"
    with RunDir(run_dir.path).journal():  # a fresh cache object, as a new process has
        assert complete({"prompt": "a"}) == "answer to a"
        assert complete({"prompt": "b"}) == "answer to b"
    assert paid == ["a", "b"]
    run_dir.start(["solve", "x"])  # a new run here starts a new journal
    with run_dir.journal():
        complete({"prompt": "a"})
    assert paid == ["a", "b", "a"]


def test_resume_refuses_what_is_not_a_run_and_leaves_a_finished_one(tmp_path: Path, caplog):
    assert cli.main(["resume", str(tmp_path)]) == 2
    assert "is not a run directory" in caplog.text
    (tmp_path / "run.json").write_text("{not json")
    with pytest.raises(UsageError, match="cannot be read"):
        read_run(tmp_path)
    run_dir = RunDir(tmp_path / "done")
    run_dir.start(["solve", "--demo"])
    run_dir.end(True, "success")
    assert cli.main(["resume", str(run_dir.path)]) == 0
    assert "already finished (success)" in caplog.text


def test_a_stopped_solve_resumes_with_its_own_command_line(tmp_path: Path, monkeypatch):
    """The first run is stopped by a signal at its first LM call; resume runs the same
    command (same out, same options) to the end and marks the run finished."""
    import os
    import signal

    from tests.fakes.scripted_lm import scripted_lm

    calls = {"n": 0}
    good = scripted_lm({"generated_code": [
        "def choose_num(x, y):\n    if y % 2:\n        y -= 1\n    return y if y >= x else -1\n"]})

    def configure(self, spec=None, **kw):
        calls["n"] += 1
        if calls["n"] == 1:
            class Stop(dspy.utils.DummyLM):
                def forward(self, prompt=None, messages=None, **kwargs):
                    os.kill(os.getpid(), signal.SIGTERM)
                    raise AssertionError("no signal")
            lm = Stop([])
        else:
            lm = good
        dspy.configure(lm=lm)
        return lm

    monkeypatch.setattr(cli.Settings, "configure", configure)
    monkeypatch.chdir(tmp_path)
    argv = ["solve", "--demo", "--out", "out", "--drafts", "0"]
    assert cli.main(argv) == 143
    assert read_run(tmp_path / "out" / "run")["status"] == "stopped"
    monkeypatch.chdir(Path("/"))  # resume runs where the run ran, wherever it is called from
    assert cli.main(["resume", str(tmp_path / "out" / "run")]) == 0
    state = read_run(tmp_path / "out" / "run")
    assert (state["status"], state["result"], len(state["resumed"])) == (
        "finished", "success", 1)
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["status"] == "success"
    kept = json.loads((tmp_path / "out" / "run" / "state.json").read_text())
    assert [a["code"] for a in kept["demo/choose_num"]["attempts"]] == [report["code"]]
    events = (tmp_path / "out" / "run" / "events.jsonl").read_text().splitlines()
    assert json.loads(events[-1])["kind"] == "run_finished"


def test_answers_given_before_a_stop_are_replayed_not_asked_again(tmp_path: Path):
    from dspy_coder.commands.run_dir import APPROVALS, JournaledApprover
    from dspy_coder.pipeline.approval import ApprovalRequest, Decision

    asked = []

    def person(request):
        asked.append(request.gate)
        return Decision(verdict="reject", reason=f"no {len(asked)}")

    first = JournaledApprover(person, tmp_path / APPROVALS)
    first(ApprovalRequest(gate="plan", text="p"))
    first(ApprovalRequest(gate="final", text="f"))
    resumed = JournaledApprover(person, tmp_path / APPROVALS)
    assert resumed(ApprovalRequest(gate="plan", text="p")) == {
        "verdict": "reject", "reason": "no 1", "edited": ""}
    assert resumed(ApprovalRequest(gate="final", text="f"))["reason"] == "no 2"
    assert asked == ["plan", "final"]  # nobody was asked twice
    resumed(ApprovalRequest(gate="final", text="f2"))  # past the journal: asked, and kept
    assert asked == ["plan", "final", "final"]
    assert len((tmp_path / APPROVALS).read_text().splitlines()) == 3


def test_stop_asks_a_running_run_to_end_after_its_step_and_watch_shows_it(tmp_path: Path,
                                                                         capsys):
    from dspy_coder.commands.run_dir import EVENTS, STOP
    from dspy_coder.pipeline.stop_requests import honouring, stop_requested

    run_dir = RunDir(tmp_path / "run")
    run_dir.start(["solve", "x"])
    (run_dir.path / EVENTS).write_text(
        json.dumps({"time": 0, "kind": "attempt_scored", "level": "PROGRESS", "message": "m",
                    "task_id": "t/1", "step": "generate", "iteration": 1, "progress": 0.25,
                    "data": {"score": 0.5, "checked": True, "tests_passed": 1,
                             "tests_total": 2}}) + "\n" + '{"time": 1, "kind": "no')
    assert cli.main(["watch", str(run_dir.path), "--once"]) == 0
    shown = capsys.readouterr().out
    assert "t/1" in shown and "1/2" in shown and "25% of the iteration budget" in shown
    with honouring((run_dir.path / STOP).exists):
        assert not stop_requested()
        assert cli.main(["stop", str(run_dir.path)]) == 0
        assert stop_requested()
    run_dir.end(True, "success")
    (run_dir.path / STOP).unlink()
    assert cli.main(["stop", str(run_dir.path)]) == 0  # a finished run: nothing to stop
    assert not (run_dir.path / STOP).exists()


def test_a_stop_request_ends_the_loop_after_the_current_step():
    import dspy

    from dspy_coder.pipeline.stop_requests import honouring
    from tests.fakes.executors import FakeExecutor
    from tests.fakes.scripted_lm import scripted_lm
    from tests.pipeline.test_coder import PROMPT, bad, make_coder, passes_if_plus

    lm = scripted_lm({"generated_code": [bad("g")], "fixed_code": [bad("r1"), bad("r2")]})
    coder = make_coder(FakeExecutor(passes_if_plus), max_iterations=4, patience=9)
    with dspy.context(lm=lm), honouring(lambda: True):
        report = coder(prompt=PROMPT).report
    assert report.stop_reason == "stop_requested" and len(report.attempts) == 1
    assert "Stopped on request after iteration 1" in " ".join(report.notes)

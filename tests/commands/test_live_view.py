"""The live view folds a run's events into what it draws, and steps aside for approvals."""

from __future__ import annotations

import io

from rich.console import Console

from dspy_coder.commands.live_view import LiveState, LiveView, choose_view, render
from dspy_coder.pipeline.events import RunEvent


def event(kind: str, message: str = "", **fields) -> RunEvent:
    return RunEvent(time=0.0, kind=kind, level=fields.pop("level", "INFO"), message=message,
                    **fields)


def drawn(state: LiveState) -> str:
    console = Console(file=io.StringIO(), width=100)
    console.print(render(state))
    return console.file.getvalue()


def test_the_view_shows_the_budget_the_attempts_and_what_the_senior_and_person_did():
    state = LiveState("dspy-coder solve")
    for e in [
        event("run_started", task_id="HumanEval/1"),
        event("step_started", "generate ...", step="generate"),
        event("attempt_scored", "it 1", level="PROGRESS", step="generate", iteration=1,
              progress=0.25, data={"score": 0.4, "checked": True, "tests_passed": 2,
                                   "tests_total": 5}),
        event("checkpoint", "checkpoint 1 after iteration 1: debugging, strategy"),
        event("attempt_scored", "it 2", level="PROGRESS", step="refine", iteration=2,
              progress=0.5, data={"score": 0.0, "checked": False, "tests_passed": 0,
                                  "tests_total": 0}),
        event("approval_answered", "final: reject"),
        event("note", "plan 1 of 3 rejected", level="WARN"),
        event("note", "quiet detail"),
    ]:
        state.fold(e)
    text = drawn(state)
    assert "HumanEval/1" in text and "50% of the iteration budget" in text
    assert "best 0.40" in text and "2/5" in text and "unchecked" in text
    assert "checkpoint 1 after iteration 1" in text and "final: reject" in text
    assert "plan 1 of 3 rejected" in text and "quiet detail" not in text
    assert "generate (" in text  # the step under way
    state.fold(event("run_finished", "success (stopped: threshold)"))
    assert "finished: success (stopped: threshold)" in drawn(state)


def test_the_view_pauses_while_a_person_answers():
    view = LiveView("t")
    with view.live:
        view(event("approval_requested", "final approval asked"))
        assert not view.live.is_started
        view(event("approval_answered", "final: approve"))
        assert view.live.is_started


def test_log_unless_at_a_terminal_or_asked():
    assert choose_view("log") == "log" and choose_view("live") == "live"
    assert choose_view(None) == "log"  # pytest's stderr is not a terminal


def test_a_resumed_run_replaces_its_earlier_rows():
    state = LiveState("t")
    scored = {"score": 0.0, "checked": True, "tests_passed": 0, "tests_total": 2}
    for _ in range(2):  # the run, then its resumption
        state.fold(event("run_started", task_id="HumanEval/1"))
        state.fold(event("attempt_scored", level="PROGRESS", task_id="HumanEval/1",
                         iteration=1, step="generate", data=scored))
    assert len(state.attempts) == 1

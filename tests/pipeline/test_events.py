"""Live events: a run tells whoever watches what it is doing, as typed events."""

from __future__ import annotations

import json
from pathlib import Path

import dspy
import pytest

from dspy_coder import cli
from dspy_coder.pipeline.coder import Coder
from dspy_coder.pipeline.events import JsonlEvents, RunEvent, emit, stream, watching
from tests.fakes.executors import FakeExecutor, FakeInterpreter, no_profiler
from tests.fakes.scripted_lm import scripted_lm

GOOD = "def add(a, b):\n    return a + b\n"
BAD = "def add(a, b):\n    return a - b\n"
PROMPT = 'def add(a, b):\n    """Add.\n    >>> add(1, 2)\n    3\n    """\n'


def passes_if_plus(code: str, name: str) -> tuple[bool, str]:
    return ("a + b" in code, "add(1, 2) returned -1, expected 3")


def coder(**options) -> Coder:
    return Coder(executor=FakeExecutor(passes_if_plus), interpreter_factory=FakeInterpreter,
                 profiler=no_profiler, retry_backoff_s=0.0, routing="simple", drafts=0,
                 refine_strategy="repair", **options)


def test_a_run_reports_its_steps_attempts_and_end_in_order():
    seen: list[RunEvent] = []
    lm = scripted_lm({"generated_code": [BAD], "fixed_code": [GOOD]})
    with dspy.context(lm=lm), watching(seen.append):
        report = coder(max_iterations=4)(prompt=PROMPT, task_id="t/1").report
    kinds = [e.kind for e in seen]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished"
    scored = [e for e in seen if e.kind == "attempt_scored"]
    assert [(e.level, e.iteration, e.progress) for e in scored] == [
        ("PROGRESS", 1, 0.25), ("PROGRESS", 2, 0.5)]
    assert scored[1].data["score"] == 1.0 and scored[1].data["tests_passed"] == 1
    assert ("step_started", "generate") in [(e.kind, e.step) for e in seen]
    assert seen[-1].data["status"] == report.status == "success"
    assert all(e.task_id == "t/1" for e in seen)
    emit("note", "INFO", "nobody is watching")  # outside the block: goes nowhere
    assert len(seen) == len(kinds)


def test_stream_yields_the_events_then_the_prediction_and_a_sink_cannot_break_a_run():
    def broken(event: RunEvent) -> None:
        raise RuntimeError("the watcher's disk is full")

    lm = scripted_lm({"generated_code": [GOOD]})
    with dspy.context(lm=lm), watching(broken):
        items = list(stream(coder(), prompt=PROMPT))
    assert isinstance(items[-1], dspy.Prediction) and items[-1].report.status == "success"
    assert [e.kind for e in items[:-1]][0] == "run_started"
    with pytest.raises(ValueError, match="boom"):
        list(stream(lambda: (_ for _ in ()).throw(ValueError("boom"))))


def test_solve_writes_its_events_as_json_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    lm = scripted_lm({"generated_code": [GOOD]})
    monkeypatch.setattr(cli, "COMMANDS", ("solve",))
    monkeypatch.setattr(cli.Settings, "configure",
                        lambda self, spec=None, **kw: dspy.configure(lm=lm) or lm)
    events = tmp_path / "run.jsonl"
    assert cli.main(["solve", PROMPT, "--routing", "simple", "--events", str(events),
                     "--out", str(tmp_path / "out")]) == 0
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    assert lines[0]["kind"] == "run_started" and lines[-1]["kind"] == "run_finished"
    assert lines[-1]["data"]["status"] == "success"
    with JsonlEvents(tmp_path / "more.jsonl") as sink, watching(sink):
        emit("note", "WARN", "appended")
    assert json.loads((tmp_path / "more.jsonl").read_text())["level"] == "WARN"


def test_inside_dspy_streamify_the_events_are_status_messages():
    import dspy
    from dspy.streaming import StatusMessage

    from tests.fakes.executors import FakeExecutor
    from tests.fakes.scripted_lm import scripted_lm
    from tests.pipeline.test_coder import GOOD, PROMPT, make_coder, passes_if_plus

    coder = make_coder(FakeExecutor(passes_if_plus))
    streamed = dspy.streamify(coder, async_streaming=False)
    with dspy.context(lm=scripted_lm({"generated_code": [GOOD]})):
        items = list(streamed(prompt=PROMPT))
    messages = [item.message for item in items if isinstance(item, StatusMessage)]
    assert messages[0] == "[run_started] developing the task"
    assert "[attempt_scored] iteration 1 (generate): score 1.00" in messages
    assert messages[-1].startswith("[run_finished] success")
    assert items[-1].report.status == "success"


def test_an_attempt_no_test_checked_is_said_to_have_no_score(caplog: pytest.LogCaptureFixture):
    """A task without examples, no confirmed test: the log and the event say n/a, not 0.00."""
    seen: list[RunEvent] = []
    lm = scripted_lm({"generated_code": [GOOD]})
    with dspy.context(lm=lm), watching(seen.append), caplog.at_level("INFO"):
        coder(max_iterations=1, use_tests=False)(prompt='def add(a, b):\n    """Add."""\n')
    scored = [e for e in seen if e.kind == "attempt_scored"]
    assert [e.message for e in scored] == [
        "iteration 1 (generate): score n/a (no checked test yet)"]
    assert scored[0].data["checked"] is False
    assert "iteration 1 (generate): score n/a (no checked test yet)" in caplog.messages

"""``dspy-coder project``: bad requirements are refused before any LM call; a run stopped by a
signal writes what it built and exits like ``solve``."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import dspy
import pytest

from dspy_coder import cli


@pytest.fixture()
def no_lm(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    built: list[str] = []
    monkeypatch.setattr(cli, "COMMANDS", ("project",))
    monkeypatch.setattr(
        cli.Settings, "configure", lambda self, spec=None, **kw: built.append(spec or self.lm)
    )
    return built


@pytest.mark.parametrize("argv", [
    ["an email library", "--lib", "bad name!"],
    ["   "],
    ["--interactive"],  # stdin is not a terminal under pytest
    ["--requirements", "missing.toml"],
    ["an email library", "--max-replans", "-1"],
], ids=["bad-lib", "empty-goal", "interactive-without-terminal", "missing-file", "negative"])
def test_bad_requirements_are_usage_errors_before_the_lm(
    argv: list[str], tmp_path: Path, no_lm: list[str], caplog, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["project", *argv, "--out", str(tmp_path / "out")]) == 2
    assert no_lm == []
    assert caplog.records[-1].levelname == "ERROR" and caplog.records[-1].getMessage()


class _SignallingLM(dspy.utils.DummyLM):
    def forward(self, prompt=None, messages=None, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("the signal did not interrupt the call")


def test_a_project_stopped_by_a_signal_writes_its_report_and_exits_143(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(cli, "COMMANDS", ("project",))
    lm = _SignallingLM([])
    monkeypatch.setattr(
        cli.Settings, "configure", lambda self, spec=None, **kw: dspy.configure(lm=lm) or lm
    )
    out = tmp_path / "out"
    assert cli.main(["project", "an email library: validate and normalise",
                     "--out", str(out)]) == 143
    report = json.loads((out / "project_report.json").read_text())
    assert report["stopped_early"] is True and report["status"] == "failed"
    assert "Interrupted" in report["notes"][-1]


def test_a_library_that_is_not_installed_stops_the_run_with_the_install_command(
    tmp_path: Path, no_lm: list[str], caplog
):
    assert cli.main(["project", "a web API", "--lib", "no-such-dist-xyz:routes",
                     "--out", str(tmp_path / "out")]) == 3
    assert no_lm == []
    message = caplog.records[-1].getMessage()
    assert "no-such-dist-xyz" in message and "-m pip install no-such-dist-xyz" in message


def test_a_resumed_interactive_project_reads_its_kept_requirements_instead_of_asking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(cli, "COMMANDS", ("project", "resume"))
    lm = _SignallingLM([])
    monkeypatch.setattr(
        cli.Settings, "configure", lambda self, spec=None, **kw: dspy.configure(lm=lm) or lm
    )
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    answers = iter(["an email library: validate and normalise", "regexes", "CLI", "", "none"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    assert cli.main(["project", "--interactive", "--out", str(out)]) == 143
    kept = json.loads((out / "run" / "requirements.json").read_text())
    assert kept["goal"] == "an email library: validate and normalise"
    assert kept["technologies"] == ["CLI"]

    def no_more_questions(prompt: str = "") -> str:
        raise AssertionError(f"resume asked again: {prompt}")

    monkeypatch.setattr("builtins.input", no_more_questions)
    assert cli.main(["resume", str(out / "run")]) == 143
    report = json.loads((out / "project_report.json").read_text())
    assert report["stopped_early"] is True


def test_each_module_asks_the_examples_and_final_gates_the_project_asks_but_not_the_plan():
    from dspy_coder.commands.project import module_gates
    from dspy_coder.pipeline.approval import Approval

    def person(request):
        return {"verdict": "approve"}

    every = module_gates(Approval(person, ("plan", "examples", "final"), by="test"))
    assert every is not None and every.by == "test"
    assert [g for g in ("plan", "examples", "final") if every.asks(g)] == ["examples", "final"]
    examples_only = module_gates(Approval(person, ("plan", "examples"), by="test"))
    assert examples_only is not None and not examples_only.asks("final")
    assert module_gates(Approval(person, ("plan",), by="test")) is None
    assert module_gates(None) is None

"""``dspy-coder solve``: its inputs are checked before any LM call, with clear usage errors."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import dspy
import pytest

from dspy_coder import cli


@pytest.fixture()
def no_lm(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record any attempt to build the LM (it must not happen for a refused command)."""
    built: list[str] = []
    monkeypatch.setattr(cli, "COMMANDS", ("solve",))
    monkeypatch.setattr(
        cli.Settings, "configure", lambda self, spec=None, **kw: built.append(spec or self.lm)
    )
    return built


def test_an_out_dir_that_cannot_be_created_is_refused_before_the_lm(
    tmp_path: Path, no_lm: list[str], caplog
):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory\n")
    code = cli.main(["solve", "--demo", "--lm", "dummy/x", "--out", str(blocker / "out")])
    assert code == 2 and no_lm == []
    assert "--out" in caplog.text and str(blocker / "out") in caplog.text


def test_an_out_path_that_is_a_file_is_refused_before_the_lm(
    tmp_path: Path, no_lm: list[str], caplog
):
    existing = tmp_path / "solution.txt"
    existing.write_text("keep me\n")
    assert cli.main(["solve", "--demo", "--lm", "dummy/x", "--out", str(existing)]) == 2
    assert no_lm == [] and existing.read_text() == "keep me\n"
    assert "not a directory" in caplog.text


def test_a_writable_out_dir_is_left_without_probe_files(tmp_path: Path):
    from dspy_coder.commands.solve import check_out_dir

    out = tmp_path / "new" / "out"
    check_out_dir(out)
    assert out.is_dir() and list(out.iterdir()) == []


def test_a_binary_task_file_gets_a_clear_error(tmp_path: Path, no_lm: list[str], caplog):
    binary = tmp_path / "task.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    assert cli.main(["solve", "--file", str(binary), "--out", str(tmp_path / "o")]) == 2
    assert no_lm == []
    assert str(binary) in caplog.text and "not UTF-8 text" in caplog.text
    assert "UnicodeDecodeError" not in caplog.text


def test_an_unknown_provider_gives_a_failed_report_and_no_empty_solution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The real LiteLLM path: every call fails locally (no network), so no code at all."""
    import json

    monkeypatch.setattr(cli, "COMMANDS", ("solve",))
    out = tmp_path / "out"
    code = cli.main(["solve", "Write is_palindrome(s) that ignores case and spaces.",
                     "--lm", "nosuchprovider/x", "--max-iterations", "2", "--out", str(out)])
    assert code == 1
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "failed" and report["score"] == 0.0 and report["code"] == ""
    solution = (out / "solution.py").read_text()
    assert solution.strip() and "no code" in solution  # says so, instead of being empty


class _SignallingLM(dspy.utils.DummyLM):
    """Sends this process ``signum`` during its first call, as Ctrl-C or ``kill`` would."""

    def __init__(self, signum: int) -> None:
        super().__init__([])
        self.signum = signum

    def forward(self, prompt=None, messages=None, **kwargs):
        os.kill(os.getpid(), self.signum)
        raise AssertionError("the signal did not interrupt the call")


@pytest.mark.parametrize(("signum", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["ctrl-c", "term"])
def test_solve_stopped_by_a_signal_exits_like_bench_and_keeps_the_partial_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signum: int, exit_code: int
):
    monkeypatch.setattr(cli, "COMMANDS", ("solve",))
    lm = _SignallingLM(signum)
    monkeypatch.setattr(
        cli.Settings, "configure", lambda self, spec=None, **kw: dspy.configure(lm=lm) or lm
    )
    previous = signal.getsignal(signum)
    out = tmp_path / "out"
    assert cli.main(["solve", "--demo", "--routing", "complex", "--out", str(out)]) == exit_code
    assert signal.getsignal(signum) is previous  # the handler is put back
    report = (out / "report.json").read_text()
    assert '"stop_reason": "interrupted"' in report

"""A sandbox infrastructure failure (``SandboxError``) on one unit is recorded on that unit,
counted as not passed and reported; the run goes on, and a resume does not stop there again."""

from __future__ import annotations

import json
from pathlib import Path

import dspy
import pytest

from dspy_coder import cli
from dspy_coder.bench import runner
from dspy_coder.bench.grading import Grade
from dspy_coder.bench.report import summarise, write_summary
from dspy_coder.bench.runner import RESULTS_FILE, BenchConfig, run_benchmark
from dspy_coder.bench.session import run_session
from dspy_coder.bench.store import read_records
from dspy_coder.bench.variants import VariantSpec, resolve_variant
from dspy_coder.errors import RunError, SandboxError
from tests.bench.helpers import PROBLEMS, RIGHT, answers_lm, exec_grader

BROKEN = "sandbox infrastructure error: the supervisor died"


def grader_breaking_on(*entry_points: str):
    def grader(problem, code) -> Grade:
        if problem.entry_point in entry_points:
            raise SandboxError(BROKEN)
        return exec_grader(problem, code)

    return grader


def baseline_config(**kwargs) -> BenchConfig:
    return BenchConfig(
        variants=[resolve_variant("baseline")], problems=PROBLEMS, lm_label="dummy", **kwargs
    )


def test_a_grading_failure_is_recorded_on_its_unit_and_the_run_goes_on(tmp_path: Path):
    outcome = run_benchmark(
        baseline_config(), answers_lm(RIGHT), tmp_path, grader=grader_breaking_on("negate")
    )
    by_task = {r.task_id: r for r in outcome.records}
    assert {t: r.passed for t, r in by_task.items()} == {
        "Toy/double": True,
        "Toy/negate": False,
        "Toy/square": True,
    }
    broken = by_task["Toy/negate"]
    assert broken.grade_status == "harness_error"
    assert "SandboxError" in broken.harness_error and BROKEN in broken.harness_error
    assert broken.program_error == "" and "def negate" in broken.code
    assert by_task["Toy/double"].harness_error == ""
    assert len(read_records(tmp_path / RESULTS_FILE)) == 3


def test_a_resume_skips_the_failed_unit_and_retry_errors_redoes_it(tmp_path: Path):
    run_benchmark(baseline_config(), answers_lm(RIGHT), tmp_path, grader_breaking_on("negate"))
    graded: list[str] = []

    def counting(problem, code) -> Grade:
        graded.append(problem.entry_point)
        return exec_grader(problem, code)

    outcome = run_benchmark(baseline_config(), answers_lm(RIGHT), tmp_path, grader=counting)
    assert graded == [] and outcome.progress.session_done == 0  # the resume does not stop
    outcome = run_benchmark(
        baseline_config(retry_errors=True), answers_lm(RIGHT), tmp_path, grader=counting
    )
    assert graded == ["negate"]
    assert all(r.passed for r in outcome.records)
    assert all(r.passed for r in read_records(tmp_path / RESULTS_FILE))


class SandboxBreaksOn(dspy.Module):
    """A program whose own sandbox run fails (as the Coder's evaluator would) on one problem."""

    def forward(self, prompt: str, entry_point: str, task_id: str | None = None):
        if entry_point == "square":
            raise SandboxError(BROKEN)
        return dspy.Prediction(code=RIGHT[entry_point])


def test_a_sandbox_failure_while_generating_is_recorded_too(tmp_path: Path):
    spec = VariantSpec(kind="custom", name="breaks", factory=SandboxBreaksOn)
    config = BenchConfig(variants=[spec], problems=PROBLEMS, lm_label="dummy")
    outcome = run_benchmark(config, answers_lm({}), tmp_path, grader=exec_grader)
    by_task = {r.task_id: r for r in outcome.records}
    assert [t for t, r in by_task.items() if r.passed] == ["Toy/double", "Toy/negate"]
    assert by_task["Toy/square"].grade_status == "harness_error"
    assert BROKEN in by_task["Toy/square"].harness_error


def test_a_sandbox_broken_from_the_start_still_stops_the_run(tmp_path: Path):
    """Three harness failures before any clean answer is a broken set-up, not bad luck."""
    with pytest.raises(RunError, match="sandbox"):
        run_benchmark(
            baseline_config(),
            answers_lm(RIGHT),
            tmp_path,
            grader=grader_breaking_on("double", "negate", "square"),
        )
    assert len(read_records(tmp_path / RESULTS_FILE)) == 3  # recorded, redone with --retry


def test_the_summary_and_table_count_harness_failures(tmp_path: Path):
    result = run_session(
        baseline_config(), answers_lm(RIGHT), tmp_path, grader=grader_breaking_on("negate")
    )
    assert result.complete
    (row,) = result.rows
    assert row.harness_errors == 1 and row.pass_at_1 == pytest.approx(2 / 3, abs=1e-4)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["harness_errors"] == 1
    assert summary["variants"][0]["harness_errors"] == 1
    table = (tmp_path / "table.md").read_text()
    assert "Harness failures: 1" in table and "--retry-errors" in table


def test_a_table_without_harness_failures_is_unchanged(tmp_path: Path):
    run_benchmark(baseline_config(), answers_lm(RIGHT), tmp_path, grader=exec_grader)
    _, table = write_summary(summarise(read_records(tmp_path / RESULTS_FILE)), tmp_path)
    assert "harness" not in table.read_text().lower()


def test_bench_command_finishes_with_exit_0(tmp_path: Path, monkeypatch):
    dataset = tmp_path / "toy.jsonl"
    dataset.write_text("".join(json.dumps(p.model_dump()) + "\n" for p in PROBLEMS))
    monkeypatch.setattr(cli, "COMMANDS", ("bench",))
    monkeypatch.setattr(cli.Settings, "make_lm", lambda self, spec=None, **kw: answers_lm(RIGHT))
    monkeypatch.setattr(runner, "make_grader", lambda timeout_s: grader_breaking_on("negate"))
    out = tmp_path / "run"
    argv = ["bench", "--dataset", str(dataset), "--lm", "dummy/x", "--no-mlflow",
            "--out", str(out)]
    assert cli.main(argv) == 0
    assert [r.task_id for r in read_records(out / RESULTS_FILE) if r.harness_error] == [
        "Toy/negate"
    ]
    assert cli.main(argv) == 0  # the resume does not stop at that problem either

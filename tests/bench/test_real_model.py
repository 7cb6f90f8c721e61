"""A small real benchmark: the embedded 0.5B model on two HumanEval problems, graded for real."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dspy_coder import cli
from dspy_coder.bench.store import read_records


@pytest.mark.real_model
def test_baseline_on_two_humaneval_problems_with_the_local_model(tmp_path: Path):
    out = tmp_path / "run"
    argv = [
        "bench",
        "--variant",
        "baseline",
        "--ids",
        "HumanEval/0,HumanEval/2",
        "--lm",
        "local:qwen2.5-coder-0.5b",
        "--out",
        str(out),
        "--tracking-uri",
        f"sqlite:///{tmp_path / 'mlflow.db'}",
    ]
    assert cli.main(argv) == 0
    records = sorted(read_records(out / "results.jsonl"), key=lambda r: r.task_id)
    assert [r.task_id for r in records] == ["HumanEval/0", "HumanEval/2"]
    for record in records:
        assert record.lm == "local:qwen2.5-coder-0.5b"
        assert record.code.strip(), "the model produced no code"
        assert record.grade_status in {"passed", "failed", "error", "timeout", "memory", "crashed"}
        assert record.passed == (record.grade_status == "passed")
        assert record.cost.lm_calls == 1
        # tokens are billed unless DSPy's cache answered (an earlier run of this test)
        assert record.cost.completion_tokens > 0 or record.cost.cached_calls == 1
    summary = json.loads((out / "summary.json").read_text())
    (row,) = summary["variants"]
    assert row["pass_at"]["1"] == sum(r.passed for r in records) / 2
    # a rerun is served from the results file: no new answers
    assert cli.main(argv) == 0
    assert len(read_records(out / "results.jsonl")) == 2

"""The helpers the stored-report scripts share: a paired run's baseline rows never stand in
for the pipeline's verdict."""

from __future__ import annotations

import json
from pathlib import Path

from dspy_coder.bench.run_problems import dataset_of, pipeline_verdicts, stored_reports


def test_the_pipeline_s_verdict_is_read_whatever_order_the_rows_finished_in(tmp_path: Path):
    rows = [{"task_id": "HumanEval/0", "variant": "coder-drafts4", "passed": False},
            {"task_id": "HumanEval/0", "variant": "baseline", "passed": True},  # finished last
            {"task_id": "HumanEval/1", "variant": "baseline", "passed": True}]
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert pipeline_verdicts(tmp_path) == {"HumanEval/0": False}
    (tmp_path / "reports.jsonl").write_text(
        json.dumps({"task_id": "HumanEval/0", "report": {"status": "success"}}) + "\n")
    assert list(stored_reports(tmp_path)) == [("HumanEval/0", {"status": "success"})]
    assert [dataset_of(t) for t in ("HumanEval/3", "Mbpp/2", "ClassEval_1")] == [
        "humaneval", "mbpp", "classeval"]

"""Senior checkpoints end to end with the embedded 0.5B model as both junior and senior (CI
installs only the 0.5B): the junior's first answer to HumanEval/104 fails its examples, so
the senior reviews it before the next round."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dspy_coder import cli


@pytest.mark.real_model
def test_a_failed_first_answer_gets_a_senior_checkpoint(tmp_path: Path):
    out = tmp_path / "out"
    code = cli.main(["solve", "--humaneval", "HumanEval/104", "--lm", "local:qwen2.5-coder-0.5b",
                     "--senior-lm", "local:qwen2.5-coder-0.5b", "--checkpoint-interval", "1",
                     "--max-iterations", "2", "--drafts", "0", "--no-escalate",
                     "--view", "log", "--out", str(out)])
    report = json.loads((out / "report.json").read_text())
    assert code == (0 if report["status"] == "success" else 1)
    assert report["spec"].startswith("Problem analysis: ")
    first = report["attempts"][0]["execution"]["tests"]
    if first and all(t["passed"] for t in first):  # solved at once: no review needed
        assert report["checkpoints"] == []
        return
    [checkpoint] = report["checkpoints"]
    assert (checkpoint["number"], checkpoint["iteration"]) == (1, 1)
    assert checkpoint["disclosed"] == ["debugging", "strategy"]
    assert checkpoint["guidance"].startswith("A senior developer reviewed your failed attempts")
    tiers = report["tiers"]
    assert tiers["senior"]["calls"] >= 2  # the spec and at least one review answered
    assert tiers["junior"]["calls"] >= 2  # the first answer and the refinement
    assert tiers["senior"]["calls"] + tiers["junior"]["calls"] == report["cost"]["lm_calls"]
    assert not report["escalated"] and len(report["attempts"]) == 2

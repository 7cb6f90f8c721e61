"""benchmarks/example_proposals.py reads a stored test writer's answer as the examples gate
would, and runs each proposed line against the reference solution in the real sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.benchmark_scripts import load_benchmark_script

RAW = ("```python\ndef test_close():\n"
       "    assert has_close_elements([1.0, 2.0, 3.0], 0.5) == False\n"  # right
       "    assert has_close_elements([1.0, 2.8, 3.0], 0.3) == False\n"  # wrong: 2.8, 3.0
       "    assert has_close_elements([1.0, 1.1], 0.5)\n```\n")  # right


@pytest.fixture(scope="module")
def script():
    return load_benchmark_script("example_proposals")


def _folder(tmp_path: Path, status: str, passed: bool, raw: str) -> Path:
    (tmp_path / "results.jsonl").write_text(
        json.dumps({"task_id": "HumanEval/0", "variant": "coder", "passed": passed}) + "\n"
        + json.dumps({"task_id": "HumanEval/0", "variant": "baseline", "passed": True}) + "\n")
    (tmp_path / "reports.jsonl").write_text(json.dumps({"task_id": "HumanEval/0", "report": {
        "status": status, "generated_tests_raw": raw,
        "task": {"entry_point": "has_close_elements", "examples": []}}}) + "\n")
    return tmp_path


def test_a_line_the_reference_contradicts_is_counted_and_catches_the_wrong_success(
        script, tmp_path):
    from dspy_coder.datasets import load_problems

    problems = {p.task_id: p for p in load_problems("humaneval")[:1]}
    found = script.proposals_of(_folder(tmp_path, "success", False, RAW), problems)
    assert [(p.lines, p.wrong) for p in found] == [
        (3, ("has_close_elements([1.0, 2.8, 3.0], 0.3) == False",))]
    table = script.render(tmp_path, found)
    assert "| 1 | 1 | 3 | 1 | 0 | 1 | 1 |" in table
    assert "wrong successes with a wrong line shown: HumanEval/0" in table

    found = script.proposals_of(_folder(tmp_path, "success", True, "no test here"), problems)
    assert [(p.lines, p.wrong) for p in found] == [(0, ())]
    assert "no proposal (the gate would not ask): HumanEval/0" in script.render(tmp_path, found)

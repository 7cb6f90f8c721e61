"""benchmarks/question_value.py recomputes the questions gate's questions from a stored report
and answers them with the reference solution in the real sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bench.test_candidate_headroom import RIGHT, WRONG
from tests.benchmark_scripts import load_benchmark_script

TEST = "def test_a():\n    assert has_close_elements([1.0, 2.8, 3.0], 0.3) == True\n"


@pytest.fixture(scope="module")
def script():
    return load_benchmark_script("question_value")


def _folder(tmp_path: Path, answer: str, passed: bool, outputs: dict[str, list[str]]) -> Path:
    (tmp_path / "results.jsonl").write_text(json.dumps(
        {"task_id": "HumanEval/0", "variant": "coder", "passed": passed}) + "\n")
    attempts = [{"stage": stage, "code": code, "outputs": outputs[code]}
                for stage, code in (("generate", WRONG), ("sample", RIGHT))]
    (tmp_path / "reports.jsonl").write_text(json.dumps({"task_id": "HumanEval/0", "report": {
        "code": answer, "attempts": attempts,
        "tests": [{"source": "generated", "code": TEST}],
        "task": {"entry_point": "has_close_elements", "examples": []}}}) + "\n")
    return tmp_path


def test_a_wrong_majority_answer_is_settled_by_the_reference_s_answer(script, tmp_path):
    from dspy_coder.datasets import load_problems

    problems = {p.task_id: p for p in load_problems("humaneval")[:1]}
    run = _folder(tmp_path, WRONG, False, {WRONG: ["False"], RIGHT: ["True"]})
    found = script.asked_of(run, problems)
    assert [(a.questions, a.contradicts_answer, a.right_candidate_agrees) for a in found] == [
        (1, True, True)]
    table = script.render(run, found)
    assert "| 1 | 1 | 1 | 1 | 1 | 0 |" in table and "settled by the answers: HumanEval/0" in table

    run = _folder(tmp_path, RIGHT, True, {WRONG: ["True"], RIGHT: ["True"]})
    assert [a.questions for a in script.asked_of(run, problems)] == [0]  # they agree

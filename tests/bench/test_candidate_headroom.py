"""benchmarks/candidate_headroom.py grades every candidate a report tried with the hidden
tests, through the real sandbox, and sorts wrong answers into selection losses and answers
no candidate got right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.benchmark_scripts import load_benchmark_script

RIGHT = ("def has_close_elements(numbers, threshold):\n"
         "    return any(abs(a - b) < threshold for i, a in enumerate(numbers)\n"
         "               for b in numbers[i + 1:])\n")
WRONG = "def has_close_elements(numbers, threshold):\n    return False\n"
ALSO_WRONG = "def has_close_elements(numbers, threshold):\n    return True\n"


@pytest.fixture(scope="module")
def script():
    return load_benchmark_script("candidate_headroom")


def _folder(tmp_path: Path, rows: list[tuple[str, str, bool, list[str]]]) -> Path:
    """A results folder with one row per (task id, returned code, verdict, candidates)."""
    results, reports = [], []
    for task_id, code, passed, candidates in rows:
        results.append({"task_id": task_id, "passed": passed, "code": code})
        reports.append({"task_id": task_id, "report": {
            "code": code, "attempts": [{"code": c} for c in candidates]}})
    for name, lines in (("results.jsonl", results), ("reports.jsonl", reports)):
        (tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in lines))
    return tmp_path


def test_a_wrong_answer_with_a_right_candidate_is_a_selection_loss(script, tmp_path):
    from dspy_coder.datasets import load_problems

    problems = {p.task_id: p for p in load_problems("humaneval")[:1]}
    run = _folder(tmp_path, [("HumanEval/0", WRONG, False, [RIGHT, WRONG])])
    outcome = script.headroom(run, problems)
    assert outcome["selection_loss"] == ["HumanEval/0"]
    assert outcome["first_draft_right"] == ["HumanEval/0"]
    assert "first draft right, answer wrong: HumanEval/0" in script.render(run, outcome)

    run = _folder(tmp_path, [("HumanEval/0", WRONG, False, [WRONG, ALSO_WRONG])])
    outcome = script.headroom(run, problems)
    assert outcome["no_right_candidate"] == ["HumanEval/0"] and not outcome["selection_loss"]

    run = _folder(tmp_path, [("HumanEval/0", RIGHT, True, [WRONG, RIGHT])])
    outcome = script.headroom(run, problems)
    assert outcome["right"] == ["HumanEval/0"] and not outcome["first_draft_right"]

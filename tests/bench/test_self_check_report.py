"""benchmarks/self_check_report.py: the verdict and the router against the hidden tests."""

import json
from pathlib import Path

from tests.benchmark_scripts import load_benchmark_script

self_check = load_benchmark_script("self_check_report")


def _write(run: Path, answers: list[tuple[str, str, list[str], bool, str]]) -> None:
    with open(run / "results.jsonl", "w") as results, open(run / "reports.jsonl", "w") as reps:
        for task_id, route, notes, passed, status in answers:
            key = {"task_id": task_id, "variant": "coder", "sample": 0}
            results.write(json.dumps({**key, "passed": passed, "report_status": status,
                                      "cost": {"lm_calls": 4, "wall_time_s": 10.0}}) + "\n")
            reps.write(json.dumps({**key, "report": {"route": route, "notes": notes}}) + "\n")
        results.write(json.dumps({"task_id": "t0", "variant": "baseline", "sample": 0,
                                  "passed": True, "cost": {"lm_calls": 1,
                                                           "wall_time_s": 1.0}}) + "\n")


def test_answers_are_grouped_by_how_the_route_was_chosen(tmp_path):
    _write(tmp_path, [
        ("t0", "simple", ["Routed simple without an LM call: a short task"], True, "success"),
        ("t1", "complex", ["Routed complex by the assessor: a heap"], False, "success"),
        ("t2", "complex", ["Routed complex by the assessor: vague"], True, "unverified"),
        ("t3", "complex", ["The assessor gave no usable route, so ..."], True, "success"),
    ])
    shown = self_check.route_table(self_check.route_rows(tmp_path))
    assert "| coder | assessor | complex | 2 | 1/2 (50%) | 1 (0) | 4.0 | 10 |" in shown
    assert "| coder | rule: short task with examples | simple | 1 | 1/1 (100%) | 1 (1) |" in shown
    assert "| coder | assessor failed | complex | 1 |" in shown
    assert "baseline" not in shown


def _attempt(stage: str, code: str, outputs: list[str]) -> dict:
    return {"stage": stage, "code": code, "outputs": outputs}


def test_statuses_precision_recall_and_the_behaviour_majority(tmp_path):
    answers = [  # task, status, passed, attempts (the answer is code "a")
        ("t1", "success", True, [_attempt("generate", "a", ["1"]), _attempt("sample", "b", ["1"]),
                                 _attempt("sample", "c", ["2"])]),
        ("t2", "success", False, [_attempt("generate", "a", ["1"]), _attempt("sample", "b", ["2"]),
                                  _attempt("sample", "c", ["3"])]),
        ("t3", "unverified", True, []),
    ]
    with open(tmp_path / "results.jsonl", "w") as results, \
            open(tmp_path / "reports.jsonl", "w") as reports:
        for task_id, status, passed, attempts in answers:
            key = {"task_id": task_id, "variant": "coder", "sample": 0}
            results.write(json.dumps({**key, "passed": passed, "report_status": status}) + "\n")
            reports.write(json.dumps({**key, "report": {"code": "a", "attempts": attempts}})
                          + "\n")
        results.write(json.dumps({"task_id": "t1", "variant": "baseline", "sample": 0,
                                  "passed": True, "report_status": ""}) + "\n")
    shown = self_check.calibration(tmp_path)
    assert "### coder: 3 answers, 2 right by the hidden tests" in shown
    assert "| success | 2 | 1 |" in shown and "| unverified | 1 | 1 |" in shown
    assert "`success` precision 50.0%, recall 1 of 2." in shown
    assert ("Differential testing on 2 answers: 1 return the outputs most independent "
            "candidates return (1 right), 1 do not (0 right).") in shown
    assert "baseline" not in shown

"""benchmarks/route_decisions.py: the router's decisions joined with the hidden verdicts."""

import importlib.util
import json
from pathlib import Path

_SPEC = importlib.util.spec_from_file_location(
    "route_decisions", Path(__file__).parents[2] / "benchmarks" / "route_decisions.py")
route_decisions = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(route_decisions)


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
    shown = route_decisions.table(route_decisions.rows(tmp_path))
    assert "| coder | assessor | complex | 2 | 1/2 (50%) | 1 (0) | 4.0 | 10 |" in shown
    assert "| coder | rule: short task with examples | simple | 1 | 1/1 (100%) | 1 (1) |" in shown
    assert "| coder | assessor failed | complex | 1 |" in shown
    assert "baseline" not in shown

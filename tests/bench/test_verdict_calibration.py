"""benchmarks/verdict_calibration.py: the pipeline's own verdict against the hidden tests."""

import importlib.util
import json
from pathlib import Path

_SPEC = importlib.util.spec_from_file_location(
    "verdict_calibration", Path(__file__).parents[2] / "benchmarks" / "verdict_calibration.py")
verdict_calibration = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(verdict_calibration)


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
    shown = verdict_calibration.calibration(tmp_path)
    assert "### coder: 3 answers, 2 right by the hidden tests" in shown
    assert "| success | 2 | 1 |" in shown and "| unverified | 1 | 1 |" in shown
    assert "`success` precision 50.0%, recall 1 of 2." in shown
    assert ("Differential testing on 2 answers: 1 return the outputs most independent "
            "candidates return (1 right), 1 do not (0 right).") in shown
    assert "baseline" not in shown

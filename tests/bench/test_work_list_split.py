"""benchmarks/work_list_split.py: the work list from the baseline's answers and the examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dspy_coder.bench.store import RecordCost, ResultRecord, ResultsStore
from tests.benchmark_scripts import load_benchmark_script

WITH_EXAMPLE = '''def double(x):
    """Twice x.
    >>> double(2)
    4
    """
'''
PROBLEMS = {
    # the baseline's answer passes its example: not on the work list
    "T/0": (WITH_EXAMPLE, "double", "def double(x):\n    return 2 * x\n"),
    # the baseline's answer fails its example: on the work list
    "T/1": (WITH_EXAMPLE.replace("double", "twice"), "twice", "def twice(x):\n    return x + 1\n"),
    # no docstring example: on the work list whatever the answer
    "T/2": ('def triple(x):\n    """Three times x."""\n', "triple",
            "def triple(x):\n    return 3 * x\n"),
}


def load_script():
    return load_benchmark_script("work_list_split")


def write_run(directory: Path, variant: str, passed: dict[str, bool], calls: int) -> None:
    store = ResultsStore(directory / "results.jsonl")
    for task_id, ok in passed.items():
        store.append(ResultRecord(
            task_id=task_id, variant=variant, program_fingerprint="f", lm="local:m",
            passed=ok, grade_status="passed" if ok else "failed", code=PROBLEMS[task_id][2],
            cost=RecordCost(lm_calls=calls, prompt_tokens=100 * calls, completion_tokens=0),
        ))


def test_the_work_list_and_the_split_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    dataset = tmp_path / "problems.jsonl"
    dataset.write_text("".join(
        json.dumps({"task_id": t, "prompt": p, "entry_point": e, "test": "HIDDEN"}) + "\n"
        for t, (p, e, _code) in PROBLEMS.items()
    ))
    write_run(tmp_path / "base", "baseline", {"T/0": True, "T/1": False, "T/2": True}, calls=1)
    write_run(tmp_path / "pipe", "coder-drafts4", {"T/0": True, "T/1": True, "T/2": False},
              calls=3)

    script = load_script()
    assert script.main(["--baseline", str(tmp_path / "base"), "--pipeline",
                        str(tmp_path / "pipe"), "--dataset", str(dataset)]) == 0
    out = capsys.readouterr().out
    assert "Work list (2 of 3 baseline answers fail their docstring examples or have none): " \
        "T/1, T/2" in out
    assert "| work list | 2 | 1/2 | 1/2 | +1 / -1 (p = 1.00) | 3.0 | 300 |" in out
    assert "| the rest | 1 | 1/1 | 1/1 | +0 / -0 (p = 1.00) | 3.0 | 300 |" in out
    assert "Gained: T/1. Lost: T/2." in out


def test_a_run_with_two_variants_is_refused(tmp_path: Path):
    write_run(tmp_path / "mixed", "baseline", {"T/0": True}, calls=1)
    write_run(tmp_path / "mixed", "cot", {"T/0": True}, calls=1)
    script = load_script()
    assert script.main(["--baseline", str(tmp_path / "mixed"), "--pipeline",
                        str(tmp_path / "mixed")]) == 2

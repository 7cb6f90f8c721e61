"""benchmarks/checkpoint_table.py: the checkpoint experiment's table from results and reports."""

import json
from pathlib import Path

import pytest

from tests.benchmark_scripts import load_benchmark_script

checkpoint_table = load_benchmark_script("checkpoint_table")


def _write(run: Path, variant: str, lm: str, answers: list[tuple[str, bool, int, int]]) -> None:
    """answers: (task_id, passed, checkpoints, senior calls)."""
    with open(run / "results.jsonl", "a") as results, open(run / "reports.jsonl", "a") as reps:
        for task_id, passed, checkpoints, senior_calls in answers:
            key = {"task_id": task_id, "variant": variant, "program_fingerprint": variant}
            results.write(json.dumps({**key, "lm": lm, "passed": passed, "cost": {
                "lm_calls": 2 + senior_calls, "prompt_tokens": 100, "completion_tokens": 50,
                "wall_time_s": 10.0}}) + "\n")
            tiers = {"senior": {"calls": senior_calls, "prompt_tokens": 30 * senior_calls,
                                "completion_tokens": 10 * senior_calls,
                                "wall_time_s": 4.0 * senior_calls}} if senior_calls else {}
            reps.write(json.dumps({**key, "report": {
                "checkpoints": [{"number": i + 1} for i in range(checkpoints)],
                "tiers": tiers}}) + "\n")


def test_rows_pair_with_the_named_reference_and_count_senior_cost(tmp_path, capsys):
    _write(tmp_path, "cp1", "junior", [("t0", True, 0, 1), ("t1", True, 2, 3),
                                        ("t2", False, 1, 2), ("t3", True, 0, 1)])
    _write(tmp_path, "alone", "junior", [("t0", True, 0, 0), ("t1", False, 0, 0),
                                          ("t2", False, 0, 0), ("t3", False, 0, 0)])
    assert checkpoint_table.main([str(tmp_path), "--against", "alone@junior"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].startswith("| alone | junior | 1/4 | 1 | 0 | 0.0 | 0 | 0 | 2.0 | 150 |")
    assert lines[2].endswith("| reference |")
    assert lines[3] == ("| cp1 | junior | 3/4 | 2 | 2 | 1.8 | 70 | 7 | 3.8 | 150 | 10 | "
                        "+2 t1, t3 / -0  (p = 0.50) |")


def test_an_unknown_reference_is_refused_with_the_names_there_are(tmp_path, capsys):
    _write(tmp_path, "cp1", "junior", [("t0", True, 0, 1)])
    with pytest.raises(SystemExit):
        checkpoint_table.main([str(tmp_path), "--against", "nope@junior"])
    assert "cp1@junior" in capsys.readouterr().err

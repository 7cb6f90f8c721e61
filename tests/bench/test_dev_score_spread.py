"""benchmarks/dev_score_spread.py: one program's dev score per repeat, the problems whose runs
differ, and every LM request with whether the shared replay cache answered it."""

from __future__ import annotations

import json

import pytest

from tests.benchmark_scripts import load_benchmark_script


@pytest.fixture(scope="module")
def script():
    return load_benchmark_script("dev_score_spread")


def test_a_problem_whose_repeats_differ_is_marked_and_counted(script, tmp_path, capsys):
    rows = [(1, "Mbpp/259", 0.0, 8, "aaa"), (2, "Mbpp/259", 1.0, 6, "bbb"),
            (1, "Mbpp/71", 0.95, 2, "ccc"), (2, "Mbpp/71", 0.95, 2, "ccc")]
    path = tmp_path / "runs.jsonl"
    path.write_text("".join(json.dumps({"repeat": r, "task_id": t, "score": s, "calls": c,
                                        "code": h}) + "\n" for r, t, s, c, h in rows))
    assert script.summarise(path) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.endswith("DIFF") for line in out[1:3]] == [True, False]
    assert out[-1] == "mean per repeat: 0.475, 0.975; problems that differ: 1 of 2"


def test_every_request_is_logged_with_whether_the_cache_answered_it(script, tmp_path):
    log = tmp_path / "requests.jsonl"
    cache = script.logging_cache(tmp_path / "cache", log)
    request = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    assert cache.get(request) is None
    cache.put(request, {"answer": "hello"})
    assert cache.get(request) == {"answer": "hello"}
    logged = [json.loads(line) for line in log.read_text().splitlines()]
    assert [entry["hit"] for entry in logged] == [False, True]
    assert logged[0]["key"] == logged[1]["key"] and logged[0]["messages"] == request["messages"]
    assert cache.hits == 1

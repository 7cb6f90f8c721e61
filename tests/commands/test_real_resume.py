"""Resume after kill -9 with the embedded 0.5B model: the run is killed once it has paid
for some LM calls, resumed, and finishes without paying for those calls again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TASK = ("Write a function count_vowels(s: str) -> int that returns how many of the "
        "characters of s are vowels (a, e, i, o, u, either case).")
CLI = [sys.executable, "-c", "import sys; from dspy_coder.cli import main; sys.exit(main())"]


def _journal_entries(run: Path) -> int:
    import diskcache

    with diskcache.FanoutCache(str(run / "lm_journal"), shards=16) as cache:  # as DSPy keeps it
        return len(cache)


def _events(run: Path) -> list[dict]:
    path = run / "events.jsonl"
    lines = path.read_text().splitlines() if path.is_file() else []
    return [json.loads(line) for line in lines if line.endswith("}")]


@pytest.mark.real_model
def test_a_run_killed_with_sigkill_resumes_without_paying_twice(tmp_path: Path):
    out, run = tmp_path / "out", tmp_path / "out" / "run"
    argv = ["solve", TASK, "--lm", "local:qwen2.5-coder-0.5b", "--drafts", "0",
            "--max-iterations", "3", "--out", str(out)]
    first = subprocess.Popen(CLI + argv, cwd=tmp_path, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while not any(e["kind"] == "attempt_scored" for e in _events(run)):
        assert first.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "no attempt within 10 minutes"
        time.sleep(0.5)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    paid_before = _journal_entries(run)
    kept = json.loads((run / "state.json").read_text())  # the record as the kill left it
    assert len(kept["task"]["attempts"]) >= 1 and kept["task"]["tests"]
    assert paid_before >= 2  # the first draft and the tests were paid for
    assert json.loads((run / "run.json").read_text())["status"] == "running"  # as kill -9 left it

    resumed = subprocess.run(CLI + ["resume", str(run)], cwd="/", capture_output=True, text=True,
                             timeout=1200, check=False)
    assert resumed.returncode in (0, 1), resumed.stderr[-2000:]
    report = json.loads((out / "report.json").read_text())
    state = json.loads((run / "run.json").read_text())
    assert state["status"] == "finished" and state["result"] == report["status"]
    # every call made before the kill was answered from the journal: the resumed run paid
    # only for the new ones
    assert report["cost"]["lm_calls"] == _journal_entries(run) - paid_before
    kinds = [e["kind"] for e in _events(run)]
    assert kinds.count("run_started") == 2 and kinds[-1] == "run_finished"

"""Results JSONL: append, read back, dedupe by key, tolerate a torn last line."""

from __future__ import annotations

import threading
from pathlib import Path

from dspy_coder.bench.store import ResultRecord, ResultsStore, read_records


def record(task: str, sample: int = 0, passed: bool = True, error: str = "") -> ResultRecord:
    return ResultRecord(
        task_id=task,
        variant="baseline",
        program_fingerprint="abc",
        lm="dummy",
        sample=sample,
        passed=passed,
        grade_status="passed" if passed else "failed",
        program_error=error,
    )


def test_round_trip_and_keys(tmp_path: Path):
    store = ResultsStore(tmp_path / "r.jsonl")
    store.append(record("T/0"))
    store.append(record("T/0", sample=1, passed=False))
    records = store.records()
    assert [(r.task_id, r.sample, r.passed) for r in records] == [
        ("T/0", 0, True),
        ("T/0", 1, False),
    ]
    assert store.done_keys() == {
        ("T/0", "baseline", "abc", "dummy", 0),
        ("T/0", "baseline", "abc", "dummy", 1),
    }


def test_later_line_for_the_same_key_wins(tmp_path: Path):
    store = ResultsStore(tmp_path / "r.jsonl")
    store.append(record("T/0", passed=False, error="ValueError: x"))
    store.append(record("T/0", passed=True))
    assert [r.passed for r in store.records()] == [True]


def test_errors_can_be_excluded_from_done(tmp_path: Path):
    store = ResultsStore(tmp_path / "r.jsonl")
    store.append(record("T/0", passed=False, error="ValueError: x"))
    store.append(record("T/1"))
    assert {k[0] for k in store.done_keys(include_errors=False)} == {"T/1"}


def test_torn_last_line_is_ignored_and_repaired(tmp_path: Path):
    path = tmp_path / "r.jsonl"
    store = ResultsStore(path)
    store.append(record("T/0"))
    with path.open("a") as handle:
        handle.write('{"task_id": "T/1", "varia')  # killed mid-write
    assert [r.task_id for r in read_records(path)] == ["T/0"]
    store.append(record("T/2"))
    assert [r.task_id for r in read_records(path)] == ["T/0", "T/2"]


def test_concurrent_appends_do_not_interleave(tmp_path: Path):
    store = ResultsStore(tmp_path / "r.jsonl")
    threads = [
        threading.Thread(
            target=lambda i=i: [store.append(record(f"T/{i}", sample=s)) for s in range(20)]
        )
        for i in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(read_records(tmp_path / "r.jsonl")) == 80


def test_usage_from_history_counts_calls_tokens_and_cache_hits():
    from types import SimpleNamespace

    from dspy_coder.bench.usage import usage_from_history

    history = [
        {"usage": {"prompt_tokens": 200, "completion_tokens": 50}, "response": None},
        {
            "usage": {"prompt_tokens": 10, "completion_tokens": 5},
            "response": SimpleNamespace(cache_hit=True),
        },
        {"usage": {}, "response": {"cache_hit": False}},  # DSPy clears usage on a cache hit
    ]
    usage = usage_from_history(history)
    assert (usage.calls, usage.cached_calls, usage.prompt_tokens, usage.completion_tokens) == (
        3,
        2,
        200,
        50,
    )


def test_each_line_is_one_write_call(tmp_path: Path, monkeypatch):
    """A line goes to the file in a single write(), so Ctrl-C cannot leave half of it."""
    import os

    from dspy_coder.bench import store as store_module

    writes: list[bytes] = []
    real_write = os.write

    def spy_write(fd: int, data: bytes) -> int:
        writes.append(bytes(data))
        return real_write(fd, data)

    monkeypatch.setattr(store_module.os, "write", spy_write)
    big = record("T/0").model_copy(update={"code": "x = 1\n" * 50_000})  # ~300 KB
    store = ResultsStore(tmp_path / "r.jsonl")
    store.append(big)
    store_module.append_json_line(tmp_path / "reports.jsonl", {"report": "y" * 100_000})
    assert len(writes) == 2 and all(w.endswith(b"\n") and w.count(b"\n") == 1 for w in writes)
    assert read_records(tmp_path / "r.jsonl")[0].code == big.code


def _cut_inside_a_character(path: Path, row: ResultRecord) -> None:
    """Append ``row`` cut in the middle of a multi-byte UTF-8 character (a crash mid-write)."""
    data = (row.model_dump_json() + "\n").encode("utf-8")
    cut = data.index("é".encode()) + 1  # one of the character's two bytes
    with path.open("ab") as handle:
        handle.write(data[:cut])


def test_a_last_line_cut_inside_a_utf8_character_is_skipped_with_a_warning(
    tmp_path: Path, caplog
):
    path = tmp_path / "r.jsonl"
    store = ResultsStore(path)
    store.append(record("T/0").model_copy(update={"code": "s = 'café'\n"}))
    _cut_inside_a_character(path, record("T/1").model_copy(update={"code": "s = 'é'\n"}))
    with caplog.at_level("WARNING", logger="dspy_coder.bench.store"):
        assert [r.task_id for r in read_records(path)] == ["T/0"]
    assert "incomplete" in caplog.text and "redoes it" in caplog.text
    store.append(record("T/2"))  # ends the torn line first; no complete row is lost
    assert [r.task_id for r in read_records(path)] == ["T/0", "T/2"]


def test_a_complete_last_row_without_its_newline_is_kept(tmp_path: Path):
    path = tmp_path / "r.jsonl"
    path.write_text(record("T/0").model_dump_json() + "\n" + record("T/1").model_dump_json())
    assert [r.task_id for r in read_records(path)] == ["T/0", "T/1"]


def test_each_append_is_fsynced(tmp_path: Path, monkeypatch):
    """A row is on disk before the unit counts as done: one fsync per appended line."""
    import os

    from dspy_coder.bench import store as store_module

    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(
        store_module.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1]
    )
    store = ResultsStore(tmp_path / "r.jsonl")
    store.append(record("T/0"))
    store.append(record("T/1"))
    store_module.append_json_line(tmp_path / "reports.jsonl", {"report": "x"})
    # one per line, plus one per directory a new file was created in
    assert len(synced) >= 3

"""--shard i/n: a stable partition of the units, and bench merge joining the shards' folders."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from dspy_coder import cli
from dspy_coder.bench.shards import parse_shard, unit_shard
from dspy_coder.bench.store import read_records
from dspy_coder.errors import UsageError

UNITS = [
    (f"HumanEval/{i}", v, s) for i in range(164) for v in ("baseline", "coder") for s in (0, 1)
]


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_every_unit_is_in_exactly_one_shard_and_shards_are_balanced(count: int):
    shards = [parse_shard(f"{i}/{count}") for i in range(1, count + 1)]
    owners = [[s for s in shards if s.owns(*unit)] for unit in UNITS]
    assert all(len(o) == 1 for o in owners)
    sizes = Counter(o[0].index for o in owners)
    assert len(sizes) == count
    assert max(sizes.values()) - min(sizes.values()) < 0.2 * len(UNITS) / count + 8


def test_the_partition_is_pinned():
    # sha256-based, so the same on every machine and Python; pinned because changing it would
    # move units between the shards of a run already under way
    shards = [unit_shard(f"HumanEval/{i}", "baseline", 0, 4) for i in range(8)]
    assert shards == [1, 1, 3, 1, 3, 1, 2, 4]


@pytest.mark.parametrize("text", ["0/2", "3/2", "1/0", "a/b", "1-2", ""])
def test_bad_shard_forms_are_usage_errors(text: str):
    with pytest.raises(UsageError, match="--shard"):
        parse_shard(text)


def _bench(dataset: Path, *extra: str) -> list[str]:
    return ["bench", "--dataset", str(dataset), "--variant", "baseline", "--lm", "dummy/x",
            "--no-mlflow", *extra]


def test_shards_run_apart_and_merge_into_the_unsharded_run(
    tmp_path: Path, dataset: Path, dummy_lm, capsys
):
    whole, merged = tmp_path / "whole", tmp_path / "merged"
    shards = [tmp_path / "s1", tmp_path / "s2"]
    assert cli.main(_bench(dataset, "--out", str(whole))) == 0
    for i, folder in enumerate(shards, start=1):
        assert cli.main(_bench(dataset, "--shard", f"{i}/2", "--out", str(folder))) == 0
    rows = [read_records(f / "results.jsonl") for f in shards]
    assert sum(map(len, rows)) == 3  # each unit in one shard only
    assert {r.task_id for r in rows[0]}.isdisjoint({r.task_id for r in rows[1]})
    first = json.loads((shards[0] / "summary.json").read_text())
    assert first["complete"] is True and first["expected_units"] == len(rows[0])

    assert cli.main(["bench", "merge", str(shards[0]), "--out", str(merged)]) == 0
    partial = json.loads((merged / "summary.json").read_text())
    assert partial["complete"] is False and partial["expected_units"] == 3  # INCOMPLETE
    manifest = json.loads((merged / "manifest.json").read_text())
    assert manifest["merged_shards"] == ["1/2"]
    assert "INCOMPLETE" in (merged / "table.md").read_text()

    assert cli.main(["bench", "merge", *map(str, shards), "--out", str(merged)]) == 0
    assert "Merged" in capsys.readouterr().out
    got = {r.key: (r.passed, r.code) for r in read_records(merged / "results.jsonl")}
    want = {r.key: (r.passed, r.code) for r in read_records(whole / "results.jsonl")}
    assert got == want
    assert len((merged / "results.jsonl").read_text().splitlines()) == 3  # no duplicates
    summary = json.loads((merged / "summary.json").read_text())
    assert summary["complete"] is True and summary["expected_units"] == 3
    manifest = json.loads((merged / "manifest.json").read_text())
    assert manifest["merged_shards"] == ["1/2", "2/2"]
    assert {s["merged_from"] for s in manifest["sessions"]} == {"s1", "s2"}
    assert "shard" not in manifest["params"]

    # the unsharded command resumes the merged folder with nothing left to do
    assert cli.main(_bench(dataset, "--out", str(merged))) == 0
    assert len((merged / "results.jsonl").read_text().splitlines()) == 3


def test_merge_refuses_folders_of_different_runs(tmp_path: Path, dataset: Path, dummy_lm, caplog):
    assert cli.main(_bench(dataset, "--shard", "1/2", "--out", str(tmp_path / "a"))) == 0
    other = ["bench", "--dataset", str(dataset), "--variant", "cot", "--lm", "dummy/x",
             "--no-mlflow", "--shard", "2/2", "--out", str(tmp_path / "b")]
    cli.main(other)
    argv = ["bench", "merge", str(tmp_path / "a"), str(tmp_path / "b"),
            "--out", str(tmp_path / "m")]
    assert cli.main(argv) == 2
    assert "not a shard of the same run" in caplog.text

"""manifest.json: replaced atomically, and an unreadable one never blocks a resume or a report."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dspy_coder.bench.manifest import MANIFEST_FILE, check_dataset, read_manifest, update_manifest
from dspy_coder.bench.report import summarise, write_summary
from dspy_coder.bench.store import ResultRecord
from dspy_coder.errors import UsageError


def _start(run_dir: Path) -> dict:
    return update_manifest(run_dir, name="run", lm="dummy", params={"v": 1}, argv=["x"],
                           expected_units=3)


def test_the_manifest_is_replaced_never_rewritten_in_place(tmp_path: Path):
    _start(tmp_path)
    before = json.loads((tmp_path / MANIFEST_FILE).read_text())
    os.link(tmp_path / MANIFEST_FILE, tmp_path / "old-inode.json")
    _start(tmp_path)  # a second session
    # the old file was never truncated or half-written: a reader (or a crash) sees old or new
    assert json.loads((tmp_path / "old-inode.json").read_text()) == before
    assert len(json.loads((tmp_path / MANIFEST_FILE).read_text())["sessions"]) == 2
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("content", [b"", b'{"name": "run", "sessions": [{"started'])
def test_a_resume_with_an_unreadable_manifest_keeps_it_aside_and_goes_on(
    tmp_path: Path, content: bytes, caplog
):
    (tmp_path / MANIFEST_FILE).write_bytes(content)
    with caplog.at_level("WARNING", logger="dspy_coder.bench.manifest"):
        manifest = _start(tmp_path)
    assert len(manifest["sessions"]) == 1 and manifest["expected_units"] == 3
    assert manifest["rebuilt"]["unreadable_copy"].startswith("manifest.json.unreadable-")
    assert (tmp_path / manifest["rebuilt"]["unreadable_copy"]).read_bytes() == content
    assert json.loads((tmp_path / MANIFEST_FILE).read_text()) == manifest
    assert "was unreadable" in caplog.text


def test_an_unreadable_manifest_is_rebuilt_from_the_copy_in_the_summary(tmp_path: Path):
    manifest = _start(tmp_path)
    record = ResultRecord(task_id="T/0", variant="b", program_fingerprint="f", lm="dummy",
                          passed=True, grade_status="passed")
    write_summary(summarise([record]), tmp_path, manifest=manifest, expected_units=3)
    (tmp_path / MANIFEST_FILE).write_text('{"name": "ru')  # truncated
    assert read_manifest(tmp_path)["expected_units"] == 3  # for a report: the summary's copy
    resumed = _start(tmp_path)
    assert len(resumed["sessions"]) == 2  # the first session is still listed
    assert resumed["rebuilt"]["from"] == "summary.json"


def test_reading_an_unreadable_manifest_warns_and_says_what_to_do(tmp_path: Path, caplog):
    (tmp_path / MANIFEST_FILE).write_bytes(b"\xff\xfe not json")
    with caplog.at_level("WARNING", logger="dspy_coder.bench.manifest"):
        assert read_manifest(tmp_path) == {}
    assert "unreadable" in caplog.text and "Rerunning the bench command" in caplog.text
    # reading changes nothing
    assert (tmp_path / MANIFEST_FILE).read_bytes() == b"\xff\xfe not json"


def test_a_run_folder_takes_sessions_of_one_dataset_only(tmp_path: Path):
    """HumanEval with and without examples share task ids: their rows must not mix."""
    check_dataset(tmp_path, "humaneval-stripped")  # no manifest yet
    update_manifest(tmp_path, name="run", lm="dummy", params={"dataset": "humaneval-stripped"})
    check_dataset(tmp_path, "humaneval-stripped")
    with pytest.raises(UsageError, match="'humaneval-stripped', not 'humaneval'"):
        check_dataset(tmp_path, "humaneval")
    write_summary(summarise([]), tmp_path, manifest=read_manifest(tmp_path))
    (tmp_path / MANIFEST_FILE).write_bytes(b"")  # unreadable: the copy in summary.json counts
    with pytest.raises(UsageError, match="another --out"):
        check_dataset(tmp_path, "humaneval")


def test_recorded_commands_hold_no_absolute_path(tmp_path: Path, monkeypatch):
    from dspy_coder.bench.portable_paths import repo_root

    root = repo_root()
    out = root / "benchmarks" / "results" / "x"
    argv = ["dspy-coder", "bench", "--out", str(out), "--datasets-dir", str(root.parent / "d"),
            f"--tracking-uri=sqlite:///{root / 'mlflow.db'}"]
    monkeypatch.setattr("sys.argv", ["/usr/bin/dspy-coder", "bench", "--program", str(out)])
    manifest = update_manifest(tmp_path, name="x", lm="dummy", params={}, argv=argv)
    session = manifest["sessions"][0]
    for text in (manifest["command"], session["invoked_as"], session["command"]):
        assert str(root) not in text
        assert not any(word.startswith("/") for word in text.split())
    assert "--out benchmarks/results/x" in manifest["command"]
    assert "--datasets-dir ../d" in manifest["command"]
    assert "--tracking-uri=sqlite:///mlflow.db" in manifest["command"]
    assert "--program benchmarks/results/x" in session["invoked_as"]

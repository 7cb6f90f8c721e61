"""Atomic replacement of result files: old or new content, never half, no temp files left."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dspy_coder import durable_files
from dspy_coder.durable_files import write_text_atomic


def test_writes_new_content_with_the_usual_permissions(tmp_path: Path):
    target = tmp_path / "sub" / "summary.json"
    write_text_atomic(target, "é\n")
    assert target.read_text(encoding="utf-8") == "é\n"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in target.parent.iterdir()] == ["summary.json"]


def test_a_failure_before_the_rename_leaves_the_old_file_and_no_temp(tmp_path: Path, monkeypatch):
    target = tmp_path / "manifest.json"
    target.write_text("old\n")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(durable_files.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        write_text_atomic(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]

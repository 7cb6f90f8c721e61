"""Fixtures of the bench command tests: a toy dataset file and DummyLM answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dspy_coder import cli
from tests.bench.helpers import PROBLEMS, RIGHT, WRONG, answers_lm


@pytest.fixture()
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "toy.jsonl"
    path.write_text("".join(json.dumps(p.model_dump()) + "\n" for p in PROBLEMS))
    return path


@pytest.fixture()
def dummy_lm(monkeypatch: pytest.MonkeyPatch):
    """Every LM the CLI builds is a DummyLM; only the bench subcommand is registered."""
    monkeypatch.setattr(cli, "COMMANDS", ("bench",))
    codes = {**RIGHT, "square": WRONG["square"]}
    monkeypatch.setattr(cli.Settings, "make_lm", lambda self, spec=None, **kw: answers_lm(codes))

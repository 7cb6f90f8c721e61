"""Each test starts in an empty directory of its own, as in dspy-coder's sandbox."""

import pytest


@pytest.fixture(autouse=True)
def _own_working_directory(tmp_path, monkeypatch):
    """Each test starts in an empty directory of its own, as in dspy-coder's sandbox."""
    monkeypatch.chdir(tmp_path)
